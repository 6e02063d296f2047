// Learning-rate schedules against transformers' optimization.py (get_scheduler's lambdas, ported below)
// at every step of several (total, warmup) shapes, plus a few values worked out by hand.
#include "tests/registry.h"

#include "core/train/scheduler.h"
#include "core/util/error.h"

#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace lathe;

namespace {

// transformers.optimization: _get_*_schedule_with_warmup_lr_lambda (num_cycles 0.5).
double hf_factor(const std::string& type, int64_t current_step, int64_t num_warmup_steps, int64_t num_training_steps,
                 double min_lr_rate) {
    const double step = static_cast<double>(current_step);
    if (type == "constant") return 1.0;
    if (current_step < num_warmup_steps) return step / static_cast<double>(std::max<int64_t>(1, num_warmup_steps));
    if (type == "constant_with_warmup") return 1.0;
    if (type == "linear")
        return std::max(0.0, static_cast<double>(num_training_steps - current_step) /
                                 static_cast<double>(std::max<int64_t>(1, num_training_steps - num_warmup_steps)));
    const double progress = static_cast<double>(current_step - num_warmup_steps) /
                            static_cast<double>(std::max<int64_t>(1, num_training_steps - num_warmup_steps));
    const double num_cycles = 0.5;
    double factor = 0.5 * (1.0 + std::cos(M_PI * num_cycles * 2.0 * progress));
    if (type == "cosine") return std::max(0.0, factor);
    factor = factor * (1 - min_lr_rate) + min_lr_rate;  // cosine_with_min_lr
    return std::max(0.0, factor);
}

}  // namespace

class TestTrainSchedule : public QObject {
    Q_OBJECT

private slots:
    void matchesTransformersAtEveryStep() {
        const std::vector<std::pair<int64_t, int64_t>> shapes = {{1, 0}, {10, 0}, {10, 3}, {7, 7}, {100, 10}, {375, 38}};
        for (const char* type : {"linear", "cosine", "constant", "constant_with_warmup", "cosine_with_min_lr"})
            for (const auto& [total, warmup] : shapes)
                for (double min_rate : {0.0, 0.1}) {
                    Schedule s{type, total, warmup, min_rate};
                    for (int64_t step = 0; step <= total; ++step) {
                        const double want = hf_factor(type, step, warmup, total, min_rate);
                        if (std::abs(s.factor(step) - want) > 1e-12)
                            QFAIL(qPrintable(QString("%1 total %2 warmup %3 min %4: step %5 gives %6, transformers %7")
                                                 .arg(type).arg(total).arg(warmup).arg(min_rate).arg(step)
                                                 .arg(s.factor(step), 0, 'g', 17).arg(want, 0, 'g', 17)));
                }
            }
    }

    void handWorkedValues() {
        Schedule linear{"linear", 10, 2, 0};
        QCOMPARE(linear.factor(0), 0.0);  // the first update of a warmup runs at lr 0, as in transformers
        QCOMPARE(linear.factor(1), 0.5);
        QCOMPARE(linear.factor(2), 1.0);
        QCOMPARE(linear.factor(6), 0.5);
        QCOMPARE(linear.factor(10), 0.0);
        Schedule cosine{"cosine", 10, 0, 0};
        QCOMPARE(cosine.factor(0), 1.0);
        QVERIFY(std::abs(cosine.factor(5) - 0.5) < 1e-15);
        QVERIFY(std::abs(cosine.factor(10)) < 1e-15);
        Schedule floor{"cosine_with_min_lr", 10, 0, 0.1};
        QVERIFY(std::abs(floor.factor(5) - 0.55) < 1e-15);
        QVERIFY(std::abs(floor.factor(10) - 0.1) < 1e-15);
        Schedule cww{"constant_with_warmup", 10, 4, 0};
        QCOMPARE(cww.factor(1), 0.25);
        QCOMPARE(cww.factor(4), 1.0);
        QCOMPARE(cww.factor(9), 1.0);
        Schedule constant{"constant", 10, 4, 0};  // transformers' "constant" has no warmup
        QCOMPARE(constant.factor(0), 1.0);
    }

    void warmupStepsFromRatio() {
        QCOMPARE(warmup_steps_for(100, 0, 0.1), int64_t(10));
        QCOMPARE(warmup_steps_for(25, 0, 0.1), int64_t(3));   // ceil(2.5)
        QCOMPARE(warmup_steps_for(375, 0, 0.1), int64_t(38));  // ceil(37.5)
        QCOMPARE(warmup_steps_for(100, 7, 0.5), int64_t(7));   // warmup_steps wins over the ratio
        QCOMPARE(warmup_steps_for(10, 0, 0.0), int64_t(0));
    }

    void unknownScheduleIsAnError() {
        Schedule s{"polynomial", 10, 0, 0};
        QString msg;
        try {
            s.factor(3);
        } catch (const ConfigError& e) {
            msg = e.what();
        }
        QCOMPARE(msg, QString("lr_scheduler_type: unknown schedule 'polynomial'"));
    }
};

LATHE_TEST(TestTrainSchedule)
#include "test_train_schedule.moc"
