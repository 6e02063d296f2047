#include "ui/chat_tab.h"

#include "ui/engine_messages.h"
#include "ui/model_bar.h"
#include "core/data/template.h"
#include "ui/serve_panel.h"
#include "widgets/chat_view.h"
#include "widgets/icons.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

ChatTab::ChatTab(ModelBar* modelBar, ChatController* controller, QWidget* parent)
    : QWidget(parent), bar_(modelBar), controller_(controller) {
    loadButton_ = new QPushButton(widgets::icon(widgets::IconKind::Load), QString(), this);
    loadButton_->setObjectName("load");
    unloadButton_ = new QPushButton(widgets::icon(widgets::IconKind::Unload), QString(), this);
    sideBySide_ = new QCheckBox(this);
    // How the weights are held while chatting: the bytes per weight decide the decode speed.
    weightsLabel_ = new QLabel(this);
    weights_ = new QComboBox(this);
    weights_->setObjectName("chatWeights");
    for (const char* key : {"auto", "f32", "bf16", "int8"}) weights_->addItem(QString(), QString(key));
    {
        const int at = weights_->findData(QSettings().value("chat/weights", "auto").toString());
        weights_->setCurrentIndex(at < 0 ? 0 : at);
    }
    weightsLabel_->setBuddy(weights_);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* top = new QHBoxLayout;
    top->addWidget(loadButton_);
    top->addWidget(unloadButton_);
    top->addWidget(weightsLabel_);
    top->addWidget(weights_);
    top->addWidget(sideBySide_);
    top->addWidget(status_, 1);

    systemLabel_ = new QLabel(this);
    system_ = new QLineEdit(this);
    auto* sys = new QHBoxLayout;
    sys->addWidget(systemLabel_);
    sys->addWidget(system_, 1);

    baseTitle_ = new QLabel(this);
    baseView_ = new widgets::ChatView(this);
    baseBox_ = new QWidget(this);
    auto* bl = new QVBoxLayout(baseBox_);
    bl->setContentsMargins(0, 0, 0, 0);
    bl->addWidget(baseTitle_);
    bl->addWidget(baseView_, 1);
    tunedTitle_ = new QLabel(this);
    tunedView_ = new widgets::ChatView(this);
    auto* tunedBox = new QWidget(this);
    auto* tl = new QVBoxLayout(tunedBox);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addWidget(tunedTitle_);
    tl->addWidget(tunedView_, 1);
    auto* views = new QSplitter(Qt::Horizontal, this);
    views->addWidget(baseBox_);
    views->addWidget(tunedBox);
    baseBox_->setVisible(false);

    input_ = new QPlainTextEdit(this);
    input_->setMaximumHeight(90);
    input_->setObjectName("chatInput");
    sendButton_ = new QPushButton(widgets::icon(widgets::IconKind::Send), QString(), this);
    sendButton_->setObjectName("send");
    stopButton_ = new QPushButton(widgets::icon(widgets::IconKind::Stop), QString(), this);
    clearButton_ = new QPushButton(widgets::icon(widgets::IconKind::Clear), QString(), this);
    auto* sendCol = new QVBoxLayout;
    sendCol->addWidget(sendButton_);
    sendCol->addWidget(stopButton_);
    sendCol->addWidget(clearButton_);
    sendCol->addStretch(1);
    auto* inputRow = new QHBoxLayout;
    inputRow->addWidget(input_, 1);
    inputRow->addLayout(sendCol);

    samplingBox_ = new QGroupBox(this);
    temperature_ = new QDoubleSpinBox(this);
    temperature_->setRange(0, 2);
    temperature_->setSingleStep(0.05);
    topP_ = new QDoubleSpinBox(this);
    topP_->setRange(0.01, 1);
    topP_->setSingleStep(0.05);
    topK_ = new QSpinBox(this);
    topK_->setRange(0, 10000);
    maxTokens_ = new QSpinBox(this);
    maxTokens_->setRange(1, 32768);
    repetition_ = new QDoubleSpinBox(this);
    repetition_->setRange(1, 3);
    repetition_->setSingleStep(0.05);
    thinking_ = new QCheckBox(this);
    thinking_->setObjectName("chatThinking");
    tempLabel_ = new QLabel(this);
    topPLabel_ = new QLabel(this);
    topKLabel_ = new QLabel(this);
    maxLabel_ = new QLabel(this);
    repLabel_ = new QLabel(this);
    auto* sf = new QFormLayout(samplingBox_);
    sf->addRow(tempLabel_, temperature_);
    sf->addRow(topPLabel_, topP_);
    sf->addRow(topKLabel_, topK_);
    sf->addRow(maxLabel_, maxTokens_);
    sf->addRow(repLabel_, repetition_);
    sf->addRow(thinking_);
    QSettings s;
    ChatSampling defaults;
    temperature_->setValue(s.value("chat/temperature", defaults.temperature).toDouble());
    topP_->setValue(s.value("chat/top_p", defaults.topP).toDouble());
    topK_->setValue(s.value("chat/top_k", defaults.topK).toInt());
    maxTokens_->setValue(s.value("chat/max_new_tokens", defaults.maxNewTokens).toInt());
    repetition_->setValue(s.value("chat/repetition_penalty", defaults.repetitionPenalty).toDouble());
    thinking_->setChecked(s.value("chat/thinking", defaults.thinking).toBool());
    connect(thinking_, &QCheckBox::toggled, this, [](bool on) { QSettings().setValue("chat/thinking", on); });
    // Serving loads its own copy of the model bar's model: the chat above keeps working meanwhile.
    servePanel_ = new ServePanel(this);
    servePanel_->setSourceProvider([this] {
        ServeSource src;
        if (!bar_->isNewModel()) src.model = bar_->modelPath();
        src.checkpoint = bar_->checkpoint();
        src.templateName = bar_->templateName();
        src.weights = weights_->currentData().toString();
        return src;
    });
    auto* side = new QVBoxLayout;
    side->addWidget(samplingBox_);
    side->addWidget(servePanel_, 1);

    auto* mainCol = new QVBoxLayout;
    mainCol->addLayout(top);
    mainCol->addLayout(sys);
    mainCol->addWidget(views, 1);
    mainCol->addLayout(inputRow);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(mainCol, 1);
    layout->addLayout(side);

    connect(loadButton_, &QPushButton::clicked, this, &ChatTab::load);
    connect(unloadButton_, &QPushButton::clicked, this, &ChatTab::unload);
    connect(sendButton_, &QPushButton::clicked, this, &ChatTab::send);
    connect(stopButton_, &QPushButton::clicked, this, &ChatTab::stop);
    connect(clearButton_, &QPushButton::clicked, this, &ChatTab::clear);
    connect(sideBySide_, &QCheckBox::toggled, this, [this](bool on) {
        baseBox_->setVisible(on);
        updateState();
    });
    for (auto* w : {static_cast<QWidget*>(temperature_), static_cast<QWidget*>(topP_), static_cast<QWidget*>(repetition_)})
        connect(static_cast<QDoubleSpinBox*>(w), &QDoubleSpinBox::valueChanged, this, [this] {
            const ChatSampling c = sampling();
            QSettings st;
            st.setValue("chat/temperature", c.temperature);
            st.setValue("chat/top_p", c.topP);
            st.setValue("chat/repetition_penalty", c.repetitionPenalty);
        });
    connect(topK_, &QSpinBox::valueChanged, this, [](int v) { QSettings().setValue("chat/top_k", v); });
    connect(maxTokens_, &QSpinBox::valueChanged, this, [](int v) { QSettings().setValue("chat/max_new_tokens", v); });

    connect(controller_, &ChatController::loaded, this, [this](const lathe::Problem& desc, const QString& adapter) {
        loadedDescription_ = desc;
        loadedAdapter_ = adapter;
        showLoaded();
        updateState();
    });
    connect(controller_, &ChatController::unloaded, this, [this] {
        setStatus(tr("Not loaded"));
        updateState();
    });
    connect(controller_, &ChatController::failed, this, [this](const QString& m) { setStatus(m, true); });
    connect(controller_, &ChatController::piece, this, &ChatTab::onPiece);
    connect(controller_, &ChatController::replyDone, this, &ChatTab::onReplyDone);
    connect(controller_, &ChatController::busyChanged, this, &ChatTab::updateState);
    // A different checkpoint swaps the adapter in place; the base stays loaded.
    connect(bar_, &ModelBar::checkpointChanged, this, [this](const QString& dir) {
        if (controller_->isLoaded() && dir != controller_->loadedAdapter()) controller_->setAdapter(dir);
    });
    connect(bar_, &ModelBar::templateChanged, this, [this] {
        if (controller_->isLoaded()) controller_->setTemplate(bar_->templateName());
    });
    connect(bar_, &ModelBar::modelChanged, this, [this] {
        if (controller_->isLoaded() && bar_->modelPath() != controller_->loadedModel())
            setStatus(tr("The model bar shows another model: press Load to switch to it"));
    });

    auto* sendKey = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this, this, &ChatTab::send);
    sendKey->setContext(Qt::WidgetWithChildrenShortcut);
    auto* sendKey2 = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Enter), this, this, &ChatTab::send);
    sendKey2->setContext(Qt::WidgetWithChildrenShortcut);
    auto* stopKey = new QShortcut(QKeySequence(Qt::Key_Escape), this, this, &ChatTab::stop);
    stopKey->setContext(Qt::WidgetWithChildrenShortcut);

    statusText_ = QString();
    retranslate();
    updateState();
}

void ChatTab::retranslate() {
    loadButton_->setText(tr("Load"));
    loadButton_->setToolTip(tr("Load the model bar's model and its checkpoint"));
    unloadButton_->setText(tr("Unload"));
    unloadButton_->setToolTip(tr("Free the model's memory"));
    weightsLabel_->setText(tr("Weights"));
    weights_->setItemText(0, tr("Auto (as saved)"));
    weights_->setItemText(1, tr("float32"));
    weights_->setItemText(2, tr("bfloat16"));
    weights_->setItemText(3, tr("int8"));
    weights_->setToolTip(tr("How the model's weights are held while chatting. Decoding reads every weight once per "
                            "token, so fewer bytes answer faster: bfloat16 reads half the bytes of float32, int8 "
                            "(Q8_0) about a quarter, with answers close to float32's. Auto keeps the checkpoint's "
                            "own type. Applies at the next Load."));
    sideBySide_->setText(tr("Compare with base model"));
    sideBySide_->setToolTip(tr("Answer each message twice, by the base model and by the fine-tuned checkpoint, "
                               "to see what training changed"));
    systemLabel_->setText(tr("System prompt"));
    system_->setPlaceholderText(tr("Optional instructions for the assistant (empty: the template's default)"));
    baseTitle_->setText(tr("<b>Base model</b>"));
    tunedTitle_->setText(sideBySide_->isChecked() ? tr("<b>Fine-tuned</b>") : tr("<b>Conversation</b>"));
    input_->setPlaceholderText(tr("Type a message; Ctrl+Return sends"));
    sendButton_->setText(tr("Send"));
    sendButton_->setToolTip(tr("Send (Ctrl+Return)"));
    stopButton_->setText(tr("Stop"));
    stopButton_->setToolTip(tr("Stop generating (Esc)"));
    clearButton_->setText(tr("Clear"));
    clearButton_->setToolTip(tr("Forget the conversation"));
    samplingBox_->setTitle(tr("Sampling"));
    tempLabel_->setText(tr("Temperature"));
    temperature_->setToolTip(tr("Randomness of the answer (0 = always the most likely token)"));
    topPLabel_->setText(tr("Top-p"));
    topP_->setToolTip(tr("Sample only from the most likely tokens that together reach this probability"));
    topKLabel_->setText(tr("Top-k"));
    topK_->setToolTip(tr("Sample only from the k most likely tokens (0 = off)"));
    maxLabel_->setText(tr("Max new tokens"));
    maxTokens_->setToolTip(tr("The longest answer, in tokens"));
    repLabel_->setText(tr("Repetition penalty"));
    repetition_->setToolTip(tr("Above 1 discourages repeating tokens already in the conversation"));
    thinking_->setText(tr("Think before answering"));
    thinking_->setToolTip(tr("For reasoning models (templates deepseekr1, qwen3): off, the answer starts at once, "
                             "with an empty thought. The thought is shown above the answer, greyed."));
    relabel(int(ChatSide::Base));
    relabel(int(ChatSide::Tuned));
    if (statusIsLoaded_ && controller_->isLoaded()) showLoaded();
    if (statusText_.isEmpty() || !controller_->isLoaded()) {
        if (!controller_->isLoaded() && !controller_->isBusy()) status_->setText(tr("Not loaded"));
    }
}

void ChatTab::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(e);
}

void ChatTab::showLoaded() {
    setStatus(loadedAdapter_.isEmpty()
                  ? tr("Loaded: %1").arg(engine_message(loadedDescription_))
                  : tr("Loaded: %1 · fine-tuned: %2").arg(engine_message(loadedDescription_), QFileInfo(loadedAdapter_).fileName()));
    statusIsLoaded_ = true;
}

void ChatTab::setStatus(const QString& text, bool error) {
    statusIsLoaded_ = false;
    statusText_ = text;
    statusError_ = error;
    status_->setText(text);
    status_->setStyleSheet(error ? "color:#c0392b;" : QString());
}

QString ChatTab::statusText() const { return status_->text(); }

void ChatTab::updateState() {
    const bool loaded = controller_->isLoaded(), busy = controller_->isBusy();
    loadButton_->setEnabled(!busy);
    unloadButton_->setEnabled(loaded && !busy);
    sendButton_->setEnabled(loaded && !busy);
    stopButton_->setEnabled(busy);
    clearButton_->setEnabled(!busy);
    tunedTitle_->setText(sideBySide_->isChecked() ? tr("<b>Fine-tuned</b>") : tr("<b>Conversation</b>"));
}

ChatSampling ChatTab::sampling() const {
    ChatSampling s;
    s.temperature = temperature_->value();
    s.topP = topP_->value();
    s.topK = topK_->value();
    s.maxNewTokens = maxTokens_->value();
    s.repetitionPenalty = repetition_->value();
    s.thinking = thinking_->isChecked();
    return s;
}

void ChatTab::setSampling(const ChatSampling& s) {
    temperature_->setValue(s.temperature);
    topP_->setValue(s.topP);
    topK_->setValue(s.topK);
    maxTokens_->setValue(s.maxNewTokens);
    repetition_->setValue(s.repetitionPenalty);
    thinking_->setChecked(s.thinking);
}

void ChatTab::load() {
    if (bar_->isNewModel() || bar_->modelPath().isEmpty()) {
        setStatus(tr("Choose a model folder in the model bar first (or train the starter model in Train)"), true);
        return;
    }
    setStatus(tr("Loading %1…").arg(bar_->modelPath()));
    const QString weights = weights_->currentData().toString();
    QSettings().setValue("chat/weights", weights);
    controller_->load(bar_->modelPath(), bar_->checkpoint(), bar_->templateName(), "auto", weights);
}

void ChatTab::unload() { controller_->unload(); }

void ChatTab::send() {
    const QString text = input_->toPlainText().trimmed();
    if (text.isEmpty() || !controller_->isLoaded() || controller_->isBusy()) return;
    input_->clear();
    const ChatSampling s = sampling();
    const bool both = sideBySide_->isChecked();
    if (both) {
        baseHistory_.push_back({true, text});
        addMessage(int(ChatSide::Base), Speaker::You, text);
        streaming_[int(ChatSide::Base)] = addMessage(int(ChatSide::Base), Speaker::BaseModel);
        raw_[int(ChatSide::Base)].clear();
        controller_->reply(baseHistory_, system_->text(), s, ChatSide::Base);
    }
    tunedHistory_.push_back({true, text});
    addMessage(int(ChatSide::Tuned), Speaker::You, text);
    const Speaker who = controller_->loadedAdapter().isEmpty() ? Speaker::Assistant : Speaker::FineTuned;
    streaming_[int(ChatSide::Tuned)] = addMessage(int(ChatSide::Tuned), who);
    raw_[int(ChatSide::Tuned)].clear();
    controller_->reply(tunedHistory_, system_->text(), s, ChatSide::Tuned);
    updateState();
}

widgets::ChatView* ChatTab::viewOf(int side) const { return side == int(ChatSide::Base) ? baseView_ : tunedView_; }

void ChatTab::onPiece(int side, const QString& text) {
    widgets::ChatView* view = viewOf(side);
    const int index = streaming_[side];
    raw_[side] += text;
    view->setText(index, QString::fromStdString(setThought(side, index, raw_[side]).answer));
}

// A reasoning model's thought ("<think> ... </think>") goes above the answer, greyed, under a caption
// that says whether it is still thinking. Returns the reply split into thought and answer.
ThoughtSplit ChatTab::setThought(int side, int index, const QString& raw) {
    widgets::ChatView* view = viewOf(side);
    const ThoughtSplit split = split_thought(raw.toStdString());
    if (split.thought.empty() && !split.thinking) {
        view->setAside(index, QString(), QString());
    } else {
        view->setAside(index, split.thinking ? tr("Thinking…") : tr("Thought"), QString::fromStdString(split.thought));
    }
    return split;
}

int ChatTab::addMessage(int side, Speaker speaker, const QString& text) {
    widgets::ChatView* view = viewOf(side);
    const auto role = speaker == Speaker::You ? widgets::ChatView::Role::User : widgets::ChatView::Role::Assistant;
    MessageLabels labels;
    labels.speaker = speaker;
    labels_[side].push_back(labels);
    return view->addMessage(role, speakerText(speaker), text);
}

QString ChatTab::speakerText(Speaker speaker) const {
    switch (speaker) {
        case Speaker::You: return tr("You");
        case Speaker::BaseModel: return tr("Base model");
        case Speaker::Assistant: return tr("Assistant");
        case Speaker::FineTuned: return tr("Fine-tuned");
    }
    return QString();
}

QString ChatTab::noteText(const MessageLabels& m) const {
    if (!m.done) return QString();
    const QString why = m.finish == "length"      ? tr("stopped at the token limit")
                        : m.finish == "cancelled" ? tr("stopped")
                        : m.finish == "error"     ? tr("failed")
                                                  : QString();
    QString note = tr("%1 tokens · %2 tokens/s").arg(m.tokens).arg(m.tps, 0, 'f', 1);
    if (!why.isEmpty()) note += " · " + why;
    return note;
}

// Words every message of one view again in the language shown: speakers, notes, thought captions.
void ChatTab::relabel(int side) {
    widgets::ChatView* view = viewOf(side);
    for (int i = 0; i < labels_[side].size() && i < view->count(); ++i) {
        view->setSpeaker(i, speakerText(labels_[side][i].speaker));
        if (labels_[side][i].done) view->setNote(i, noteText(labels_[side][i]));
        const QString& raw = i == streaming_[side] ? raw_[side] : labels_[side][i].reply;
        if (!raw.isEmpty()) setThought(side, i, raw);
    }
}

void ChatTab::onReplyDone(int side, const QString& finish, qint64 tokens, double tps) {
    widgets::ChatView* view = viewOf(side);
    const int index = streaming_[side];
    if (index < 0) return;
    QVector<ChatTurn>& history = side == int(ChatSide::Base) ? baseHistory_ : tunedHistory_;
    // The reply as the model wrote it: the template drops earlier thoughts from the prompt itself.
    history.push_back({false, raw_[side].isEmpty() ? view->text(index) : raw_[side]});
    if (index < labels_[side].size()) {
        MessageLabels& m = labels_[side][index];
        m.done = true;
        m.reply = raw_[side];
        m.finish = finish;
        m.tokens = tokens;
        m.tps = tps;
        view->setNote(index, noteText(m));
    }
    streaming_[side] = -1;
}

void ChatTab::stop() { controller_->stop(); }

void ChatTab::clear() {
    tunedHistory_.clear();
    baseHistory_.clear();
    tunedView_->clear();
    baseView_->clear();
    labels_[0].clear();
    labels_[1].clear();
}

}  // namespace ui
}  // namespace lathe
