// ExportConfig: LLaMA-Factory style YAML, overrides, defaults, and the messages for bad keys and values.
#include "core/export/export_config.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "tests/checks.h"
#include "tests/registry.h"

#include <QtTest>

using namespace lathe;

namespace {

using lathe::test::error_of;

using lathe::test::has;

}  // namespace

class TestExportConfig : public QObject {
    Q_OBJECT
private slots:
    void parsesLlamaFactoryKeys() {
        const ExportConfig c = ExportConfig::from_yaml(
            "model_name_or_path: models/llama\nadapter_name_or_path: [saves/a, saves/b]\ntemplate: llama3\n"
            "export_dir: out/merged\nexport_size: 2\nexport_format: gguf\nexport_quantization: Q4_K_M\n"
            "export_legacy_format: false\nexport_device: cpu\n",
            "export.yaml");
        QCOMPARE(c.model_name_or_path, std::string("models/llama"));
        QCOMPARE(c.adapters(), (std::vector<std::string>{"saves/a", "saves/b"}));
        QCOMPARE(c.template_name, std::string("llama3"));
        QCOMPARE(c.quantization(), std::string("q4_k_m"));
        QCOMPARE(c.shard_bytes(), uint64_t(2'000'000'000));  // a bare number is GB, as LLaMA-Factory's
        c.validate();
        ExportConfig d = c;
        d.apply_override("export_size=500MB");
        d.apply_override("adapter_name_or_path= x , y,");
        QCOMPARE(d.shard_bytes(), uint64_t(500'000'000));
        QCOMPARE(d.adapters(), (std::vector<std::string>{"x", "y"}));
        const ExportConfig back = ExportConfig::from_yaml(c.to_yaml(), "round trip");
        for (const std::string& k : ExportConfig::keys()) QCOMPARE(back.get(k), c.get(k));
    }

    void defaultsDependOnTheFormat() {
        ExportConfig c;
        QCOMPARE(c.quantization(), std::string("bf16"));
        c.export_format = "gguf";
        QCOMPARE(c.quantization(), std::string("f16"));
    }

    void badKeysAndValuesAreNamed() {
        std::string m = error_of([] { ExportConfig::from_yaml("export_dri: out\n", "e.yaml"); });
        QVERIFY2(has(m, "e.yaml:1: unknown key 'export_dri' (did you mean 'export_dir'?)"), m.c_str());
        m = error_of([] { ExportConfig::from_yaml("export_overwrite: maybe\n", "e.yaml"); });
        QVERIFY2(has(m, "export_overwrite: expected true or false, got 'maybe'"), m.c_str());
        m = error_of([] { ExportConfig::from_yaml("threads: two\n", "e.yaml"); });
        QVERIFY2(has(m, "threads: expected an integer, got 'two'"), m.c_str());
        m = error_of([] { ExportConfig::from_yaml("export_quantization_bit: 4\n", "e.yaml"); });
        QVERIFY2(has(m, "GPTQ") && has(m, "export_format: gguf"), m.c_str());
        m = error_of([] { ExportConfig::from_yaml("a: [1\n", "e.yaml"); });
        QVERIFY2(has(m, "e.yaml:") && has(m, "invalid YAML"), m.c_str());
        m = error_of([] { ExportConfig().apply_override("export_dir"); });
        QVERIFY2(has(m, "override 'export_dir' is not of the form key=value"), m.c_str());
        m = error_of([] { ExportConfig().validate(); });
        QVERIFY2(has(m, "model_name_or_path: no model given"), m.c_str());
        m = error_of([] {
            ExportConfig c;
            c.model_name_or_path = "m";
            c.validate();
        });
        QVERIFY2(has(m, "export_dir: no export directory given"), m.c_str());
        m = error_of([] {
            ExportConfig c;
            c.model_name_or_path = "m";
            c.export_dir = "o";
            c.adapter_name_or_path = "m";
            c.validate();
        });
        QVERIFY2(has(m, "adapter_name_or_path: 'm' is the model itself"), m.c_str());
    }

    void everyProblemAtOnceWithItsKey() {
        ExportConfig c;
        c.export_format = "hf";
        c.export_quantization = "q4_k_m";
        c.threads = -1;
        const std::vector<Problem> found = c.problems();
        QCOMPARE(found.size(), size_t(4));
        const char* keys[] = {"model_name_or_path", "export_dir", "export_quantization", "threads"};
        for (size_t i = 0; i < found.size(); ++i) QCOMPARE(found[i].key, std::string(keys[i]));
        QCOMPARE(found[2].message, std::string("export_quantization: 'q4_k_m' is not one of f32, f16, bf16 for export_format hf "
                                               "(quantized types are written as GGUF: set export_format: gguf)"));
        QCOMPARE(found[2].args, (std::vector<std::string>{"q4_k_m", "f32, f16, bf16", "hf"}));
    }

    void valuesAreReadAsTheTrainingConfigReadsThem() {
        // One set of rules for every config (issue 16: "1e3" was an integer for one and refused by the
        // other): the same text gives the same value, or the same message after the key.
        for (const std::string text : {"8", "1e3", "100.0", "-0", "1.5", "3000000000", "eight", ""}) {
            std::string train_said, export_said;
            int train_value = -1, export_value = -1;
            try {
                TrainConfig t;
                t.set("threads", text);
                train_value = t.threads;
            } catch (const ConfigError& e) {
                train_said = e.what();
            }
            try {
                ExportConfig x;
                x.set("threads", text);
                export_value = x.threads;
            } catch (const ConfigError& e) {
                export_said = e.what();
            }
            QVERIFY2(train_said == export_said && train_value == export_value,
                     qPrintable(QString::fromStdString("'" + text + "': " + train_said + " | " + export_said)));
        }
        TrainConfig t;
        t.set("threads", "1e3");
        QCOMPARE(t.threads, 1000);
        t.set("learning_rate", "5e-05");
        QCOMPARE(t.get("learning_rate"), std::string("5e-05"));
        t.set("learning_rate", "0.30000000000000004");
        QCOMPARE(t.get("learning_rate"), std::string("0.30000000000000004"));
    }
};

LATHE_TEST(TestExportConfig)
#include "test_export_config.moc"
