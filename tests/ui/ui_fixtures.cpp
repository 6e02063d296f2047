#include "tests/ui/ui_fixtures.h"

#include "core/data/dataset_registry.h"
#include "core/model/model_folder.h"
#include "core/peft/adapter_io.h"
#include "core/peft/lora.h"
#include "core/train/new_model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/train_config.h"
#include "core/util/fs.h"
#include "tests/registry.h"
#include "ui/language.h"

#include <QFileDialog>
#include <QLineEdit>
#include <QTest>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace lathe::test {

namespace {

struct Pair {
    const char* q;
    const char* a;
};

const Pair kPairs[] = {
    {"What is two plus three?", "Two plus three is five."},
    {"Name a primary colour.", "Red is a primary colour."},
    {"What do cats say?", "Cats say meow."},
    {"Who are you?", "I am Lathe, a small assistant."},
    {"What is the capital of France?", "The capital of France is Paris."},
    {"Count to three.", "One, two, three."},
    {"What is water made of?", "Water is made of hydrogen and oxygen."},
    {"Say hello.", "Hello there!"},
    {"너는 누구니?", "저는 작은 어시스턴트 Lathe입니다."},
    {"하늘은 무슨 색이야?", "맑은 하늘은 파란색입니다."},
    {"둘 더하기 셋은?", "둘 더하기 셋은 다섯입니다."},
    {"인사해 줘.", "안녕하세요!"},
};

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

const std::string& ui_dataset_dir() {
    static const std::string dir = [] {
        const std::string d = scratch_dir() + "/ui-datasets";
        fs::create_directories(d);
        std::string demo = "[\n", text = "", pairs = "[\n";
        bool first = true;
        for (int round = 0; round < 2; ++round)
            for (const auto& p : kPairs) {
                demo += std::string(first ? "" : ",\n") + "{\"instruction\": \"" + json_escape(p.q) +
                        "\", \"input\": \"\", \"output\": \"" + json_escape(p.a) + "\"}";
                first = false;
            }
        first = true;
        for (const auto& p : kPairs) {
            text += std::string(p.q) + " " + p.a + "\n";
            pairs += std::string(first ? "" : ",\n") + "{\"instruction\": \"" + json_escape(p.q) +
                     "\", \"chosen\": \"" + json_escape(p.a) + "\", \"rejected\": \"I do not know.\"}";
            first = false;
        }
        write_file_atomic(d + "/demo.json", demo + "\n]\n");
        write_file_atomic(d + "/demo_text.txt", text);
        write_file_atomic(d + "/demo_pairs.json", pairs + "\n]\n");
        write_file_atomic(d + "/dataset_info.json",
                          "{\n  \"demo\": {\"file_name\": \"demo.json\"},\n"
                          "  \"demo_text\": {\"file_name\": \"demo_text.txt\", \"columns\": {\"prompt\": \"text\"}},\n"
                          "  \"demo_pairs\": {\"file_name\": \"demo_pairs.json\", \"ranking\": true,\n"
                          "    \"columns\": {\"prompt\": \"instruction\", \"chosen\": \"chosen\", \"rejected\": \"rejected\"}}\n}\n");
        return d;
    }();
    return dir;
}

const std::string& ui_model_dir() {
    static const std::string dir = [] {
        const std::string d = scratch_dir() + "/ui-tiny-model";
        std::vector<std::string> texts;
        for (int r = 0; r < 4; ++r)
            for (const auto& p : kPairs) {
                texts.push_back(p.q);
                texts.push_back(p.a);
            }
        ModelConfig c = create_new_model_files("tiny", texts, d, 800);
        // The tokenizer is real; the network is made tiny so that training steps take milliseconds.
        c.hidden_size = 32;
        c.intermediate_size = 64;
        c.num_hidden_layers = 2;
        c.num_attention_heads = 4;
        c.num_key_value_heads = 2;
        c.head_dim = 8;
        c.max_position_embeddings = 256;
        CausalLM model(c);
        model->init_weights(11, 0.2);
        save_causal_lm(*model, d);
        return d;
    }();
    return dir;
}

std::string ui_make_adapter(const std::string& name, uint64_t seed) {
    const std::string d = scratch_dir() + "/" + name;
    auto model = load_causal_lm(ui_model_dir());
    LoraSettings s;
    s.rank = 4;
    s.alpha = 8;
    LoraModel lora = LoraModel::apply(model.ptr(), s);
    {
        torch::NoGradGuard g;
        auto gen = torch::make_generator<at::CPUGeneratorImpl>(seed);
        for (auto& p : model->named_parameters())
            if (p.key().find("lora_B") != std::string::npos)
                p.value().copy_(torch::empty(p.value().sizes()).normal_(0, 0.5, gen));
    }
    save_lora_adapter(lora, d, ui_model_dir());
    return d;
}

std::string ui_make_run_log(const std::string& name, int rows) {
    const std::string d = scratch_dir() + "/" + name;
    fs::create_directories(d);
    std::ofstream out(d + "/trainer_log.jsonl");
    for (int i = 1; i <= rows; ++i)
        out << "{\"current_steps\": " << i << ", \"total_steps\": " << rows << ", \"loss\": " << 2.0 / i
            << ", \"lr\": 0.001}\n";
    out << "{\"current_steps\": " << rows << ", \"total_steps\": " << rows << ", \"eval_loss\": 0.5}\n";
    return d;
}

TrainConfig ui_train_config(const std::string& output_dir, int steps) {
    TrainConfig c;
    c.model_name_or_path = ui_model_dir();
    c.template_name = "chatml";
    c.stage = "sft";
    c.finetuning_type = "lora";
    c.dataset = "demo";
    c.dataset_dir = ui_dataset_dir();
    c.cutoff_len = 64;
    c.per_device_train_batch_size = 2;
    c.gradient_accumulation_steps = 1;
    c.learning_rate = 1e-3;
    c.max_steps = steps;
    c.logging_steps = 1;
    c.save_steps = 5;
    c.output_dir = output_dir;
    c.threads = 1;  // leaves the other core to the UI thread under test
    c.device = "cpu";
    c.bf16 = Toggle::Off;  // the same numbers on every machine (test_precision covers bf16)
    return c;
}

bool wait_until(const std::function<bool()>& done, int timeout_ms) {
    // qWaitFor sleeps between event batches: a busy loop would steal the core the engine runs on.
    return QTest::qWaitFor(done, timeout_ms);
}

std::string ui_copy_dataset_dir(const std::string& name) {
    const std::string dir = scratch_dir() + "/" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const auto& item : std::filesystem::directory_iterator(ui_dataset_dir()))
        std::filesystem::copy_file(item.path(), dir + "/" + item.path().filename().string());
    return dir;
}

KoreanUi::KoreanUi() : installed_(ui::install_language("ko")) {}
KoreanUi::~KoreanUi() { ui::install_language("en"); }

void answer_file_dialog(const QString& path, QString* title) {
    answer_next_modal<QFileDialog>([path, title](QFileDialog* d) {
        if (title) *title = d->windowTitle();
        d->findChild<QLineEdit*>("fileNameEdit")->setText(path);  // what a user types
        static_cast<QDialog*>(d)->accept();  // QFileDialog::accept is protected; the virtual call is its
    });
}

}  // namespace lathe::test

// The area runs each file as a CTest test named after it; this one checks that the fixtures are what
// the other UI tests assume.
class TestUiFixtures : public QObject {
    Q_OBJECT
private slots:
    void theTinyModelLoadsAndItsTokenizerKeepsKorean() {
        auto model = lathe::load_causal_lm(lathe::test::ui_model_dir());
        QCOMPARE(model->config().hidden_size, int64_t(32));
        auto tok = lathe::Tokenizer::from_dir(lathe::test::ui_model_dir());
        const std::string text = "너는 누구니? Who are you?";
        QCOMPARE(QString::fromStdString(tok->decode(tok->encode(text))), QString::fromStdString(text));
        QVERIFY(tok->token_to_id("<|im_end|>") >= 0);
    }

    void theDatasetFolderListsItsThreeDatasets() {
        const auto reg = lathe::DatasetRegistry::load(lathe::test::ui_dataset_dir());
        QCOMPARE(reg.entries().size(), size_t(3));
        QCOMPARE(reg.names_for_stage(lathe::Stage::Dpo), std::vector<std::string>{"demo_pairs"});
    }

    void runLogsAndAdaptersAreWritten() {
        const std::string run = lathe::test::ui_make_run_log("fixture-run", 4);
        QVERIFY(lathe::file_exists(run + "/trainer_log.jsonl"));
        const std::string adapter = lathe::test::ui_make_adapter("fixture-adapter", 5);
        QVERIFY(lathe::file_exists(adapter + "/adapter_model.safetensors"));
        QVERIFY(lathe::file_exists(adapter + "/adapter_config.json"));
    }
};

LATHE_TEST(TestUiFixtures)
#include "ui_fixtures.moc"
