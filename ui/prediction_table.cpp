#include "ui/prediction_table.h"

#include <QBrush>
#include <QColor>
#include <QRegularExpression>

#include <algorithm>

namespace lathe {
namespace ui {

namespace {

constexpr int kMaxCellChars = 400;      // what a cell can show at all; the view elides to its width
constexpr int kMaxToolTipChars = 2000;  // the detail pane shows the rest

QString capped(const QString& text, int limit) {
    return text.size() <= limit ? text : text.left(limit) + QStringLiteral(" …");
}

QString score(double v) { return QString::number(v, 'f', 1); }

QString signedScore(double v) { return (v > 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'f', 1); }

// Rewards are on the judge's own scale, often within a few units of 0: two decimals tell them apart.
QString reward(double v) { return QString::number(v, 'f', 2); }

QString signedReward(double v) { return (v > 0 ? QStringLiteral("+") : QString()) + reward(v); }

}  // namespace

QString one_line(const QString& text) {
    static const QRegularExpression spaces(QStringLiteral("\\s+"));
    QString t = text;
    return t.replace(spaces, QStringLiteral(" ")).trimmed();
}

QString last_message(const QString& prompt) {
    // Special tokens as chatml, Llama 3 and Qwen write them; [INST]-style templates have none and show whole.
    static const QRegularExpression markers(QStringLiteral("<\\|[^|<>\\s]{1,40}\\|>"));
    static const QRegularExpression roles(QStringLiteral("^(system|user|assistant|model|tool|ipython|function|observation)$"),
                                          QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression roleLine(QStringLiteral("^(system|user|assistant|model|tool)[ \\t]*\\n"),
                                             QRegularExpression::CaseInsensitiveOption);
    const QStringList pieces = prompt.split(markers);
    if (pieces.size() < 2) return prompt;
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        QString piece = it->trimmed();
        // A role name alone ("assistant" between Llama 3's header markers) is not a message.
        if (piece.isEmpty() || roles.match(piece).hasMatch()) continue;
        piece.remove(roleLine);  // chatml: "user\nWhat is ..." -> "What is ..."
        if (!piece.trimmed().isEmpty()) return piece.trimmed();
    }
    return prompt;
}

PredictionTable::PredictionTable(QObject* parent) : QAbstractTableModel(parent) { reset(false, false); }

void PredictionTable::reset(bool compare, bool judged) {
    beginResetModel();
    rows_.clear();
    compare_ = compare;
    judged_ = judged;
    columns_ = {Index, Prompt, Label, Predict, Bleu, RougeL};
    if (compare) columns_.insert(columns_.end(), {PredictB, BleuB, RougeLB, DeltaRougeL});
    if (judged) columns_.push_back(Reward);
    if (judged && compare) columns_.insert(columns_.end(), {RewardB, DeltaReward});
    endResetModel();
}

int PredictionTable::columnOf(Column c) const {
    const auto it = std::find(columns_.begin(), columns_.end(), c);
    return it == columns_.end() ? -1 : static_cast<int>(it - columns_.begin());
}

void PredictionTable::append(const std::vector<PredictRow>& rows) {
    if (rows.empty()) return;
    const int first = static_cast<int>(rows_.size());
    beginInsertRows(QModelIndex(), first, first + static_cast<int>(rows.size()) - 1);
    rows_.insert(rows_.end(), rows.begin(), rows.end());
    endInsertRows();
}

void PredictionTable::retranslate() { emit headerDataChanged(Qt::Horizontal, 0, columnCount() - 1); }

int PredictionTable::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int PredictionTable::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(columns_.size());
}

QVariant PredictionTable::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const PredictRow& r = row(index.row());
    const Column col = columnAt(index.column());
    auto text = [&]() -> QString {
        switch (col) {
            case Prompt: return QString::fromStdString(r.prompt);
            case Label: return QString::fromStdString(r.label);
            case Predict: return QString::fromStdString(r.predict);
            case PredictB: return QString::fromStdString(r.predict_b);
            default: return {};
        }
    };
    auto number = [&]() -> double {
        switch (col) {
            case Index: return static_cast<double>(r.index);
            case Bleu: return r.scores.bleu4;
            case RougeL: return r.scores.rougeL;
            case BleuB: return r.scores_b.bleu4;
            case RougeLB: return r.scores_b.rougeL;
            case DeltaRougeL: return r.scores.rougeL - r.scores_b.rougeL;
            case Reward: return r.reward;
            case RewardB: return r.reward_b;
            case DeltaReward: return r.reward - r.reward_b;
            default: return 0;
        }
    };
    const bool isText = col == Prompt || col == Label || col == Predict || col == PredictB;
    const bool isReward = col == Reward || col == RewardB || col == DeltaReward;
    const bool isDelta = col == DeltaRougeL || col == DeltaReward;
    switch (role) {
        case Qt::DisplayRole:
            if (isText) return capped(one_line(col == Prompt ? last_message(text()) : text()), kMaxCellChars);
            if (col == Index) return static_cast<qulonglong>(r.index + 1);
            if (isReward) return col == DeltaReward ? signedReward(number()) : reward(number());
            return col == DeltaRougeL ? signedScore(number()) : score(number());
        case SortRole:
            if (isText) return text();
            return number();
        case FullTextRole: return isText ? text() : QVariant();
        case Qt::ToolTipRole: {
            if (isText) {
                QString tip = capped(text(), kMaxToolTipChars);
                const std::string& finish = col == Predict ? r.finish : col == PredictB ? r.finish_b : std::string();
                if (finish == "length") tip += "\n\n" + tr("(stopped at the token limit)");
                return tip;
            }
            if (col == Index) return QString::fromStdString(r.source);
            if (isReward) {
                const QString a = QString::number(r.reward, 'g', 6), b = QString::number(r.reward_b, 'g', 6);
                return compare_ ? tr("Reward A %1 · B %2").arg(a, b) : tr("Reward %1").arg(a);
            }
            const SampleScores& s = col == BleuB || col == RougeLB ? r.scores_b : r.scores;
            return tr("BLEU-4 %1 · ROUGE-1 %2 · ROUGE-2 %3 · ROUGE-L %4 · exact match %5 · F1 %6")
                .arg(score(s.bleu4), score(s.rouge1), score(s.rouge2), score(s.rougeL), score(s.exact_match), score(s.f1));
        }
        case Qt::TextAlignmentRole:
            return isText ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::ForegroundRole:
            if (isDelta && number() != 0) return QBrush(QColor(number() < 0 ? "#c0392b" : "#1e7e34"));
            return {};
    }
    return {};
}

QVariant PredictionTable::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
    if (section < 0 || section >= columnCount()) return QAbstractTableModel::headerData(section, orientation, role);
    const Column col = columnAt(section);
    if (role == Qt::DisplayRole) {
        switch (col) {
            case Index: return tr("#");
            case Prompt: return tr("Prompt");
            case Label: return tr("Label");
            case Predict: return compare_ ? tr("Prediction A") : tr("Prediction");
            // Two lines in an A/B table: the score columns stay narrow and the texts get the width.
            case Bleu: return compare_ ? tr("BLEU-4\nA") : tr("BLEU-4");
            case RougeL: return compare_ ? tr("ROUGE-L\nA") : tr("ROUGE-L");
            case PredictB: return tr("Prediction B");
            case BleuB: return tr("BLEU-4\nB");
            case RougeLB: return tr("ROUGE-L\nB");
            case DeltaRougeL: return tr("Δ\nROUGE-L");
            case Reward: return compare_ ? tr("Reward\nA") : tr("Reward");
            case RewardB: return tr("Reward\nB");
            case DeltaReward: return tr("Δ\nreward");
            default: break;
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (col) {
            case Prompt: return tr("The prompt's last message; the whole prompt, as the model read it, is in the tooltip and "
                                   "below the table");
            case Label: return tr("The expected answer from the dataset");
            case Predict: return compare_ ? tr("The answer of A: the model with the checkpoint") : tr("The model's answer");
            case PredictB: return tr("The answer of B, the comparison");
            case DeltaRougeL: return tr("ROUGE-L of A minus ROUGE-L of B: below 0 where A does worse than B");
            case Reward: return tr("The judge's reward for the answer: higher is better, on the reward model's own scale");
            case RewardB: return tr("The judge's reward for B's answer");
            case DeltaReward: return tr("Reward of A minus reward of B: below 0 where the judge prefers B's answer");
            default: break;
        }
    }
    return QAbstractTableModel::headerData(section, orientation, role);
}

}  // namespace ui
}  // namespace lathe
