// The studio's window: the model bar above the Train, Evaluate & Predict, Chat and Export tabs, a
// status bar with the process's memory and the engine's device, menus, settings and a clean exit
// while training, a prediction or an export runs.
#pragma once
#include <QMainWindow>

#include <functional>

class QAction;
class QLabel;
class QMenu;
class QTabWidget;
class QTimer;

namespace lathe {
namespace ui {

class ChatController;
class ChatTab;
class DataController;
class DataTab;
class EvaluateController;
class EvaluateTab;
class ExportController;
class ExportTab;
class ModelBar;
class TrainController;
class TrainTab;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QTabWidget* tabs() const { return tabs_; }
    ModelBar* modelBar() const { return bar_; }
    TrainTab* trainTab() const { return train_; }
    ChatTab* chatTab() const { return chat_; }
    EvaluateTab* evaluateTab() const { return evaluate_; }
    ExportTab* exportTab() const { return export_; }
    DataTab* dataTab() const { return data_; }
    TrainController* trainController() const { return trainController_; }
    ChatController* chatController() const { return chatController_; }
    EvaluateController* evaluateController() const { return evaluateController_; }
    ExportController* exportController() const { return exportController_; }
    DataController* dataController() const { return dataController_; }
    QString memoryText() const;
    QString deviceText() const;
    QString deviceToolTip() const;  // the device, and the instruction sets the CPU kernels use

    void setLanguage(const QString& code);
    // Asked when the window closes during training, a prediction or an export (default: a message box).
    // Tests replace it.
    void setConfirmStop(std::function<bool()> confirm) { confirmStop_ = std::move(confirm); }

protected:
    void closeEvent(QCloseEvent* e) override;
    void changeEvent(QEvent* e) override;

private:
    void buildMenus();
    void retranslate();
    void restoreSettings();
    void saveSettings();
    void updateStatus();
    void chooseSavesFolder();

    ModelBar* bar_;
    QTabWidget* tabs_;
    TrainController* trainController_;
    ChatController* chatController_;
    ExportController* exportController_;
    EvaluateController* evaluateController_;
    DataController* dataController_;
    TrainTab* train_;
    ChatTab* chat_;
    ExportTab* export_;
    EvaluateTab* evaluate_;
    DataTab* data_;
    QLabel *memoryLabel_, *deviceLabel_;
    QTimer* statusTimer_;
    QMenu *fileMenu_, *helpMenu_;
    QAction *loadAction_, *saveAction_, *starterAction_, *savesAction_, *quitAction_, *aboutAction_;
    std::function<bool()> confirmStop_;
    bool closeWhenStopped_ = false;
};

}  // namespace ui
}  // namespace lathe
