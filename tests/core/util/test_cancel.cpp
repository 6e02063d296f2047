// One cancellation mechanism (core/util/cancel.h): the innermost scope's flag decides; a training run
// stops in whichever setup step runs when Abort comes (reading data, loading weights, encoding) and
// reports "cancelled" without a checkpoint; the loop itself is tested in test_train_guard.cpp.
#include "tests/registry.h"

#include "core/train/session.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "tests/core/train/train_fixtures.h"

#include <QtTest>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

using namespace lathe;
using namespace lathe::test;

namespace {

bool throws_cancelled() {
    try {
        throw_if_cancelled();
    } catch (const Cancelled&) {
        return true;
    }
    return false;
}

struct Outcome {
    TrainSummary summary;
    std::vector<std::string> said;  // the info messages, in order
};

// Runs `c`, setting the abort flag when an info message starts with `at`.
Outcome run_aborting_at(const TrainConfig& c, const std::string& at) {
    Outcome o;
    std::atomic<bool> abort{false};
    TrainerEvents ev;
    ev.on_message = [&](const std::string& level, const Problem& note) {
        const std::string& text = note.message;
        if (level != "info") return;
        o.said.push_back(text);
        if (text.rfind(at, 0) == 0) abort = true;
    };
    o.summary = run_training(c, ev, &abort);
    return o;
}

bool said(const Outcome& o, const std::string& prefix) {
    for (const auto& s : o.said)
        if (s.rfind(prefix, 0) == 0) return true;
    return false;
}

}  // namespace

class TestCancel : public QObject {
    Q_OBJECT

    TinyWorld world_;

private slots:
    void initTestCase() { world_ = make_tiny_world("cancel"); }

    void theInnermostScopeDecides() {
        QVERIFY(!throws_cancelled());  // no scope
        std::atomic<bool> set{true}, clear{false};
        {
            CancelScope outer(&set);
            QVERIFY(throws_cancelled());
            {
                CancelScope inner(&clear);
                QVERIFY(!throws_cancelled());
                CancelScope none(nullptr);
                QVERIFY(!throws_cancelled());
            }
            QVERIFY(cancel_requested());
        }
        QVERIFY(!cancel_requested());
        // Cancelled is not an Error: code that reports failures lets it through.
        bool passed_through = false;
        try {
            try {
                throw Cancelled();
            } catch (const Error&) {
                QFAIL("Cancelled caught as an Error");
            }
        } catch (const Cancelled&) {
            passed_through = true;
        }
        QVERIFY(passed_through);
    }

    void abortWhileLoadingWeightsStopsThere() {
        const std::string out = world_.root + "/abort-load";
        const Outcome o = run_aborting_at(tiny_run(world_, out, "lora"), "datasets:");
        QVERIFY2(o.summary.status == TrainSummary::Status::Cancelled, o.summary.message.c_str());
        QVERIFY2(o.summary.message.find("cancelled before the first step") == 0, o.summary.message.c_str());
        QVERIFY(!said(o, "model:"));  // the weights' loop stopped before the model was announced
        QVERIFY(!said(o, "encoded:"));
        for (const auto& e : std::filesystem::directory_iterator(out))
            QVERIFY2(e.path().filename().string().rfind("checkpoint-", 0) != 0, e.path().c_str());
    }

    void abortWhileEncodingStopsThere() {
        const Outcome o = run_aborting_at(tiny_run(world_, world_.root + "/abort-encode", "full"), "model:");
        QVERIFY2(o.summary.status == TrainSummary::Status::Cancelled, o.summary.message.c_str());
        QVERIFY(said(o, "model:"));
        QVERIFY(!said(o, "encoded:"));
    }

    void withoutAbortTheRunCompletes() {
        TrainConfig c = tiny_run(world_, world_.root + "/no-abort", "lora");
        c.max_steps = 1;
        const Outcome o = run_aborting_at(c, "no message starts like this");
        QVERIFY2(o.summary.status == TrainSummary::Status::Completed, o.summary.message.c_str());
        QVERIFY(said(o, "encoded:"));
    }
};

LATHE_TEST(TestCancel)
#include "test_cancel.moc"
