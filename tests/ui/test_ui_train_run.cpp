// The Train tab end to end with real widgets: fill the form, Start, watch points arrive in the plot and
// the progress bar move, finish with a checkpoint and an adapter; abort mid-run; close while training;
// the same with two processes (Processes = 2: the studio is rank 0, a lathe-cli worker rank 1).
#include "core/train/train_config.h"
#include "tests/child_processes.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "core/util/fs.h"
#include "ui/engine_messages.h"
#include "ui/language.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/train_controller.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"
#include "widgets/loss_plot.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>
#include <QTimer>

#include <atomic>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace lathe;
using namespace lathe::test;

namespace {

// Processes whose parent is this test and whose program is lathe-cli (the studio's data-parallel workers).
int cli_children() {
    int n = 0;
    for (pid_t pid : child_processes(::getpid())) n += program_of(pid) == "lathe-cli";
    return n;
}

// Fills the form the way a user does: the widgets, not TrainConfig.
void fillForm(ui::MainWindow& w, const std::string& out, int steps, int saveSteps,
              const std::string& datasetDir = ui_dataset_dir()) {
    w.modelBar()->setModelPath(QString::fromStdString(ui_model_dir()));
    w.modelBar()->setMethod("lora", 0);
    w.modelBar()->setTemplateName("chatml");
    ui::TrainForm* f = w.trainTab()->form();
    auto* dir = qobject_cast<QLineEdit*>(f->editor("dataset_dir"));
    dir->clear();
    QTest::keyClicks(dir, QString::fromStdString(datasetDir));
    QListWidget* list = f->datasetList();
    QListWidgetItem* demo = nullptr;
    for (int i = 0; i < list->count(); ++i) {
        list->item(i)->setCheckState(Qt::Unchecked);  // the starter's "identity" is not in this folder
        if (list->item(i)->data(Qt::UserRole).toString() == "demo") demo = list->item(i);
    }
    QVERIFY2(demo, "the demo dataset is listed for sft");
    demo->setCheckState(Qt::Checked);
    qobject_cast<QSpinBox*>(f->editor("max_steps"))->setValue(steps);
    qobject_cast<QSpinBox*>(f->editor("logging_steps"))->setValue(1);
    qobject_cast<QSpinBox*>(f->editor("save_steps"))->setValue(saveSteps);
    qobject_cast<QSpinBox*>(f->editor("cutoff_len"))->setValue(64);
    qobject_cast<QSpinBox*>(f->editor("per_device_train_batch_size"))->setValue(2);
    qobject_cast<QSpinBox*>(f->editor("gradient_accumulation_steps"))->setValue(1);
    qobject_cast<QSpinBox*>(f->editor("threads"))->setValue(1);
    auto* lr = qobject_cast<QLineEdit*>(f->editor("learning_rate"));
    lr->selectAll();
    QTest::keyClicks(lr, "0.001");
    auto* o = qobject_cast<QLineEdit*>(f->editor("output_dir"));
    o->selectAll();
    QTest::keyClicks(o, QString::fromStdString(out));
}

}  // namespace

class TestUiTrainRun : public QObject {
    Q_OBJECT
private slots:
    void trainsToTheEndWithoutStallingTheUi() {
        ui::MainWindow w;
        w.show();
        // The window's first paint (fonts, the whole form) is not what this test measures.
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const std::string out = scratch_dir() + "/run-finish";
        fillForm(w, out, 12, 5);
        QTest::qWait(300);
        ui::TrainTab* tab = w.trainTab();
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->problems().value(0).second));
        QVERIFY(tab->startButton()->isEnabled());

        QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
        QSignalSpy points(w.trainController(), &ui::TrainController::logPoints);
        // The longest gap between ticks of a 5 ms timer is the longest the UI thread was blocked.
        QElapsedTimer clock;
        qint64 last = 0, longest = 0;
        QTimer ticker;
        ticker.setInterval(5);
        QObject::connect(&ticker, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            longest = std::max(longest, now - last);
            last = now;
        });
        int progressSeen = 0, plotSeenBeforeEnd = 0;
        QObject::connect(tab->progressBar(), &QProgressBar::valueChanged, [&](int v) { progressSeen = std::max(progressSeen, v); });
        // TrainTab's slot runs first (connected first): the plot already holds these points here.
        QObject::connect(w.trainController(), &ui::TrainController::logPoints, [&] {
            plotSeenBeforeEnd = std::max(plotSeenBeforeEnd, tab->plot()->lossPointCount());
        });
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY(w.trainController()->isRunning());
        QVERIFY(!tab->startButton()->isEnabled());
        QVERIFY(tab->abortButton()->isEnabled());
        clock.start();
        ticker.start();
        QVERIFY2(wait_until([&] { return finished.count() == 1; }, 120000), "training did not finish in 2 minutes");
        ticker.stop();

        const auto r = finished.at(0).at(0).value<ui::RunResult>();
        QVERIFY2(r.status == ui::RunResult::Completed, qPrintable(r.message));
        QCOMPARE(r.steps, qint64(12));
        QVERIFY(points.count() >= 1);
        QVERIFY2(plotSeenBeforeEnd > 0, "points reached the plot while the run was going");
        wait_until([&] { return tab->plot()->lossPointCount() == 12; }, 2000);
        QCOMPARE(tab->plot()->lossPointCount(), 12);  // logging_steps 1: one point per step
        QCOMPARE(tab->progressBar()->value(), 12);
        QCOMPARE(tab->progressBar()->maximum(), 12);
        QVERIFY(progressSeen > 0);
        QVERIFY2(tab->noticeText().contains("finished"), qPrintable(tab->noticeText()));
        QVERIFY(fs::exists(out + "/checkpoint-5/adapter_model.safetensors"));
        QVERIFY(fs::exists(out + "/checkpoint-10"));
        QVERIFY(fs::exists(out + "/adapter_model.safetensors"));
        QVERIFY(fs::exists(out + "/trainer_log.jsonl"));
        QVERIFY(tab->startButton()->isEnabled() || !tab->problems().isEmpty());
        // The finished run becomes the checkpoint of the model bar (Chat uses it).
        QCOMPARE(w.modelBar()->checkpoint(), QDir(QString::fromStdString(out)).absolutePath());
        QVERIFY2(longest < 100, qPrintable(QString("the UI thread stalled for %1 ms during training").arg(longest)));
        qInfo("longest event-loop stall during training: %lld ms", static_cast<long long>(longest));
    }

    void abortStopsWithinAStepAndKeepsACheckpoint() {
        // The engine thread reports a step (step 3 or later) and waits there until Abort has been clicked, so
        // the test knows exactly which step the run was at when the user asked it to stop. Declared before
        // the window, whose destructor waits for the run.
        std::atomic<qint64> heldAt{-1};
        QSemaphore resume;
        ui::MainWindow w;
        struct ReleaseOnExit {  // a failed check must not leave the engine waiting
            QSemaphore& s;
            ~ReleaseOnExit() { s.release(); }
        } releaseOnExit{resume};
        w.show();
        const std::string out = scratch_dir() + "/run-abort";
        fillForm(w, out, 100000, 0);
        ui::TrainTab* tab = w.trainTab();
        QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
        ui::TrainWorker* worker = w.trainController()->worker();
        connect(worker, &ui::TrainWorker::progress, worker, [&](qint64 step, qint64, double, double) {
            if (step < 3 || heldAt.load() >= 0) return;
            heldAt = step;
            resume.tryAcquire(1, 60000);
        }, Qt::DirectConnection);
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return heldAt.load() >= 0; }, 60000));
        QElapsedTimer t;
        t.start();
        QTest::mouseClick(tab->abortButton(), Qt::LeftButton);
        QVERIFY(!tab->abortButton()->isEnabled());
        resume.release();
        QVERIFY(wait_until([&] { return finished.count() == 1; }, 30000));
        const auto r = finished.at(0).at(0).value<ui::RunResult>();
        QCOMPARE(r.status, ui::RunResult::Cancelled);
        // Abort lands within one step: the step the engine was at, or the one it had started.
        const qint64 at = heldAt.load();
        QVERIFY2(r.steps >= at && r.steps <= at + 1,
                 qPrintable(QString("abort clicked at step %1, run stopped at step %2").arg(at).arg(r.steps)));
        QVERIFY2(!r.lastCheckpoint.isEmpty(), "an aborted run keeps a checkpoint");
        QVERIFY(fs::exists(r.lastCheckpoint.toStdString() + "/adapter_model.safetensors"));
        QVERIFY(r.lastCheckpoint.endsWith(QString("checkpoint-%1").arg(r.steps)));
        QVERIFY2(tab->noticeText().contains(r.lastCheckpoint), qPrintable(tab->noticeText()));
        qInfo("abort at step %lld stopped the run at step %lld in %lld ms", static_cast<long long>(at),
              static_cast<long long>(r.steps), static_cast<long long>(t.elapsed()));
    }

    // A broken record fails the run with the file, record and field, worded in the studio's language.
    void aBrokenRecordFailsInTheStudiosLanguage() {
        const std::string data = ui_copy_dataset_dir("ui-broken-datasets");
        const auto good = nlohmann::json::parse(read_file(data + "/demo.json"));
        const KoreanUi korean;
        QVERIFY(korean.installed());
        ui::MainWindow w;
        w.show();
        // Starts a run on demo.json holding `text`; the failure as the studio words it.
        int runs = 0;
        auto failure = [&](const std::string& text) {
            write_file_atomic(data + "/demo.json", text);
            fillForm(w, scratch_dir() + "/run-broken-record-" + std::to_string(runs++), 3, 0, data);
            QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
            QTest::mouseClick(w.trainTab()->startButton(), Qt::LeftButton);
            if (!wait_until([&] { return finished.count() == 1; }, 60000)) return QString("(no end)");
            const auto r = finished.at(0).at(0).value<ui::RunResult>();
            if (r.status != ui::RunResult::Failed) return QString("(did not fail)");
            if (!w.trainTab()->noticeText().contains(r.message)) return "(not in the notice) " + w.trainTab()->noticeText();
            return r.message;
        };
        const QString file = QString::fromStdString(data) + "/demo.json";
        auto records = good;
        records[1].erase("output");
        QCOMPARE(failure(records.dump(2)), file + QString::fromUtf8(" 레코드 1 (7번째 줄): 'output' 필드가 없습니다"));
        // What was found and what was expected are worded too.
        records = good;
        records[1]["output"] = 5;
        QCOMPARE(failure(records.dump(2)),
                 file + QString::fromUtf8(" 레코드 1 (7번째 줄): 'output' 필드가 숫자입니다. 필요한 것: 문자열"));
        // A file that is not JSON: placed by line and column.
        QCOMPARE(failure("[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n]\n"),
                 file + QString::fromUtf8(" 3번째 줄 1번째 글자: 잘못된 JSON: ']' 앞에 쉼표가 남아 있습니다"));
        QCOMPARE(failure("7"),
                 file + QString::fromUtf8(" 1번째 줄 1번째 글자: 레코드의 JSON 배열('[')이나 한 줄에 JSON 객체 하나가 와야 합니다"));
        QCOMPARE(failure("[]"), file + QString::fromUtf8(": 레코드가 없습니다 (데이터셋 'demo')"));
    }

    // The run log's lines (device, precision, memory, datasets, model, encoding, parameters) come from the
    // engine as data and are worded in the studio's language, not passed through in English.
    void theRunLogIsInTheStudiosLanguage() {
        const KoreanUi korean;
        QVERIFY(korean.installed());
        ui::MainWindow w;
        w.show();
        fillForm(w, scratch_dir() + "/run-log-korean", 2, 0);
        QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
        QSignalSpy said(w.trainController(), &ui::TrainController::message);
        QTest::mouseClick(w.trainTab()->startButton(), Qt::LeftButton);
        QVERIFY2(wait_until([&] { return finished.count() == 1; }, 120000), "training did not finish in 2 minutes");
        QVERIFY(said.count() >= 8);
        auto korean_text = [](const QString& t) {
            for (const QChar c : t)
                if (c.unicode() >= 0xAC00 && c.unicode() <= 0xD7A3) return true;  // a Hangul syllable
            return false;
        };
        QStringList lines;
        for (const auto& args : said) {
            const QString text = ui::engine_message(args.at(1).value<lathe::Problem>());
            lines << text;
            QVERIFY2(korean_text(text), qPrintable("an engine line in English in the Korean studio: " + text));
        }
        // The arguments that are messages themselves are worded too: the thread count inside the device.
        QVERIFY2(lines.contains(QString::fromUtf8("장치: CPU (스레드 1개)")), qPrintable(lines.join('\n')));
        bool precision = false, parameters = false;
        for (const QString& l : lines) {
            precision |= l.startsWith(QString::fromUtf8("정밀도: ")) && !l.contains("auto:");
            parameters |= l.startsWith(QString::fromUtf8("학습 파라미터: "));
        }
        QVERIFY2(precision && parameters, qPrintable(lines.join('\n')));
        QVERIFY(w.trainTab()->logView()->toPlainText().contains(QString::fromUtf8("장치: CPU (스레드 1개)")));
    }

    // A run finished in English reads in Korean after a language switch: its log (the engine's lines and
    // the tab's own) and its notice are worded again, not left in the language they arrived in.
    void theRunLogFollowsALanguageSwitch() {
        ui::MainWindow w;
        w.show();
        fillForm(w, scratch_dir() + "/run-log-switch", 2, 0);
        QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
        QTest::mouseClick(w.trainTab()->startButton(), Qt::LeftButton);
        QVERIFY2(wait_until([&] { return finished.count() == 1; }, 120000), "training did not finish in 2 minutes");
        ui::TrainTab* tab = w.trainTab();
        auto log = [&] { return tab->logView()->toPlainText(); };
        QVERIFY2(log().contains("output folder: ") && log().contains("device: "), qPrintable(log()));
        QVERIFY2(tab->noticeText().startsWith("Training finished: 2 steps"), qPrintable(tab->noticeText()));
        const int lines = tab->logView()->blockCount();
        w.setLanguage("ko");
        QTRY_VERIFY2(log().contains(QString::fromUtf8("출력 폴더: ")), qPrintable(log()));
        QVERIFY2(log().contains(QString::fromUtf8("장치: CPU")) && !log().contains("device: ") &&
                     !log().contains("output folder: "),
                 qPrintable(log()));
        QVERIFY2(log().contains(QString::fromUtf8("스텝 2: 손실 ")), qPrintable(log()));
        QCOMPARE(tab->logView()->blockCount(), lines);  // the same lines, worded again
        QVERIFY2(tab->noticeText().startsWith(QString::fromUtf8("학습 완료")), qPrintable(tab->noticeText()));
        w.setLanguage("en");
        QTRY_VERIFY2(log().contains("output folder: "), qPrintable(log()));
    }

    void closingWhileTrainingStopsCleanly() {
        auto* w = new ui::MainWindow;
        w->setAttribute(Qt::WA_DeleteOnClose, false);
        w->show();
        const std::string out = scratch_dir() + "/run-close";
        fillForm(*w, out, 100000, 0);
        QSignalSpy finished(w->trainController(), &ui::TrainController::finished);
        int asked = 0;
        w->setConfirmStop([&] {
            ++asked;
            return asked > 1;  // the first time the user says no: training goes on
        });
        QTest::mouseClick(w->trainTab()->startButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return w->trainTab()->progressBar()->value() >= 2; }, 60000));
        QVERIFY(!w->close());
        QCOMPARE(asked, 1);
        QVERIFY(w->trainController()->isRunning());
        w->close();  // yes: stop, then close once the run has ended
        QCOMPARE(asked, 2);
        QVERIFY(wait_until([&] { return finished.count() == 1 && !w->isVisible(); }, 30000));
        const auto r = finished.at(0).at(0).value<ui::RunResult>();
        QCOMPARE(r.status, ui::RunResult::Cancelled);
        QVERIFY(fs::exists(r.lastCheckpoint.toStdString()));
        delete w;
    }

    void twoProcessesTrainAndAbortFromTheTab() {
        ui::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        ui::TrainTab* tab = w.trainTab();
        const std::string out = scratch_dir() + "/run-two";
        fillForm(w, out, 4, 0);
        qobject_cast<QSpinBox*>(tab->form()->editor("nproc_per_node"))->setValue(2);
        QTest::qWait(300);
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->problems().value(0).second));
        QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY2(wait_until([&] { return finished.count() == 1; }, 120000), "the two-process run did not finish");
        auto r = finished.at(0).at(0).value<ui::RunResult>();
        QVERIFY2(r.status == ui::RunResult::Completed, qPrintable(r.message));
        QCOMPARE(r.steps, qint64(4));
        wait_until([&] { return tab->plot()->lossPointCount() == 4; }, 2000);
        QCOMPARE(tab->plot()->lossPointCount(), 4);
        std::ifstream log(out + "/trainer_log.jsonl");
        std::string line;
        int rows = 0;
        while (std::getline(log, line)) rows += line.find("\"world_size\":2") != std::string::npos;
        QCOMPARE(rows, 4);  // rank 0 (the studio) alone writes, and says so
        QVERIFY(wait_until([] { return cli_children() == 0; }, 10000));

        // Abort stops both processes within a step, with a checkpoint to resume from.
        const std::string out2 = scratch_dir() + "/run-two-abort";
        fillForm(w, out2, 100000, 0);
        QTest::qWait(300);
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->problems().value(0).second));
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY(wait_until([&] { return tab->progressBar()->value() >= 2; }, 60000));
        QCOMPARE(qobject_cast<QSpinBox*>(tab->form()->editor("nproc_per_node"))->value(), 2);
        QCOMPARE(cli_children(), 1);
        QTest::mouseClick(tab->abortButton(), Qt::LeftButton);
        QVERIFY2(wait_until([&] { return finished.count() == 2; }, 60000), "the aborted run did not end");
        r = finished.at(1).at(0).value<ui::RunResult>();
        QCOMPARE(r.status, ui::RunResult::Cancelled);
        QVERIFY2(!r.lastCheckpoint.isEmpty() && fs::exists(r.lastCheckpoint.toStdString() + "/trainer_state.json"),
                 qPrintable(r.message));
        QVERIFY(wait_until([] { return cli_children() == 0; }, 10000));
    }

    void abortWhileWaitingForAnotherMachine() {
        // Machine 0 of two, with the second machine never coming: Abort ends the wait at once (not after
        // the hour-long timeout), as Cancelled, with this machine's worker stopped and nothing written.
        ui::MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        ui::TrainTab* tab = w.trainTab();
        const std::string out = scratch_dir() + "/run-two-machines";
        fillForm(w, out, 4, 0);
        qobject_cast<QSpinBox*>(tab->form()->editor("nproc_per_node"))->setValue(2);
        qobject_cast<QSpinBox*>(tab->form()->editor("nnodes"))->setValue(2);
        qobject_cast<QSpinBox*>(tab->form()->editor("ddp_timeout"))->setValue(3600);
        auto* addr = qobject_cast<QLineEdit*>(tab->form()->editor("master_addr"));
        QVERIFY(addr);
        QTest::qWait(300);
        QVERIFY(!tab->validateNow().isEmpty());  // two machines and no address: the field says so
        addr->setText("127.0.0.1");
        QTest::qWait(300);
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->problems().value(0).second));
        QSignalSpy finished(w.trainController(), &ui::TrainController::finished);
        QTest::mouseClick(tab->startButton(), Qt::LeftButton);
        QVERIFY(wait_until([] { return cli_children() == 1; }, 20000));
        QTest::qWait(1000);
        QCOMPARE(finished.count(), 0);  // still waiting for machine 1
        QTest::mouseClick(tab->abortButton(), Qt::LeftButton);
        QVERIFY2(wait_until([&] { return finished.count() == 1; }, 15000), "Abort did not end the wait");
        const auto r = finished.at(0).at(0).value<ui::RunResult>();
        QCOMPARE(r.status, ui::RunResult::Cancelled);
        QVERIFY2(r.message.contains("waiting for the other processes"), qPrintable(r.message));
        QVERIFY(wait_until([] { return cli_children() == 0; }, 10000));
        QVERIFY(!fs::exists(out + "/trainer_log.jsonl"));
    }
};

LATHE_TEST(TestUiTrainRun)
#include "test_ui_train_run.moc"
