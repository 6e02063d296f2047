// The Chat tab's "Serve" switch: the model bar's model (with its checkpoint) served with an
// OpenAI-compatible API (core/serve/api_server.h) on an address, port and key the user sets. Loading
// runs off the UI thread; the panel shows the address, a copyable curl example and a log of every
// request. Stopping closes the connections and frees the model.
#pragma once
#include "core/util/error.h"

#include <QGroupBox>

#include <atomic>
#include <functional>
#include <memory>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace lathe {
class ApiServer;
class ServingEngine;
}  // namespace lathe

namespace lathe {
namespace ui {

// What to serve: the model bar's choice when Serve is pressed.
struct ServeSource {
    QString model, checkpoint, templateName, weights;
};

class ServePanel : public QGroupBox {
    Q_OBJECT
public:
    explicit ServePanel(QWidget* parent = nullptr);
    ~ServePanel() override;  // stops serving

    // Called at Serve for the model to serve; an empty model is refused with a message.
    void setSourceProvider(std::function<ServeSource()> provider) { source_ = std::move(provider); }

    bool isServing() const;
    bool isStarting() const { return starting_; }
    QString url() const { return url_; }
    // For tests and the screenshot tool.
    QLineEdit* host() const { return host_; }
    QSpinBox* port() const { return port_; }
    QLineEdit* apiKey() const { return key_; }
    QPushButton* serveButton() const { return serve_; }
    QPlainTextEdit* curlExample() const { return curl_; }
    QPlainTextEdit* requestLog() const { return log_; }
    QString statusText() const;

public slots:
    void start();
    void stop();

signals:
    void servingChanged(bool serving);

protected:
    void changeEvent(QEvent* e) override;

private:
    void retranslate();
    void updateState();
    void setStatus(const QString& text, bool error = false);
    void onStarted(const QString& url, const lathe::Problem& description);
    void appendLog(const QString& line);

    std::function<ServeSource()> source_;
    QLabel *hostLabel_, *portLabel_, *keyLabel_, *status_, *curlLabel_, *logLabel_;
    QLineEdit *host_, *key_;
    QSpinBox* port_;
    QPushButton *serve_, *copy_;
    QPlainTextEdit *curl_, *log_;
    std::unique_ptr<ServingEngine> engine_;
    std::unique_ptr<ApiServer> server_;
    bool starting_ = false;
    QString url_, model_;
    lathe::Problem description_;  // the model line as data: worded in the language shown
    std::shared_ptr<std::atomic<bool>> alive_;  // cleared at destruction: a late load result is dropped
};

}  // namespace ui
}  // namespace lathe
