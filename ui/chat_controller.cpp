#include "ui/chat_controller.h"

#include "ui/engine_messages.h"

#include "core/chat/chat_session.h"

#include <QMetaObject>

namespace lathe {
namespace ui {

ChatWorker::ChatWorker(std::atomic<bool>* cancel) : session_(new ChatSession), cancel_(cancel) {}
ChatWorker::~ChatWorker() { delete session_; }

void ChatWorker::load(const QString& model, const QString& adapter, const QString& templateName, const QString& device,
                      const QString& weights) {
    try {
        session_->set_template(templateName.toStdString());
        session_->load(model.toStdString(), device.toStdString(), 0, weights.toStdString());
        session_->set_adapter(adapter.toStdString());
        emit loaded(session_->describe_note(), adapter);
    } catch (const std::exception& e) {
        session_->unload();
        emit failed(error_message(e));  // in the studio's language
    }
}

void ChatWorker::unload() {
    session_->unload();
    emit unloaded();
}

void ChatWorker::setAdapter(const QString& adapter) {
    try {
        session_->set_adapter(adapter.toStdString());
        emit loaded(session_->describe_note(), adapter);
    } catch (const std::exception& e) {
        emit failed(error_message(e));  // in the studio's language
    }
}

void ChatWorker::setTemplate(const QString& name) {
    try {
        session_->set_template(name.toStdString());
        if (session_->loaded())
            emit loaded(session_->describe_note(), QString::fromStdString(session_->adapter_dir()));
    } catch (const std::exception& e) {
        emit failed(error_message(e));  // in the studio's language
    }
}

void ChatWorker::reply(const QVector<ChatTurn>& history, const QString& system, const ChatSampling& s, int side) {
    std::vector<Message> msgs;
    for (const auto& t : history) msgs.push_back({t.user ? Role::User : Role::Assistant, t.text.toStdString()});
    ChatOptions o;
    o.temperature = s.temperature;
    o.top_p = s.topP;
    o.top_k = s.topK;
    o.repetition_penalty = s.repetitionPenalty;
    o.max_new_tokens = s.maxNewTokens;
    o.enable_thinking = s.thinking;
    try {
        const ChatReply r = session_->reply(
            msgs, system.toStdString(), o, side == int(ChatSide::Base) ? ChatVariant::Base : ChatVariant::Tuned,
            [&](const std::string& text) { emit piece(side, QString::fromStdString(text)); }, cancel_);
        emit replyDone(side, QString::fromStdString(r.finish), r.new_tokens, r.tokens_per_second);
    } catch (const std::exception& e) {
        emit failed(error_message(e));  // in the studio's language
        emit replyDone(side, QStringLiteral("error"), 0, 0);
    }
}

ChatController::ChatController(QObject* parent) : QObject(parent) {
    qRegisterMetaType<lathe::Problem>();
    worker_ = new ChatWorker(&cancel_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    connect(worker_, &ChatWorker::loaded, this, [this](const lathe::Problem& d, const QString& a) {
        loaded_ = true;
        loadedAdapter_ = a;
        emit loaded(d, a);
    });
    connect(worker_, &ChatWorker::unloaded, this, [this] {
        loaded_ = false;
        loadedModel_.clear();
        loadedAdapter_.clear();
        emit unloaded();
    });
    connect(worker_, &ChatWorker::failed, this, &ChatController::failed);
    connect(worker_, &ChatWorker::piece, this, &ChatController::piece);
    connect(worker_, &ChatWorker::replyDone, this, &ChatController::replyDone);
    connect(worker_, &ChatWorker::jobDone, this, &ChatController::done);
    thread_.setObjectName("lathe-chat");
    thread_.start();
}

ChatController::~ChatController() {
    cancel_ = true;
    thread_.quit();
    thread_.wait();
}

void ChatController::post(std::function<void(ChatWorker*)> job) {
    if (pending_++ == 0) emit busyChanged(true);
    ChatWorker* w = worker_;
    QMetaObject::invokeMethod(worker_, [w, job] {
        job(w);
        emit w->jobDone();  // queued back to the controller, which counts what is still pending
    }, Qt::QueuedConnection);
}

void ChatController::done() {
    if (--pending_ == 0) {
        cancel_ = false;
        emit busyChanged(false);
    }
}

void ChatController::load(const QString& model, const QString& adapter, const QString& templateName, const QString& device,
                          const QString& weights) {
    loadedModel_ = model;
    post([=](ChatWorker* w) { w->load(model, adapter, templateName, device, weights); });
}

void ChatController::unload() {
    post([](ChatWorker* w) { w->unload(); });
}

void ChatController::setAdapter(const QString& adapter) {
    post([=](ChatWorker* w) { w->setAdapter(adapter); });
}

void ChatController::setTemplate(const QString& name) {
    post([=](ChatWorker* w) { w->setTemplate(name); });
}

void ChatController::reply(const QVector<ChatTurn>& history, const QString& system, const ChatSampling& sampling,
                           ChatSide side) {
    post([=](ChatWorker* w) { w->reply(history, system, sampling, int(side)); });
}

void ChatController::stop() {
    if (pending_ > 0) cancel_ = true;
}

}  // namespace ui
}  // namespace lathe
