// Renders every tab (and the dataset preview) to PNG files, in English and Korean: what
// scripts/screenshots.sh runs through `lathe --screenshots DIR`.
#pragma once
#include <QString>

namespace lathe {
namespace ui {

struct TourOptions {
    QString outputDir;
    QString model;       // a model folder to show (and chat with)
    QString checkpoint;  // a run of that model whose curve is shown
    QString compareRun;  // a second run overlaid on the plot
    QString config;      // a training YAML to load into the form
    QString prompt;      // asked in Chat (English screenshots); "" skips chatting
    QString promptKo;    // asked in Chat before the Korean screenshots
};

// Returns 0 when every file was written.
int run_screenshot_tour(const TourOptions& options);

}  // namespace ui
}  // namespace lathe
