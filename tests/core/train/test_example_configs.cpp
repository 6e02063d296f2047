// Every ready-made config in examples/ (training, prediction and export) parses with the same reader
// lathe-cli and the studio use, and passes validation (a typo in a shipped example would otherwise reach users first).
#include "tests/registry.h"

#include "core/data/template.h"
#include "core/corpus/corpus_config.h"
#include "core/export/export_config.h"
#include "core/train/train_config.h"
#include "core/util/error.h"

#include <QtTest>

#include <filesystem>

using namespace lathe;
namespace fs = std::filesystem;

class TestExampleConfigs : public QObject {
    Q_OBJECT
private slots:
    void everyTrainingExampleValidates() {
        int checked = 0;
        for (const auto& e : fs::directory_iterator(fs::path(LATHE_SOURCE_DIR) / "examples")) {
            const std::string name = e.path().filename().string();
            if (e.path().extension() != ".yaml" || name.rfind("export", 0) == 0 || name.rfind("data", 0) == 0) continue;
            try {
                TrainConfig c = TrainConfig::from_yaml_file(e.path().string());
                QVERIFY2(c.ignored.empty(), name.c_str());
                c.validate();
                // The datasets named must exist in the bundled registry's folder.
                QVERIFY2(c.dataset_dir == "datasets", name.c_str());
            } catch (const Error& err) {
                QFAIL((name + ": " + err.what()).c_str());
            }
            ++checked;
        }
        QVERIFY(checked >= 6);
    }

    // The export examples through ExportConfig's reader (what `lathe-cli export FILE` and the Export tab's
    // Load use): no unknown key, valid settings, a template that exists, a quantization and shard size
    // that parse.
    void everyExportExampleValidates() {
        int checked = 0;
        for (const auto& e : fs::directory_iterator(fs::path(LATHE_SOURCE_DIR) / "examples")) {
            const std::string name = e.path().filename().string();
            if (e.path().extension() != ".yaml" || name.rfind("export", 0) != 0) continue;
            try {
                const ExportConfig c = ExportConfig::from_yaml_file(e.path().string());
                c.validate();
                QVERIFY2(!c.model_name_or_path.empty() && !c.export_dir.empty(), name.c_str());
                QVERIFY2(c.template_name.empty() || find_template(c.template_name), (name + ": " + c.template_name).c_str());
                QVERIFY2(!c.quantization().empty(), name.c_str());
                QVERIFY2(c.export_size.empty() || c.shard_bytes() > 0, name.c_str());
                QVERIFY2(!c.adapters().empty(), name.c_str());  // both examples merge a LoRA run
            } catch (const Error& err) {
                QFAIL((name + ": " + err.what()).c_str());
            }
            ++checked;
        }
        QVERIFY(checked >= 2);
    }

    // The data-workshop examples through CorpusConfig's reader (`lathe-cli data FILE`, the Data tab's Load):
    // no unknown key, valid settings, input files that are in the repository.
    void everyDataExampleValidates() {
        int checked = 0;
        for (const auto& e : fs::directory_iterator(fs::path(LATHE_SOURCE_DIR) / "examples")) {
            const std::string name = e.path().filename().string();
            if (e.path().extension() != ".yaml" || name.rfind("data", 0) != 0) continue;
            try {
                const CorpusConfig c = CorpusConfig::from_yaml_file(e.path().string());
                c.validate();
                for (const std::string& f : c.files())
                    QVERIFY2(fs::exists(fs::path(LATHE_SOURCE_DIR) / f), (name + ": " + f).c_str());
            } catch (const Error& err) {
                QFAIL((name + ": " + err.what()).c_str());
            }
            ++checked;
        }
        QVERIFY(checked >= 1);
    }
};

LATHE_TEST(TestExampleConfigs)
#include "test_example_configs.moc"
