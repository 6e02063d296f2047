// lathe-cli export: a YAML config with overrides writes the export and prints the summary; --dry-run
// writes nothing; bad keys and refused targets exit non-zero with the message on stderr.
#include "tests/core/export/export_fixtures.h"

#include <QProcess>
#include <QtTest>

using namespace lathe;
using namespace lathe::test;

namespace {

struct Run {
    int code = -1;
    std::string out, err;
};

Run cli(const QStringList& args) {
    QProcess p;
    p.start(LATHE_CLI_EXE, QStringList{"export"} + args);
    p.waitForFinished(180000);
    return {p.exitCode(), p.readAllStandardOutput().toStdString(), p.readAllStandardError().toStdString()};
}

}  // namespace

class TestCliExport : public QObject {
    Q_OBJECT
    std::string root, model, yaml;

private slots:
    void initTestCase() {
        root = scratch_dir() + "/cli-export";
        model = root + "/base";
        make_model_dir(model, export_tiny_config());
        yaml = root + "/export.yaml";
        write_file_atomic(yaml, "model_name_or_path: " + model + "\nexport_dir: " + root + "/out\nexport_format: hf\n");
    }

    void exportsWithOverrides() {
        const Run r = cli({QString::fromStdString(yaml), "export_format=gguf", "export_quantization=q8_0", "model_name=tiny"});
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
        QVERIFY2(has(r.out, "exported 3 files") && has(r.out, "tiny-Q8_0.gguf") && has(r.out, "Modelfile"), r.out.c_str());
        QVERIFY(file_exists(root + "/out/tiny-Q8_0.gguf"));
    }

    void dryRunWritesNothing() {
        const Run r = cli({QString::fromStdString(yaml), "export_dir=" + QString::fromStdString(root + "/dry"), "--dry-run"});
        QVERIFY2(r.code == 0, (r.out + r.err).c_str());
        QVERIFY2(has(r.out, "model.safetensors") && has(r.out, "tokenizer_config.json"), r.out.c_str());
        QVERIFY(!std::filesystem::exists(root + "/dry"));
    }

    void errorsExitNonZero() {
        Run r = cli({QString::fromStdString(yaml), "export_formt=gguf"});
        QCOMPARE(r.code, 1);
        QVERIFY2(has(r.err, "unknown key 'export_formt' (did you mean 'export_format'?)"), r.err.c_str());
        r = cli({QString::fromStdString(yaml), "export_dir=" + QString::fromStdString(model + "/inside")});
        QCOMPARE(r.code, 1);
        QVERIFY2(has(r.err, "is inside the source model folder"), r.err.c_str());
        // Every problem of the settings at once, one line each, naming its key.
        r = cli({QString::fromStdString(yaml), "export_format=onnx", "export_quantization=q3", "export_dir="});
        QCOMPARE(r.code, 1);
        QVERIFY2(has(r.err, "lathe-cli export: error: export_format: 'onnx' is not one of"), r.err.c_str());
        QVERIFY2(has(r.err, "lathe-cli export: error: export_dir: no export directory given"), r.err.c_str());
        r = cli({});
        QCOMPARE(r.code, 2);
        QVERIFY(has(r.out, "usage: lathe-cli export CONFIG.yaml"));
    }
};

LATHE_TEST(TestCliExport)
#include "test_cli_export.moc"
