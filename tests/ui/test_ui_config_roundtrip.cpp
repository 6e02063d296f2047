// Loading a config fills every field; reading the form back gives the same value for every key; saving
// writes the same YAML the CLI reads. Three configs together set every key to a non-default value.
#include "core/train/train_config.h"
#include "core/util/fs.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/command_preview.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/train_fields.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"

#include <QApplication>
#include <QDialog>
#include <QFileDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QTest>
#include <QTimer>

#include <set>

using namespace lathe;
using namespace lathe::test;

namespace {

TrainConfig configA() {
    TrainConfig c;
    const char* values[][2] = {
        {"adapter_name_or_path", "/nonexistent/some-adapter"},
        {"template", "llama3"},
        {"tokenizer_vocab_size", "777"},
        {"new_model_corpus", "demo_text"},
        {"new_model_tokenizer", "/nonexistent/tokenizer-folder"},
        {"stage", "pt"},
        {"do_train", "false"},
        {"finetuning_type", "freeze"},
        {"lora_rank", "16"},
        {"lora_alpha", "12.5"},
        {"lora_dropout", "0.1"},
        {"lora_target", "q_proj,v_proj"},
        {"use_dora", "true"},
        {"use_rslora", "true"},
        {"additional_target", "lm_head"},
        {"freeze_trainable_layers", "-3"},
        {"freeze_trainable_modules", "mlp"},
        {"freeze_extra_modules", "embed_tokens"},
        {"quantization_type", "fp4"},
        {"double_quantization", "false"},
        {"dataset", "demo_text,demo"},
        {"eval_dataset", "demo"},
        {"cutoff_len", "512"},
        {"max_samples", "40"},
        {"val_size", "0.25"},
        {"packing", "true"},
        {"train_on_prompt", "true"},
        {"mask_history", "true"},
        {"enable_thinking", "false"},
        {"skip_invalid_records", "true"},
        {"identity_name", "Nova"},
        {"identity_author", "Tests"},
        {"overwrite_output_dir", "true"},
        {"logging_steps", "3"},
        {"save_steps", "7"},
        {"save_total_limit", "2"},
        {"eval_steps", "4"},
        {"per_device_train_batch_size", "3"},
        {"per_device_eval_batch_size", "5"},
        {"gradient_accumulation_steps", "4"},
        {"learning_rate", "0.0003"},
        {"num_train_epochs", "2.5"},
        {"max_steps", "50"},
        {"lr_scheduler_type", "cosine_with_min_lr"},
        {"min_lr_rate", "0.1"},
        {"warmup_ratio", "0.05"},
        {"warmup_steps", "3"},
        {"weight_decay", "0.01"},
        {"adam_beta1", "0.8"},
        {"adam_beta2", "0.95"},
        {"adam_epsilon", "1e-06"},
        {"max_grad_norm", "0.5"},
        {"seed", "7"},
        {"bf16", "true"},
        {"gradient_checkpointing", "true"},
        {"neftune_noise_alpha", "5"},
        {"resume_from_checkpoint", "auto"},
        {"pref_beta", "0.2"},
        {"pref_loss", "ipo"},
        {"pref_ftx", "0.5"},
        {"simpo_gamma", "1"},
        {"dpo_label_smoothing", "0.1"},
        {"precompute_ref_log_probs", "true"},
        {"kto_chosen_weight", "1.5"},
        {"kto_rejected_weight", "0.5"},
        {"device", "cpu"},
        {"threads", "2"},
    };
    for (const auto& kv : values) c.set(kv[0], kv[1]);
    c.model_name_or_path = ui_model_dir();
    c.dataset_dir = ui_dataset_dir();
    c.output_dir = scratch_dir() + "/out-a";
    return c;
}

// A new model from scratch, trained in full, in fp16.
TrainConfig configB() {
    TrainConfig c;
    c.create_new_model = "small";
    c.finetuning_type = "full";
    c.fp16 = true;
    c.moe_aux_loss_coef = 0.001;
    c.ddp_timeout = 600;
    c.nproc_per_node = 2;
    c.zero_stage = 1;
    c.ddp_bucket_cap_mb = 4;
    c.nnodes = 2;
    c.node_rank = 1;
    c.master_addr = "10.0.0.5";
    c.master_port = 29555;
    c.dataset = "demo";
    c.dataset_dir = ui_dataset_dir();
    c.output_dir = scratch_dir() + "/out-b";
    return c;
}

// QLoRA 8-bit in pure bf16.
TrainConfig configC() {
    TrainConfig c;
    c.model_name_or_path = ui_model_dir();
    c.finetuning_type = "lora";
    c.quantization_bit = 8;
    c.pure_bf16 = true;
    c.dataset = "demo";
    c.dataset_dir = ui_dataset_dir();
    c.output_dir = scratch_dir() + "/out-c";
    return c;
}

}  // namespace

class TestUiConfigRoundtrip : public QObject {
    Q_OBJECT
private slots:
    void everyKeyHasAField() {
        ui::MainWindow w;
        std::set<std::string> covered;
        for (const auto& k : w.trainTab()->form()->keys()) covered.insert(k.toStdString());
        for (const char* k : ui::model_bar_keys()) QVERIFY2(covered.insert(k).second, k);
        for (const auto& key : TrainConfig::keys())
            QVERIFY2(covered.count(key), qPrintable(QString("no field for key '%1'").arg(key.c_str())));
        QCOMPARE(covered.size(), TrainConfig::keys().size());
    }

    void loadingRestoresEveryField_data() {
        QTest::addColumn<int>("which");
        QTest::newRow("folder, freeze, every form key") << 0;
        QTest::newRow("new model, full") << 1;
        QTest::newRow("QLoRA 8-bit") << 2;
    }

    void loadingRestoresEveryField() {
        QFETCH(int, which);
        const TrainConfig c = which == 0 ? configA() : which == 1 ? configB() : configC();
        const std::string path = scratch_dir() + "/roundtrip-" + std::to_string(which) + ".yaml";
        write_file_atomic(path, c.to_yaml());
        ui::MainWindow w;
        QString error;
        QVERIFY2(w.trainTab()->loadConfigFile(QString::fromStdString(path), &error), qPrintable(error));
        QMap<QString, QString> parseErrors;
        const TrainConfig back = w.trainTab()->currentConfig(&parseErrors);
        QVERIFY2(parseErrors.isEmpty(), qPrintable(parseErrors.values().join("; ")));
        for (const auto& key : TrainConfig::keys())
            QVERIFY2(back.get(key) == c.get(key), qPrintable(QString("%1: loaded '%2', form gives '%3'")
                                                                 .arg(key.c_str(), c.get(key).c_str(), back.get(key).c_str())));
        // Saving writes what the CLI reads: the same settings again.
        const std::string saved = scratch_dir() + "/roundtrip-saved-" + std::to_string(which) + ".yaml";
        QVERIFY(w.trainTab()->saveConfigFile(QString::fromStdString(saved), &error));
        QCOMPARE(QString::fromStdString(TrainConfig::from_yaml_file(saved).to_yaml(true)),
                 QString::fromStdString(c.to_yaml(true)));
        QVERIFY(w.trainTab()->commandLine().contains(QString::fromStdString(saved)));
    }

    void theThreeConfigsCoverEveryKey() {
        const TrainConfig defaults;
        for (const auto& key : TrainConfig::keys()) {
            const bool changed = configA().get(key) != defaults.get(key) || configB().get(key) != defaults.get(key) ||
                                 configC().get(key) != defaults.get(key);
            QVERIFY2(changed, qPrintable(QString("no round-trip config sets '%1'").arg(key.c_str())));
        }
    }

    void badYamlIsReportedWithItsLine() {
        const std::string path = scratch_dir() + "/bad.yaml";
        write_file_atomic(path, "stage: sft\nlearning_rat: 1e-4\n");
        ui::MainWindow w;
        QString error;
        QVERIFY(!w.trainTab()->loadConfigFile(QString::fromStdString(path), &error));
        QVERIFY2(error.contains("bad.yaml:2") && error.contains("did you mean 'learning_rate'"), qPrintable(error));
    }

    // The tabs' shared Save/Load config dialogs: the file picked is handed to the tab, whose error is shown.
    void saveAndLoadDialogsHandTheFileOver() {
        ui::MainWindow w;
        w.show();
        const QString path = QString::fromStdString(scratch_dir() + "/dialog-saved.yaml");
        QString handed, title;
        answer_file_dialog(path, &title);
        ui::saveConfigWithDialog(&w, "Save training config", QString(), "train.yaml", [&](const QString& p, QString*) {
            handed = p;
            return true;
        });
        QCOMPARE(title, QString("Save training config"));
        QCOMPARE(handed, path);

        QString warned;
        answer_file_dialog(path);
        answer_next_modal<QMessageBox>([&](QMessageBox* box) {
            warned = box->windowTitle() + ": " + box->text();
            box->accept();
        });
        write_file_atomic(path.toStdString(), "stage: sft\n");
        ui::loadConfigWithDialog(&w, "Load training config", path, [&](const QString& p, QString* error) {
            *error = "cannot read " + p;
            return false;
        });
        QCOMPARE(warned, "Load config: cannot read " + path);
    }
};

LATHE_TEST(TestUiConfigRoundtrip)
#include "test_ui_config_roundtrip.moc"
