#include "ui/serve_panel.h"

#include "core/serve/api_server.h"
#include "core/serve/openai_api.h"
#include "core/serve/serving_engine.h"
#include "ui/engine_messages.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

#include <thread>

namespace lathe {
namespace ui {

namespace {

constexpr int kLogLines = 500;

}  // namespace

ServePanel::ServePanel(QWidget* parent) : QGroupBox(parent), alive_(std::make_shared<std::atomic<bool>>(true)) {
    setObjectName("servePanel");
    QSettings s;
    hostLabel_ = new QLabel(this);
    host_ = new QLineEdit(s.value("serve/host", "127.0.0.1").toString(), this);
    host_->setObjectName("serveHost");
    portLabel_ = new QLabel(this);
    port_ = new QSpinBox(this);
    port_->setObjectName("servePort");
    port_->setRange(1, 65535);
    port_->setValue(s.value("serve/port", 8000).toInt());
    keyLabel_ = new QLabel(this);
    key_ = new QLineEdit(this);
    key_->setObjectName("serveKey");
    key_->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    serve_ = new QPushButton(this);
    serve_->setObjectName("serve");
    serve_->setCheckable(true);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    curlLabel_ = new QLabel(this);
    curl_ = new QPlainTextEdit(this);
    curl_->setObjectName("serveCurl");
    curl_->setReadOnly(true);
    curl_->setMaximumHeight(130);
    curl_->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);  // the side column is narrow: all of it shows
    copy_ = new QPushButton(this);
    logLabel_ = new QLabel(this);
    log_ = new QPlainTextEdit(this);
    log_->setObjectName("serveLog");
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(kLogLines);
    log_->setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    log_->setMinimumHeight(80);
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    curl_->setFont(mono);
    log_->setFont(mono);

    auto* form = new QFormLayout;
    form->addRow(hostLabel_, host_);
    form->addRow(portLabel_, port_);
    form->addRow(keyLabel_, key_);
    auto* curlRow = new QHBoxLayout;
    curlRow->addWidget(curlLabel_, 1);
    curlRow->addWidget(copy_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(serve_);
    layout->addWidget(status_);
    layout->addLayout(curlRow);
    layout->addWidget(curl_);
    layout->addWidget(logLabel_);
    layout->addWidget(log_, 1);

    connect(serve_, &QPushButton::clicked, this, [this](bool on) {
        if (on) start();
        else stop();
    });
    connect(copy_, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(curl_->toPlainText()); });
    retranslate();
    updateState();
}

ServePanel::~ServePanel() {
    *alive_ = false;
    server_.reset();  // stops: cancels the generations, closes the connections
    engine_.reset();
}

bool ServePanel::isServing() const { return server_ && server_->running(); }

QString ServePanel::statusText() const { return status_->text(); }

void ServePanel::retranslate() {
    setTitle(tr("Serve an OpenAI-compatible API"));
    hostLabel_->setText(tr("Address"));
    host_->setToolTip(tr("127.0.0.1 serves this computer only. Any other address (0.0.0.0: every network) "
                         "needs an API key."));
    portLabel_->setText(tr("Port"));
    keyLabel_->setText(tr("API key"));
    key_->setPlaceholderText(tr("Optional on 127.0.0.1"));
    key_->setToolTip(tr("Clients must send 'Authorization: Bearer KEY'"));
    curlLabel_->setText(tr("Try it:"));
    copy_->setText(tr("Copy"));
    copy_->setToolTip(tr("Copy the curl command"));
    logLabel_->setText(tr("Requests"));
    if (isServing()) setStatus(tr("Serving at %1 (%2)").arg(url_, engine_message(description_)));
    updateState();
}

void ServePanel::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QGroupBox::changeEvent(e);
}

void ServePanel::setStatus(const QString& text, bool error) {
    status_->setText(text);
    status_->setStyleSheet(error ? "color:#c0392b;" : QString());
}

void ServePanel::updateState() {
    const bool serving = isServing();
    serve_->setChecked(serving || starting_);
    serve_->setEnabled(!starting_);
    serve_->setText(serving ? tr("Stop serving") : starting_ ? tr("Starting…") : tr("Serve"));
    serve_->setToolTip(tr("Serve the model bar's model and checkpoint at /v1/chat/completions, /v1/completions "
                          "and /v1/models, as lathe-cli api does"));
    for (QWidget* w : {static_cast<QWidget*>(host_), static_cast<QWidget*>(port_), static_cast<QWidget*>(key_)})
        w->setEnabled(!serving && !starting_);
    copy_->setEnabled(serving);
    if (!serving) curl_->clear();
}

void ServePanel::start() {
    if (isServing() || starting_) return;
    const ServeSource src = source_ ? source_() : ServeSource();
    if (src.model.isEmpty()) {
        setStatus(tr("Choose a model folder in the model bar first"), true);
        updateState();
        return;
    }
    ServingOptions so;
    so.model_dir = src.model.toStdString();
    // The checkpoint: a LoRA adapter merges into the base; a full or freeze fine-tune is the model itself.
    if (!src.checkpoint.isEmpty()) {
        if (QFileInfo::exists(QDir(src.checkpoint).filePath("adapter_config.json")))
            so.adapters = {src.checkpoint.toStdString()};
        else
            so.model_dir = src.checkpoint.toStdString();
    }
    so.template_name = src.templateName.toStdString();
    so.weights = src.weights.isEmpty() ? "auto" : src.weights.toStdString();
    ApiServerOptions ao;
    ao.host = host_->text().trimmed().toStdString();
    ao.port = port_->value();
    ao.api_key = key_->text().toStdString();
    if (!is_loopback_host(ao.host) && ao.api_key.empty()) {
        setStatus(tr("%1 can be reached from other computers: set an API key first, or use 127.0.0.1").arg(host_->text()),
                  true);
        updateState();
        return;
    }
    QSettings().setValue("serve/host", host_->text().trimmed());
    QSettings().setValue("serve/port", port_->value());
    starting_ = true;
    setStatus(tr("Loading %1…").arg(QString::fromStdString(so.model_dir)));
    updateState();

    // Loading takes seconds: off the UI thread. The result comes back through the event loop; a panel
    // destroyed meanwhile drops it (the engine and server are freed with the lambda).
    QPointer<ServePanel> self(this);
    auto alive = alive_;
    std::thread([self, alive, so, ao] {
        struct Result {
            std::unique_ptr<ServingEngine> engine;
            std::unique_ptr<ApiServer> server;
            QString error, url;
            lathe::Problem description;
        };
        auto r = std::make_shared<Result>();
        try {
            r->engine = std::make_unique<ServingEngine>(so);
            r->server = std::make_unique<ApiServer>(*r->engine, ao);
            r->server->start();
            r->url = QString::fromStdString(r->server->url());
            r->description = r->engine->describe_note();
        } catch (const std::exception& e) {
            r->server.reset();
            r->engine.reset();
            r->error = error_message(e);  // in the studio's language
        }
        QMetaObject::invokeMethod(qApp, [self, alive, r] {
            if (!self || !*alive) return;  // r frees the server, then the engine
            self->starting_ = false;
            if (!r->error.isEmpty()) {
                self->setStatus(ServePanel::tr("Could not serve: %1").arg(r->error), true);
                self->updateState();
                return;
            }
            self->engine_ = std::move(r->engine);
            self->server_ = std::move(r->server);
            self->onStarted(r->url, r->description);
        }, Qt::QueuedConnection);
    }).detach();
}

void ServePanel::onStarted(const QString& url, const lathe::Problem& description) {
    url_ = url;
    description_ = description;
    model_ = QString::fromStdString(engine_->model_name());
    QPointer<ServePanel> self(this);
    server_->set_log([self](const ApiLogEntry& e) {
        const QString line = QString::fromStdString(e.line());
        QMetaObject::invokeMethod(qApp, [self, line] {
            if (self) self->appendLog(line);
        }, Qt::QueuedConnection);
    });
    setStatus(tr("Serving at %1 (%2)").arg(url, engine_message(description)));
    curl_->setPlainText(QString::fromStdString(curl_example(url.toStdString(), model_.toStdString(), !key_->text().isEmpty())));
    updateState();
    emit servingChanged(true);
}

void ServePanel::appendLog(const QString& line) { log_->appendPlainText(line); }

void ServePanel::stop() {
    if (!server_ && !engine_) {
        updateState();
        return;
    }
    server_->stop();  // cancels the generations, closes the connections, joins the server's threads
    server_.reset();
    engine_.reset();
    url_.clear();
    setStatus(tr("Stopped"));
    updateState();
    emit servingChanged(false);
}

}  // namespace ui
}  // namespace lathe
