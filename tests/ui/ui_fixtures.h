// Fixtures for the studio's tests, built in code: a tiny model folder with a real (SentencePiece)
// tokenizer, a small dataset folder, LoRA adapters, run logs, and event-loop helpers.
#pragma once
#include <QApplication>
#include <QString>
#include <QTimer>

#include <functional>
#include <string>

namespace lathe {
struct TrainConfig;
}

namespace lathe::test {

// A tiny random Llama-shaped model (hidden 32, 2 layers) with a SentencePiece tokenizer trained on the
// fixture texts and chatml special tokens; made once per test process.
const std::string& ui_model_dir();
// dataset_info.json with "demo" (alpaca, English and Korean), "demo_text" (pre-training) and "demo_pairs"
// (preference pairs); made once per test process.
const std::string& ui_dataset_dir();
// A LoRA adapter for ui_model_dir() with non-zero weights (so it changes answers), in a fresh folder.
std::string ui_make_adapter(const std::string& name, uint64_t seed);
// A run folder with a trainer_log.jsonl of `rows` loss lines (loss = 2 / step) and one eval line.
std::string ui_make_run_log(const std::string& name, int rows);
// A config that trains ui_model_dir() on "demo" for `steps` steps into `output_dir`, one thread.
TrainConfig ui_train_config(const std::string& output_dir, int steps);

// A copy of ui_dataset_dir() in a fresh folder `name` under the scratch folder, for a test that breaks a file.
std::string ui_copy_dataset_dir(const std::string& name);

// The studio in Korean while it lives, in English again after (even when a check fails in between).
class KoreanUi {
public:
    KoreanUi();
    ~KoreanUi();
    KoreanUi(const KoreanUi&) = delete;
    KoreanUi& operator=(const KoreanUi&) = delete;
    bool installed() const { return installed_; }

private:
    bool installed_ = false;
};

// Processes events until `done` or the timeout; returns done().
bool wait_until(const std::function<bool()>& done, int timeout_ms);

// Answers the next visible application-modal widget of type T (a file dialog, a warning box) with `act`, as
// a user would: call it before the code that opens the dialog.
template <class T>
void answer_next_modal(const std::function<void(T*)>& act) {
    auto* timer = new QTimer;
    QObject::connect(timer, &QTimer::timeout, [timer, act] {
        auto* w = qobject_cast<T*>(QApplication::activeModalWidget());
        if (!w || !w->isVisible()) return;
        timer->stop();
        timer->deleteLater();
        act(w);
    });
    timer->start(20);
}

// Answers the next file dialog with `path`, typed into its name field.
void answer_file_dialog(const QString& path, QString* title = nullptr);

}  // namespace lathe::test
