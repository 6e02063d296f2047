// What an export refuses, and what a failed or cancelled export leaves behind: nothing, with the
// source untouched. Every message is checked.
#include "tests/core/export/export_fixtures.h"

#include <QtTest>

#include <csignal>
#include <sys/resource.h>

using namespace lathe;
using namespace lathe::test;

namespace {

// Every file of a folder with its bytes, to prove a source was not touched.
std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out[e.path().string()] = read_file(e.path().string());
    return out;
}

std::string failure(const ExportConfig& c) {
    const ExportSummary s = run_export(c);
    if (s.status == ExportSummary::Status::Completed) return "(completed)";
    return s.message;
}

}  // namespace

class TestExportErrors : public QObject {
    Q_OBJECT
    std::string root, model, other, adapter, foreign_adapter;

    ExportConfig config(const std::string& out) const {
        ExportConfig c;
        c.model_name_or_path = model;
        c.export_dir = root + "/" + out;
        return c;
    }

private slots:
    void initTestCase() {
        root = scratch_dir() + "/export-errors";
        model = root + "/base", other = root + "/wider", adapter = root + "/lora", foreign_adapter = root + "/lora-wide";
        make_model_dir(model, export_tiny_config());
        ModelConfig wide = export_tiny_config();
        wide.intermediate_size = 96;
        make_model_dir(other, wide);
        make_adapter(model, adapter, 3);
        make_adapter(other, foreign_adapter, 4, "org/wider-base");
    }

    void nonEmptyTargetNeedsOverwrite() {
        ExportConfig c = config("occupied");
        std::filesystem::create_directories(c.export_dir);
        write_file_atomic(c.export_dir + "/notes.txt", "mine");
        const std::string m = failure(c);
        QVERIFY2(has(m, "export_dir '" + c.export_dir + "' is not empty") && has(m, "export_overwrite: true"), m.c_str());
        QCOMPARE(read_file(c.export_dir + "/notes.txt"), std::string("mine"));
        c.export_overwrite = true;
        const ExportSummary s = run_export(c);
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        QVERIFY(!file_exists(c.export_dir + "/notes.txt"));
        QVERIFY(file_exists(c.export_dir + "/model.safetensors"));
        QVERIFY(leftovers(root).empty());
    }

    void targetInsideOrAroundTheSourceIsRefused() {
        ExportConfig c = config("x");
        c.export_dir = model + "/export";
        std::string m = failure(c);
        QVERIFY2(has(m, "is inside the source model folder '" + model + "'"), m.c_str());
        c.export_dir = model + "/../base/";
        m = failure(c);
        QVERIFY2(has(m, "is inside the source model folder"), m.c_str());
        c.export_dir = root;
        c.export_overwrite = true;
        m = failure(c);
        QVERIFY2(has(m, "contains the source model folder") && has(m, "would delete the source"), m.c_str());
        c = config("x");
        c.adapter_name_or_path = adapter;
        c.export_dir = adapter + "/merged";
        m = failure(c);
        QVERIFY2(has(m, "is inside the adapter folder '" + adapter + "'"), m.c_str());
    }

    void adapterFromAnotherBaseNamesBoth() {
        ExportConfig c = config("foreign");
        c.adapter_name_or_path = foreign_adapter;
        const std::string m = failure(c);
        QVERIFY2(has(m, "adapter '" + foreign_adapter + "' was trained on 'org/wider-base'"), m.c_str());
        QVERIFY2(has(m, "not on the model being exported ('" + model + "')"), m.c_str());
        QVERIFY2(has(m, "[4, 96]") || has(m, "[96, 4]"), m.c_str());
        QVERIFY2(has(m, "[128, 64]") || has(m, "[64, 128]"), m.c_str());
        QVERIFY(!std::filesystem::exists(c.export_dir));
        const std::vector<Problem> problems = precheck_export(c);
        QCOMPARE(problems.size(), size_t(1));
        QVERIFY(has(problems[0].message, "org/wider-base"));
        QCOMPARE(problems[0].key, std::string("adapter_name_or_path"));  // the layer that knew said so
    }

    void renamedBaseWithFittingShapesIsAWarning() {
        const std::string renamed = root + "/lora-renamed";
        make_adapter(model, renamed, 8, "org/some-other-name");
        ExportConfig c = config("renamed");
        c.adapter_name_or_path = renamed;
        std::vector<std::string> warnings;
        ExportEvents ev;
        ev.on_message = [&](const std::string& level, const Problem& line) {
            if (level == "warning") warnings.push_back(line.message);
        };
        const ExportSummary s = run_export(c, ev);
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        QCOMPARE(warnings.size(), size_t(1));
        QVERIFY2(has(warnings[0], "names base model 'org/some-other-name'") && has(warnings[0], "merged anyway"), warnings[0].c_str());
    }

    void missingTokenizerIsRefused() {
        const std::string bare = root + "/no-tokenizer";
        std::filesystem::create_directories(bare);
        for (const char* f : {"config.json", "model.safetensors"})
            std::filesystem::copy_file(model + "/" + f, bare + "/" + f);
        ExportConfig c = config("no-tok");
        c.model_name_or_path = bare;
        const std::string m = failure(c);
        QVERIFY2(has(m, "missing tokenizer: '" + bare + "' has no tokenizer.json or tokenizer.model"), m.c_str());
        QVERIFY(!std::filesystem::exists(c.export_dir));
    }

    void badSettingsAreNamed() {
        ExportConfig c = config("bad");
        c.export_quantization = "q4_k_m";
        std::string m = failure(c);
        QVERIFY2(has(m, "export_quantization: 'q4_k_m' is not one of f32, f16, bf16 for export_format hf") &&
                     has(m, "set export_format: gguf"),
                 m.c_str());
        c = config("bad");
        c.export_format = "onnx";
        m = failure(c);
        QVERIFY2(has(m, "export_format: 'onnx' is not one of hf, gguf"), m.c_str());
        c = config("bad");
        c.export_size = "lots";
        m = failure(c);
        QVERIFY2(has(m, "export_size: ") && has(m, "lots"), m.c_str());
        c = config("bad");
        c.model_name_or_path = root + "/nowhere";
        m = failure(c);
        QVERIFY2(has(m, "model_name_or_path: folder '" + root + "/nowhere' does not exist"), m.c_str());
        c = config("bad");
        c.template_name = "chatmll";
        m = failure(c);
        QVERIFY2(has(m, "template: unknown chat template 'chatmll'") && has(m, "chatml"), m.c_str());
        c = config("bad");
        c.adapter_name_or_path = root + "/no-adapter";
        m = failure(c);
        QVERIFY2(has(m, "adapter folder '" + root + "/no-adapter' does not exist"), m.c_str());
    }

    // A write that fails half way (here: the file size limit, as a full disk would) removes the staging
    // folder and leaves the target and the source as they were.
    void diskFullLeavesNothingBehind() {
        const auto before = snapshot(model);
        ExportConfig c = config("full");
        c.export_quantization = "f32";
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit small = old;
        small.rlim_cur = 40'000;  // the weights are about 300 KB
        setrlimit(RLIMIT_FSIZE, &small);
        const ExportSummary s = run_export(c);
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, SIG_DFL);
        QVERIFY(s.status == ExportSummary::Status::Failed);
        QVERIFY2(has(s.message, "write failed") || has(s.message, "File too large"), s.message.c_str());
        QVERIFY2(has(s.message, "the partial export was removed"), s.message.c_str());
        QVERIFY(!std::filesystem::exists(c.export_dir));
        QVERIFY(leftovers(root).empty());
        QVERIFY(snapshot(model) == before);
    }

    void cancelLeavesNothingBehind() {
        for (const std::string format : {"hf", "gguf"}) {
            ExportConfig c = config("cancelled-" + format);
            c.export_format = format;
            std::atomic<bool> cancel{false};
            ExportEvents ev;
            ev.on_progress = [&](double f, const Problem&) {
                if (f > 0.4) cancel = true;
            };
            const ExportSummary s = run_export(c, ev, &cancel);
            QVERIFY(s.status == ExportSummary::Status::Cancelled);
            QVERIFY2(has(s.message, "nothing was written"), s.message.c_str());
            QVERIFY(!std::filesystem::exists(c.export_dir));
            QVERIFY(leftovers(root).empty());
        }
    }
};

LATHE_TEST(TestExportErrors)
#include "test_export_errors.moc"
