// The Evaluate tab's predictions as a table model: one row per sample with its prompt, label, prediction
// and scores, for an A/B run the second prediction and the ROUGE-L difference, and with a judge (a reward
// model) the rewards (and for A/B their difference). Texts are shown on one line, the prompt as its last
// message (the tooltip and FullTextRole hold the full text); SortRole holds the value to sort by (numbers
// for the numeric columns).
#pragma once
#include "core/eval/predict.h"

#include <QAbstractTableModel>

#include <vector>

namespace lathe {
namespace ui {

class PredictionTable : public QAbstractTableModel {
    Q_OBJECT
public:
    // What a column shows. A table has the columns that apply, in this order: columnOf() and columnAt()
    // translate (a judged table without B has Reward right after RougeL).
    enum Column {
        Index, Prompt, Label, Predict, Bleu, RougeL, PredictB, BleuB, RougeLB, DeltaRougeL, Reward, RewardB, DeltaReward,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int FullTextRole = Qt::UserRole + 1;

    explicit PredictionTable(QObject* parent = nullptr);

    // Removes every row; `compare` shows the B columns (an A/B run), `judged` the reward columns.
    void reset(bool compare, bool judged);
    void append(const std::vector<PredictRow>& rows);
    bool hasCompare() const { return compare_; }
    bool hasJudge() const { return judged_; }
    // The model column that shows `c`, or -1 where this table has none.
    int columnOf(Column c) const;
    Column columnAt(int section) const { return columns_[static_cast<size_t>(section)]; }
    const std::vector<PredictRow>& rows() const { return rows_; }
    const PredictRow& row(int i) const { return rows_[static_cast<size_t>(i)]; }
    // The column "Worst first" sorts by: ROUGE-L, or for A/B the difference A − B.
    int worstColumn() const { return columnOf(compare_ ? DeltaRougeL : RougeL); }
    // Header texts follow the language.
    void retranslate();

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<PredictRow> rows_;
    std::vector<Column> columns_;
    bool compare_ = false, judged_ = false;
};

// A text on one line for a table cell: line breaks and runs of spaces as one space.
QString one_line(const QString& text);
// The last message of a prompt as a chat template renders it: the text after the last special marker
// (<|im_start|>user\nWhat is gravity?<|im_end|>\n<|im_start|>assistant\n -> "What is gravity?"), the role
// names between markers left out. A prompt without such markers is returned whole.
QString last_message(const QString& prompt);

}  // namespace ui
}  // namespace lathe
