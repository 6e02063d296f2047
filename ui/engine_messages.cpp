#include "ui/engine_messages.h"

#include "core/util/error.h"
#include "core/util/messages.h"

#include <QCoreApplication>

namespace lathe {
namespace ui {

namespace {

struct Text {
    const char* source;              // %1, %2, ... are the engine's {0}, {1}, ...
    const char* comment = nullptr;   // tells apart wordings whose English is the same ("%1")
};

struct Wording {
    Wording(const char* id, const char* source) : id(id), text{source} {}
    Wording(const char* id, Text text) : id(id), text(text) {}
    const char* id;
    Text text;
};

const Wording kWordings[] = {
    {"not_one_of", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is not one of %2")},
    {"must_be_positive", QT_TRANSLATE_NOOP("EngineMessages", "must be positive")},
    {"must_be_at_least", QT_TRANSLATE_NOOP("EngineMessages", "must be at least %1")},
    {"must_be_at_least_tokens", QT_TRANSLATE_NOOP("EngineMessages", "must be at least %1 tokens")},
    {"must_be_non_negative", QT_TRANSLATE_NOOP("EngineMessages", "must be >= 0")},
    {"must_be_in", QT_TRANSLATE_NOOP("EngineMessages", "must be in %1")},
    {"must_be_non_negative_no_clipping", QT_TRANSLATE_NOOP("EngineMessages", "must be >= 0 (0 = no clipping)")},
    {"must_be_non_negative_only_at_end", QT_TRANSLATE_NOOP("EngineMessages", "must be >= 0 (0 = only at the end)")},
    {"must_be_non_negative_keep_all", QT_TRANSLATE_NOOP("EngineMessages", "must be >= 0 (0 = keep all)")},
    {"must_be_non_negative_no_limit", QT_TRANSLATE_NOOP("EngineMessages", "must be >= 0 (0 = no limit)")},
    {"must_be_positive_or_max_steps", QT_TRANSLATE_NOOP("EngineMessages", "must be positive (or set max_steps)")},
    {"no_model", QT_TRANSLATE_NOOP("EngineMessages", "no model given (set a model folder, or create_new_model: tiny|small|base)")},
    {"model_already_there", QT_TRANSLATE_NOOP("EngineMessages", "model_name_or_path '%1' already holds a model; remove create_new_model to fine-tune it")},
    {"quantization_bits", QT_TRANSLATE_NOOP("EngineMessages", "must be 4 or 8 (or unset), got %1")},
    {"qlora_needs_lora", QT_TRANSLATE_NOOP("EngineMessages", "quantized training (QLoRA) needs finetuning_type: lora")},
    {"new_model_quantized", QT_TRANSLATE_NOOP("EngineMessages", "a new model starts from random weights: quantizing it makes no sense")},
    {"new_model_adapter", QT_TRANSLATE_NOOP("EngineMessages", "a new model has nothing to adapt: use full for create_new_model")},
    {"bf16_and_fp16", QT_TRANSLATE_NOOP("EngineMessages", "bf16 and fp16 cannot both be set")},
    {"pure_bf16_and_fp16", QT_TRANSLATE_NOOP("EngineMessages", "pure_bf16 and fp16 cannot both be set")},
    {"no_dataset", QT_TRANSLATE_NOOP("EngineMessages", "no dataset chosen")},
    {"nothing_to_do", QT_TRANSLATE_NOOP("EngineMessages", "nothing to do: set do_train, do_eval or do_predict to true")},
    {"eval_needs_training", QT_TRANSLATE_NOOP("EngineMessages", "evaluation without training is available for pt and sft; for stage %1, evaluate during training (eval_dataset or val_size, eval_steps)")},
    {"no_eval_dataset", QT_TRANSLATE_NOOP("EngineMessages", "no dataset to evaluate on (set eval_dataset)")},
    {"predict_generates", QT_TRANSLATE_NOOP("EngineMessages", "Lathe predicts by generating answers: set predict_with_generate: true")},
    {"predict_needs_sft", QT_TRANSLATE_NOOP("EngineMessages", "predictions are made on sft data with stage: sft, got stage '%1'")},
    {"compare_needs_predict", QT_TRANSLATE_NOOP("EngineMessages", "an A/B comparison compares predictions: set do_predict: true")},
    {"judge_needs_predict", QT_TRANSLATE_NOOP("EngineMessages", "a judge scores predictions: set do_predict: true")},
    {"curve_needs_predict", QT_TRANSLATE_NOOP("EngineMessages", "the checkpoint curve is made of predictions: set do_predict: true")},
    {"curve_without_compare", QT_TRANSLATE_NOOP("EngineMessages", "a checkpoint curve has no A/B side: remove lathe_compare")},
    {"no_output_dir", QT_TRANSLATE_NOOP("EngineMessages", "no output directory given")},
    {"ppo_unavailable", QT_TRANSLATE_NOOP("EngineMessages", "'ppo' training is not available in this build yet (pt, sft, rm, dpo and kto are)")},
    {"reference_of_new_model", QT_TRANSLATE_NOOP("EngineMessages", "'%1' compares against a reference model; a new model (create_new_model) has none worth keeping: pre-train or fine-tune it first (stage pt or sft)")},
    {"kto_no_precompute", QT_TRANSLATE_NOOP("EngineMessages", "not available for stage kto (its KL term pairs each prompt with another example's response in every batch)")},
    {"kto_batch", QT_TRANSLATE_NOOP("EngineMessages", "stage kto needs at least 2 (the KL term pairs each prompt with another example's response in the same batch), got %1")},
    {"kto_no_packing", QT_TRANSLATE_NOOP("EngineMessages", "stage kto judges each example on its own; set packing: false")},
    {"export_no_model", QT_TRANSLATE_NOOP("EngineMessages", "no model given (a model folder or a full checkpoint)")},
    {"no_export_dir", QT_TRANSLATE_NOOP("EngineMessages", "no export directory given")},
    {"export_quantization", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is not one of %2 for export_format %3")},
    {"export_quantization_hf", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is not one of %2 for export_format %3 (quantized types are written as GGUF: set export_format: gguf)")},
    {"must_be_non_negative_all_cores", QT_TRANSLATE_NOOP("EngineMessages", "must be >= 0 (0 = all cores)")},
    {"moe_aux_with_checkpointing", QT_TRANSLATE_NOOP("EngineMessages", "needs gradient_checkpointing: false (the router's logits are not kept through checkpointed layers yet)")},
    {"adapter_is_model", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is the model itself, not an adapter")},
    {"export_space", QT_TRANSLATE_NOOP("EngineMessages", "export needs about %1 but only %2 is free where '%3' will be")},
    {"no_data_files", QT_TRANSLATE_NOOP("EngineMessages", "no input files given (a comma-separated list of files or folders)")},
    {"no_text_column", QT_TRANSLATE_NOOP("EngineMessages", "no text column given")},
    {"no_dataset_name", QT_TRANSLATE_NOOP("EngineMessages", "no dataset name given")},
    {"dataset_name_file", QT_TRANSLATE_NOOP("EngineMessages", "'%1' names the dataset's file: no '/', no leading '.'")},
    {"multi_node_needs_master",
     QT_TRANSLATE_NOOP("EngineMessages", "a run on %1 machines needs the address of node 0")},
    {"columns_pair", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is not target=source (e.g. instruction=question)")},
    {"record_missing_field", QT_TRANSLATE_NOOP("EngineMessages", "missing field '%1'")},
    {"record_field_type", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' is %2, expected %3")},
    {"file_not_found", QT_TRANSLATE_NOOP("EngineMessages", "file not found")},
    {"file_or_folder_not_found", QT_TRANSLATE_NOOP("EngineMessages", "file or folder not found")},
    {"cannot_open", QT_TRANSLATE_NOOP("EngineMessages", "cannot open (%1)")},
    {"read_failed", QT_TRANSLATE_NOOP("EngineMessages", "read failed")},
    {"json_not_records", QT_TRANSLATE_NOOP("EngineMessages", "expected a JSON array of records ('[') or one JSON object per line")},
    {"invalid_json", QT_TRANSLATE_NOOP("EngineMessages", "invalid JSON: %1")},
    {"invalid_json_file", QT_TRANSLATE_NOOP("EngineMessages", "invalid JSON: %1 (a .json file must hold an array of records, or one record per line)")},
    {"json_trailing_comma", QT_TRANSLATE_NOOP("EngineMessages", "invalid JSON: trailing comma before ']'")},
    {"json_unclosed_array", QT_TRANSLATE_NOOP("EngineMessages", "invalid JSON: the file ends before the array's ']'")},
    {"json_after_array", QT_TRANSLATE_NOOP("EngineMessages", "invalid JSON: unexpected content after the array's ']'")},
    {"record_not_object", QT_TRANSLATE_NOOP("EngineMessages", "expected a JSON object, found %1")},
    {"csv_unclosed_quote", QT_TRANSLATE_NOOP("EngineMessages", "quoted field is never closed (no matching '\"')")},
    {"csv_after_quote", QT_TRANSLATE_NOOP("EngineMessages", "unexpected character after a closing quote (write a quote inside a quoted field as \"\")")},
    {"csv_header_twice", QT_TRANSLATE_NOOP("EngineMessages", "the header row names column '%1' twice")},
    {"csv_field_count", QT_TRANSLATE_NOOP("EngineMessages", "%1 fields, but the header row has %2")},
    {"field_not_utf8", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' is not valid UTF-8")},
    {"not_utf8", QT_TRANSLATE_NOOP("EngineMessages", "not valid UTF-8")},
    {"unsupported_file_type", QT_TRANSLATE_NOOP("EngineMessages", "unsupported file type '%1'; datasets are .json, .jsonl, .csv or .txt files")},
    {"no_file_type", QT_TRANSLATE_NOOP("EngineMessages", "unsupported file type (no extension); datasets are .json, .jsonl, .csv or .txt files")},
    {"folder_has_folder", QT_TRANSLATE_NOOP("EngineMessages", "dataset folders hold data files only, but '%1' is a folder")},
    {"cannot_list_folder", QT_TRANSLATE_NOOP("EngineMessages", "cannot list folder (%1)")},
    {"folder_empty", QT_TRANSLATE_NOOP("EngineMessages", "the dataset folder holds no data files")},
    {"folder_mixed_types", QT_TRANSLATE_NOOP("EngineMessages", "files in a dataset folder must share one type, but '%1' is %2 and '%3' is %4")},
    {"dataset_no_records", QT_TRANSLATE_NOOP("EngineMessages", "holds no records (dataset '%1')")},
    {"dataset_all_skipped", QT_TRANSLATE_NOOP("EngineMessages", "no valid samples in dataset '%1': all %2 records were skipped, the first because: %3")},
    {"dataset_file_missing", QT_TRANSLATE_NOOP("EngineMessages", "file not found (dataset '%1' in %2 names it as \"file_name\": '%3')")},
    {"model_folder_missing", QT_TRANSLATE_NOOP("EngineMessages", "model folder '%1' does not exist")},
    {"no_config_json", QT_TRANSLATE_NOOP("EngineMessages", "no config.json (a Hugging Face model folder holds config.json and model.safetensors)")},
    {"tensor_missing", QT_TRANSLATE_NOOP("EngineMessages", "tensor '%1' is missing from the weights (config.json describes a %2 model with %3 layers)")},
    {"tensor_shape", QT_TRANSLATE_NOOP("EngineMessages", "tensor '%1' has shape %2, expected %3 from config.json")},
    // In English the parser's words alone, as the engine says them; a translation leads with the kind of file.
    {"safetensors_unreadable", QT_TRANSLATE_NOOP3("EngineMessages", "%1", "a safetensors file cannot be read")},
    {"gguf_unreadable", QT_TRANSLATE_NOOP3("EngineMessages", "%1", "a GGUF file cannot be read")},
    {"tokenizer_unreadable", QT_TRANSLATE_NOOP3("EngineMessages", "%1", "a tokenizer file cannot be read")},
    {"model_config_unreadable", QT_TRANSLATE_NOOP3("EngineMessages", "%1", "a model's config.json cannot be read")},
    {"dataset_text_not_pt", QT_TRANSLATE_NOOP("EngineMessages", "plain text, which only stage pt can use, not %2 (dataset '%1')")},
    {"cannot_create", QT_TRANSLATE_NOOP("EngineMessages", "cannot create (%1)")},
    {"write_failed", QT_TRANSLATE_NOOP("EngineMessages", "write failed (%1)")},
    {"cannot_rename", QT_TRANSLATE_NOOP("EngineMessages", "cannot rename into place (%1)")},
    {"cannot_move_aside", QT_TRANSLATE_NOOP("EngineMessages", "cannot move aside (%1)")},
    {"no_space", QT_TRANSLATE_NOOP("EngineMessages", "write failed: no space left for the file (%1)")},
    {"write_denied", QT_TRANSLATE_NOOP("EngineMessages", "cannot write here: permission denied (%1)")},
    {"corpus_byte_not_utf8", QT_TRANSLATE_NOOP("EngineMessages", "byte %1: not valid UTF-8 (%2)")},
    {"corpus_line_not_utf8", QT_TRANSLATE_NOOP("EngineMessages", "byte %1 (line %2): not valid UTF-8 (%3)")},
    {"corpus_field_not_utf8", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' byte %2: not valid UTF-8")},
    {"corpus_field_type", QT_TRANSLATE_NOOP("EngineMessages", "field '%1': expected %2, found %3")},
    {"corpus_turn_not_object", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' turn %2: expected an object")},
    {"corpus_turn_fields", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' turn %2: expected string 'from'/'value' (or 'role'/'content')")},
    {"corpus_no_text_field", QT_TRANSLATE_NOOP("EngineMessages", "no '%1' field (fields: %2); set text_column, or give alpaca (instruction/output) or sharegpt (conversations) records")},
    {"corpus_folder_empty", QT_TRANSLATE_NOOP("EngineMessages", "the folder holds no files")},
    {"corpus_no_records", QT_TRANSLATE_NOOP("EngineMessages", "no records in the input (%1 file(s), all empty or blank); nothing was written")},
    {"corpus_dataset_remote", QT_TRANSLATE_NOOP("EngineMessages", "dataset '%1' is %2; only local files can be read here")},
    {"corpus_dataset_ranking", QT_TRANSLATE_NOOP("EngineMessages", "dataset '%1' is a ranking set (chosen/rejected); the workshop reads plain text, alpaca and sharegpt records")},
    {"path_not_found", QT_TRANSLATE_NOOP("EngineMessages", "'%1' not found")},
    {"path_is_a_file", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is a file, not a folder")},
    {"path_not_a_folder", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is not a folder")},
    {"dataset_info_not_object", QT_TRANSLATE_NOOP("EngineMessages", "expected a JSON object of datasets")},
    {"dataset_info_invalid", QT_TRANSLATE_NOOP("EngineMessages", "not valid JSON (%1); fix or remove it")},
    {"text_keeps_no_records", QT_TRANSLATE_NOOP("EngineMessages", "'%1' keeps instruction/answer records, but data_format text reads plain documents; use output_format: text")},
    {"curve_not_a_folder", QT_TRANSLATE_NOOP("EngineMessages", "checkpoint curve: '%1' is not a folder")},
    {"curve_no_checkpoints", QT_TRANSLATE_NOOP("EngineMessages", "checkpoint curve: '%1' holds no checkpoint-N folders or finished weights; train with save_steps to keep checkpoints along the way")},
};

// The phrases the engine passes as arguments for "expected X, found Y" (json_type_phrase and the
// converters' expectations): worded like the rest. Any other argument (a name, a number) stays as it is.
const char* const kPhrases[] = {
    QT_TRANSLATE_NOOP("EngineMessages", "null"),
    QT_TRANSLATE_NOOP("EngineMessages", "a boolean"),
    QT_TRANSLATE_NOOP("EngineMessages", "a string"),
    QT_TRANSLATE_NOOP("EngineMessages", "an array"),
    QT_TRANSLATE_NOOP("EngineMessages", "an object"),
    QT_TRANSLATE_NOOP("EngineMessages", "binary data"),
    QT_TRANSLATE_NOOP("EngineMessages", "a number"),
    QT_TRANSLATE_NOOP("EngineMessages", "a string (JSON text) or a JSON array"),
    QT_TRANSLATE_NOOP("EngineMessages", "an array of [query, response] pairs"),
    QT_TRANSLATE_NOOP("EngineMessages", "an array of messages"),
    QT_TRANSLATE_NOOP("EngineMessages", "an array of turns"),
};

std::vector<std::string> worded_args(const std::vector<std::string>& args) {
    std::vector<std::string> out = args;
    for (std::string& a : out)
        for (const char* phrase : kPhrases)
            if (a == phrase) a = QCoreApplication::translate("EngineMessages", phrase).toStdString();
    return out;
}

// %1..%9 replaced in one pass, so that an argument holding "%2" stays as it is.
QString fill(const QString& form, const std::vector<std::string>& args) {
    QString out;
    for (int i = 0; i < form.size(); ++i) {
        const QChar c = form[i];
        if (c == '%' && i + 1 < form.size() && form[i + 1] >= '1' && form[i + 1] <= '9') {
            const size_t n = size_t(form[i + 1].unicode() - '1');
            if (n < args.size()) out += QString::fromStdString(args[n]);
            ++i;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

QString engine_message(const lathe::Problem& problem) {
    for (const Wording& w : kWordings) {
        if (problem.id != w.id) continue;
        const QString form = QCoreApplication::translate("EngineMessages", w.text.source, w.text.comment);
        const QString text = fill(form, worded_args(problem.args));
        const QString file = QString::fromStdString(problem.file);
        if (!file.isEmpty() && problem.record >= 0 && problem.line >= 0)  // a dataset record's problem
            return QCoreApplication::translate("EngineMessages", "%1 record %2 (line %3)")
                       .arg(file)
                       .arg(problem.record)
                       .arg(problem.line) +
                   ": " + text;
        if (!file.isEmpty() && problem.line > 0 && problem.column > 0)
            return QCoreApplication::translate("EngineMessages", "%1 line %2, column %3")
                       .arg(file)
                       .arg(problem.line)
                       .arg(problem.column) +
                   ": " + text;
        if (!file.isEmpty() && problem.line > 0)
            return QCoreApplication::translate("EngineMessages", "%1 line %2").arg(file).arg(problem.line) + ": " + text;
        if (!file.isEmpty()) return file + ": " + text;
        return problem.key.empty() ? text : QString::fromStdString(problem.key) + ": " + text;
    }
    return QString::fromStdString(problem.message);
}

QString error_message(const std::exception& e) {
    if (const auto* error = dynamic_cast<const Error*>(&e)) return engine_message(error->problem());
    return QString::fromStdString(e.what());
}

QStringList unworded_engine_ids() {
    QStringList out;
    for (const MessageForm& f : message_forms()) {
        bool found = false;
        for (const Wording& w : kWordings) found |= std::string(f.id) == w.id;
        if (!found) out << f.id;
    }
    return out;
}

}  // namespace ui
}  // namespace lathe
