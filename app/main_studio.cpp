// lathe: the studio. `lathe --screenshots DIR` renders every tab offscreen instead (scripts/screenshots.sh).
#include "ui/main_window.h"
#include "ui/screenshot_tour.h"
#include "core/util/file_size_limit.h"
#include "core/util/threads.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QSettings>
#include <QTemporaryDir>

int main(int argc, char** argv) {
    lathe::prefer_passive_openmp(argv);  // before anything starts OpenMP (core/util/threads.h)
    lathe::fail_writes_past_file_size_limit();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Lathe");
    QApplication::setApplicationName("Lathe");
    QApplication::setApplicationVersion("0.1.0");

    QCommandLineParser cli;
    cli.setApplicationDescription("Lathe Studio: fine-tune language models on your own computer.");
    cli.addHelpOption();
    cli.addVersionOption();
    const QCommandLineOption shots("screenshots", "Render every tab to DIR/*.png (English and Korean) and exit.", "DIR");
    const QCommandLineOption model("model", "With --screenshots: the model folder to show and chat with.", "DIR");
    const QCommandLineOption checkpoint("checkpoint", "With --screenshots: a run of that model to show.", "DIR");
    const QCommandLineOption compare("compare", "With --screenshots: a run to overlay on the plot.", "DIR");
    const QCommandLineOption config("config", "With --screenshots: a training YAML to load.", "FILE");
    const QCommandLineOption prompt("prompt", "With --screenshots: a message to send in Chat.", "TEXT");
    const QCommandLineOption promptKo("prompt-ko", "With --screenshots: the message sent before the Korean shots.", "TEXT");
    const QCommandLineOption saves("saves", "The saves folder (where runs are written).", "DIR");
    cli.addOptions({shots, model, checkpoint, compare, config, prompt, promptKo, saves});
    cli.process(app);

    QTemporaryDir settingsDir;
    if (cli.isSet(shots)) {
        // Screenshots start from a fresh install's settings, never the user's.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
    }
    if (cli.isSet(saves)) QSettings().setValue("paths/saves", QDir(cli.value(saves)).absolutePath());

    if (cli.isSet(shots)) {
        lathe::ui::TourOptions o;
        o.outputDir = cli.value(shots);
        o.model = cli.value(model);
        o.checkpoint = cli.value(checkpoint);
        o.compareRun = cli.value(compare);
        o.config = cli.value(config);
        o.prompt = cli.value(prompt);
        o.promptKo = cli.value(promptKo);
        return lathe::ui::run_screenshot_tour(o);
    }
    lathe::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
