// The chat engine on its own thread: a ChatSession owned by a worker QObject, driven by queued calls,
// streaming text back through queued signals. Stop sets a flag the engine polls every token.
#pragma once
#include "core/util/error.h"
#include "ui/problem_metatype.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>

#include <atomic>
#include <functional>

namespace lathe {
class ChatSession;
}

namespace lathe {
namespace ui {

struct ChatTurn {
    bool user = true;
    QString text;
};

struct ChatSampling {
    double temperature = 0.7, topP = 0.9, repetitionPenalty = 1.0;
    int topK = 0, maxNewTokens = 512;
    bool thinking = true;  // reasoning templates: think before answering (ChatOptions::enable_thinking)
};

// Which weights answer: the fine-tuned checkpoint or the base model.
enum class ChatSide { Tuned = 0, Base = 1 };

class ChatWorker : public QObject {
    Q_OBJECT
public:
    explicit ChatWorker(std::atomic<bool>* cancel);
    ~ChatWorker() override;
    void load(const QString& model, const QString& adapter, const QString& templateName, const QString& device,
              const QString& weights);
    void unload();
    void setAdapter(const QString& adapter);
    void setTemplate(const QString& name);
    void reply(const QVector<ChatTurn>& history, const QString& system, const ChatSampling& sampling, int side);

signals:
    void loaded(const lathe::Problem& description, const QString& adapter);  // worded where it is shown
    void unloaded();
    void failed(const QString& message);
    void piece(int side, const QString& text);
    void replyDone(int side, const QString& finish, qint64 tokens, double tokensPerSecond);
    void jobDone();

private:
    ChatSession* session_;
    std::atomic<bool>* cancel_;
};

class ChatController : public QObject {
    Q_OBJECT
public:
    explicit ChatController(QObject* parent = nullptr);
    ~ChatController() override;

    bool isLoaded() const { return loaded_; }
    bool isBusy() const { return pending_ > 0; }
    QString loadedModel() const { return loadedModel_; }
    QString loadedAdapter() const { return loadedAdapter_; }

    void load(const QString& model, const QString& adapter, const QString& templateName, const QString& device = "auto",
              const QString& weights = "auto");
    void unload();
    void setAdapter(const QString& adapter);
    void setTemplate(const QString& name);
    // Queues one reply per side; they run one after the other.
    void reply(const QVector<ChatTurn>& history, const QString& system, const ChatSampling& sampling, ChatSide side);
    void stop();

signals:
    void loaded(const lathe::Problem& description, const QString& adapter);  // worded where it is shown
    void unloaded();
    void failed(const QString& message);
    void piece(int side, const QString& text);
    void replyDone(int side, const QString& finish, qint64 tokens, double tokensPerSecond);
    void busyChanged(bool busy);

private:
    void post(std::function<void(ChatWorker*)> job);
    void done();

    QThread thread_;
    ChatWorker* worker_;
    std::atomic<bool> cancel_{false};
    bool loaded_ = false;
    int pending_ = 0;
    QString loadedModel_, loadedAdapter_;
};

}  // namespace ui
}  // namespace lathe

Q_DECLARE_METATYPE(lathe::ui::ChatTurn)
Q_DECLARE_METATYPE(lathe::ui::ChatSampling)
