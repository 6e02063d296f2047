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
    // Run log lines and the summaries in them.
    {"joined", QT_TRANSLATE_NOOP("EngineMessages", "%1; %2")},
    {"joined_lines", QT_TRANSLATE_NOOP("EngineMessages", "%1\n%2")},
    {"or_pair", QT_TRANSLATE_NOOP("EngineMessages", "%1 or %2")},
    {"comma_pair", QT_TRANSLATE_NOOP("EngineMessages", "%1, %2")},
    {"thread_one", QT_TRANSLATE_NOOP("EngineMessages", "1 thread")},
    {"threads_count", QT_TRANSLATE_NOOP("EngineMessages", "%1 threads")},
    {"threads_take_turns", QT_TRANSLATE_NOOP("EngineMessages", "%1: LibTorch and OpenBLAS take turns (OpenMP waits passively)")},
    {"threads_blas_spins", QT_TRANSLATE_NOOP("EngineMessages", "%1 for OpenBLAS's matrix products, 1 for the rest (OpenMP spins: OMP_WAIT_POLICY is not passive)")},
    {"threads_torch_spins", QT_TRANSLATE_NOOP("EngineMessages", "%1 for LibTorch, 1 for OpenBLAS (OpenMP spins: OMP_WAIT_POLICY is not passive)")},
    {"device_cpu", QT_TRANSLATE_NOOP("EngineMessages", "cpu (%1)")},
    {"bf16_cpu_avx512_amx", QT_TRANSLATE_NOOP("EngineMessages", "this CPU has AVX512-BF16 and AMX-BF16")},
    {"bf16_cpu_avx512", QT_TRANSLATE_NOOP("EngineMessages", "this CPU has AVX512-BF16")},
    {"bf16_cpu_amx", QT_TRANSLATE_NOOP("EngineMessages", "this CPU has AMX-BF16")},
    {"bf16_cpu_avx512_disabled", QT_TRANSLATE_NOOP("EngineMessages", "this CPU has AVX512-BF16, but the operating system has not enabled AVX-512")},
    {"bf16_cpu_amx_disabled", QT_TRANSLATE_NOOP("EngineMessages", "this CPU has AMX-BF16, but the operating system has not enabled AMX")},
    {"bf16_cpu_none", QT_TRANSLATE_NOOP("EngineMessages", "this CPU has no bf16 instructions")},
    {"bf16_cuda_unknown", QT_TRANSLATE_NOOP("EngineMessages", "the compute capability of %1 is unknown")},
    {"bf16_cuda_capable", QT_TRANSLATE_NOOP("EngineMessages", "%1 has compute capability %2")},
    {"bf16_cuda_too_old", QT_TRANSLATE_NOOP("EngineMessages", "%1 has compute capability %2, bf16 needs 8.0")},
    {"bf16_device_unknown", QT_TRANSLATE_NOOP("EngineMessages", "Lathe cannot tell whether %1 has bf16")},
    {"bf16_slow", QT_TRANSLATE_NOOP("EngineMessages", "%1 was asked for, but %2: LibTorch emulates bf16 there, usually slower than fp32 (bf16: auto would choose fp32)")},
    {"precision_pure_asked", QT_TRANSLATE_NOOP("EngineMessages", "pure bf16 (pure_bf16: true)")},
    {"precision_bf16_asked", QT_TRANSLATE_NOOP("EngineMessages", "bf16 (bf16: true)")},
    {"precision_fp32_asked", QT_TRANSLATE_NOOP("EngineMessages", "fp32 (bf16: false)")},
    {"precision_auto", QT_TRANSLATE_NOOP("EngineMessages", "%1 (auto: %2)")},
    {"precision_held_fp32", QT_TRANSLATE_NOOP("EngineMessages", "weights, gradients and AdamW state in float32")},
    {"precision_held_pure", QT_TRANSLATE_NOOP("EngineMessages", "every weight, gradient and the AdamW state in bf16 (no float32 copy)")},
    {"precision_held_pure_quantized", QT_TRANSLATE_NOOP("EngineMessages", "base quantized to %1 bits from bf16, computed in bf16; every weight, gradient and the AdamW state in bf16 (no float32 copy)")},
    {"precision_held_lora", QT_TRANSLATE_NOOP("EngineMessages", "frozen base weights in bf16; LoRA weights, their gradients and AdamW state in float32; matrix products in bf16 (autocast)")},
    {"precision_held_qlora", QT_TRANSLATE_NOOP("EngineMessages", "base quantized to %1 bits from bf16, computed in bf16; LoRA weights, their gradients and AdamW state in float32; matrix products in bf16 (autocast)")},
    {"precision_held_freeze", QT_TRANSLATE_NOOP("EngineMessages", "frozen weights in bf16; trainable layers and AdamW state in float32; matrix products in bf16 (autocast)")},
    {"precision_held_full", QT_TRANSLATE_NOOP("EngineMessages", "weights and AdamW state in float32; matrix products in bf16 (autocast)")},
    {"memory_estimate", QT_TRANSLATE_NOOP("EngineMessages", "≈ %1 peak (weights %2, gradients and AdamW %3, activations %4, working set %5, runtime %6)")},
    {"memory_needs", QT_TRANSLATE_NOOP("EngineMessages", "this run needs %1, but only %2 is available")},
    {"memory_needs_processes", QT_TRANSLATE_NOOP("EngineMessages", "this run's %1 processes need %1 x %2, but only %3 is available")},
    {"memory_less", QT_TRANSLATE_NOOP("EngineMessages", "%1; to need less, use %2")},
    {"memory_way_one_process", QT_TRANSLATE_NOOP("EngineMessages", "one process on this machine (≈ %1)")},
    {"memory_way_checkpointing", QT_TRANSLATE_NOOP("EngineMessages", "gradient checkpointing (≈ %1)")},
    {"memory_way_cutoff", QT_TRANSLATE_NOOP("EngineMessages", "cutoff_len %1 (≈ %2)")},
    {"memory_way_batch", QT_TRANSLATE_NOOP("EngineMessages", "batch size 1 with more gradient accumulation (≈ %1)")},
    {"memory_way_lora", QT_TRANSLATE_NOOP("EngineMessages", "LoRA (≈ %1)")},
    {"memory_way_qlora", QT_TRANSLATE_NOOP("EngineMessages", "QLoRA 4-bit (≈ %1)")},
    {"dataset_read", QT_TRANSLATE_NOOP("EngineMessages", "%1: %2 records read, %3 samples kept, %4 skipped (%5)")},
    {"dataset_skipped_record", QT_TRANSLATE_NOOP("EngineMessages", "  skipped %1")},
    {"dataset_skipped_more", QT_TRANSLATE_NOOP("EngineMessages", "  ... and %1 more")},
    {"encoded", QT_TRANSLATE_NOOP("EngineMessages", "%1 examples")},
    {"encoded_truncated", QT_TRANSLATE_NOOP("EngineMessages", "%1 examples, %2 truncated to cutoff_len")},
    {"encoded_dropped", QT_TRANSLATE_NOOP("EngineMessages", "%1 examples, %2 dropped (no response token left after truncation, first: %3)")},
    {"encoded_truncated_dropped", QT_TRANSLATE_NOOP("EngineMessages", "%1 examples, %2 truncated to cutoff_len, %3 dropped (no response token left after truncation, first: %4)")},
    {"trainable_params", QT_TRANSLATE_NOOP("EngineMessages", "trainable params: %1 || all params: %2 || trainable%: %3")},
    {"weights_held", QT_TRANSLATE_NOOP("EngineMessages", "weights held: %1")},
    {"weights_held_none", QT_TRANSLATE_NOOP("EngineMessages", "weights held: none")},
    {"weights_trainable", QT_TRANSLATE_NOOP("EngineMessages", "%1 %2 trainable")},
    {"weights_frozen", QT_TRANSLATE_NOOP("EngineMessages", "%1 %2 frozen")},
    {"weights_quantized", QT_TRANSLATE_NOOP("EngineMessages", "%1 quantized frozen (%2 products)")},
    {"new_model_label", QT_TRANSLATE_NOOP("EngineMessages", "new %1 model")},
    {"new_model_no_chatml_tokens", QT_TRANSLATE_NOOP("EngineMessages", "the tokenizer of %1 has no <|im_start|>/<|im_end|> tokens; the chatml template will spell them out in pieces")},
    {"new_model_with_tokenizer", QT_TRANSLATE_NOOP("EngineMessages", "new %1 model: %2 parameters, the tokenizer of %3 (vocabulary %4)")},
    {"new_model_training_tokenizer", QT_TRANSLATE_NOOP("EngineMessages", "training a SentencePiece tokenizer (vocabulary %1) on %2 texts")},
    {"new_model_made", QT_TRANSLATE_NOOP("EngineMessages", "new %1 model: %2 parameters, vocabulary %3")},
    {"reference_adapter_off", QT_TRANSLATE_NOOP("EngineMessages", "the base model (adapter switched off)")},
    {"reference_before_training", QT_TRANSLATE_NOOP("EngineMessages", "the model before training")},
    {"reference_reloaded", QT_TRANSLATE_NOOP("EngineMessages", "the model reloaded from %1")},
    {"reference_frozen_copy", QT_TRANSLATE_NOOP("EngineMessages", "a frozen copy of the model (%1 trained parameters copied, the rest shared)")},
    {"reference_precomputed", QT_TRANSLATE_NOOP("EngineMessages", "reference log-probs precomputed from %1")},
    {"reference_precomputing", QT_TRANSLATE_NOOP("EngineMessages", "precomputing reference log-probs of %1 examples from %2")},
    {"reference_precomputing_shared", QT_TRANSLATE_NOOP("EngineMessages", "precomputing reference log-probs of %1 examples from %2 (its batches shared out among %3 processes)")},
    {"value_head_loaded", QT_TRANSLATE_NOOP("EngineMessages", "value head: loaded from %1")},
    {"value_head_new", QT_TRANSLATE_NOOP("EngineMessages", "value head: new (%1 -> 1)")},
    {"dpo_smoothing_no_effect", QT_TRANSLATE_NOOP("EngineMessages", "dpo_label_smoothing has no effect with pref_loss %1 (only sigmoid smooths labels)")},
    {"log_reference", QT_TRANSLATE_NOOP("EngineMessages", "reference: %1")},
    {"log_reference_none", QT_TRANSLATE_NOOP("EngineMessages", "reference: none (pref_loss %1 is reference-free)")},
    {"log_ignored_key", QT_TRANSLATE_NOOP("EngineMessages", "ignored key '%1' (no effect in Lathe)")},
    {"log_tidied_checkpoints", QT_TRANSLATE_NOOP("EngineMessages", "%1 checkpoint folder(s) left half-written by an interrupted run tidied away")},
    {"log_dropped_rows", QT_TRANSLATE_NOOP("EngineMessages", "trainer_log.jsonl: %1 row(s) after %2 removed; the resumed run logs those steps again")},
    {"log_device", QT_TRANSLATE_NOOP("EngineMessages", "device: %1")},
    {"log_precision", QT_TRANSLATE_NOOP("EngineMessages", "precision: %1; %2")},
    {"log_memory", QT_TRANSLATE_NOOP("EngineMessages", "memory: %1")},
    {"log_memory_available", QT_TRANSLATE_NOOP("EngineMessages", "memory: %1, %2 available")},
    {"log_datasets", QT_TRANSLATE_NOOP("EngineMessages", "datasets: %1")},
    {"log_records_skipped", QT_TRANSLATE_NOOP("EngineMessages", "%1 invalid records skipped")},
    {"log_model", QT_TRANSLATE_NOOP("EngineMessages", "model: %1 (%2, %3 parameters), template: %4")},
    {"log_encoded", QT_TRANSLATE_NOOP("EngineMessages", "encoded: %1")},
    {"log_evaluation_set", QT_TRANSLATE_NOOP("EngineMessages", "evaluation set: %1 examples")},
    {"log_quantized", QT_TRANSLATE_NOOP("EngineMessages", "quantized the base to %1 bits: %2x of its fp32 size")},
    {"log_resumed", QT_TRANSLATE_NOOP("EngineMessages", "resumed from %1 at step %2")},
    {"log_world_changed", QT_TRANSLATE_NOOP("EngineMessages", "the checkpoint was written by %1 process(es), this run has %2: it goes on at the same step of the epoch, with the global batch of %2 x per_device_train_batch_size x accumulation")},
    {"log_data_parallel", QT_TRANSLATE_NOOP("EngineMessages", "data-parallel: %1 processes (this one is rank %2), rendezvous at %3:%4")},
    {"predict_model", QT_TRANSLATE_NOOP("EngineMessages", "model: %1")},
    {"predict_model_checkpoint", QT_TRANSLATE_NOOP("EngineMessages", "model: %1, checkpoint %2")},
    {"predict_compare_base", QT_TRANSLATE_NOOP("EngineMessages", "comparing with the base model %1")},
    {"predict_compare", QT_TRANSLATE_NOOP("EngineMessages", "comparing with %1")},
    {"predict_judge", QT_TRANSLATE_NOOP("EngineMessages", "judge: %1")},
    {"judge_summary", QT_TRANSLATE_NOOP("EngineMessages", "reward model %1 (template %2)")},
    {"predict_truncated", QT_TRANSLATE_NOOP("EngineMessages", "%1 prompts were longer than cutoff_len (%2 tokens) and kept their last tokens")},
    {"model_summary", QT_TRANSLATE_NOOP("EngineMessages", "%1 · %2 parameters · %3 weights · template %4 · %5")},
    {"curve_starts_over", QT_TRANSLATE_NOOP("EngineMessages", "%1; the curve starts over")},
    {"curve_settings_differ", QT_TRANSLATE_NOOP("EngineMessages", "the settings differ from those of the saved curve (%1); it starts over")},
    {"curve_reloaded", QT_TRANSLATE_NOOP("EngineMessages", "reloaded %1 checkpoint(s) from %2")},
    {"curve_checkpoint", QT_TRANSLATE_NOOP("EngineMessages", "checkpoint at step %1 (%2)")},
    {"export_adapter_other_base", QT_TRANSLATE_NOOP("EngineMessages", "adapter '%1' names base model '%2', exporting onto '%3'; the shapes fit, so it is merged anyway")},
    {"log_exporting", QT_TRANSLATE_NOOP("EngineMessages", "exporting %1 as %2 %3 with chat template '%4' (about %5)")},
    {"corpus_training_tokenizer", QT_TRANSLATE_NOOP("EngineMessages", "training a %1 tokenizer (vocabulary %2)")},
    {"corpus_tokenizer_failed", QT_TRANSLATE_NOOP("EngineMessages", "train_tokenizer: %1")},
    {"corpus_compare_failed", QT_TRANSLATE_NOOP("EngineMessages", "compare_tokenizers: %1")},
    {"output_dir_holds_run", QT_TRANSLATE_NOOP("EngineMessages", "'%1' already holds a run; choose another directory, set overwrite_output_dir: true, or resume_from_checkpoint: auto to continue it")},
    {"eval_nothing_fits", QT_TRANSLATE_NOOP("EngineMessages", "nothing to evaluate (no record of '%1' fits in cutoff_len)")},
    {"resume_ranks_differ", QT_TRANSLATE_NOOP("EngineMessages", "the ranks do not see the same checkpoint (rank %1 sees %2); output_dir must be on a file system every machine of the run sees")},
    {"resume_ranks_differ_none", QT_TRANSLATE_NOOP("EngineMessages", "the ranks do not see the same checkpoint (rank %1 sees none); output_dir must be on a file system every machine of the run sees")},
    {"nothing_to_train_or_evaluate", QT_TRANSLATE_NOOP("EngineMessages", "false and no do_eval: nothing to train or evaluate")},
    {"new_model_needs_training", QT_TRANSLATE_NOOP("EngineMessages", "a new model must be trained (do_train: true) before it is evaluated")},
    {"adapter_merge_quantized", QT_TRANSLATE_NOOP("EngineMessages", "adapters cannot be merged into a quantized base; train QLoRA from the base model")},
    {"last_checkpoint_none", QT_TRANSLATE_NOOP("EngineMessages", "; no checkpoint was saved")},
    {"last_checkpoint_kept", QT_TRANSLATE_NOOP("EngineMessages", "; the last good checkpoint is kept: %1")},
    {"loss_became_nan", QT_TRANSLATE_NOOP("EngineMessages", "the loss became NaN at step %1 (try a lower learning_rate or max_grad_norm)%2")},
    {"loss_became_infinite", QT_TRANSLATE_NOOP("EngineMessages", "the loss became infinite at step %1 (try a lower learning_rate or max_grad_norm)%2")},
    {"grad_norm_not_finite", QT_TRANSLATE_NOOP("EngineMessages", "the gradient norm became non-finite at step %1%2")},
    {"weights_not_finite", QT_TRANSLATE_NOOP("EngineMessages", "the weights became non-finite at step %1 (%2)%3")},
    {"training_set_empty", QT_TRANSLATE_NOOP("EngineMessages", "nothing to train on: the training set is empty")},
    {"device_no_cuda", QT_TRANSLATE_NOOP("EngineMessages", "device '%1' was asked for, but this LibTorch has no usable CUDA device")},
    {"device_not_there", QT_TRANSLATE_NOOP("EngineMessages", "device '%1' does not exist (%2 CUDA devices)")},
    {"device_invalid", QT_TRANSLATE_NOOP("EngineMessages", "invalid device '%1'")},
    {"device_unknown", QT_TRANSLATE_NOOP("EngineMessages", "unknown device '%1' (expected auto, cpu, cuda or cuda:N)")},
    {"dataset_dir_not_found", QT_TRANSLATE_NOOP("EngineMessages", "dataset directory '%1' not found")},
    {"dataset_dir_no_info", QT_TRANSLATE_NOOP("EngineMessages", "dataset directory '%1' has no dataset_info.json; it needs one that registers each dataset by name (file_name, formatting, columns), as in LLaMA-Factory's data folder")},
    {"registry_not_object", QT_TRANSLATE_NOOP("EngineMessages", "expected an object mapping dataset names to entries, found %1")},
    {"unknown_dataset", QT_TRANSLATE_NOOP("EngineMessages", "unknown dataset '%1': %2 does not register it")},
    {"unknown_dataset_did_you_mean", QT_TRANSLATE_NOOP("EngineMessages", "unknown dataset '%1': %2 does not register it; did you mean '%3'?")},
    {"unknown_dataset_empty_registry", QT_TRANSLATE_NOOP("EngineMessages", "unknown dataset '%1': %2 does not register it (the registry is empty)")},
    {"dataset_remote_only", QT_TRANSLATE_NOOP("EngineMessages", "dataset '%1' (%2) names only %3; Lathe reads local files: download it into %4 and set \"file_name\"")},
    {"max_samples_at_least_one", QT_TRANSLATE_NOOP("EngineMessages", "max_samples must be at least 1")},
    {"no_dataset_named", QT_TRANSLATE_NOOP("EngineMessages", "no dataset named; set one or more names from %1")},
    {"val_size_not_fraction", QT_TRANSLATE_NOOP("EngineMessages", "val_size %1 must be a fraction below 1 or a whole count of samples")},
    {"val_size_not_whole", QT_TRANSLATE_NOOP("EngineMessages", "val_size %1 is neither a fraction below 1 nor a whole count of samples")},
    {"val_size_leaves_none", QT_TRANSLATE_NOOP("EngineMessages", "val_size %1 takes %2 of %3 samples for validation and leaves none for training")},
    {"sample_no_response", QT_TRANSLATE_NOOP("EngineMessages", "%1: the sample has no response to train on")},
    {"preference_sample_needs_two", QT_TRANSLATE_NOOP("EngineMessages", "%1: a preference sample needs chosen and rejected responses")},
    {"no_samples_to_encode", QT_TRANSLATE_NOOP("EngineMessages", "no samples to encode")},
    {"all_samples_cut", QT_TRANSLATE_NOOP("EngineMessages", "nothing left to train on: all %1 samples lose their whole response at cutoff_len=%2 (the longest sample has %3 tokens); raise cutoff_len")},
    {"nothing_left_after_encoding", QT_TRANSLATE_NOOP("EngineMessages", "nothing left to train on after encoding")},
    {"template_system_marker", QT_TRANSLATE_NOOP("EngineMessages", "chat template '%1' folds the system prompt into the first user turn, so its system slot must be plain text, but it holds a {{bos_token}}/{{eos_token}} marker: '%2'")},
    {"conversation_no_turn", QT_TRANSLATE_NOOP("EngineMessages", "the conversation has no user or assistant turn")},
    {"system_message_not_first", QT_TRANSLATE_NOOP("EngineMessages", "messages[%1] is a system message; only messages[0] may be the system prompt")},
    {"turn_wants_prompt", QT_TRANSLATE_NOOP("EngineMessages", "messages[%1] is '%2' where a user or observation turn belongs (turns alternate user/observation, then assistant/function)")},
    {"turn_wants_reply", QT_TRANSLATE_NOOP("EngineMessages", "messages[%1] is '%2' where an assistant or function turn belongs (turns alternate user/observation, then assistant/function)")},
    {"template_no_eos", QT_TRANSLATE_NOOP("EngineMessages", "chat template '%1' ends turns with {{eos_token}}, but the tokenizer has no EOS token (no eos_token in tokenizer_config.json, no <|endoftext|>); pick a template whose slots write their end-of-turn token out, or fix the tokenizer")},
    {"template_no_eos_in", QT_TRANSLATE_NOOP("EngineMessages", "chat template '%1' ends turns with {{eos_token}}, but the tokenizer in %2 has no EOS token (no eos_token in tokenizer_config.json, no <|endoftext|>); pick a template whose slots write their end-of-turn token out, or fix the tokenizer")},
    {"conversation_must_end_with_reply", QT_TRANSLATE_NOOP("EngineMessages", "messages[%1] is the last message and not an assistant turn; training needs the conversation to end with an assistant or function turn")},
    {"conversation_must_end_with_prompt", QT_TRANSLATE_NOOP("EngineMessages", "messages[%1] is the last message and an assistant turn; a generation prompt needs the conversation to end with a user or observation turn")},
    {"unknown_template", QT_TRANSLATE_NOOP("EngineMessages", "unknown chat template '%1' (known templates: %2)")},
    {"predict_no_model", QT_TRANSLATE_NOOP("EngineMessages", "no model chosen")},
    {"predict_no_dataset", QT_TRANSLATE_NOOP("EngineMessages", "no dataset to predict chosen")},
    {"must_be_at_least_one_got", QT_TRANSLATE_NOOP("EngineMessages", "must be at least 1, got %1")},
    {"must_be_all_or_more_got", QT_TRANSLATE_NOOP("EngineMessages", "must be 0 (all) or more, got %1")},
    {"must_be_above_zero_sampling", QT_TRANSLATE_NOOP("EngineMessages", "must be above 0 when do_sample is true")},
    {"must_be_off_or_more", QT_TRANSLATE_NOOP("EngineMessages", "must be 0 (off) or more")},
    {"must_be_above_zero", QT_TRANSLATE_NOOP("EngineMessages", "must be above 0")},
    {"compare_base_needs_adapter", QT_TRANSLATE_NOOP("EngineMessages", "'base' compares a fine-tuned checkpoint with its base model: choose a checkpoint (adapter_name_or_path) first")},
    {"judge_not_reward_model", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is not a reward model (no value_head.safetensors); choose a model or adapter trained with stage rm")},
    {"not_adapter_or_model", QT_TRANSLATE_NOOP("EngineMessages", "'%1' holds neither a LoRA adapter (adapter_config.json) nor a model (config.json)")},
    {"record_no_reference", QT_TRANSLATE_NOOP("EngineMessages", "%1: the record has no reference answer (label) to score a prediction against; predictions need sft records with an output/assistant turn")},
    {"eval_dataset_no_samples", QT_TRANSLATE_NOOP("EngineMessages", "'%1' holds no samples")},
    {"predict_after_lora", QT_TRANSLATE_NOOP("EngineMessages", "the run trained a LoRA adapter on top of '%1'; predict it from the Evaluate tab or a config without do_train, after merging (lathe-cli export)")},
    {"predictions_line_not_json", QT_TRANSLATE_NOOP("EngineMessages", "line %1 is not JSON (%2)")},
    {"predictions_line_no_field", QT_TRANSLATE_NOOP("EngineMessages", "line %1 has no '%2' field")},
    {"predictions_line_not_string", QT_TRANSLATE_NOOP("EngineMessages", "line %1: '%2' is not a string")},
    {"checkpoint_cannot_put_back", QT_TRANSLATE_NOOP("EngineMessages", "cannot put back as %1 (%2)")},
    {"cannot_remove", QT_TRANSLATE_NOOP("EngineMessages", "cannot remove (%1)")},
    {"checkpoint_incomplete", QT_TRANSLATE_NOOP("EngineMessages", "not a complete checkpoint (missing %1)")},
    {"checkpoint_not_there", QT_TRANSLATE_NOOP("EngineMessages", "checkpoint '%1' does not exist")},
    {"missing_tensor", QT_TRANSLATE_NOOP("EngineMessages", "missing tensor '%1'")},
    {"resume_path_missing", QT_TRANSLATE_NOOP("EngineMessages", "'%1' does not exist")},
    {"new_model_unknown_size", QT_TRANSLATE_NOOP("EngineMessages", "unknown size '%1' (expected %2)")},
    {"new_model_tokenizer_missing", QT_TRANSLATE_NOOP("EngineMessages", "'%1' holds no tokenizer.json or tokenizer.model")},
    {"new_model_no_text", QT_TRANSLATE_NOOP("EngineMessages", "the datasets hold no text to train a tokenizer on")},
    {"cannot_write_corpus", QT_TRANSLATE_NOOP("EngineMessages", "cannot write the tokenizer corpus")},
    {"lora_target_empty", QT_TRANSLATE_NOOP("EngineMessages", "lora_target is empty; valid: all, %1")},
    {"no_linear_named", QT_TRANSLATE_NOOP("EngineMessages", "this model has no Linear module named '%1'; valid: %2")},
    {"no_linear_named_did_you_mean", QT_TRANSLATE_NOOP("EngineMessages", "this model has no Linear module named '%1' (did you mean '%2'?); valid: %3")},
    {"no_module_named", QT_TRANSLATE_NOOP("EngineMessages", "this model has no module named '%1'; valid: %2")},
    {"no_module_named_did_you_mean", QT_TRANSLATE_NOOP("EngineMessages", "this model has no module named '%1' (did you mean '%2'?); valid: %3")},
    {"no_module_named_tied", QT_TRANSLATE_NOOP("EngineMessages", "this model has no module named '%1'; valid: %2 (this model ties lm_head to embed_tokens: name embed_tokens instead)")},
    {"no_module_named_did_you_mean_tied", QT_TRANSLATE_NOOP("EngineMessages", "this model has no module named '%1' (did you mean '%2'?); valid: %3 (this model ties lm_head to embed_tokens: name embed_tokens instead)")},
    {"additional_target_quantized", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is quantized and cannot be trained fully")},
    {"lora_rank_not_positive", QT_TRANSLATE_NOOP("EngineMessages", "lora_rank must be a positive integer, got %1")},
    {"lora_alpha_not_positive", QT_TRANSLATE_NOOP("EngineMessages", "lora_alpha must be positive, got %1")},
    {"lora_dropout_out_of_range", QT_TRANSLATE_NOOP("EngineMessages", "lora_dropout must be in [0, 1), got %1")},
    {"lora_target_and_additional", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is both a lora_target and an additional_target; choose one")},
    {"module_has_adapter", QT_TRANSLATE_NOOP("EngineMessages", "'%1' already has an adapter; merge or unload it first")},
    {"freeze_modules_empty", QT_TRANSLATE_NOOP("EngineMessages", "freeze_trainable_modules is empty; use 'all' or module names")},
    {"freeze_nothing_to_train", QT_TRANSLATE_NOOP("EngineMessages", "freeze_trainable_layers = %1 with freeze_trainable_modules = %2 leaves nothing to train (the model has %3 layers)")},
    {"adapter_field_number", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a number, got %2")},
    {"adapter_field_number_missing", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a number, got nothing")},
    {"adapter_field_boolean", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be true or false, got %2")},
    {"adapter_field_boolean_missing", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be true or false, got nothing")},
    {"adapter_field_names", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a list of module names, got %2")},
    {"adapter_field_names_missing", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a list of module names, got nothing")},
    {"adapter_field_string", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a string, got %2")},
    {"adapter_field_string_missing", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a string, got nothing")},
    {"adapter_field_positive_integer", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a positive integer, got %2")},
    {"adapter_field_positive_integer_missing", QT_TRANSLATE_NOOP("EngineMessages", "field '%1' must be a positive integer, got nothing")},
    {"adapter_rank_pattern", QT_TRANSLATE_NOOP("EngineMessages", "rank_pattern %1 is not supported (Lathe uses one rank for every module)")},
    {"adapter_alpha_pattern", QT_TRANSLATE_NOOP("EngineMessages", "alpha_pattern %1 is not supported (Lathe uses one alpha for every module)")},
    {"adapter_layer_replication", QT_TRANSLATE_NOOP("EngineMessages", "layer_replication %1 is not supported (layer replication is not supported)")},
    {"adapter_other_base_hint", QT_TRANSLATE_NOOP("EngineMessages", ": the adapter was probably trained on another base model (adapter_config.json base_model_name_or_path: %1, this model: %2)")},
    {"base_unknown", QT_TRANSLATE_NOOP("EngineMessages", "unknown")},
    {"adapter_folder_missing", QT_TRANSLATE_NOOP("EngineMessages", "adapter folder '%1' does not exist")},
    {"adapter_no_config", QT_TRANSLATE_NOOP("EngineMessages", "no %1 (a PEFT LoRA adapter folder holds adapter_config.json and adapter_model.safetensors)")},
    {"expected_json_object", QT_TRANSLATE_NOOP("EngineMessages", "expected a JSON object")},
    {"adapter_peft_type_unsupported", QT_TRANSLATE_NOOP("EngineMessages", "peft_type '%1' is not supported (Lathe loads LoRA and DoRA adapters: peft_type \"LORA\")")},
    {"adapter_task_type_unsupported", QT_TRANSLATE_NOOP("EngineMessages", "task_type %1 is not supported (expected \"CAUSAL_LM\")")},
    {"adapter_bias_unsupported", QT_TRANSLATE_NOOP("EngineMessages", "bias %1 is not supported (expected \"none\": Lathe's LoRA trains no biases)")},
    {"adapter_fan_in_fan_out", QT_TRANSLATE_NOOP("EngineMessages", "fan_in_fan_out true is not supported (only GPT-2 style Conv1D layers use it)")},
    {"adapter_no_weights", QT_TRANSLATE_NOOP("EngineMessages", "no %1")},
    {"adapter_no_weights_bin", QT_TRANSLATE_NOOP("EngineMessages", "no %1 (adapter_model.bin is a pickle file Lathe does not read: re-save the adapter with safe_serialization=True)")},
    {"adapter_tensor_prefix", QT_TRANSLATE_NOOP("EngineMessages", "tensor '%1' does not start with '%2' (not a PEFT adapter of a causal language model)")},
    {"adapter_tensor_module_missing", QT_TRANSLATE_NOOP("EngineMessages", "tensor '%1' belongs to module '%2', which this model (%3 layers) does not have%4")},
    {"adapter_tensor_unsupported", QT_TRANSLATE_NOOP("EngineMessages", "tensor '%1' is not supported (Lathe reads LoRA on Linear layers: lora_A, lora_B, lora_magnitude_vector)")},
    {"adapter_tensor_parameter_missing", QT_TRANSLATE_NOOP("EngineMessages", "tensor '%1' names parameter '%2', which this model does not have%3")},
    {"adapter_no_tensors", QT_TRANSLATE_NOOP("EngineMessages", "holds no adapter tensors")},
    {"adapter_tensor_shape", QT_TRANSLATE_NOOP("EngineMessages", "tensor '%1' has shape %2, but '%3' of this model needs %4%5")},
    {"adapter_module_half", QT_TRANSLATE_NOOP("EngineMessages", "module '%1' has %2 but not %3")},
    {"adapter_module_lacks_magnitude", QT_TRANSLATE_NOOP("EngineMessages", "module '%1' lacks lora_magnitude_vector although adapter_config.json sets use_dora")},
    {"adapter_module_has_magnitude", QT_TRANSLATE_NOOP("EngineMessages", "module '%1' has lora_magnitude_vector although adapter_config.json does not set use_dora")},
    {"chat_load_model_first", QT_TRANSLATE_NOOP("EngineMessages", "load a model before attaching a fine-tuned checkpoint")},
    {"chat_not_adapter_or_model", QT_TRANSLATE_NOOP("EngineMessages", "neither a LoRA adapter (adapter_config.json) nor a model folder (config.json)")},
    {"chat_no_model", QT_TRANSLATE_NOOP("EngineMessages", "no model is loaded: press Load first")},
    {"prompt_empty", QT_TRANSLATE_NOOP("EngineMessages", "the prompt is empty: nothing to continue from")},
    {"max_new_tokens_negative", QT_TRANSLATE_NOOP("EngineMessages", "max_new_tokens must be >= 0")},
    {"prompt_token_outside_vocab", QT_TRANSLATE_NOOP("EngineMessages", "prompt token id %1 is outside the vocabulary [0, %2)")},
    {"must_be_zero_or_more_got", QT_TRANSLATE_NOOP("EngineMessages", "must be 0 or more, got %1")},
    {"port_not_tcp", QT_TRANSLATE_NOOP("EngineMessages", "%1 is not a TCP port (0-65535)")},
    {"serve_host_needs_key", QT_TRANSLATE_NOOP("EngineMessages", "host %1 is reachable from other machines: set an API key (--api-key or API_KEY) to serve on it, or keep the default 127.0.0.1")},
    {"serve_body_limit_small", QT_TRANSLATE_NOOP("EngineMessages", "the request body limit must be at least 1 KB")},
    {"must_be_at_least_one_second", QT_TRANSLATE_NOOP("EngineMessages", "must be at least 1 second")},
    {"serve_cannot_listen", QT_TRANSLATE_NOOP("EngineMessages", "cannot listen on %1 (the port is in use, or the address is not one of this machine's)")},
    {"unknown_inference_weights", QT_TRANSLATE_NOOP("EngineMessages", "unknown inference weights '%1' (expected auto, f32, bf16 or int8)")},
    {"int8_input_multiple", QT_TRANSLATE_NOOP("EngineMessages", "int8 weights need an input size that is a multiple of %1, this weight has %2")},
    {"packed_weights_no_training", QT_TRANSLATE_NOOP("EngineMessages", "this model's weights are packed for inference (%1); load it in float32 to train")},
    {"token_outside_embedding_table", QT_TRANSLATE_NOOP("EngineMessages", "token id %1 is outside the embedding table [0, %2)")},
    {"int8_cpu_only", QT_TRANSLATE_NOOP("EngineMessages", "int8 weights run on the CPU; on %1 choose bf16 or f32")},
    {"packed_weights_cpu_only", QT_TRANSLATE_NOOP("EngineMessages", "packed inference weights live on the CPU; this model is on %1")},
    {"token_outside_model_embedding", QT_TRANSLATE_NOOP("EngineMessages", "token id %1 is outside the model's embedding table (%2 rows, vocab_size in config.json): the tokenizer and the model do not match, or the text holds a token this model has no row for")},
    {"context_full", QT_TRANSLATE_NOOP("EngineMessages", "context full: %1 tokens exceed the cache of %2")},
    {"gguf_model_type_unsupported", QT_TRANSLATE_NOOP("EngineMessages", "GGUF export supports model_type llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, qwen2_moe and qwen3_moe; this model is '%1' (export_format: hf writes it)")},
    {"gguf_quantization_unknown", QT_TRANSLATE_NOOP("EngineMessages", "export_quantization '%1' is not one of f32, f16, bf16, q8_0, q4_0, q4_k_m")},
    {"gguf_longrope_phi3_only", QT_TRANSLATE_NOOP("EngineMessages", "GGUF export: llama.cpp reads longrope factors only for phi3 models; this is '%1'")},
    {"spm_no_input_files", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: input_files is empty")},
    {"spm_input_not_found", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: input file not found: %1")},
    {"spm_no_model_prefix", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: model_prefix is empty")},
    {"spm_vocab_size_not_positive", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: vocab_size must be positive, found %1")},
    {"spm_model_type_unknown", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: model_type must be bpe, unigram, char or word, found \"%1\"")},
    {"spm_character_coverage_range", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: character_coverage must be in (0, 1], found %1")},
    {"spm_normalization_rule_invalid", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: normalization_rule_name \"%1\" is not a rule name")},
    {"spm_symbol_invalid", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: user-defined symbol \"%1\" is empty or holds a space or comma")},
    {"spm_extra_argument_invalid", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: extra argument \"%1\" must be --name=value without spaces")},
    {"spm_temp_folder_unsafe", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training: the temp folder %1 holds a space or comma; set TMPDIR to a plain path")},
    {"spm_training_failed", QT_TRANSLATE_NOOP("EngineMessages", "SentencePiece training failed: %1")},
    {"judge_no_value_head", QT_TRANSLATE_NOOP("EngineMessages", "%1 not found; the judge must be a reward model trained with stage rm")},
    {"judge_base_missing", QT_TRANSLATE_NOOP("EngineMessages", "%1: base_model_name_or_path '%2' is not a folder here; the reward model's base must be available")},
    {"corpus_alpaca_needs_pair", QT_TRANSLATE_NOOP("EngineMessages", "alpaca needs a question and an answer, but %1 has no human turn followed by a gpt turn")},
    {"corpus_alpaca_plain_text", QT_TRANSLATE_NOOP("EngineMessages", "alpaca keeps instruction/output records, but %1 is plain text; write plain documents with output_format: text")},
    {"corpus_sharegpt_plain_text", QT_TRANSLATE_NOOP("EngineMessages", "sharegpt keeps conversations, but %1 is plain text; write plain documents with output_format: text")},
    {"fp16_refused", QT_TRANSLATE_NOOP("EngineMessages", "float16 training needs loss scaling, which Lathe does not do; use bf16 instead")},
    {"quantization_bit_choice", QT_TRANSLATE_NOOP("EngineMessages", "quantization_bit must be 4 (NF4) or 8 (int8), got %1")},
    {"export_loading", QT_TRANSLATE_NOOP("EngineMessages", "loading %1")},
    {"export_merging_adapter", QT_TRANSLATE_NOOP("EngineMessages", "merging adapter %1 of %2: %3")},
    {"export_checking", QT_TRANSLATE_NOOP("EngineMessages", "checking the model, adapters, tokenizer and target")},
    {"export_done", QT_TRANSLATE_NOOP("EngineMessages", "done")},
    {"export_writing_tensor", QT_TRANSLATE_NOOP("EngineMessages", "writing %1 (%2)")},
    {"export_written_file", QT_TRANSLATE_NOOP("EngineMessages", "written %1")},
    {"export_converting", QT_TRANSLATE_NOOP("EngineMessages", "converting weights to %1")},
    {"export_writing_weights", QT_TRANSLATE_NOOP("EngineMessages", "writing weights")},
    {"export_writing_config", QT_TRANSLATE_NOOP("EngineMessages", "writing config and tokenizer")},
    {"export_written", QT_TRANSLATE_NOOP("EngineMessages", "written")},
    {"temperature_negative", QT_TRANSLATE_NOOP("EngineMessages", "temperature must be >= 0, got %1")},
    {"top_k_negative", QT_TRANSLATE_NOOP("EngineMessages", "top_k must be >= 0, got %1")},
    {"top_p_out_of_range", QT_TRANSLATE_NOOP("EngineMessages", "top_p must be in (0, 1], got %1")},
    {"repetition_penalty_not_positive", QT_TRANSLATE_NOOP("EngineMessages", "repetition_penalty must be > 0, got %1")},
    {"repetition_penalty_token_outside_vocab", QT_TRANSLATE_NOOP("EngineMessages", "repetition penalty: token id %1 is outside the vocabulary [0, %2)")},
    {"export_missing_tokenizer", QT_TRANSLATE_NOOP("EngineMessages", "missing tokenizer: '%1' has no tokenizer.json or tokenizer.model. An exported model needs its tokenizer so other programs can use it: copy the base model's tokenizer files into this folder")},
    {"export_adapter_no_weights", QT_TRANSLATE_NOOP("EngineMessages", "no adapter_model.safetensors beside adapter_config.json")},
    {"an_unknown_base", QT_TRANSLATE_NOOP("EngineMessages", "an unknown base")},
    {"export_adapter_lacks_module", QT_TRANSLATE_NOOP("EngineMessages", "adapter '%1' was trained on %2, not on the model being exported ('%3'): tensor '%4' adapts '%5', which the model lacks")},
    {"export_adapter_shape", QT_TRANSLATE_NOOP("EngineMessages", "adapter '%1' was trained on %2, not on the model being exported ('%3'): tensor '%4' has shape %5 but '%6' is %7")},
    {"export_dir_inside_source", QT_TRANSLATE_NOOP("EngineMessages", "export_dir '%1' is inside the source model folder '%2'; the export must not be written into its source: choose a folder outside it")},
    {"export_dir_inside_adapter", QT_TRANSLATE_NOOP("EngineMessages", "export_dir '%1' is inside the adapter folder '%2'; the export must not be written into its source: choose a folder outside it")},
    {"export_dir_contains_source", QT_TRANSLATE_NOOP("EngineMessages", "export_dir '%1' contains the source model folder '%2'; replacing it would delete the source: choose another folder")},
    {"export_dir_contains_adapter", QT_TRANSLATE_NOOP("EngineMessages", "export_dir '%1' contains the adapter folder '%2'; replacing it would delete the source: choose another folder")},
    {"export_dir_is_file", QT_TRANSLATE_NOOP("EngineMessages", "export_dir '%1' is a file, not a folder")},
    {"export_dir_not_empty", QT_TRANSLATE_NOOP("EngineMessages", "export_dir '%1' is not empty; set export_overwrite: true to replace its contents")},
    {"folder_missing", QT_TRANSLATE_NOOP("EngineMessages", "folder '%1' does not exist")},
    {"dpo_needs_pairs", QT_TRANSLATE_NOOP("EngineMessages", "stage dpo needs preference pairs (a dataset with \"ranking\": true)")},
    {"pref_loss_needs_reference", QT_TRANSLATE_NOOP("EngineMessages", "'%1' needs a reference model")},
    {"kto_needs_tags", QT_TRANSLATE_NOOP("EngineMessages", "stage kto needs examples with a kto_tag (a dataset whose \"columns\" name 'kto_tag')")},
    {"kto_record_untagged", QT_TRANSLATE_NOOP("EngineMessages", "%1: no kto_tag (stage kto needs every record labelled true or false)")},
    {"rm_needs_pairs", QT_TRANSLATE_NOOP("EngineMessages", "stage rm needs preference pairs (a dataset with \"ranking\": true)")},
    {"not_preference_stage", QT_TRANSLATE_NOOP("EngineMessages", "'%1' is not a preference stage (rm, dpo, kto)")},
    {"unknown_schedule", QT_TRANSLATE_NOOP("EngineMessages", "unknown schedule '%1'")},
    {"unknown_config_key", QT_TRANSLATE_NOOP("EngineMessages", "unknown key '%1'")},
    {"config_value_is_mapping", QT_TRANSLATE_NOOP("EngineMessages", "%1: %2: expected a plain value, got a mapping")},
    {"zero1_one_process", QT_TRANSLATE_NOOP("EngineMessages", "zero_stage: 1 shards the optimizer state among several processes; this run has one")},
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
        std::vector<std::string> args = worded_args(problem.args);
        // An argument that is a message itself (a run log line's summary) in the same language.
        for (size_t i = 0; i < problem.parts.size() && i < args.size(); ++i)
            if (!problem.parts[i].id.empty()) args[i] = engine_message(problem.parts[i]).toStdString();
        const QString text = fill(form, args);
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
