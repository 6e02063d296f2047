// Invalid settings show their message next to the field (or under the model bar) before Start, and
// Start stays blocked until they are fixed.
#include "core/data/converters.h"
#include "core/data/dataset_loader.h"
#include "core/data/dataset_registry.h"
#include "core/data/template.h"
#include "core/eval/checkpoint_curve.h"
#include "core/io/gguf.h"
#include "core/io/safetensors.h"
#include "core/model/config.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/tokenizer_config.h"
#include "core/util/fs.h"
#include "core/infer/inference_weights.h"
#include "core/serve/api_server.h"
#include "core/tokenizer/sentencepiece_trainer.h"
#include "core/peft/lora.h"
#include "core/train/method.h"
#include "core/train/new_model.h"
#include "core/train/scheduler.h"
#include "core/train/train_config.h"
#include "core/util/device.h"
#include "core/util/messages.h"
#include "tests/registry.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/engine_messages.h"
#include "ui/language.h"
#include "ui/main_window.h"
#include "ui/model_bar.h"
#include "ui/train_controller.h"
#include "ui/train_form.h"
#include "ui/train_tab.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QTest>

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

using namespace lathe;
using namespace lathe::test;

namespace {

// The problem `f` throws as an engine Error, or an empty one.
Problem caught(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.problem();
    }
    return Problem{};
}

}  // namespace

class TestUiValidation : public QObject {
    Q_OBJECT
private slots:
    void invalidFieldsShowMessagesAndBlockStart() {
        ui::MainWindow w;
        w.show();
        ui::TrainTab* tab = w.trainTab();
        tab->loadConfig(ui_train_config(scratch_dir() + "/never-run", 5));
        QVERIFY2(tab->validateNow().isEmpty(), qPrintable(tab->problems().value(0).second));
        ui::TrainForm* f = tab->form();

        auto* lr = qobject_cast<QLineEdit*>(f->editor("learning_rate"));
        lr->selectAll();
        QTest::keyClicks(lr, "-1");
        auto* warmup = qobject_cast<QLineEdit*>(f->editor("warmup_ratio"));
        warmup->selectAll();
        QTest::keyClicks(warmup, "1.5");
        auto* beta2 = qobject_cast<QLineEdit*>(f->editor("adam_beta2"));
        beta2->selectAll();
        QTest::keyClicks(beta2, "abc");
        auto* bf16 = qobject_cast<QComboBox*>(f->editor("bf16"));
        bf16->setCurrentIndex(bf16->findData("true"));
        qobject_cast<QCheckBox*>(f->editor("fp16"))->setChecked(true);
        auto* dropout = qobject_cast<QLineEdit*>(f->editor("lora_dropout"));
        dropout->selectAll();
        QTest::keyClicks(dropout, "1");

        // The checks run by themselves shortly after an edit.
        QVERIFY(wait_until([&] { return !f->errorText("learning_rate").isEmpty(); }, 10000));
        QVERIFY2(f->errorText("learning_rate").contains("must be positive"), qPrintable(f->errorText("learning_rate")));
        QVERIFY2(f->errorText("warmup_ratio").contains("[0, 1)"), qPrintable(f->errorText("warmup_ratio")));
        QVERIFY2(f->errorText("adam_beta2").contains("expected a number, got 'abc'"), qPrintable(f->errorText("adam_beta2")));
        QVERIFY2(f->errorText("bf16").contains("cannot both be set"), qPrintable(f->errorText("bf16")));
        QVERIFY2(f->errorText("lora_dropout").contains("[0, 1)"), qPrintable(f->errorText("lora_dropout")));
        QVERIFY(f->errorText("seed").isEmpty());
        QVERIFY(!tab->startButton()->isEnabled());
        // Beside Start, the fields it waits for, by their labels, each a link that brings the field into view.
        QLabel* waits = tab->fieldProblemsLabel();
        QVERIFY(waits->isVisibleTo(tab));
        for (const char* key : {"learning_rate", "warmup_ratio", "adam_beta2", "bf16", "lora_dropout"})
            QVERIFY2(waits->text().contains(QString("href=\"%1\">%2<").arg(key, f->fieldLabel(key))), qPrintable(waits->text()));
        QVERIFY2(waits->text().contains("Learning rate"), qPrintable(waits->text()));
        auto* scroll = qobject_cast<QScrollArea*>(f->parentWidget()->parentWidget());
        QVERIFY(scroll);
        scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
        QVERIFY(lr->visibleRegion().isEmpty());  // scrolled out of view
        emit waits->linkActivated("learning_rate");
        QVERIFY(!lr->visibleRegion().isEmpty());
        tab->start();  // a shortcut or a stale click must not start either
        QVERIFY(!w.trainController()->isRunning());
        QVERIFY(tab->noticeText().contains("problems"));

        // Fixing the fields clears their messages and frees Start.
        lr->selectAll();
        QTest::keyClicks(lr, "0.001");
        warmup->selectAll();
        QTest::keyClicks(warmup, "0.1");
        beta2->selectAll();
        QTest::keyClicks(beta2, "0.999");
        qobject_cast<QCheckBox*>(f->editor("fp16"))->setChecked(false);
        dropout->selectAll();
        QTest::keyClicks(dropout, "0.05");
        QVERIFY(wait_until([&] { return f->errorText("learning_rate").isEmpty(); }, 10000));
        QVERIFY(tab->startButton()->isEnabled());
        QVERIFY(f->errorText("bf16").isEmpty());
        QVERIFY(tab->problems().isEmpty());
        QVERIFY(!tab->fieldProblemsLabel()->isVisibleTo(tab));
    }

    void missingDatasetModelAndOutputAreNamed() {
        ui::MainWindow w;
        w.show();
        ui::TrainTab* tab = w.trainTab();
        TrainConfig c = ui_train_config(scratch_dir() + "/never-run-2", 5);
        c.dataset = "";
        c.model_name_or_path = scratch_dir() + "/no-such-model";
        tab->loadConfig(c);
        qobject_cast<QLineEdit*>(tab->form()->editor("output_dir"))->clear();
        tab->validateNow();
        QVERIFY2(tab->form()->errorText("dataset").contains("no dataset chosen"), qPrintable(tab->form()->errorText("dataset")));
        QVERIFY2(tab->form()->errorText("output_dir").contains("no output directory"),
                 qPrintable(tab->form()->errorText("output_dir")));
        QVERIFY2(w.modelBar()->errorText().contains("no-such-model"), qPrintable(w.modelBar()->errorText()));
        QVERIFY(!tab->startButton()->isEnabled());

        // A dataset of the wrong kind for the stage is named with the reason.
        c = ui_train_config(scratch_dir() + "/never-run-3", 5);
        c.dataset = "demo_pairs";
        tab->loadConfig(c);
        tab->validateNow();
        QVERIFY2(tab->form()->errorText("dataset").contains("demo_pairs"), qPrintable(tab->form()->errorText("dataset")));
    }

    void aMissingDatasetFolderIsReported() {
        ui::MainWindow w;
        ui::TrainTab* tab = w.trainTab();
        TrainConfig c = ui_train_config(scratch_dir() + "/never-run-4", 5);
        c.dataset_dir = scratch_dir() + "/no-such-datasets";
        tab->loadConfig(c);
        tab->validateNow();
        QVERIFY2(tab->form()->errorText("dataset_dir").contains("no-such-datasets"),
                 qPrintable(tab->form()->errorText("dataset_dir")));
        QVERIFY(!tab->startButton()->isEnabled());
    }

    // The engine's problems come as data: the field is found from the key, and the wording follows the
    // studio's language, here Korean.
    void engineMessagesFollowTheLanguage() {
        ui::MainWindow w;
        w.show();
        ui::TrainTab* tab = w.trainTab();
        tab->loadConfig(ui_train_config(scratch_dir() + "/never-run-ko", 5));
        ui::TrainForm* f = tab->form();
        auto* lr = qobject_cast<QLineEdit*>(f->editor("learning_rate"));
        lr->selectAll();
        QTest::keyClicks(lr, "0");
        auto* rank = qobject_cast<QLineEdit*>(f->editor("lora_rank"));
        if (rank) {
            rank->selectAll();
            QTest::keyClicks(rank, "0");
        }
        tab->validateNow();
        QCOMPARE(f->errorText("learning_rate"), QString("learning_rate: must be positive"));
        QVERIFY(ui::install_language("ko"));
        QCoreApplication::sendPostedEvents();
        QTRY_COMPARE(f->errorText("learning_rate"), QString::fromUtf8("learning_rate: 0보다 커야 합니다"));
        if (rank) QCOMPARE(f->errorText("lora_rank"), QString::fromUtf8("lora_rank: 1 이상이어야 합니다"));
        QVERIFY(ui::install_language("en"));
        QCoreApplication::sendPostedEvents();
        QTRY_COMPARE(f->errorText("learning_rate"), QString("learning_rate: must be positive"));

        // A dataset record's problem: the place and the words in Korean, the English exactly the engine's.
        Problem record;
        record.key = "dataset";
        record.file = "/data/x.json";
        record.record = 3;
        record.line = 12;
        record.id = "record_missing_field";
        record.args = {"output"};
        record.message = "/data/x.json record 3 (line 12): " + format_message(record.id, record.args);
        QCOMPARE(ui::engine_message(record), QString::fromStdString(record.message));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(record), QString::fromUtf8("/data/x.json 레코드 3 (12번째 줄): 'output' 필드가 없습니다"));
        QVERIFY(ui::install_language("en"));
    }

    // Errors from config files and the export's GGUF types are data too: placed at their file, line and
    // column, and worded in Korean.
    void readerErrorsAreWordedInKorean() {
        auto error_of = [](const std::function<void()>& f) -> Problem {
            try {
                f();
            } catch (const Error& e) {
                return e.problem();
            }
            return Problem();
        };
        const Problem invalid = error_of([] { TrainConfig::from_yaml("stage: sft\nlora_rank: [8\n", "run.yaml"); });
        const Problem list = error_of([] { TrainConfig::from_yaml("- a\n", "list.yaml"); });
        const Problem nested = error_of([] { TrainConfig::from_yaml("dataset:\n  - [a, b]\n", "run.yaml"); });
        const Problem type = error_of([] { parse_ggml_type("q3_k"); });
        for (const Problem* p : {&invalid, &list, &nested, &type}) QVERIFY2(!p->id.empty(), p->message.c_str());
        QCOMPARE(ui::engine_message(list), QString::fromStdString(list.message));
        QCOMPARE(ui::engine_message(type), QString::fromStdString(type.message));
        // A line and column in the studio's words ("file:3:1: " in the CLI).
        QCOMPARE(ui::engine_message(invalid),
                 QString("run.yaml line %1, column %2: ").arg(invalid.line).arg(invalid.column) +
                     QString::fromStdString(format_message("yaml_invalid", invalid.args)));
        QCOMPARE(ui::engine_message(nested), QString("run.yaml line 1: dataset: expected a list of plain values"));
        QVERIFY(ui::install_language("ko"));
        const QString yaml = ui::engine_message(invalid);
        QVERIFY2(yaml.startsWith(QString::fromUtf8("run.yaml %1번째 줄 %2번째 글자: YAML 형식이 잘못되었습니다: ")
                                     .arg(invalid.line)
                                     .arg(invalid.column)),
                 qPrintable(yaml));
        QCOMPARE(ui::engine_message(list), QString::fromUtf8("list.yaml: \"key: value\" 줄들로 된 매핑이어야 합니다"));
        QCOMPARE(ui::engine_message(nested), QString::fromUtf8("run.yaml 1번째 줄: dataset: 단순 값의 목록이어야 합니다"));
        QVERIFY2(ui::engine_message(type).startsWith(QString::fromUtf8("알 수 없는 GGUF 텐서 형식 'q3_k' (가능한 값: ")),
                 qPrintable(ui::engine_message(type)));
        QVERIFY(ui::install_language("en"));
    }

    // The studio words every engine message, and in English exactly as the engine does.
    void everyEngineMessageIsWorded() {
        QCOMPARE(ui::unworded_engine_ids(), QStringList());
        for (const MessageForm& form : message_forms()) {
            Problem p = config_problem("some_key", form.id, {"A", "B", "C", "D", "E", "F"});
            QCOMPARE(ui::engine_message(p), QString::fromStdString(p.message));
            p.key.clear();
            QCOMPARE(ui::engine_message(p), QString::fromStdString(format_message(form.id, {"A", "B", "C", "D", "E", "F"})));
        }
        Problem plain;
        plain.message = "model folder '/x' does not exist";
        QCOMPARE(ui::engine_message(plain), QString::fromStdString(plain.message));
    }

    // Run log lines whose arguments are messages themselves: English as the engine writes it, and every
    // level worded in the studio's language; verbatim arguments (names, paths) stay as they are.
    void nestedNotesAreWordedAtEveryLevel() {
        const Problem device = composed("log_device", {composed("device_cpu", {note("threads_count", {"4"})})});
        QCOMPARE(device.message, std::string("device: cpu (4 threads)"));
        QCOMPARE(ui::engine_message(device), QString::fromStdString(device.message));
        const Problem weights = composed(
            "weights_held", {joined({note("weights_trainable", {"8", "float32"}), note("weights_frozen", {"9", "bf16"}),
                                     note("weights_quantized", {"10", "bf16"})})});
        QCOMPARE(weights.message,
                 std::string("weights held: 8 float32 trainable; 9 bf16 frozen; 10 quantized frozen (bf16 products)"));
        QCOMPARE(joined({}).message, std::string());
        QCOMPARE(joined({verbatim("only")}).message, std::string("only"));
        const Problem record = record_problem("/data/x.json", 3, 12, "record_missing_field", {"output"});
        const Problem skipped = composed("log_datasets", {joined_lines({note("dataset_read", {"x", "5", "4", "1", "/data/x.json"}),
                                                                        composed("dataset_skipped_record", {record})})});
        QCOMPARE(skipped.message, std::string("datasets: x: 5 records read, 4 samples kept, 1 skipped (/data/x.json)\n"
                                              "  skipped /data/x.json record 3 (line 12): missing field 'output'"));
        const Problem model = composed("log_model", {verbatim("/m/Qwen2.5-0.5B"), verbatim("qwen2"), verbatim("494032768"),
                                                     verbatim("qwen")});
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(device), QString::fromUtf8("장치: CPU (스레드 4개)"));
        QCOMPARE(ui::engine_message(weights),
                 QString::fromUtf8("보유한 가중치: 8개 float32 학습; 9개 bf16 고정; 10개 양자화되어 고정 (bf16 곱셈)"));
        QCOMPARE(ui::engine_message(skipped),
                 QString::fromUtf8("데이터셋: x: 레코드 5개 읽음, 샘플 4개 사용, 1개 건너뜀 (/data/x.json)\n"
                                   "  건너뜀: /data/x.json 레코드 3 (12번째 줄): 'output' 필드가 없습니다"));
        QCOMPARE(ui::engine_message(model), QString::fromUtf8("모델: /m/Qwen2.5-0.5B (qwen2, 파라미터 494032768개), 템플릿: qwen"));
        QVERIFY(ui::install_language("en"));
    }
    // Errors that used to be English text only (a device, a chat template, a new model's size, a LoRA rank, a
    // learning-rate schedule) come as message ids: the English is the engine's words as before, and the
    // studio words them in Korean.
    // A broken model folder, weights file, dataset record, dataset_info.json entry and config file: each
    // problem carries its own id, so the Korean studio words all of it (not only the file's kind).
    void brokenFilesAndRecordsAreWordedInKorean() {
        const std::string dir = test::scratch_dir() + "/ui-broken-files";
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);

        const Problem config = caught([] {
            (void)ModelConfig::from_json(nlohmann::json{{"model_type", "gpt_neox"}}, "m/config.json");
        });
        QCOMPARE(config.id, std::string("model_type_unsupported"));
        QCOMPARE(config.file, std::string("m/config.json"));
        const std::string families = config.args.at(1);
        QCOMPARE(config.message, "m/config.json: model_type 'gpt_neox' is not supported (supported: " + families + ")");

        const std::string weights = dir + "/model.safetensors";
        write_safetensors(weights, {{"w", torch::ones({64, 64})}});
        std::filesystem::resize_file(weights, std::filesystem::file_size(weights) - 100);
        const Problem truncated = caught([&] { SafetensorsFile f(weights); });
        QCOMPARE(truncated.id, std::string("safetensors_truncated"));
        QCOMPARE(truncated.file, weights);
        QVERIFY2(truncated.message.rfind(weights + ": file is truncated: tensor \"w\" needs data bytes [0, 16384]", 0) == 0,
                 truncated.message.c_str());

        DatasetEntry chat;
        chat.name = "chat";
        chat.file_name = "chat.json";
        chat.formatting = DatasetFormat::Sharegpt;
        const nlohmann::json record = {{"conversations", {{{"from", "human"}, {"value", "hi"}}}}};
        Problem turn = caught([&] { (void)convert_sharegpt(record, chat, Stage::Sft, "chat.json record 0 (line 1)"); });
        QCOMPARE(turn.id, std::string("record_ends_with_user"));
        QCOMPARE(turn.message, std::string("chat.json record 0 (line 1): the conversation ends with a user turn (message 1); "
                                           "an assistant turn must answer it"));
        turn.file = "chat.json";  // as the dataset loader places it
        turn.record = 0;
        turn.line = 1;

        const nlohmann::json unanswered = {{"conversations", {{{"from", "human"}, {"value", "hi"}}, {{"from", "gpt"}}}}};
        Problem nested = caught([&] { (void)convert_sharegpt(unanswered, chat, Stage::Sft, "chat.json record 1 (line 2)"); });
        QCOMPARE(nested.message, std::string("chat.json record 1 (line 2): message 2: missing field 'value'"));
        nested.file = "chat.json";
        nested.record = 1;
        nested.line = 2;

        const Problem entry = caught([] {
            (void)DatasetRegistry::from_json(nlohmann::json{{"demo", {{"file_name", "d.json"}, {"formatting", "openai"}}}},
                                             "data", "data/dataset_info.json");
        });
        QCOMPARE(entry.id, std::string("registry_entry_formatting"));
        QCOMPARE(entry.file, std::string("data/dataset_info.json"));
        QCOMPARE(entry.message, std::string("data/dataset_info.json: dataset 'demo': unknown formatting 'openai'; "
                                            "expected \"alpaca\" or \"sharegpt\""));

        const Problem value = caught([] { (void)TrainConfig::from_yaml("stage: sft\nlearning_rate: fast\n", "run.yaml"); });
        QCOMPARE(value.id, std::string("config_key_value_expected"));
        QCOMPARE(value.file, std::string("run.yaml"));
        QCOMPARE(value.line, int64_t(2));
        QCOMPARE(value.message, std::string("run.yaml:2: learning_rate: expected a number, got 'fast'"));

        write_file_atomic(dir + "/tokenizer_config.json", "{\"bos_token\": 7}");
        const Problem token = caught([&] { (void)read_tokenizer_config(dir); });
        QCOMPARE(token.id, std::string("tokenizer_config_token_type"));
        QCOMPARE(token.file, dir + "/tokenizer_config.json");
        QCOMPARE(token.message, dir + "/tokenizer_config.json: bos_token must be a string, {\"content\": ...} or null, found 7");

        const std::string ds_dir = dir + "/ds";
        std::filesystem::create_directories(ds_dir);
        write_file_atomic(ds_dir + "/dataset_info.json", "{\"c4\": {\"file_name\": \"c4.json\", \"columns\": {\"prompt\": \"text\"}}}");
        write_file_atomic(ds_dir + "/c4.json", "[{\"text\": \"doc\"}]");
        const Problem columns = caught([&] { (void)load_datasets(ds_dir, "c4", Stage::Sft); });
        QCOMPARE(columns.id, std::string("dataset_columns"));
        QCOMPARE(ui::engine_message(columns).toStdString(), columns.message);
        QCOMPARE(columns.message, "dataset 'c4' (" + ds_dir + "/dataset_info.json): \"columns\" names no 'response' column, "
                                  "which stage sft needs (is this a pre-training dataset?)");

        const std::string tok_dir = dir + "/tok";
        std::filesystem::create_directories(tok_dir);
        // The problem of reading a one-token BPE tokenizer.json with `member` added.
        const auto tokenizer_problem = [&](const std::string& member) {
            write_file_atomic(tok_dir + "/tokenizer.json",
                              "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, " + member + "}");
            return caught([&] { (void)Tokenizer::from_dir(tok_dir); });
        };
        const Problem part = tokenizer_problem("\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}");
        QCOMPARE(part.id, std::string("tokenizer_json_pre_tokenizer_type"));
        QCOMPARE(part.file, tok_dir + "/tokenizer.json");
        QCOMPARE(part.message, tok_dir + "/tokenizer.json: pre_tokenizer: unsupported pre_tokenizer type \"BertPreTokenizer\"");
        // A value of the wrong JSON type (the JSON library's error, as data).
        const Problem json_type = tokenizer_problem("\"added_tokens\": [{\"id\": \"one\", \"content\": \"<s>\"}]");
        QCOMPARE(json_type.id, std::string("tokenizer_json_value_type"));
        QCOMPARE(json_type.message, tok_dir + "/tokenizer.json: added_tokens[0]: expected a JSON number, found string");
        // A pattern PCRE2 refuses, and a SentencePiece model that is not one.
        const Problem regex = tokenizer_problem(
            "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(unclosed\"}, \"behavior\": \"Isolated\", "
            "\"invert\": false}");
        QCOMPARE(regex.id, std::string("tokenizer_regex_invalid"));
        const std::string spm_dir = dir + "/spm";
        std::filesystem::create_directories(spm_dir);
        write_file_atomic(spm_dir + "/tokenizer.model", std::string("\x0a\xff\xff\xff\xffgarbage, not a protobuf", 28));
        const Problem spm = caught([&] { (void)Tokenizer::from_dir(spm_dir); });
        QCOMPARE(spm.id, std::string("spm_model_invalid"));
        QCOMPARE(spm.file, spm_dir + "/tokenizer.model");

        write_file_atomic(dir + "/checkpoint_curve.json", "{\"points\": [{\"samples\": 1}]}");
        const Problem curve = caught([&] {
            CheckpointCurve c;
            (void)read_checkpoint_curve(dir, &c);
        });
        QCOMPARE(curve.id, std::string("curve_point_no_step"));
        QCOMPARE(curve.message, dir + "/checkpoint_curve.json: points[0]: no integer \"step\"");

        for (const Problem* p :
             std::vector<const Problem*>{&config, &truncated, &turn, &nested, &entry, &value, &token, &part, &json_type,
                                         &regex, &spm, &curve})
            QVERIFY2(ui::engine_message(*p).endsWith(QString::fromStdString(": " + format_message(p->id, p->args))),
                     qPrintable(ui::engine_message(*p)));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(config),
                 QString::fromUtf8("m/config.json: model_type 'gpt_neox'은(는) 지원하지 않습니다 (지원: %1)")
                     .arg(QString::fromStdString(families)));
        QVERIFY2(ui::engine_message(truncated)
                     .startsWith(QString::fromStdString(weights) +
                                 QString::fromUtf8(": 파일이 잘려 있습니다: 텐서 \"w\"에는 데이터 바이트 [0, 16384]이(가) 필요하지만")),
                 qPrintable(ui::engine_message(truncated)));
        QVERIFY2(ui::engine_message(turn).endsWith(
                     QString::fromUtf8(": 대화가 사용자 차례(메시지 1)로 끝납니다. 어시스턴트 차례가 답해야 합니다")),
                 qPrintable(ui::engine_message(turn)));
        QVERIFY2(ui::engine_message(turn).startsWith("chat.json"), qPrintable(ui::engine_message(turn)));
        QCOMPARE(ui::engine_message(nested),
                 QString::fromUtf8("chat.json 레코드 1 (%1번째 줄): 메시지 2: 'value' 필드가 없습니다").arg(2));
        QCOMPARE(ui::engine_message(entry),
                 QString::fromUtf8("data/dataset_info.json: 데이터셋 'demo': 알 수 없는 formatting 'openai'입니다. "
                                   "\"alpaca\"나 \"sharegpt\"여야 합니다"));
        QVERIFY2(ui::engine_message(value).endsWith(QString::fromUtf8(": learning_rate: 'fast'입니다. 필요한 것: 숫자")),
                 qPrintable(ui::engine_message(value)));
        QCOMPARE(ui::engine_message(token),
                 QString::fromStdString(dir) +
                     QString::fromUtf8("/tokenizer_config.json: bos_token은(는) 문자열, {\"content\": ...}, null 중 하나여야 하는데 7입니다"));
        QCOMPARE(ui::engine_message(columns),
                 QString::fromUtf8("데이터셋 'c4' (%1/dataset_info.json): \"columns\"에 sft 단계에 필요한 'response' 열이 없습니다 "
                                   "(사전 학습용 데이터셋인가요?)").arg(QString::fromStdString(ds_dir)));
        QCOMPARE(ui::engine_message(part),
                 QString::fromStdString(tok_dir) +
                     QString::fromUtf8("/tokenizer.json: pre_tokenizer: pre_tokenizer 타입 \"BertPreTokenizer\"은(는) 지원하지 않습니다"));
        QCOMPARE(ui::engine_message(json_type),
                 QString::fromStdString(tok_dir) +
                     QString::fromUtf8("/tokenizer.json: added_tokens[0]: JSON number 값이어야 하는데 string입니다"));
        QVERIFY2(ui::engine_message(regex).startsWith(
                     QString::fromStdString(tok_dir) +
                     QString::fromUtf8("/tokenizer.json: pre_tokenizer.pattern: 정규식이 잘못되었습니다 (오프셋 ")),
                 qPrintable(ui::engine_message(regex)));
        QVERIFY2(ui::engine_message(spm).startsWith(QString::fromStdString(spm_dir) +
                                                    QString::fromUtf8("/tokenizer.model: 올바른 SentencePiece 모델이 아닙니다 (")),
                 qPrintable(ui::engine_message(spm)));
        QCOMPARE(ui::engine_message(curve),
                 QString::fromStdString(dir) + QString::fromUtf8("/checkpoint_curve.json: points[0]: 정수 \"step\"이 없습니다"));
        QVERIFY(ui::install_language("en"));
    }

    void engineErrorsAreWordedInKorean() {
        const Problem device = caught([] { (void)parse_device("tpu"); });
        QCOMPARE(device.id, std::string("device_unknown"));
        QCOMPARE(device.message, std::string("unknown device 'tpu' (expected auto, cpu, cuda or cuda:N)"));
        const Problem tmpl = caught([] { (void)find_template("nope"); });
        QCOMPARE(tmpl.id, std::string("unknown_template"));
        QCOMPARE(tmpl.args.size(), size_t(2));
        const std::string known = tmpl.args[1];
        QVERIFY(!known.empty());
        QCOMPARE(tmpl.message, "unknown chat template 'nope' (known templates: " + known + ")");
        const Problem size = caught([] { (void)find_new_model_preset("huge"); });
        QCOMPARE(size.id, std::string("new_model_unknown_size"));
        QCOMPARE(size.key, std::string("create_new_model"));
        QCOMPARE(size.args.size(), size_t(2));
        const std::string sizes = size.args[1];
        QCOMPARE(size.message, "create_new_model: unknown size 'huge' (expected " + sizes + ")");

        QCOMPARE(ui::engine_message(device), QString::fromStdString(device.message));
        QCOMPARE(ui::engine_message(tmpl), QString::fromStdString(tmpl.message));
        QCOMPARE(ui::engine_message(size), QString::fromStdString(size.message));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(device),
                 QString::fromUtf8("알 수 없는 장치 'tpu'입니다 (auto, cpu, cuda 또는 cuda:N이어야 합니다)"));
        QCOMPARE(ui::engine_message(tmpl), QString::fromUtf8("알 수 없는 채팅 템플릿 'nope'입니다 (알려진 템플릿: %1)")
                                               .arg(QString::fromStdString(known)));
        QCOMPARE(ui::engine_message(size), QString::fromUtf8("create_new_model: 알 수 없는 크기 'huge'입니다 (%1 중 하나여야 합니다)")
                                               .arg(QString::fromStdString(sizes)));
        QVERIFY(ui::install_language("en"));
        QCOMPARE(ui::engine_message(device), QString::fromStdString(device.message));

        // An impossible LoRA rank and an unknown learning-rate schedule (errors of methods and training).
        const Problem rank = caught([] {
            LoraSettings s;
            s.rank = 0;
            s.validate();
        });
        QCOMPARE(rank.id, std::string("lora_rank_not_positive"));
        QCOMPARE(rank.message, std::string("lora_rank must be a positive integer, got 0"));
        const Problem schedule = caught([] {
            Schedule s;
            s.type = "bogus";
            (void)s.factor(0);
        });
        QCOMPARE(schedule.id, std::string("unknown_schedule"));
        QCOMPARE(schedule.key, std::string("lr_scheduler_type"));
        QCOMPARE(schedule.message, std::string("lr_scheduler_type: unknown schedule 'bogus'"));

        QCOMPARE(ui::engine_message(rank), QString::fromStdString(rank.message));
        QCOMPARE(ui::engine_message(schedule), QString::fromStdString(schedule.message));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(rank), QString::fromUtf8("lora_rank는 양의 정수여야 합니다. 받은 값: 0"));
        QCOMPARE(ui::engine_message(schedule), QString::fromUtf8("lr_scheduler_type: 알 수 없는 스케줄 'bogus'입니다"));
        QVERIFY(ui::install_language("en"));
        QCOMPARE(ui::engine_message(rank), QString::fromStdString(rank.message));

        // Chat and serving: unknown inference weights, a port out of range (placed at its key).
        const Problem weights = caught([] { (void)parse_weight_format("fp8"); });
        QCOMPARE(weights.id, std::string("unknown_inference_weights"));
        QCOMPARE(weights.message, std::string("unknown inference weights 'fp8' (expected auto, f32, bf16 or int8)"));
        const Problem port = caught([] {
            ApiServerOptions o;
            o.port = 70000;
            check_server_options(o);
        });
        QCOMPARE(port.id, std::string("port_not_tcp"));
        QCOMPARE(port.key, std::string("port"));
        QCOMPARE(port.message, std::string("port: 70000 is not a TCP port (0-65535)"));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(weights),
                 QString::fromUtf8("알 수 없는 추론 가중치 형식 'fp8' (auto, f32, bf16, int8 중 하나여야 합니다)"));
        QCOMPARE(ui::engine_message(port), QString::fromUtf8("port: 70000은(는) TCP 포트가 아닙니다 (0-65535)"));
        QVERIFY(ui::install_language("en"));

        // The Data tab's tokenizer training.
        const Problem spm = caught([] {
            SentencePieceTrainOptions o;
            o.input_files = {"/nonexistent/corpus.txt"};
            o.model_prefix = "/tmp/unused";
            train_sentencepiece(o);
        });
        QCOMPARE(spm.id, std::string("spm_input_not_found"));
        QCOMPARE(spm.message, std::string("SentencePiece training: input file not found: /nonexistent/corpus.txt"));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(spm), QString::fromUtf8("SentencePiece 학습: 입력 파일을 찾을 수 없습니다: /nonexistent/corpus.txt"));
        QVERIFY(ui::install_language("en"));

        // An unknown method: placed at finetuning_type, the English as before.
        const Problem method = caught([] { (void)parse_method("qlora"); });
        QCOMPARE(method.id, std::string("not_one_of"));
        QCOMPARE(method.key, std::string("finetuning_type"));
        QCOMPARE(method.message, std::string("finetuning_type: 'qlora' is not one of full, freeze, lora"));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(method), QString::fromUtf8("finetuning_type: 'qlora'은(는) full, freeze, lora 중 하나가 아닙니다"));
        QVERIFY(ui::install_language("en"));

        // A composed problem placed at a file (an adapter that does not fit the model): the file is named once.
        const std::string adapter_file = "/runs/a/adapter_model.safetensors";
        const Problem shape = composed_in_file(adapter_file, "adapter_tensor_parameter_missing",
                                               {verbatim("base_model.model.lm_head.weight"), verbatim("lm_head.weight"), verbatim("")});
        QCOMPARE(shape.file, adapter_file);
        QCOMPARE(shape.message, adapter_file + ": tensor 'base_model.model.lm_head.weight' names parameter 'lm_head.weight', "
                                          "which this model does not have");
        QCOMPARE(ui::engine_message(shape), QString::fromStdString(shape.message));
        QVERIFY(ui::install_language("ko"));
        QCOMPARE(ui::engine_message(shape), QString::fromStdString(adapter_file) +
                                                QString::fromUtf8(": 텐서 'base_model.model.lm_head.weight'이(가) 파라미터 "
                                                                  "'lm_head.weight'을(를) 가리키는데, 이 모델에는 그 파라미터가 없습니다"));
        QVERIFY(ui::install_language("en"));
    }
};

LATHE_TEST(TestUiValidation)
#include "test_ui_validation.moc"
