// The Chat tab: load the model bar's model with its checkpoint, talk to it with streaming replies, and
// compare the base model with the fine-tuned one side by side.
#pragma once
#include "ui/chat_controller.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace lathe {
struct ThoughtSplit;  // core/data/template.h
namespace widgets {
class ChatView;
}  // namespace widgets
}  // namespace lathe

namespace lathe {
namespace ui {

class ModelBar;
class ServePanel;

class ChatTab : public QWidget {
    Q_OBJECT
public:
    ChatTab(ModelBar* modelBar, ChatController* controller, QWidget* parent = nullptr);

    // For tests and the screenshot tool.
    widgets::ChatView* tunedView() const { return tunedView_; }
    widgets::ChatView* baseView() const { return baseView_; }
    QPlainTextEdit* input() const { return input_; }
    QCheckBox* sideBySide() const { return sideBySide_; }
    QCheckBox* thinking() const { return thinking_; }
    QComboBox* weights() const { return weights_; }
    ServePanel* servePanel() const { return servePanel_; }
    QPushButton* sendButton() const { return sendButton_; }
    QPushButton* stopButton() const { return stopButton_; }
    QString statusText() const;
    void setSampling(const ChatSampling& s);
    ChatSampling sampling() const;

public slots:
    void load();
    void unload();
    void send();
    void stop();
    void clear();

protected:
    void changeEvent(QEvent* e) override;

private:
    void retranslate();
    void updateState();
    void setStatus(const QString& text, bool error = false);
    void showLoaded();  // the "Loaded: …" status, in the current language
    void onPiece(int side, const QString& text);
    void onReplyDone(int side, const QString& finish, qint64 tokens, double tps);

    // What a message's speaker label and note say, kept as data so that a language switch words the
    // conversation so far again: who spoke, and for a finished reply how it ended and what it said (its
    // thought's caption is worded again too).
    enum class Speaker { You, BaseModel, Assistant, FineTuned };
    struct MessageLabels {
        Speaker speaker;
        bool done = false;
        QString finish;
        qint64 tokens = 0;
        double tps = 0;
        QString reply;  // a finished reply as written, thought included
    };
    widgets::ChatView* viewOf(int side) const;  // the view a ChatSide answers in
    int addMessage(int side, Speaker speaker, const QString& text = QString());
    QString speakerText(Speaker speaker) const;
    QString noteText(const MessageLabels& m) const;
    ThoughtSplit setThought(int side, int index, const QString& raw);
    void relabel(int side);

    ModelBar* bar_;
    ChatController* controller_;
    widgets::ChatView *tunedView_, *baseView_;
    QLabel *tunedTitle_, *baseTitle_, *status_, *systemLabel_;
    QLabel *tempLabel_, *topPLabel_, *topKLabel_, *maxLabel_, *repLabel_;
    QWidget* baseBox_;
    QPushButton *loadButton_, *unloadButton_, *sendButton_, *stopButton_, *clearButton_;
    QCheckBox* sideBySide_;
    QComboBox* weights_;
    QLabel* weightsLabel_;
    QLineEdit* system_;
    QPlainTextEdit* input_;
    QGroupBox* samplingBox_;
    ServePanel* servePanel_;
    QDoubleSpinBox *temperature_, *topP_, *repetition_;
    QSpinBox *topK_, *maxTokens_;
    QCheckBox* thinking_;
    QVector<ChatTurn> tunedHistory_, baseHistory_;
    int streaming_[2] = {-1, -1};  // message index being streamed in each view
    QString raw_[2];               // the reply so far, thought included (the view shows them apart)
    QVector<MessageLabels> labels_[2];  // one per message of each view
    QString statusText_;
    bool statusError_ = false;
    bool statusIsLoaded_ = false;  // retranslate() writes it again
    lathe::Problem loadedDescription_;  // the model line as data: worded in the language shown
    QString loadedAdapter_;
};

}  // namespace ui
}  // namespace lathe
