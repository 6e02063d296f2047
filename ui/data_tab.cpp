#include "ui/data_tab.h"

#include "core/corpus/corpus_config.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "ui/command_preview.h"
#include "ui/engine_messages.h"
#include "widgets/histogram_plot.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace lathe {
namespace ui {

namespace {

// A problem as the pipeline writes it into the removed-records file (core/corpus/pipeline.cpp).
lathe::Problem problemFromJson(const QJsonObject& o) {
    lathe::Problem p;
    p.id = o.value("id").toString().toStdString();
    for (const QJsonValue& a : o.value("args").toArray()) p.args.push_back(a.toString().toStdString());
    p.file = o.value("file").toString().toStdString();
    p.record = o.value("record").toInteger(-1);
    p.line = o.value("line").toInteger(-1);
    p.column = o.value("column").toInteger(-1);
    return p;
}

// A problem's wording without its place, for a row whose source column already says where.
QString unplaced(lathe::Problem p) {
    if (p.id.empty()) return QString::fromStdString(p.message);
    p.key.clear();
    p.file.clear();
    p.record = p.line = p.column = -1;
    return engine_message(p);
}

const char* kStepNames[] = {"normalize", "clean", "pii", "length", "quality", "script", "dedup"};

QString stepTitle(const QString& name) {
    if (name == "decode") return DataTab::tr("Read (unreadable records)");
    if (name == "normalize") return DataTab::tr("Unicode normalisation");
    if (name == "clean") return DataTab::tr("Whitespace and control characters");
    if (name == "pii") return DataTab::tr("Personal data");
    if (name == "length") return DataTab::tr("Length bounds");
    if (name == "quality") return DataTab::tr("Quality filters");
    if (name == "script") return DataTab::tr("Language / script");
    if (name == "dedup") return DataTab::tr("Duplicates");
    return name;
}

QString piiTitle(const QString& kind) {
    if (kind == "email") return DataTab::tr("E-mail addresses");
    if (kind == "phone") return DataTab::tr("Phone numbers");
    if (kind == "rrn") return DataTab::tr("Resident registration numbers");
    if (kind == "card") return DataTab::tr("Card numbers");
    if (kind == "ip") return DataTab::tr("IP addresses");
    if (kind == "url") return DataTab::tr("URLs");
    return kind;
}

void setCombo(QComboBox* combo, const std::string& value) {
    const int i = combo->findData(QString::fromStdString(value).toLower());
    if (i >= 0) combo->setCurrentIndex(i);
}

QString str(const std::string& s) { return QString::fromStdString(s); }

// "raw.jsonl:12" for "/long/path/raw.jsonl:12": the table shows the name, the tooltip the whole source.
QString shortSource(const std::string& source) {
    const QString s = str(source);
    const int slash = s.lastIndexOf('/');
    return slash < 0 ? s : s.mid(slash + 1);
}

void setSource(QTreeWidgetItem* item, int column, const std::string& source) {
    item->setText(column, shortSource(source));
    item->setToolTip(column, str(source));
}

}  // namespace

// core/corpus/quality.h names the quality rules; tests hold this list to quality_rule_names().
QString DataTab::reasonTitle(const QString& reason) {
    if (reason == "empty") return tr("empty after cleaning");
    if (reason == "too_short") return tr("shorter than the minimum length");
    if (reason == "too_long") return tr("longer than the maximum length");
    if (reason == "script") return tr("too little text in the chosen script");
    if (reason == "no_letters") return tr("no letters");
    if (reason == "alpha_words") return tr("too few words with letters");
    if (reason == "mean_word_length") return tr("unusual word length");
    if (reason == "symbol_ratio") return tr("too many symbols");
    if (reason == "digit_ratio") return tr("too many digits");
    if (reason == "bullet_lines") return tr("mostly bullet lines");
    if (reason == "ellipsis_lines") return tr("too many lines ending in an ellipsis");
    if (reason == "repeated_lines") return tr("repeated lines");
    if (reason == "top_ngram") return tr("one phrase repeated too often");
    if (reason == "duplicate_ngrams") return tr("repeated passages");
    if (reason == "lorem_ipsum") return tr("placeholder text (lorem ipsum)");
    return piiTitle(reason);  // a kind of personal data, or the reason itself
}

std::pair<QString, QString> DataTab::removedWording(const lathe::Problem& problem, const std::string& duplicate_of,
                                                    const QString& reason) {
    if (!problem.id.empty()) return {engine_message(problem), unplaced(problem)};
    const QString worded = duplicate_of.empty() ? reasonTitle(reason) : tr("duplicate of %1").arg(shortSource(duplicate_of));
    return {worded, worded};
}

DataTab::DataTab(DataController* controller, QWidget* parent) : QWidget(parent), controller_(controller) {
    // Input.
    inputBox_ = new QGroupBox(this);
    files_ = new QLineEdit(inputBox_);
    files_->setObjectName("data_files");
    addFiles_ = new QPushButton(inputBox_);
    addFolder_ = new QPushButton(inputBox_);
    format_ = new QComboBox(inputBox_);
    for (const char* f : {"auto", "text", "json", "jsonl", "csv", "tsv"}) format_->addItem(f, f);
    textColumn_ = new QLineEdit("text", inputBox_);
    columns_ = new QLineEdit(inputBox_);
    datasets_ = new QLineEdit(inputBox_);
    datasetDir_ = new QLineEdit(inputBox_);
    columnsLabel_ = new QLabel(inputBox_);
    datasetsLabel_ = new QLabel(inputBox_);
    datasetDirLabel_ = new QLabel(inputBox_);
    outputDir_ = new QLineEdit(inputBox_);
    outputDir_->setObjectName("output_dir");
    browseOutput_ = new QPushButton(inputBox_);
    datasetName_ = new QLineEdit("corpus", inputBox_);
    datasetName_->setObjectName("dataset_name");
    outputFormat_ = new QComboBox(inputBox_);
    for (const char* f : {"text", "alpaca", "sharegpt"}) outputFormat_->addItem(f, f);
    filesLabel_ = new QLabel(inputBox_);
    formatLabel_ = new QLabel(inputBox_);
    columnLabel_ = new QLabel(inputBox_);
    outputDirLabel_ = new QLabel(inputBox_);
    nameLabel_ = new QLabel(inputBox_);
    outputFormatLabel_ = new QLabel(inputBox_);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(files_, 1);
    fileRow->addWidget(addFiles_);
    fileRow->addWidget(addFolder_);
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(outputDir_, 1);
    outRow->addWidget(browseOutput_);
    auto* inputForm = new QFormLayout(inputBox_);
    inputForm->addRow(filesLabel_, fileRow);
    inputForm->addRow(formatLabel_, format_);
    inputForm->addRow(columnLabel_, textColumn_);
    inputForm->addRow(columnsLabel_, columns_);
    inputForm->addRow(datasetsLabel_, datasets_);
    inputForm->addRow(datasetDirLabel_, datasetDir_);
    inputForm->addRow(outputDirLabel_, outRow);
    inputForm->addRow(nameLabel_, datasetName_);
    inputForm->addRow(outputFormatLabel_, outputFormat_);

    // Steps: checked = on; drag to reorder.
    stepsBox_ = new QGroupBox(this);
    steps_ = new QListWidget(stepsBox_);
    steps_->setDragDropMode(QAbstractItemView::InternalMove);
    steps_->setDefaultDropAction(Qt::MoveAction);
    for (const char* name : kStepNames) {
        auto* item = new QListWidgetItem(steps_);
        item->setData(Qt::UserRole, QString(name));
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable | Qt::ItemIsDragEnabled);
        item->setCheckState(Qt::Unchecked);
    }
    steps_->setMaximumHeight(steps_->sizeHintForRow(0) * 8 + 8);
    stepsHint_ = new QLabel(stepsBox_);
    stepsHint_->setWordWrap(true);
    auto* stepsLayout = new QVBoxLayout(stepsBox_);
    stepsLayout->addWidget(steps_);
    stepsLayout->addWidget(stepsHint_);

    // Options of the steps.
    optionsBox_ = new QGroupBox(this);
    normalizeForm_ = new QComboBox(optionsBox_);
    normalizeForm_->addItem("NFC", "nfc");
    normalizeForm_->addItem("NFKC", "nfkc");
    piiMode_ = new QComboBox(optionsBox_);
    piiMode_->addItem(QString(), "mask");
    piiMode_->addItem(QString(), "drop");
    minChars_ = new QSpinBox(optionsBox_);
    minChars_->setRange(0, 100000000);
    maxChars_ = new QSpinBox(optionsBox_);
    maxChars_->setRange(0, 100000000);
    script_ = new QComboBox(optionsBox_);
    script_->addItem(QString(), "hangul");
    script_->addItem(QString(), "latin");
    script_->addItem(QString(), "cjk");
    minShare_ = new QDoubleSpinBox(optionsBox_);
    minShare_->setRange(0, 1);
    minShare_->setSingleStep(0.05);
    dedupMode_ = new QComboBox(optionsBox_);
    dedupMode_->addItem(QString(), "exact");
    dedupMode_->addItem(QString(), "minhash");
    threshold_ = new QDoubleSpinBox(optionsBox_);
    threshold_->setRange(0.05, 1);
    threshold_->setSingleStep(0.05);
    numPerm_ = new QSpinBox(optionsBox_);
    numPerm_->setRange(16, 1024);
    ngram_ = new QSpinBox(optionsBox_);
    ngram_->setRange(1, 32);
    normalizeLabel_ = new QLabel(optionsBox_);
    piiLabel_ = new QLabel(optionsBox_);
    minLabel_ = new QLabel(optionsBox_);
    maxLabel_ = new QLabel(optionsBox_);
    scriptLabel_ = new QLabel(optionsBox_);
    shareLabel_ = new QLabel(optionsBox_);
    dedupLabel_ = new QLabel(optionsBox_);
    thresholdLabel_ = new QLabel(optionsBox_);
    permLabel_ = new QLabel(optionsBox_);
    ngramLabel_ = new QLabel(optionsBox_);
    auto* options = new QFormLayout(optionsBox_);
    options->addRow(normalizeLabel_, normalizeForm_);
    options->addRow(piiLabel_, piiMode_);
    options->addRow(minLabel_, minChars_);
    options->addRow(maxLabel_, maxChars_);
    options->addRow(scriptLabel_, script_);
    options->addRow(shareLabel_, minShare_);
    options->addRow(dedupLabel_, dedupMode_);
    options->addRow(thresholdLabel_, threshold_);
    options->addRow(permLabel_, numPerm_);
    options->addRow(ngramLabel_, ngram_);

    // Tokenizer lab.
    tokenizerBox_ = new QGroupBox(this);
    trainTokenizer_ = new QCheckBox(tokenizerBox_);
    tokType_ = new QComboBox(tokenizerBox_);
    tokType_->addItem("BPE", "bpe");
    tokType_->addItem("Unigram", "unigram");
    tokType_->addItem(QString(), "byte_bpe");
    tokVocab_ = new QSpinBox(tokenizerBox_);
    tokVocab_->setRange(100, 1000000);
    tokVocab_->setSingleStep(1000);
    coverage_ = new QDoubleSpinBox(tokenizerBox_);
    coverage_->setRange(0.9, 1.0);
    coverage_->setDecimals(4);
    coverage_->setSingleStep(0.0005);
    byteFallback_ = new QCheckBox(tokenizerBox_);
    specialTokens_ = new QLineEdit(tokenizerBox_);
    compare_ = new QLineEdit(tokenizerBox_);
    addCompare_ = new QPushButton(tokenizerBox_);
    sentence_ = new QLineEdit(tokenizerBox_);
    tokTypeLabel_ = new QLabel(tokenizerBox_);
    tokVocabLabel_ = new QLabel(tokenizerBox_);
    coverageLabel_ = new QLabel(tokenizerBox_);
    specialLabel_ = new QLabel(tokenizerBox_);
    compareLabel_ = new QLabel(tokenizerBox_);
    sentenceLabel_ = new QLabel(tokenizerBox_);
    tokHint_ = new QLabel(tokenizerBox_);
    tokHint_->setWordWrap(true);
    auto* compareRow = new QHBoxLayout;
    compareRow->addWidget(compare_, 1);
    compareRow->addWidget(addCompare_);
    auto* tokForm = new QFormLayout(tokenizerBox_);
    tokForm->addRow(trainTokenizer_);
    tokForm->addRow(tokTypeLabel_, tokType_);
    tokForm->addRow(tokVocabLabel_, tokVocab_);
    tokForm->addRow(coverageLabel_, coverage_);
    tokForm->addRow(byteFallback_);
    tokForm->addRow(specialLabel_, specialTokens_);
    tokForm->addRow(compareLabel_, compareRow);
    tokForm->addRow(sentenceLabel_, sentence_);
    tokForm->addRow(tokHint_);

    problemsLabel_ = new QLabel(this);
    problemsLabel_->setWordWrap(true);
    problemsLabel_->setStyleSheet("color: #b3261e;");
    runButton_ = new QPushButton(this);
    runButton_->setDefault(true);
    stopButton_ = new QPushButton(this);
    saveButton_ = new QPushButton(this);
    loadButton_ = new QPushButton(this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(runButton_);
    buttons->addWidget(stopButton_);
    buttons->addStretch(1);
    buttons->addWidget(loadButton_);
    buttons->addWidget(saveButton_);

    auto* settings = new QWidget(this);
    auto* settingsLayout = new QVBoxLayout(settings);
    settingsLayout->addWidget(inputBox_);
    settingsLayout->addWidget(stepsBox_);
    settingsLayout->addWidget(optionsBox_);
    settingsLayout->addWidget(tokenizerBox_);
    settingsLayout->addWidget(problemsLabel_);
    settingsLayout->addLayout(buttons);
    settingsLayout->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(settings);
    scroll->setWidgetResizable(true);

    // Results.
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    summaryLabel_ = new QLabel(this);
    summaryLabel_->setWordWrap(true);
    summaryLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    results_ = new QTabWidget(this);
    stepTable_ = new QTreeWidget(results_);
    stepTable_->setRootIsDecorated(false);
    stepTable_->setColumnCount(4);
    piiTable_ = new QTreeWidget(results_);
    piiTable_->setRootIsDecorated(false);
    piiTable_->setColumnCount(2);
    auto* lengthPage = new QWidget(results_);
    lengths_ = new widgets::HistogramPlot(lengthPage);
    tokenLengths_ = new widgets::HistogramPlot(lengthPage);
    tokenLengths_->setVisible(false);
    auto* lengthLayout = new QVBoxLayout(lengthPage);
    lengthLayout->addWidget(lengths_, 1);
    lengthLayout->addWidget(tokenLengths_, 1);
    auto* tokPage = new QWidget(results_);
    tokTable_ = new QTreeWidget(tokPage);
    tokTable_->setRootIsDecorated(false);
    tokTable_->setColumnCount(6);
    tokTable_->setColumnWidth(0, 200);
    splitView_ = new QTextBrowser(tokPage);
    auto* tokSplit = new QSplitter(Qt::Vertical, tokPage);
    tokSplit->addWidget(tokTable_);
    tokSplit->addWidget(splitView_);
    auto* tokLayout = new QVBoxLayout(tokPage);
    tokLayout->addWidget(tokSplit);
    auto* dupPage = new QWidget(results_);
    clusters_ = new QListWidget(dupPage);
    clusterView_ = new QTextBrowser(dupPage);
    clusterHint_ = new QLabel(dupPage);
    clusterHint_->setWordWrap(true);
    auto* dupSplit = new QSplitter(Qt::Vertical, dupPage);
    dupSplit->addWidget(clusters_);
    dupSplit->addWidget(clusterView_);
    auto* dupLayout = new QVBoxLayout(dupPage);
    dupLayout->addWidget(clusterHint_);
    dupLayout->addWidget(dupSplit, 1);
    auto* examplePage = new QWidget(results_);
    examples_ = new QTreeWidget(examplePage);
    removedHint_ = new QLabel(examplePage);
    removedHint_->setWordWrap(true);
    allRemoved_ = new QPushButton(examplePage);
    allRemoved_->setEnabled(false);
    auto* exampleBar = new QHBoxLayout;
    exampleBar->addWidget(removedHint_, 1);
    exampleBar->addWidget(allRemoved_);
    auto* exampleLayout = new QVBoxLayout(examplePage);
    exampleLayout->addLayout(exampleBar);
    exampleLayout->addWidget(examples_, 1);
    examples_->setRootIsDecorated(false);
    examples_->setColumnCount(4);
    examples_->setWordWrap(true);
    examples_->setColumnWidth(0, 80);
    examples_->setColumnWidth(1, 190);
    examples_->setColumnWidth(2, 150);
    stepTable_->setColumnWidth(0, 260);
    piiTable_->setColumnWidth(0, 260);
    log_ = new RunLog(false, results_);
    results_->addTab(stepTable_, QString());
    results_->addTab(piiTable_, QString());
    results_->addTab(lengthPage, QString());
    results_->addTab(dupPage, QString());
    results_->addTab(examplePage, QString());
    results_->addTab(tokPage, QString());
    results_->addTab(log_, QString());
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->addWidget(progress_);
    rightLayout->addWidget(summaryLabel_);
    rightLayout->addWidget(results_, 1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(scroll);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split);

    loadConfig(CorpusConfig());

    connect(addFiles_, &QPushButton::clicked, this, [this] {
        const QStringList picked = QFileDialog::getOpenFileNames(this, tr("Add corpus files"), savesRoot_);
        QStringList list = files_->text().split(',', Qt::SkipEmptyParts);
        for (QString& s : list) s = s.trimmed();
        for (const QString& p : picked)
            if (!list.contains(p)) list << p;
        files_->setText(list.join(", "));
    });
    connect(addFolder_, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a folder of documents"), savesRoot_);
        if (dir.isEmpty()) return;
        files_->setText(files_->text().trimmed().isEmpty() ? dir : files_->text() + ", " + dir);
    });
    connect(browseOutput_, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Output folder"), savesRoot_);
        if (!dir.isEmpty()) outputDir_->setText(dir);
    });
    connect(addCompare_, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("A tokenizer or model folder"), savesRoot_);
        if (dir.isEmpty()) return;
        compare_->setText(compare_->text().trimmed().isEmpty() ? dir : compare_->text() + ", " + dir);
    });
    connect(trainTokenizer_, &QCheckBox::toggled, this, &DataTab::recheck);
    connect(tokVocab_, &QSpinBox::valueChanged, this, &DataTab::recheck);
    for (QLineEdit* e : {compare_, sentence_, specialTokens_}) connect(e, &QLineEdit::textChanged, this, &DataTab::recheck);
    for (QLineEdit* e : {files_, textColumn_, outputDir_, datasetName_, columns_, datasets_, datasetDir_})
        connect(e, &QLineEdit::textChanged, this, &DataTab::recheck);
    for (QComboBox* c : {format_, outputFormat_, normalizeForm_, piiMode_, script_, dedupMode_})
        connect(c, &QComboBox::currentIndexChanged, this, &DataTab::recheck);
    for (QSpinBox* s : {minChars_, maxChars_, numPerm_, ngram_}) connect(s, &QSpinBox::valueChanged, this, &DataTab::recheck);
    for (QDoubleSpinBox* s : {minShare_, threshold_}) connect(s, &QDoubleSpinBox::valueChanged, this, &DataTab::recheck);
    connect(steps_, &QListWidget::itemChanged, this, &DataTab::recheck);
    connect(steps_->model(), &QAbstractItemModel::rowsMoved, this, &DataTab::recheck);
    connect(runButton_, &QPushButton::clicked, this, &DataTab::run);
    connect(stopButton_, &QPushButton::clicked, controller_, &DataController::cancel);
    connect(saveButton_, &QPushButton::clicked, this, &DataTab::saveConfigDialog);
    connect(loadButton_, &QPushButton::clicked, this, &DataTab::loadConfigDialog);
    connect(clusters_, &QListWidget::currentRowChanged, this, &DataTab::showCluster);
    connect(allRemoved_, &QPushButton::clicked, this, &DataTab::showAllRemoved);
    connect(controller_, &DataController::started, this, [this] {
        progress_->setValue(0);
        progress_->setFormat("%p%");
        log_->clearLines();
        summary_.clear();
        summaryLabel_->setText(tr("Running…"));
        updateButtons();
    });
    connect(controller_, &DataController::progress, this, [this](double f, const QString& what) {
        progress_->setValue(int(f * 1000));
        progress_->setFormat(what.isEmpty() ? QString("%p%") : QString("%p% · ") + QFileInfo(what).fileName());
    });
    connect(controller_, &DataController::message, this, [this](const QString& level, const lathe::Problem& line) {
        log_->appendLine([level, line] { return level + ": " + engine_message(line); });
    });
    connect(controller_, &DataController::finished, this, &DataTab::showSummary);

    retranslate();
    recheck();
}

CorpusConfig DataTab::currentConfig() const {
    CorpusConfig c;
    c.data_files = files_->text().trimmed().toStdString();
    c.data_format = format_->currentData().toString().toStdString();
    c.text_column = textColumn_->text().trimmed().toStdString();
    c.columns = columns_->text().trimmed().toStdString();
    c.dataset = datasets_->text().trimmed().toStdString();
    c.dataset_dir = datasetDir_->text().trimmed().toStdString();
    c.output_dir = outputDir_->text().trimmed().toStdString();
    c.dataset_name = datasetName_->text().trimmed().toStdString();
    c.output_format = outputFormat_->currentData().toString().toStdString();
    QStringList order;
    for (int i = 0; i < steps_->count(); ++i) {
        const QListWidgetItem* item = steps_->item(i);
        const QString name = item->data(Qt::UserRole).toString();
        const bool on = item->checkState() == Qt::Checked;
        order << name;
        if (name == "normalize") c.normalize = on ? normalizeForm_->currentData().toString().toStdString() : "none";
        else if (name == "clean") c.clean_whitespace = on;
        else if (name == "pii") c.pii = on ? piiMode_->currentData().toString().toStdString() : "none";
        else if (name == "length") {
            c.min_chars = on ? minChars_->value() : 0;
            c.max_chars = on ? maxChars_->value() : 0;
        } else if (name == "quality") c.quality_filters = on;
        else if (name == "script") c.script_filter = on ? script_->currentData().toString().toStdString() : "none";
        else if (name == "dedup") c.dedup = on ? dedupMode_->currentData().toString().toStdString() : "none";
    }
    c.steps = order.join(",").toStdString();
    c.min_script_share = minShare_->value();
    c.minhash_threshold = threshold_->value();
    c.minhash_num_perm = numPerm_->value();
    c.minhash_ngram = ngram_->value();
    c.train_tokenizer = trainTokenizer_->isChecked();
    c.tokenizer_type = tokType_->currentData().toString().toStdString();
    c.tokenizer_vocab_size = tokVocab_->value();
    c.character_coverage = coverage_->value();
    c.byte_fallback = byteFallback_->isChecked();
    c.special_tokens = specialTokens_->text().trimmed().toStdString();
    c.compare_tokenizers = compare_->text().trimmed().toStdString();
    c.tokenizer_sentence = sentence_->text().toStdString();
    return c;
}

void DataTab::loadConfig(const CorpusConfig& c) {
    files_->setText(str(c.data_files));
    setCombo(format_, c.data_format);
    textColumn_->setText(str(c.text_column));
    columns_->setText(str(c.columns));
    datasets_->setText(str(c.dataset));
    datasetDir_->setText(str(c.dataset_dir));
    outputDir_->setText(str(c.output_dir));
    datasetName_->setText(str(c.dataset_name));
    setCombo(outputFormat_, c.output_format);
    if (c.normalize != "none") setCombo(normalizeForm_, c.normalize);
    if (c.pii != "none") setCombo(piiMode_, c.pii);
    if (c.script_filter != "none") setCombo(script_, c.script_filter);
    if (c.dedup != "none") setCombo(dedupMode_, c.dedup);
    minChars_->setValue(c.min_chars);
    maxChars_->setValue(c.max_chars);
    minShare_->setValue(c.min_script_share);
    threshold_->setValue(c.minhash_threshold);
    numPerm_->setValue(c.minhash_num_perm);
    ngram_->setValue(c.minhash_ngram);
    trainTokenizer_->setChecked(c.train_tokenizer);
    setCombo(tokType_, c.tokenizer_type);
    tokVocab_->setValue(c.tokenizer_vocab_size);
    coverage_->setValue(c.character_coverage);
    byteFallback_->setChecked(c.byte_fallback);
    specialTokens_->setText(str(c.special_tokens));
    compare_->setText(str(c.compare_tokenizers));
    sentence_->setText(str(c.tokenizer_sentence));
    // The order: the config's steps first, then any it leaves out, in the default order.
    QStringList order = QString::fromStdString(c.steps).split(',', Qt::SkipEmptyParts);
    for (QString& s : order) s = s.trimmed().toLower();
    for (const char* name : kStepNames)
        if (!order.contains(name)) order << name;
    std::vector<std::string> on;
    for (CorpusStep s : c.enabled_steps()) on.emplace_back(corpus_step_name(s));
    steps_->blockSignals(true);
    for (int target = 0; target < order.size(); ++target) {
        for (int i = target; i < steps_->count(); ++i) {
            if (steps_->item(i)->data(Qt::UserRole).toString() != order[target]) continue;
            if (i != target) steps_->insertItem(target, steps_->takeItem(i));
            break;
        }
    }
    for (int i = 0; i < steps_->count(); ++i) {
        QListWidgetItem* item = steps_->item(i);
        const std::string name = item->data(Qt::UserRole).toString().toStdString();
        item->setCheckState(std::find(on.begin(), on.end(), name) != on.end() ? Qt::Checked : Qt::Unchecked);
    }
    steps_->blockSignals(false);
    recheck();
}

bool DataTab::loadConfigFile(const QString& path, QString* error) {
    try {
        loadConfig(CorpusConfig::from_yaml_file(path.toStdString()));
        return true;
    } catch (const Error& e) {
        if (error) *error = engine_message(e.problem());
        return false;
    }
}

bool DataTab::saveConfigFile(const QString& path, QString* error) {
    try {
        write_file_atomic(path.toStdString(), currentConfig().to_yaml());
        return true;
    } catch (const Error& e) {
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
}

void DataTab::setSavesRoot(const QString& root) {
    savesRoot_ = root;
    if (outputDir_->text().isEmpty()) outputDir_->setText(QDir(root).filePath("datasets"));
}

QStringList DataTab::problemTexts() const { return problems_; }
QString DataTab::summaryText() const { return summary_; }

// The shared Save/Load config dialogs (ui/command_preview): they open at the last settings file, else in the
// saves folder, and a failure is a warning box, as on the other tabs.
QString DataTab::lastConfigPath() const {
    return configPath_.isEmpty() ? QDir(savesRoot_).filePath("data.yaml") : configPath_;
}

void DataTab::saveConfigDialog() {
    saveConfigWithDialog(this, tr("Save data settings"), lastConfigPath(), "data.yaml", [this](const QString& path, QString* error) {
        if (!saveConfigFile(path, error)) return false;
        configPath_ = path;
        return true;
    });
}

void DataTab::loadConfigDialog() {
    loadConfigWithDialog(this, tr("Load data settings"), lastConfigPath(), [this](const QString& path, QString* error) {
        if (!loadConfigFile(path, error)) return false;
        configPath_ = path;
        return true;
    });
}

void DataTab::recheck() {
    problems_.clear();
    for (const lathe::Problem& p : currentConfig().problems()) problems_ << engine_message(p);
    problemsLabel_->setText(problems_.join("\n"));
    problemsLabel_->setVisible(!problems_.isEmpty());
    updateButtons();
}

void DataTab::updateButtons() {
    const bool running = controller_->isRunning();
    runButton_->setEnabled(!running && problems_.isEmpty());
    stopButton_->setEnabled(running);
}

void DataTab::run() {
    recheck();
    if (!problems_.isEmpty() || controller_->isRunning()) return;
    controller_->start(currentConfig());
}

void DataTab::showSummary(const CorpusSummary& s) {
    updateButtons();
    if (s.status != CorpusSummary::Status::Completed) {
        progress_->setFormat("%p%");
        QStringList lines;
        for (const lathe::Problem& p : s.problems) lines << engine_message(p);
        if (lines.isEmpty()) lines << str(s.message);
        summary_ = s.status == CorpusSummary::Status::Cancelled ? tr("Stopped: the output folder is as it was.")
                                                                : tr("Failed: %1").arg(lines.join("\n"));
        summaryLabel_->setText(summary_);
        return;
    }
    last_ = s.report;
    haveReport_ = true;
    progress_->setValue(1000);
    progress_->setFormat("%p%");
    // The first ones were logged as they were read (DataWorker); the rest of the report's list follows.
    for (size_t i = kUnreadableAsRead; i < last_.errors.size(); ++i)
        log_->appendLine([p = last_.errors[i]] { return QString("warning: ") + engine_message(p); });
    showReport();
}

// The last report in the tables and plots, in the interface's language (again after a language change).
void DataTab::showReport() {
    const QLocale loc;
    summary_ = tr("%1 records in, %2 out in %3 s. Dataset '%4' written to %5 and registered in its dataset_info.json.")
                   .arg(loc.toString(qulonglong(last_.input_records)), loc.toString(qulonglong(last_.output_records)))
                   .arg(last_.seconds, 0, 'f', 1)
                   .arg(str(last_.dataset_name), str(last_.output_file));
    summaryLabel_->setText(summary_);

    stepTable_->clear();
    const double mb = double(last_.input_bytes) / 1e6;
    for (const CorpusStepReport& st : last_.steps) {
        auto* item = new QTreeWidgetItem(stepTable_);
        item->setText(0, stepTitle(str(st.name)));
        item->setData(0, Qt::UserRole, str(st.name));
        item->setText(1, loc.toString(qulonglong(st.removed)));
        item->setText(2, loc.toString(qulonglong(st.changed)));
        item->setText(3, st.seconds > 0 && st.name != "decode" ? QString::number(mb / st.seconds, 'f', 1) : QString());
        for (int c = 1; c < 4; ++c) item->setTextAlignment(c, Qt::AlignRight);
    }
    piiTable_->clear();
    for (size_t k = 0; k < kPiiKinds; ++k) {
        auto* item = new QTreeWidgetItem(piiTable_);
        item->setText(0, piiTitle(pii_kind_name(PiiKind(k))));
        item->setData(0, Qt::UserRole, QString(pii_kind_name(PiiKind(k))));
        item->setText(1, loc.toString(qulonglong(last_.pii[k])));
        item->setTextAlignment(1, Qt::AlignRight);
    }
    QVector<double> edges, counts;
    for (uint64_t e : last_.length_edges) edges << double(e);
    for (uint64_t c : last_.length_counts) counts << double(c);
    lengths_->setData(edges, counts, tr("characters per kept record"));

    tokenLengths_->setVisible(!last_.token_length_tokenizer.empty());
    if (!last_.token_length_tokenizer.empty()) {
        QVector<double> tokenCounts;
        for (uint64_t c : last_.token_length_counts) tokenCounts << double(c);
        tokenLengths_->setData(edges, tokenCounts,
                               tr("tokens per held-out record (%1)").arg(str(last_.token_length_tokenizer)));
    }
    tokTable_->clear();
    QString split;
    for (const TokenizerReport& t : last_.tokenizers) {
        auto* item = new QTreeWidgetItem(tokTable_);
        item->setText(0, str(t.name) + (t.trained_here ? " " + tr("(trained here)") : QString()));
        item->setToolTip(0, str(t.path));
        if (!t.error.empty()) {
            item->setText(1, str(t.error));
            item->setToolTip(1, str(t.error));
            continue;
        }
        item->setText(1, loc.toString(t.vocab_size));
        item->setText(2, QString::number(t.tokens_per_word, 'f', 2));
        item->setText(3, QString::number(t.tokens_per_char, 'f', 3));
        item->setText(4, QString::number(100 * t.byte_share, 'f', 1) + "%");
        item->setText(5, QString::number(100 * t.unknown_share, 'f', 2) + "%");
        for (int c = 1; c < 6; ++c) item->setTextAlignment(c, Qt::AlignRight);
        QStringList pieces;
        for (const std::string& p : t.sentence_pieces)
            pieces << "<span style='background:#e8eefb;border:1px solid #9bb3e0'>&nbsp;" + str(p).toHtmlEscaped() +
                          "&nbsp;</span>";
        split += "<p><b>" + str(t.name).toHtmlEscaped() + "</b> · " + tr("%1 tokens").arg(t.sentence_pieces.size()) +
                 "<br>" + pieces.join(" ") + "</p>";
    }
    splitView_->setHtml(split);

    clusters_->clear();
    for (const DuplicateCluster& c : last_.clusters)
        clusters_->addItem(tr("%1 records · kept %2").arg(c.size).arg(str(c.kept_source)));
    clusterView_->clear();
    if (!last_.clusters.empty()) clusters_->setCurrentRow(0);

    examples_->clear();
    for (const CorpusStepReport& st : last_.steps) {
        for (const CorpusExample& e : st.removed_examples) {
            auto* item = new QTreeWidgetItem(examples_);
            item->setText(0, tr("removed"));
            const auto [reason, brief] = removedWording(e.problem, e.duplicate_of, str(e.reason));
            item->setText(1, stepTitle(str(st.name)) + (brief.isEmpty() ? QString() : " · " + brief));
            item->setToolTip(1, reason);
            setSource(item, 2, e.source);
            item->setText(3, e.before.empty() ? reason : str(e.before));
            item->setToolTip(3, item->text(3));
            item->setForeground(0, QColor(0xb3, 0x26, 0x1e));
        }
        for (const CorpusExample& e : st.changed_examples) {
            auto* item = new QTreeWidgetItem(examples_);
            item->setText(0, tr("changed"));
            item->setText(1, stepTitle(str(st.name)));
            setSource(item, 2, e.source);
            item->setText(3, str(e.before) + "\n→ " + str(e.after));
            item->setToolTip(3, item->text(3));
        }
    }
    for (const CorpusExample& e : last_.kept_examples) {
        auto* item = new QTreeWidgetItem(examples_);
        item->setText(0, tr("kept"));
        setSource(item, 2, e.source);
        item->setText(3, str(e.before));
        item->setToolTip(3, item->text(3));
        item->setForeground(0, QColor(0x1b, 0x7f, 0x3b));
    }
    allRemoved_->setEnabled(!last_.removed_file.empty());
    removedHint_->setText(tr("The first records each step removed or changed, and the first kept. Every removed "
                             "record is in %1.").arg(str(last_.removed_file)));
}

void DataTab::showAllRemoved() {
    QFile file(str(last_.removed_file));
    if (!file.open(QIODevice::ReadOnly)) {
        log_->appendLine([name = file.fileName()] { return tr("Cannot open %1").arg(name); });
        return;
    }
    examples_->clear();
    int rows = 0;
    while (!file.atEnd() && rows < 10000) {
        const QJsonObject o = QJsonDocument::fromJson(file.readLine()).object();
        auto* item = new QTreeWidgetItem(examples_);
        item->setText(0, tr("removed"));
        item->setForeground(0, QColor(0xb3, 0x26, 0x1e));
        // An unreadable record's problem is kept as data beside its English reason: worded again here.
        lathe::Problem problem = problemFromJson(o.value("problem").toObject());
        problem.message = o.value("reason").toString().toStdString();
        const auto [reason, brief] =
            removedWording(problem, o.value("duplicate_of").toString().toStdString(), o.value("reason").toString());
        item->setText(1, stepTitle(o.value("step").toString()) + (brief.isEmpty() ? QString() : " · " + brief));
        item->setToolTip(1, reason);
        setSource(item, 2, o.value("source").toString().toStdString());
        const QString text = o.value("text").toString();
        item->setText(3, text.isEmpty() ? reason : text.left(400));
        item->setToolTip(3, text.left(4000));
        ++rows;
    }
}

void DataTab::showCluster(int row) {
    if (row < 0 || row >= int(last_.clusters.size())) {
        clusterView_->clear();
        return;
    }
    const DuplicateCluster& c = last_.clusters[size_t(row)];
    QString html = "<p><b>" + tr("Kept") + "</b> · " + str(c.kept_source).toHtmlEscaped() + "<br>" +
                   str(c.kept_text).toHtmlEscaped() + "</p>";
    for (const auto& m : c.duplicates)
        html += "<p><b>" + tr("Removed") + "</b> · " + str(m.source).toHtmlEscaped() + " · " +
                tr("similarity %1").arg(m.similarity, 0, 'f', 2) + "<br>" + str(m.text).toHtmlEscaped() + "</p>";
    if (c.size > c.duplicates.size() + 1)
        html += "<p><i>" + tr("… and %1 more").arg(c.size - 1 - c.duplicates.size()) + "</i></p>";
    clusterView_->setHtml(html);
}

void DataTab::retranslate() {
    inputBox_->setTitle(tr("Corpus"));
    filesLabel_->setText(tr("Files or folders"));
    files_->setPlaceholderText(tr("comma-separated; a folder's files are one document each"));
    addFiles_->setText(tr("Add files…"));
    addFolder_->setText(tr("Add folder…"));
    formatLabel_->setText(tr("Format"));
    columnLabel_->setText(tr("Text column"));
    columnsLabel_->setText(tr("Column map"));
    columns_->setPlaceholderText(tr("target=source, e.g. instruction=question,output=answer"));
    datasetsLabel_->setText(tr("Registered datasets"));
    datasets_->setPlaceholderText(tr("names in the dataset folder's dataset_info.json"));
    datasetDirLabel_->setText(tr("Dataset folder"));
    outputDirLabel_->setText(tr("Output folder"));
    browseOutput_->setText(tr("Browse…"));
    nameLabel_->setText(tr("Dataset name"));
    outputFormatLabel_->setText(tr("Write as"));
    stepsBox_->setTitle(tr("Steps"));
    stepsHint_->setText(tr("Tick the steps to run; drag them to change the order."));
    for (int i = 0; i < steps_->count(); ++i) {
        QListWidgetItem* item = steps_->item(i);
        item->setText(stepTitle(item->data(Qt::UserRole).toString()));
    }
    optionsBox_->setTitle(tr("Step settings"));
    normalizeLabel_->setText(tr("Normal form"));
    piiLabel_->setText(tr("Personal data"));
    piiMode_->setItemText(0, tr("mask with placeholders"));
    piiMode_->setItemText(1, tr("drop the record"));
    minLabel_->setText(tr("Minimum characters"));
    maxLabel_->setText(tr("Maximum characters (0: none)"));
    scriptLabel_->setText(tr("Keep script"));
    script_->setItemText(0, tr("Hangul"));
    script_->setItemText(1, tr("Latin"));
    script_->setItemText(2, tr("CJK (Han, kana)"));
    shareLabel_->setText(tr("Minimum share of letters"));
    dedupLabel_->setText(tr("Duplicates"));
    dedupMode_->setItemText(0, tr("exact (after normalising)"));
    dedupMode_->setItemText(1, tr("near (MinHash)"));
    thresholdLabel_->setText(tr("Similarity threshold"));
    permLabel_->setText(tr("Permutations"));
    ngramLabel_->setText(tr("Shingle size (words)"));
    tokenizerBox_->setTitle(tr("Tokenizer lab"));
    trainTokenizer_->setText(tr("Train a tokenizer on the kept records"));
    tokTypeLabel_->setText(tr("Algorithm"));
    tokType_->setItemText(0, tr("BPE (SentencePiece)"));
    tokType_->setItemText(1, tr("Unigram (SentencePiece)"));
    tokType_->setItemText(2, tr("Byte-level BPE (as GPT-2, Llama 3, Qwen)"));
    tokVocabLabel_->setText(tr("Vocabulary size"));
    coverageLabel_->setText(tr("Character coverage"));
    byteFallback_->setText(tr("Byte fallback (no unknown characters)"));
    specialLabel_->setText(tr("Special tokens"));
    specialTokens_->setPlaceholderText(tr("comma-separated, e.g. <|tool|>"));
    compareLabel_->setText(tr("Compare with"));
    compare_->setPlaceholderText(tr("tokenizer or model folders, comma-separated"));
    addCompare_->setText(tr("Add folder…"));
    sentenceLabel_->setText(tr("Sample sentence"));
    tokHint_->setText(tr("Every 20th kept record is held out to measure each tokenizer. The trained one is written "
                         "to the output folder's tokenizer/; a new model from scratch can use it (Train tab, "
                         "Tokenizer folder)."));
    tokTable_->setHeaderLabels({tr("Tokenizer"), tr("Vocabulary"), tr("Tokens/word"), tr("Tokens/char"),
                                tr("Byte fallback"), tr("Unknown")});
    runButton_->setText(tr("Run"));
    stopButton_->setText(tr("Stop"));
    saveButton_->setText(tr("Save settings…"));
    loadButton_->setText(tr("Load settings…"));
    stepTable_->setHeaderLabels({tr("Step"), tr("Removed"), tr("Changed"), tr("MB/s")});
    piiTable_->setHeaderLabels({tr("Kind"), tr("Found")});
    examples_->setHeaderLabels({tr("Record"), tr("Step"), tr("Source"), tr("Text")});
    clusterHint_->setText(tr("Each group keeps its first record. Pick a group to see it."));
    results_->setTabText(0, tr("Steps"));
    results_->setTabText(1, tr("Personal data"));
    results_->setTabText(2, tr("Lengths"));
    results_->setTabText(3, tr("Duplicate groups"));
    results_->setTabText(4, tr("Removed and kept"));
    allRemoved_->setText(tr("Show every removed record"));
    results_->setTabText(5, tr("Tokenizers"));
    results_->setTabText(6, tr("Log"));
    if (haveReport_) showReport();
    recheck();
}

void DataTab::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange) retranslate();  // the log words itself (RunLog)
    QWidget::changeEvent(e);
}

}  // namespace ui
}  // namespace lathe
