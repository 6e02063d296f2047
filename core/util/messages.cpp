#include "core/util/messages.h"

#include <stdexcept>

namespace lathe {

const std::vector<MessageForm>& message_forms() {
    static const std::vector<MessageForm> forms = {
        // Training and export settings (TrainConfig::problems, ExportConfig::problems).
        {"not_one_of", "'{0}' is not one of {1}"},
        {"must_be_positive", "must be positive"},
        {"must_be_at_least", "must be at least {0}"},
        {"must_be_at_least_tokens", "must be at least {0} tokens"},
        {"must_be_non_negative", "must be >= 0"},
        {"must_be_in", "must be in {0}"},
        {"must_be_non_negative_no_clipping", "must be >= 0 (0 = no clipping)"},
        {"must_be_non_negative_only_at_end", "must be >= 0 (0 = only at the end)"},
        {"must_be_non_negative_keep_all", "must be >= 0 (0 = keep all)"},
        {"must_be_non_negative_no_limit", "must be >= 0 (0 = no limit)"},
        {"must_be_positive_or_max_steps", "must be positive (or set max_steps)"},
        {"no_model", "no model given (set a model folder, or create_new_model: tiny|small|base)"},
        {"model_already_there", "model_name_or_path '{0}' already holds a model; remove create_new_model to fine-tune it"},
        {"quantization_bits", "must be 4 or 8 (or unset), got {0}"},
        {"qlora_needs_lora", "quantized training (QLoRA) needs finetuning_type: lora"},
        {"new_model_quantized", "a new model starts from random weights: quantizing it makes no sense"},
        {"new_model_adapter", "a new model has nothing to adapt: use full for create_new_model"},
        {"bf16_and_fp16", "bf16 and fp16 cannot both be set"},
        {"pure_bf16_and_fp16", "pure_bf16 and fp16 cannot both be set"},
        {"no_dataset", "no dataset chosen"},
        {"nothing_to_do", "nothing to do: set do_train, do_eval or do_predict to true"},
        {"eval_needs_training",
         "evaluation without training is available for pt and sft; for stage {0}, evaluate during training "
         "(eval_dataset or val_size, eval_steps)"},
        {"no_eval_dataset", "no dataset to evaluate on (set eval_dataset)"},
        {"predict_generates", "Lathe predicts by generating answers: set predict_with_generate: true"},
        {"predict_needs_sft", "predictions are made on sft data with stage: sft, got stage '{0}'"},
        {"compare_needs_predict", "an A/B comparison compares predictions: set do_predict: true"},
        {"judge_needs_predict", "a judge scores predictions: set do_predict: true"},
        {"curve_needs_predict", "the checkpoint curve is made of predictions: set do_predict: true"},
        {"curve_without_compare", "a checkpoint curve has no A/B side: remove lathe_compare"},
        {"no_output_dir", "no output directory given"},
        {"ppo_unavailable", "'ppo' training is not available in this build yet (pt, sft, rm, dpo and kto are)"},
        {"reference_of_new_model",
         "'{0}' compares against a reference model; a new model (create_new_model) has none worth keeping: "
         "pre-train or fine-tune it first (stage pt or sft)"},
        {"kto_no_precompute",
         "not available for stage kto (its KL term pairs each prompt with another example's response in every batch)"},
        {"kto_batch",
         "stage kto needs at least 2 (the KL term pairs each prompt with another example's response in the same "
         "batch), got {0}"},
        {"kto_no_packing", "stage kto judges each example on its own; set packing: false"},
        {"export_no_model", "no model given (a model folder or a full checkpoint)"},
        {"no_export_dir", "no export directory given"},
        {"export_quantization", "'{0}' is not one of {1} for export_format {2}"},
        {"export_quantization_hf",
         "'{0}' is not one of {1} for export_format {2} (quantized types are written as GGUF: set export_format: gguf)"},
        {"must_be_non_negative_all_cores", "must be >= 0 (0 = all cores)"},
        {"moe_aux_with_checkpointing",
         "needs gradient_checkpointing: false (the router's logits are not kept through checkpointed layers yet)"},
        {"adapter_is_model", "'{0}' is the model itself, not an adapter"},
        {"export_space", "export needs about {0} but only {1} is free where '{2}' will be"},
        {"no_data_files", "no input files given (a comma-separated list of files or folders)"},
        {"no_text_column", "no text column given"},
        {"no_dataset_name", "no dataset name given"},
        {"dataset_name_file", "'{0}' names the dataset's file: no '/', no leading '.'"},
        {"multi_node_needs_master", "a run on {0} machines needs the address of node 0"},
        {"columns_pair", "'{0}' is not target=source (e.g. instruction=question)"},
        {"record_missing_field", "missing field '{0}'"},
        {"record_field_type", "field '{0}' is {1}, expected {2}"},
        // Dataset files (core/data/file_readers.cpp, dataset_loader.cpp).
        {"file_not_found", "file not found"},
        {"file_or_folder_not_found", "file or folder not found"},
        {"cannot_open", "cannot open ({0})"},
        {"read_failed", "read failed"},
        {"json_not_records", "expected a JSON array of records ('[') or one JSON object per line"},
        {"invalid_json", "invalid JSON: {0}"},
        {"invalid_json_file", "invalid JSON: {0} (a .json file must hold an array of records, or one record per line)"},
        {"json_trailing_comma", "invalid JSON: trailing comma before ']'"},
        {"json_unclosed_array", "invalid JSON: the file ends before the array's ']'"},
        {"json_after_array", "invalid JSON: unexpected content after the array's ']'"},
        {"record_not_object", "expected a JSON object, found {0}"},
        {"record_pair_identical", "'chosen' and 'rejected' are identical; a preference pair needs two different responses"},
        {"record_history_item", "field '{0}' item {1} is {2}, expected a [query, response] pair of strings"},
        {"record_message_not_object", "message {0} is {1}, expected an object with '{2}' and '{3}'"},
        {"record_field_not_message", "'{0}' is {1}, expected an object with '{2}' and '{3}'"},
        {"record_in_message", "message {0}: {1}"},
        {"record_in_field", "'{0}': {1}"},
        {"record_message_not_user", "message {0} has role '{1}' but a user turn was expected (role {2})"},
        {"record_message_not_assistant", "message {0} has role '{1}' but an assistant turn was expected (role {2})"},
        {"record_field_not_assistant", "'{0}' has role '{1}' but an assistant turn was expected (role {2})"},
        {"record_no_messages", "field '{0}' holds no messages"},
        {"record_only_system_message", "field '{0}' holds no messages besides the system one"},
        {"record_document_empty", "field '{0}' is empty; a document needs text"},
        {"record_first_message_empty", "message 1 is empty; a document needs text"},
        {"record_ranking_ends_with_assistant", "the conversation ends with an assistant turn (message {0}), but a ranking record ends with a user turn and keeps its answers in 'chosen' and 'rejected'"},
        {"record_ends_with_user", "the conversation ends with a user turn (message {0}); an assistant turn must answer it"},
        {"csv_unclosed_quote", "quoted field is never closed (no matching '\"')"},
        {"csv_after_quote", "unexpected character after a closing quote (write a quote inside a quoted field as \"\")"},
        {"csv_header_twice", "the header row names column '{0}' twice"},
        {"csv_field_count", "{0} fields, but the header row has {1}"},
        {"field_not_utf8", "field '{0}' is not valid UTF-8"},
        {"not_utf8", "not valid UTF-8"},
        {"unsupported_file_type", "unsupported file type '{0}'; datasets are .json, .jsonl, .csv or .txt files"},
        {"no_file_type", "unsupported file type (no extension); datasets are .json, .jsonl, .csv or .txt files"},
        {"folder_has_folder", "dataset folders hold data files only, but '{0}' is a folder"},
        {"cannot_list_folder", "cannot list folder ({0})"},
        {"folder_empty", "the dataset folder holds no data files"},
        {"folder_mixed_types", "files in a dataset folder must share one type, but '{0}' is {1} and '{2}' is {3}"},
        {"dataset_no_records", "holds no records (dataset '{0}')"},
        {"dataset_all_skipped", "no valid samples in dataset '{0}': all {1} records were skipped, the first because: {2}"},
        {"dataset_file_missing", "file not found (dataset '{0}' in {1} names it as \"file_name\": '{2}')"},
        // Model files: a parser's own words after the kind of file (Error::set_file_id).
        {"model_folder_missing", "model folder '{0}' does not exist"},
        {"no_config_json", "no config.json (a Hugging Face model folder holds config.json and model.safetensors)"},
        {"tensor_missing", "tensor '{0}' is missing from the weights (config.json describes a {1} model with {2} layers)"},
        {"tensor_shape", "tensor '{0}' has shape {1}, expected {2} from config.json"},
        {"safetensors_unreadable", "{0}"},
        {"cannot_stat", "cannot stat ({0})"},
        {"not_a_regular_file", "not a regular file"},
        {"cannot_mmap", "cannot mmap ({0})"},
        {"safetensors_too_short", "file is {0} bytes, too short for a safetensors file (the header length alone takes 8)"},
        {"safetensors_header_too_long", "header says {0} bytes but the file has {1} ({2} after the 8-byte length)"},
        {"safetensors_header_json_at", "header is not valid JSON at byte {0} of the header (file offset {1}): {2}"},
        {"safetensors_header_json", "header is not valid JSON: {0}"},
        {"safetensors_tensor_twice", "header names tensor {0} twice"},
        {"safetensors_header_not_object", "header is a JSON {0}, expected an object"},
        {"safetensors_metadata_not_object", "__metadata__ is a JSON {0}, expected an object of strings"},
        {"safetensors_metadata_value", "__metadata__ {0} is a {1}, expected a string"},
        {"safetensors_dtype_type", "tensor {0}: \"dtype\" is a {1}, expected a string"},
        {"safetensors_dtype_unsupported", "tensor {0}: unsupported dtype {1} (Lathe reads {2})"},
        {"safetensors_shape_type", "tensor {0}: \"shape\" is a {1}, expected a list of integers"},
        {"safetensors_shape_negative", "tensor {0}: shape {1} has a negative dimension"},
        {"safetensors_shape_entry", "tensor {0}: shape {1} holds {2}, expected a non-negative integer"},
        {"safetensors_shape_too_large", "tensor {0}: shape {1} has a dimension too large for int64"},
        {"safetensors_offsets_type", "tensor {0}: \"data_offsets\" is {1}, expected [begin, end] (non-negative integers)"},
        {"safetensors_offsets_reversed", "tensor {0}: data_offsets [{1}, {2}]: end is before begin"},
        {"safetensors_entry_not_object", "tensor {0}: entry is a JSON {1}, expected an object"},
        {"safetensors_entry_missing", "tensor {0}: missing \"{1}\""},
        {"safetensors_entry_size", "tensor {0}: expected {1} bytes for {2} {3}, got {4} (data_offsets [{5}, {6}])"},
        {"safetensors_offsets_outside", "tensor {0}: data_offsets {1} lie outside the data section ({2} bytes)"},
        {"safetensors_truncated", "file is truncated: tensor {0} needs data bytes {1} but the data section has {2} (file is {3} bytes, needs at least {4})"},
        {"safetensors_overlap", "tensors {0} {1} and {2} {3} overlap"},
        {"json_invalid", "invalid JSON: {0}"},
        {"model_folder_not_found", "model folder not found"},
        {"no_model_weights", "no model weights: looked for {0} and {1}"},
        {"shard_outside_folder", "shard name {0} points outside the model folder"},
        {"shard_missing", "names shard {0}, which is missing from {1}"},
        {"tensor_in_two_shards", "tensor {0} is in two shards: {1} and {2}"},
        {"index_no_weight_map", "no \"weight_map\" object (tensor name -> shard file)"},
        {"weight_map_entry_type", "weight_map {0} is a {1}, expected a shard file name"},
        {"index_tensor_nowhere", "maps tensor {0} to {1}, which lacks it (no listed shard has it)"},
        {"index_tensor_elsewhere", "maps tensor {0} to {1}, which lacks it (it is in {2})"},
        {"store_no_tensor", "no tensor {0} (the folder holds {1} tensors)"},
        {"gguf_unreadable", "{0}"},
        {"tokenizer_unreadable", "{0}"},
        {"json_not_object", "expected a JSON object"},
        {"tokenizer_config_token_type", "{0} must be a string, {\"content\": ...} or null, found {1}"},
        {"tokenizer_config_flag_type", "{0} must be true or false, found {1}"},
        {"tokenizer_config_template_entry", "chat_template entries must be {\"name\": ..., \"template\": ...}, found {0}"},
        {"tokenizer_config_template_type", "chat_template must be a string or a list of {name, template}, found {0}"},
        {"tokenizer_json_no_model", "not a tokenizer.json (no \"model\" object)"},
        {"tokenizer_json_model_type", "model.type must be a string, found {0}"},
        {"tokenizer_json_model_unsupported", "unsupported model type \"{0}\"; Lathe reads BPE tokenizer.json files (for SentencePiece Unigram models, use tokenizer.model)"},
        {"tokenizer_json_normalizer_type", "{0}: unsupported normalizer type \"{1}\""},
        {"tokenizer_json_pre_tokenizer_type", "{0}: unsupported pre_tokenizer type \"{1}\""},
        {"tokenizer_json_split_behavior", "{0}: unknown split behavior \"{1}\""},
        {"tokenizer_json_decoder_type", "{0}: unsupported decoder type \"{1}\""},
        {"tokenizer_json_post_processor_type", "{0}: unsupported post_processor type \"{1}\""},
        {"tokenizer_json_special_missing", "{0}: special token \"{1}\" is missing from special_tokens"},
        {"tokenizer_json_vocab_missing", "{0}: missing or not an object"},
        {"tokenizer_json_vocab_id", "{0}: id of \"{1}\" must be a non-negative integer, found {2}"},
        {"tokenizer_json_not_in_vocab", "{0}: \"{1}\" is not in the vocabulary"},
        {"tokenizer_json_merges_type", "{0}: expected an array"},
        {"tokenizer_json_merge_text", "{0}: expected \"left right\", found \"{1}\""},
        {"tokenizer_json_merge_type", "{0}: expected a string or a pair of strings, found {1}"},
        {"tokenizer_json_merge_not_in_vocab", "{0}: token \"{1}\" is not in the vocabulary"},
        {"tokenizer_json_added_id", "{0}: id must be non-negative, found {1}"},
        {"tokenizer_json_value_type", "{0}: expected a JSON {1}, found {2}"},
        {"tokenizer_regex_invalid", "{0}: invalid regex at offset {1}: {2} (pattern {3})"},
        {"tokenizer_pattern_form", "{0}: pattern must be {\"String\": ...} or {\"Regex\": ...}, found {1}"},
        {"spm_model_invalid", "not a valid SentencePiece model ({0})"},
        {"tokenizer_json_missing_key", "{0}: no \"{1}\" key"},
        {"tokenizer_json_invalid_value", "{0}: {1}"},
        {"tokenizer_added_tokens_type", "added_tokens must be a list, found {0}"},
        {"tokenizer_class_adds_missing", "{0} adds {1}, but it is not set or not in the vocabulary"},
        {"tokenizer_folder_not_found", "tokenizer folder not found"},
        {"tokenizer_folder_is_file", "not a folder (expected a model folder holding tokenizer.json or tokenizer.model)"},
        {"no_tokenizer_files", "no tokenizer.json or tokenizer.model in this folder"},
        {"model_config_unreadable", "{0}"},
        {"value_head_not_found", "not found; a reward model (stage rm) keeps its value head in this file"},
        {"value_head_tensor_missing", "tensor '{0}' is missing"},
        {"value_head_tensor_shape", "tensor '{0}' has shape {1}, expected {2} (was the value head trained on another model?)"},
        {"optimizer_state_missing", "optimizer state '{0}' is missing"},
        {"optimizer_state_shape", "optimizer state '{0}' has shape {1}, expected {2}"},
        {"model_config_field_type", "field '{0}' has the wrong type ({1})"},
        {"model_config_not_integer", "field '{0}' must be an integer"},
        {"model_config_not_object", "'{0}' must be an object"},
        {"model_config_not_positive", "{0} must be positive"},
        {"model_config_not_positive_got", "{0} must be positive, got {1}"},
        {"model_config_ids_not_integers", "'{0}' must hold integers"},
        {"model_config_ids_type", "'{0}' must be an integer or a list of integers"},
        {"rope_type_unsupported", "{0} type '{1}' is not supported (supported: linear, llama3, longrope)"},
        {"rope_factors_not_list", "{0} must be a list of numbers (longrope)"},
        {"rope_factors_not_positive", "{0} must hold positive numbers, found {1}"},
        {"rope_factors_lengths_differ", "{0}.short_factor and long_factor differ in length ({1} and {2})"},
        {"rope_llama3_freq_order", "{0}.high_freq_factor must exceed low_freq_factor"},
        {"model_type_unknown", "unknown model_type '{0}'"},
        {"model_type_not_supported", "model_type '{0}' is not supported"},
        {"model_type_unsupported", "model_type '{0}' is not supported (supported: {1})"},
        {"model_type_gemma3_vision", "model_type 'gemma3' is Gemma 3's vision-language model (Gemma3ForConditionalGeneration, 4B and up); Lathe reads the text-only model, model_type 'gemma3_text' (Gemma 3 270M and 1B)"},
        {"layer_types_count", "'layer_types' must list one entry per layer ({0})"},
        {"layer_types_entry", "layer_types[{0}] is {1}, expected \"sliding_attention\" or \"full_attention\""},
        {"kv_heads_divide", "num_key_value_heads ({0}) must divide num_attention_heads ({1})"},
        {"head_dim_even", "head_dim must be a positive even number, got {0}"},
        {"hidden_act_unsupported", "hidden_act '{0}' is not supported (supported: silu, gelu_pytorch_tanh, gelu_new, gelu)"},
        {"softcapping_negative", "logit soft-capping values must be positive"},
        {"sliding_layers_count", "sliding_layers must have one entry per layer"},
        {"partial_rotary_range", "partial_rotary_factor must be in (0, 1], got {0}"},
        {"rotary_dim_even", "head_dim x partial_rotary_factor must be even (RoPE turns pairs), got {0}"},
        {"longrope_factor_count", "rope_scaling.short_factor and long_factor need one entry per rotated pair ({0}), found {1}"},
        {"experts_per_token_range", "num_experts_per_tok must be between 1 and num_experts ({0}), got {1}"},
        {"shared_expert_negative", "shared_expert_intermediate_size must not be negative"},
        {"mlp_only_layer_range", "mlp_only_layers names layer {0}, but the model has {1} layers"},
        {"num_experts_positive", "num_experts must be positive for model_type {0}"},
        {"dataset_text_not_pt", "plain text, which only stage pt can use, not {1} (dataset '{0}')"},
        // Writing files (core/util/fs.h's write_error).
        {"cannot_create", "cannot create ({0})"},
        {"write_failed", "write failed ({0})"},
        {"cannot_rename", "cannot rename into place ({0})"},
        {"cannot_move_aside", "cannot move aside ({0})"},
        {"no_space", "write failed: no space left for the file ({0})"},
        {"write_denied", "cannot write here: permission denied ({0})"},
        {"run_logs_not_writable", "cannot write the run logs ({0})"},
        {"stale_export_file", "cannot remove stale file of an earlier export ({0})"},
        {"curve_no_points", "not a checkpoint curve (no \"points\" list)"},
        {"curve_point_no_step", "{0}: no integer \"step\""},
        {"curve_point_results", "{0}.results: not an object"},
        // The data workshop's corpus reader (core/corpus/corpus_reader.cpp).
        {"corpus_byte_not_utf8", "byte {0}: not valid UTF-8 ({1})"},
        {"corpus_line_not_utf8", "byte {0} (line {1}): not valid UTF-8 ({2})"},
        {"corpus_field_not_utf8", "field '{0}' byte {1}: not valid UTF-8"},
        {"corpus_field_type", "field '{0}': expected {1}, found {2}"},
        {"corpus_turn_not_object", "field '{0}' turn {1}: expected an object"},
        {"corpus_turn_fields", "field '{0}' turn {1}: expected string 'from'/'value' (or 'role'/'content')"},
        {"corpus_no_text_field", "no '{0}' field (fields: {1}); set text_column, or give alpaca (instruction/output) or sharegpt (conversations) records"},
        {"corpus_folder_empty", "the folder holds no files"},
        {"corpus_no_records", "no records in the input ({0} file(s), all empty or blank); nothing was written"},
        {"corpus_dataset_remote", "dataset '{0}' is {1}; only local files can be read here"},
        {"corpus_dataset_ranking", "dataset '{0}' is a ranking set (chosen/rejected); the workshop reads plain text, alpaca and sharegpt records"},
        // The data workshop's checks before it reads (core/corpus/pipeline.cpp's precheck_corpus).
        {"path_not_found", "'{0}' not found"},
        {"path_is_a_file", "'{0}' is a file, not a folder"},
        {"path_not_a_folder", "'{0}' is not a folder"},
        {"dataset_info_not_object", "expected a JSON object of datasets"},
        {"dataset_info_invalid", "not valid JSON ({0}); fix or remove it"},
        {"text_keeps_no_records", "'{0}' keeps instruction/answer records, but data_format text reads plain documents; use output_format: text"},
        // Run log lines and the summaries in them (core/util/messages.h's note; the events carry them).
        {"joined", "{0}; {1}"},
        {"joined_lines", "{0}\n{1}"},
        {"or_pair", "{0} or {1}"},
        {"comma_pair", "{0}, {1}"},
        {"thread_one", "1 thread"},
        {"threads_count", "{0} threads"},
        {"threads_take_turns", "{0}: LibTorch and OpenBLAS take turns (OpenMP waits passively)"},
        {"threads_blas_spins", "{0} for OpenBLAS's matrix products, 1 for the rest (OpenMP spins: OMP_WAIT_POLICY is not passive)"},
        {"threads_torch_spins", "{0} for LibTorch, 1 for OpenBLAS (OpenMP spins: OMP_WAIT_POLICY is not passive)"},
        {"device_cpu", "cpu ({0})"},
        {"bf16_cpu_avx512_amx", "this CPU has AVX512-BF16 and AMX-BF16"},
        {"bf16_cpu_avx512", "this CPU has AVX512-BF16"},
        {"bf16_cpu_amx", "this CPU has AMX-BF16"},
        {"bf16_cpu_avx512_disabled", "this CPU has AVX512-BF16, but the operating system has not enabled AVX-512"},
        {"bf16_cpu_amx_disabled", "this CPU has AMX-BF16, but the operating system has not enabled AMX"},
        {"bf16_cpu_none", "this CPU has no bf16 instructions"},
        {"bf16_cuda_unknown", "the compute capability of {0} is unknown"},
        {"bf16_cuda_capable", "{0} has compute capability {1}"},
        {"bf16_cuda_too_old", "{0} has compute capability {1}, bf16 needs 8.0"},
        {"bf16_device_unknown", "Lathe cannot tell whether {0} has bf16"},
        {"bf16_slow", "{0} was asked for, but {1}: LibTorch emulates bf16 there, usually slower than fp32 (bf16: auto would choose fp32)"},
        {"precision_pure_asked", "pure bf16 (pure_bf16: true)"},
        {"precision_bf16_asked", "bf16 (bf16: true)"},
        {"precision_fp32_asked", "fp32 (bf16: false)"},
        {"precision_auto", "{0} (auto: {1})"},
        {"precision_held_fp32", "weights, gradients and AdamW state in float32"},
        {"precision_held_pure", "every weight, gradient and the AdamW state in bf16 (no float32 copy)"},
        {"precision_held_pure_quantized", "base quantized to {0} bits from bf16, computed in bf16; every weight, gradient and the AdamW state in bf16 (no float32 copy)"},
        {"precision_held_lora", "frozen base weights in bf16; LoRA weights, their gradients and AdamW state in float32; matrix products in bf16 (autocast)"},
        {"precision_held_qlora", "base quantized to {0} bits from bf16, computed in bf16; LoRA weights, their gradients and AdamW state in float32; matrix products in bf16 (autocast)"},
        {"precision_held_freeze", "frozen weights in bf16; trainable layers and AdamW state in float32; matrix products in bf16 (autocast)"},
        {"precision_held_full", "weights and AdamW state in float32; matrix products in bf16 (autocast)"},
        {"memory_estimate", "≈ {0} peak (weights {1}, gradients and AdamW {2}, activations {3}, working set {4}, runtime {5})"},
        {"memory_needs", "this run needs {0}, but only {1} is available"},
        {"memory_needs_processes", "this run's {0} processes need {0} x {1}, but only {2} is available"},
        {"memory_less", "{0}; to need less, use {1}"},
        {"memory_way_one_process", "one process on this machine (≈ {0})"},
        {"memory_way_checkpointing", "gradient checkpointing (≈ {0})"},
        {"memory_way_cutoff", "cutoff_len {0} (≈ {1})"},
        {"memory_way_batch", "batch size 1 with more gradient accumulation (≈ {0})"},
        {"memory_way_lora", "LoRA (≈ {0})"},
        {"memory_way_qlora", "QLoRA 4-bit (≈ {0})"},
        {"dataset_read", "{0}: {1} records read, {2} samples kept, {3} skipped ({4})"},
        {"dataset_skipped_record", "  skipped {0}"},
        {"dataset_skipped_more", "  ... and {0} more"},
        {"encoded", "{0} examples"},
        {"encoded_truncated", "{0} examples, {1} truncated to cutoff_len"},
        {"encoded_dropped", "{0} examples, {1} dropped (no response token left after truncation, first: {2})"},
        {"encoded_truncated_dropped", "{0} examples, {1} truncated to cutoff_len, {2} dropped (no response token left after truncation, first: {3})"},
        {"trainable_params", "trainable params: {0} || all params: {1} || trainable%: {2}"},
        {"weights_held", "weights held: {0}"},
        {"weights_held_none", "weights held: none"},
        {"weights_trainable", "{0} {1} trainable"},
        {"weights_frozen", "{0} {1} frozen"},
        {"weights_quantized", "{0} quantized frozen ({1} products)"},
        {"new_model_label", "new {0} model"},
        {"new_model_no_chatml_tokens", "the tokenizer of {0} has no <|im_start|>/<|im_end|> tokens; the chatml template will spell them out in pieces"},
        {"new_model_with_tokenizer", "new {0} model: {1} parameters, the tokenizer of {2} (vocabulary {3})"},
        {"new_model_training_tokenizer", "training a SentencePiece tokenizer (vocabulary {0}) on {1} texts"},
        {"new_model_made", "new {0} model: {1} parameters, vocabulary {2}"},
        {"reference_adapter_off", "the base model (adapter switched off)"},
        {"reference_before_training", "the model before training"},
        {"reference_reloaded", "the model reloaded from {0}"},
        {"reference_frozen_copy", "a frozen copy of the model ({0} trained parameters copied, the rest shared)"},
        {"reference_precomputed", "reference log-probs precomputed from {0}"},
        {"reference_precomputing", "precomputing reference log-probs of {0} examples from {1}"},
        {"reference_precomputing_shared", "precomputing reference log-probs of {0} examples from {1} (its batches shared out among {2} processes)"},
        {"value_head_loaded", "value head: loaded from {0}"},
        {"value_head_new", "value head: new ({0} -> 1)"},
        {"dpo_smoothing_no_effect", "dpo_label_smoothing has no effect with pref_loss {0} (only sigmoid smooths labels)"},
        {"log_reference", "reference: {0}"},
        {"log_reference_none", "reference: none (pref_loss {0} is reference-free)"},
        {"log_ignored_key", "ignored key '{0}' (no effect in Lathe)"},
        {"log_tidied_checkpoints", "{0} checkpoint folder(s) left half-written by an interrupted run tidied away"},
        {"log_dropped_rows", "trainer_log.jsonl: {0} row(s) after {1} removed; the resumed run logs those steps again"},
        {"log_device", "device: {0}"},
        {"log_precision", "precision: {0}; {1}"},
        {"log_memory", "memory: {0}"},
        {"log_memory_available", "memory: {0}, {1} available"},
        {"log_datasets", "datasets: {0}"},
        {"log_records_skipped", "{0} invalid records skipped"},
        {"log_model", "model: {0} ({1}, {2} parameters), template: {3}"},
        {"log_encoded", "encoded: {0}"},
        {"log_evaluation_set", "evaluation set: {0} examples"},
        {"log_quantized", "quantized the base to {0} bits: {1}x of its fp32 size"},
        {"log_resumed", "resumed from {0} at step {1}"},
        {"log_world_changed", "the checkpoint was written by {0} process(es), this run has {1}: it goes on at the same step of the epoch, with the global batch of {1} x per_device_train_batch_size x accumulation"},
        {"log_data_parallel", "data-parallel: {0} processes (this one is rank {1}), rendezvous at {2}:{3}"},
        {"predict_model", "model: {0}"},
        {"predict_model_checkpoint", "model: {0}, checkpoint {1}"},
        {"predict_compare_base", "comparing with the base model {0}"},
        {"predict_compare", "comparing with {0}"},
        {"predict_judge", "judge: {0}"},
        {"judge_summary", "reward model {0} (template {1})"},
        {"predict_truncated", "{0} prompts were longer than cutoff_len ({1} tokens) and kept their last tokens"},
        {"model_summary", "{0} · {1} parameters · {2} weights · template {3} · {4}"},
        {"curve_starts_over", "{0}; the curve starts over"},
        {"curve_settings_differ", "the settings differ from those of the saved curve ({0}); it starts over"},
        {"curve_reloaded", "reloaded {0} checkpoint(s) from {1}"},
        {"curve_checkpoint", "checkpoint at step {0} ({1})"},
        {"export_adapter_other_base", "adapter '{0}' names base model '{1}', exporting onto '{2}'; the shapes fit, so it is merged anyway"},
        {"log_exporting", "exporting {0} as {1} {2} with chat template '{3}' (about {4})"},
        {"corpus_training_tokenizer", "training a {0} tokenizer (vocabulary {1})"},
        {"corpus_tokenizer_failed", "train_tokenizer: {0}"},
        {"corpus_compare_failed", "compare_tokenizers: {0}"},
        {"zero1_one_process", "zero_stage: 1 shards the optimizer state among several processes; this run has one"},
        {"env_not_whole_number", "{0}={1}: expected a whole number from {2} to {3}"},
        {"ranks_lost_contact", "lost contact with the other ranks (one of them failed or was stopped, or did not answer within ddp_timeout): {0}"},
        {"rank_master_not_listening", "rank {0} could not reach the master at {1} within ddp_timeout ({2} s): nothing listens there (is rank 0 started, and the address right?)"},
        {"rendezvous_port_in_use", "rank 0 could not serve the rendezvous at {0}: the port is in use (pick another with --master-port or MASTER_PORT)"},
        {"rendezvous_serve_failed", "rank 0 could not serve the rendezvous at {0}: {1}"},
        {"rank_master_unreachable", "rank {0} could not reach the master at {1} within ddp_timeout ({2} s): {3}"},
        {"ranks_did_not_meet", "rank {0}: only {1} of {2} ranks met at {3} within ddp_timeout ({4} s) (the others did not start, or cannot reach it)"},
        {"rank_lost_master", "rank {0} lost the master at {1} while waiting for the other ranks (it stopped or failed): {2}"},
        {"process_group_failed", "rank {0}: the process group over {1} did not form: {2}"},
        // The checkpoint curve (core/eval/checkpoint_curve.cpp).
        {"curve_not_a_folder", "checkpoint curve: '{0}' is not a folder"},
        {"curve_no_checkpoints", "checkpoint curve: '{0}' holds no checkpoint-N folders or finished weights; train with save_steps to keep checkpoints along the way"},
        // Errors of training, data and prediction that used to be text only.
        {"output_dir_holds_run", "'{0}' already holds a run; choose another directory, set overwrite_output_dir: true, or resume_from_checkpoint: auto to continue it"},
        {"eval_nothing_fits", "nothing to evaluate (no record of '{0}' fits in cutoff_len)"},
        {"resume_ranks_differ", "the ranks do not see the same checkpoint (rank {0} sees {1}); output_dir must be on a file system every machine of the run sees"},
        {"resume_ranks_differ_none", "the ranks do not see the same checkpoint (rank {0} sees none); output_dir must be on a file system every machine of the run sees"},
        {"nothing_to_train_or_evaluate", "false and no do_eval: nothing to train or evaluate"},
        {"new_model_needs_training", "a new model must be trained (do_train: true) before it is evaluated"},
        {"adapter_merge_quantized", "adapters cannot be merged into a quantized base; train QLoRA from the base model"},
        {"last_checkpoint_none", "; no checkpoint was saved"},
        {"last_checkpoint_kept", "; the last good checkpoint is kept: {0}"},
        {"loss_became_nan", "the loss became NaN at step {0} (try a lower learning_rate or max_grad_norm){1}"},
        {"loss_became_infinite", "the loss became infinite at step {0} (try a lower learning_rate or max_grad_norm){1}"},
        {"grad_norm_not_finite", "the gradient norm became non-finite at step {0}{1}"},
        {"weights_not_finite", "the weights became non-finite at step {0} ({1}){2}"},
        {"training_set_empty", "nothing to train on: the training set is empty"},
        {"device_no_cuda", "device '{0}' was asked for, but this LibTorch has no usable CUDA device"},
        {"device_not_there", "device '{0}' does not exist ({1} CUDA devices)"},
        {"device_invalid", "invalid device '{0}'"},
        {"device_unknown", "unknown device '{0}' (expected auto, cpu, cuda or cuda:N)"},
        {"dataset_dir_not_found", "dataset directory '{0}' not found"},
        {"dataset_dir_no_info", "dataset directory '{0}' has no dataset_info.json; it needs one that registers each dataset by name (file_name, formatting, columns), as in LLaMA-Factory's data folder"},
        {"registry_not_object", "expected an object mapping dataset names to entries, found {0}"},
        {"registry_entry_not_object", "dataset '{0}': expected an object, found {1}"},
        {"registry_entry_field_type", "dataset '{0}': '{1}' is {2}, expected {3}"},
        {"registry_entry_no_file_name", "dataset '{0}': no 'file_name' (the file or folder inside the dataset directory that holds the records)"},
        {"registry_entry_formatting", "dataset '{0}': unknown formatting '{1}'; expected \"alpaca\" or \"sharegpt\""},
        {"registry_entry_num_samples", "dataset '{0}': 'num_samples' is {1}, expected a positive whole number"},
        {"stage_needs_ranking_dataset", "stage {0} needs preference pairs, but dataset '{1}' is not marked \"ranking\": true"},
        {"stage_needs_plain_dataset", "dataset '{0}' holds preference pairs (\"ranking\": true); stage {1} needs a dataset without ranking (use it with rm or dpo)"},
        {"kto_dataset_without_tag", "stage kto needs a 'kto_tag' column, but dataset '{0}' names none in \"columns\""},
        {"dataset_columns", "dataset '{0}' ({1}): {2}"},
        {"columns_no_pair", "\"columns\" must name both 'chosen' and 'rejected' for a ranking dataset"},
        {"columns_no_messages", "\"columns\" names no 'messages' column"},
        {"columns_no_tags", "\"tags\" must name 'role_tag' and 'content_tag'"},
        {"columns_no_prompt", "\"columns\" names neither a 'prompt' nor a 'query' column"},
        {"columns_no_response", "\"columns\" names no 'response' column, which stage {0} needs (is this a pre-training dataset?)"},
        {"predictions_need_sft", "{0}; predictions need prompts with reference answers (an sft dataset)"},
        {"unknown_dataset", "unknown dataset '{0}': {1} does not register it"},
        {"unknown_dataset_did_you_mean", "unknown dataset '{0}': {1} does not register it; did you mean '{2}'?"},
        {"unknown_dataset_empty_registry", "unknown dataset '{0}': {1} does not register it (the registry is empty)"},
        {"dataset_remote_only", "dataset '{0}' ({1}) names only {2}; Lathe reads local files: download it into {3} and set \"file_name\""},
        {"max_samples_at_least_one", "max_samples must be at least 1"},
        {"no_dataset_named", "no dataset named; set one or more names from {0}"},
        {"val_size_not_fraction", "val_size {0} must be a fraction below 1 or a whole count of samples"},
        {"val_size_not_whole", "val_size {0} is neither a fraction below 1 nor a whole count of samples"},
        {"val_size_leaves_none", "val_size {0} takes {1} of {2} samples for validation and leaves none for training"},
        {"sample_no_response", "{0}: the sample has no response to train on"},
        {"preference_sample_needs_two", "{0}: a preference sample needs chosen and rejected responses"},
        {"no_samples_to_encode", "no samples to encode"},
        {"all_samples_cut", "nothing left to train on: all {0} samples lose their whole response at cutoff_len={1} (the longest sample has {2} tokens); raise cutoff_len"},
        {"nothing_left_after_encoding", "nothing left to train on after encoding"},
        {"template_system_marker", "chat template '{0}' folds the system prompt into the first user turn, so its system slot must be plain text, but it holds a {{bos_token}}/{{eos_token}} marker: '{1}'"},
        {"conversation_no_turn", "the conversation has no user or assistant turn"},
        {"system_message_not_first", "messages[{0}] is a system message; only messages[0] may be the system prompt"},
        {"turn_wants_prompt", "messages[{0}] is '{1}' where a user or observation turn belongs (turns alternate user/observation, then assistant/function)"},
        {"turn_wants_reply", "messages[{0}] is '{1}' where an assistant or function turn belongs (turns alternate user/observation, then assistant/function)"},
        {"template_no_eos", "chat template '{0}' ends turns with {{eos_token}}, but the tokenizer has no EOS token (no eos_token in tokenizer_config.json, no <|endoftext|>); pick a template whose slots write their end-of-turn token out, or fix the tokenizer"},
        {"template_no_eos_in", "chat template '{0}' ends turns with {{eos_token}}, but the tokenizer in {1} has no EOS token (no eos_token in tokenizer_config.json, no <|endoftext|>); pick a template whose slots write their end-of-turn token out, or fix the tokenizer"},
        {"conversation_must_end_with_reply", "messages[{0}] is the last message and not an assistant turn; training needs the conversation to end with an assistant or function turn"},
        {"conversation_must_end_with_prompt", "messages[{0}] is the last message and an assistant turn; a generation prompt needs the conversation to end with a user or observation turn"},
        {"unknown_template", "unknown chat template '{0}' (known templates: {1})"},
        {"predict_no_model", "no model chosen"},
        {"predict_no_dataset", "no dataset to predict chosen"},
        {"must_be_at_least_one_got", "must be at least 1, got {0}"},
        {"must_be_all_or_more_got", "must be 0 (all) or more, got {0}"},
        {"must_be_above_zero_sampling", "must be above 0 when do_sample is true"},
        {"must_be_off_or_more", "must be 0 (off) or more"},
        {"must_be_above_zero", "must be above 0"},
        {"compare_base_needs_adapter", "'base' compares a fine-tuned checkpoint with its base model: choose a checkpoint (adapter_name_or_path) first"},
        {"judge_not_reward_model", "'{0}' is not a reward model (no value_head.safetensors); choose a model or adapter trained with stage rm"},
        {"not_adapter_or_model", "'{0}' holds neither a LoRA adapter (adapter_config.json) nor a model (config.json)"},
        {"record_no_reference", "{0}: the record has no reference answer (label) to score a prediction against; predictions need sft records with an output/assistant turn"},
        {"eval_dataset_no_samples", "'{0}' holds no samples"},
        {"predict_after_lora", "the run trained a LoRA adapter on top of '{0}'; predict it from the Evaluate tab or a config without do_train, after merging (lathe-cli export)"},
        {"predictions_line_not_json", "line {0} is not JSON ({1})"},
        {"predictions_line_no_field", "line {0} has no '{1}' field"},
        {"predictions_line_not_string", "line {0}: '{1}' is not a string"},
        {"checkpoint_cannot_put_back", "cannot put back as {0} ({1})"},
        {"cannot_remove", "cannot remove ({0})"},
        {"checkpoint_incomplete", "not a complete checkpoint (missing {0})"},
        {"checkpoint_not_there", "checkpoint '{0}' does not exist"},
        {"missing_tensor", "missing tensor '{0}'"},
        {"resume_path_missing", "'{0}' does not exist"},
        {"new_model_unknown_size", "unknown size '{0}' (expected {1})"},
        {"new_model_tokenizer_missing", "'{0}' holds no tokenizer.json or tokenizer.model"},
        {"new_model_no_text", "the datasets hold no text to train a tokenizer on"},
        {"cannot_write_corpus", "cannot write the tokenizer corpus"},
        // Errors of methods, chat, generation, export plans and preference stages that used to be text only.
        {"lora_target_empty", "lora_target is empty; valid: all, {0}"},
        {"no_linear_named", "this model has no Linear module named '{0}'; valid: {1}"},
        {"no_linear_named_did_you_mean", "this model has no Linear module named '{0}' (did you mean '{1}'?); valid: {2}"},
        {"no_module_named", "this model has no module named '{0}'; valid: {1}"},
        {"no_module_named_did_you_mean", "this model has no module named '{0}' (did you mean '{1}'?); valid: {2}"},
        {"no_module_named_tied", "this model has no module named '{0}'; valid: {1} (this model ties lm_head to embed_tokens: name embed_tokens instead)"},
        {"no_module_named_did_you_mean_tied", "this model has no module named '{0}' (did you mean '{1}'?); valid: {2} (this model ties lm_head to embed_tokens: name embed_tokens instead)"},
        {"additional_target_quantized", "'{0}' is quantized and cannot be trained fully"},
        {"lora_rank_not_positive", "lora_rank must be a positive integer, got {0}"},
        {"lora_alpha_not_positive", "lora_alpha must be positive, got {0}"},
        {"lora_dropout_out_of_range", "lora_dropout must be in [0, 1), got {0}"},
        {"lora_target_and_additional", "'{0}' is both a lora_target and an additional_target; choose one"},
        {"module_has_adapter", "'{0}' already has an adapter; merge or unload it first"},
        {"freeze_modules_empty", "freeze_trainable_modules is empty; use 'all' or module names"},
        {"freeze_nothing_to_train", "freeze_trainable_layers = {0} with freeze_trainable_modules = {1} leaves nothing to train (the model has {2} layers)"},
        {"adapter_field_number", "field '{0}' must be a number, got {1}"},
        {"adapter_field_number_missing", "field '{0}' must be a number, got nothing"},
        {"adapter_field_boolean", "field '{0}' must be true or false, got {1}"},
        {"adapter_field_boolean_missing", "field '{0}' must be true or false, got nothing"},
        {"adapter_field_names", "field '{0}' must be a list of module names, got {1}"},
        {"adapter_field_names_missing", "field '{0}' must be a list of module names, got nothing"},
        {"adapter_field_string", "field '{0}' must be a string, got {1}"},
        {"adapter_field_string_missing", "field '{0}' must be a string, got nothing"},
        {"adapter_field_positive_integer", "field '{0}' must be a positive integer, got {1}"},
        {"adapter_field_positive_integer_missing", "field '{0}' must be a positive integer, got nothing"},
        {"adapter_rank_pattern", "rank_pattern {0} is not supported (Lathe uses one rank for every module)"},
        {"adapter_alpha_pattern", "alpha_pattern {0} is not supported (Lathe uses one alpha for every module)"},
        {"adapter_layer_replication", "layer_replication {0} is not supported (layer replication is not supported)"},
        {"adapter_other_base_hint", ": the adapter was probably trained on another base model (adapter_config.json base_model_name_or_path: {0}, this model: {1})"},
        {"base_unknown", "unknown"},
        {"adapter_folder_missing", "adapter folder '{0}' does not exist"},
        {"adapter_no_config", "no {0} (a PEFT LoRA adapter folder holds adapter_config.json and adapter_model.safetensors)"},
        {"expected_json_object", "expected a JSON object"},
        {"adapter_peft_type_unsupported", "peft_type '{0}' is not supported (Lathe loads LoRA and DoRA adapters: peft_type \"LORA\")"},
        {"adapter_task_type_unsupported", "task_type {0} is not supported (expected \"CAUSAL_LM\")"},
        {"adapter_bias_unsupported", "bias {0} is not supported (expected \"none\": Lathe's LoRA trains no biases)"},
        {"adapter_fan_in_fan_out", "fan_in_fan_out true is not supported (only GPT-2 style Conv1D layers use it)"},
        {"adapter_no_weights", "no {0}"},
        {"adapter_no_weights_bin", "no {0} (adapter_model.bin is a pickle file Lathe does not read: re-save the adapter with safe_serialization=True)"},
        {"adapter_tensor_prefix", "tensor '{0}' does not start with '{1}' (not a PEFT adapter of a causal language model)"},
        {"adapter_tensor_module_missing", "tensor '{0}' belongs to module '{1}', which this model ({2} layers) does not have{3}"},
        {"adapter_tensor_unsupported", "tensor '{0}' is not supported (Lathe reads LoRA on Linear layers: lora_A, lora_B, lora_magnitude_vector)"},
        {"adapter_tensor_parameter_missing", "tensor '{0}' names parameter '{1}', which this model does not have{2}"},
        {"adapter_no_tensors", "holds no adapter tensors"},
        {"adapter_tensor_shape", "tensor '{0}' has shape {1}, but '{2}' of this model needs {3}{4}"},
        {"adapter_module_half", "module '{0}' has {1} but not {2}"},
        {"adapter_module_lacks_magnitude", "module '{0}' lacks lora_magnitude_vector although adapter_config.json sets use_dora"},
        {"adapter_module_has_magnitude", "module '{0}' has lora_magnitude_vector although adapter_config.json does not set use_dora"},
        {"chat_load_model_first", "load a model before attaching a fine-tuned checkpoint"},
        {"chat_not_adapter_or_model", "neither a LoRA adapter (adapter_config.json) nor a model folder (config.json)"},
        {"chat_no_model", "no model is loaded: press Load first"},
        {"prompt_empty", "the prompt is empty: nothing to continue from"},
        {"max_new_tokens_negative", "max_new_tokens must be >= 0"},
        {"prompt_token_outside_vocab", "prompt token id {0} is outside the vocabulary [0, {1})"},
        {"must_be_zero_or_more_got", "must be 0 or more, got {0}"},
        {"port_not_tcp", "{0} is not a TCP port (0-65535)"},
        {"serve_host_needs_key", "host {0} is reachable from other machines: set an API key (--api-key or API_KEY) to serve on it, or keep the default 127.0.0.1"},
        {"serve_body_limit_small", "the request body limit must be at least 1 KB"},
        {"must_be_at_least_one_second", "must be at least 1 second"},
        {"serve_cannot_listen", "cannot listen on {0} (the port is in use, or the address is not one of this machine's)"},
        {"unknown_inference_weights", "unknown inference weights '{0}' (expected auto, f32, bf16 or int8)"},
        {"int8_input_multiple", "int8 weights need an input size that is a multiple of {0}, this weight has {1}"},
        {"packed_weights_no_training", "this model's weights are packed for inference ({0}); load it in float32 to train"},
        {"token_outside_embedding_table", "token id {0} is outside the embedding table [0, {1})"},
        {"int8_cpu_only", "int8 weights run on the CPU; on {0} choose bf16 or f32"},
        {"packed_weights_cpu_only", "packed inference weights live on the CPU; this model is on {0}"},
        {"token_outside_model_embedding", "token id {0} is outside the model's embedding table ({1} rows, vocab_size in config.json): the tokenizer and the model do not match, or the text holds a token this model has no row for"},
        {"context_full", "context full: {0} tokens exceed the cache of {1}"},
        {"gguf_model_type_unsupported", "GGUF export supports model_type llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, qwen2_moe and qwen3_moe; this model is '{0}' (export_format: hf writes it)"},
        {"size_too_large", "size \"{0}\": too large (expected a byte count or a number with a unit, e.g. 500MB, 1.5GB, 2GiB)"},
        {"size_no_number", "size \"{0}\": no number (expected a byte count or a number with a unit, e.g. 500MB, 1.5GB, 2GiB)"},
        {"size_unknown_unit", "size \"{0}\": unknown unit \"{1}\" (expected a byte count or a number with a unit, e.g. 500MB, 1.5GB, 2GiB)"},
        {"gguf_tokenizer_larger_than_embedding", "the tokenizer has {0} tokens but the model's embedding has only {1} rows (config.json vocab_size); the tokenizer does not belong to this model"},
        {"tokenizer_token_id_out_of_range", "token '{0}' has id {1}"},
        {"tokenizer_merge_not_pair", "merge '{0}' is not 'a b'"},
        {"gguf_pre_tokenizer_unknown", "llama.cpp would not recognise this tokenizer's pre-tokenizer (fingerprint {0} matches none of Llama 3, Qwen2/2.5/3, GPT-2, SmolLM, DeepSeek-V3/R1, DeepSeek-R1-Distill-Qwen); GGUF export needs one of those tokenizers, or export_format: hf"},
        {"gguf_tokenizer_kind", "tokenizer kind '{0}' cannot be written to GGUF"},
        {"gguf_would_differ", "GGUF export: {0}; llama.cpp fixes this for {1} models, so the GGUF file would compute something else (export_format: hf writes the model as it is)"},
        {"gguf_gemma_layer_slides", "layer {0} slides, but llama.cpp makes one layer in every {1} global (the last of each {1}) and the others sliding"},
        {"gguf_gemma_layer_global", "layer {0} is global, but llama.cpp makes one layer in every {1} global (the last of each {1}) and the others sliding"},
        {"gguf_gemma2_no_sliding_window", "this Gemma 2 model has no sliding window; llama.cpp gives Gemma 2 one of 4096 tokens"},
        {"gguf_gemma2_no_softcapping", "this Gemma 2 model does not soft-cap its attention scores and logits; llama.cpp caps Gemma 2's at 50 and 30 when the file gives no value"},
        {"gguf_gemma3_attention_softcapping", "attn_logit_softcapping is set, and llama.cpp does not soft-cap Gemma 3's attention"},
        {"gguf_gemma3_local_rope_base", "rope_local_base_freq is {0}, and llama.cpp uses 10000 for Gemma 3's sliding layers"},
        {"gguf_moe_would_differ", "GGUF export: {0}; llama.cpp's {1} would compute something else (export_format: hf writes the model as it is)"},
        {"gguf_moe_dense_layer", "layer {0} is dense (mlp_only_layers / decoder_sparse_step), and llama.cpp makes every layer sparse"},
        {"gguf_moe_renormalises", "norm_topk_prob is {0}, and llama.cpp renormalises the chosen experts' weights for {1}"},
        {"gguf_moe_does_not_renormalise", "norm_topk_prob is {0}, and llama.cpp does not renormalise the chosen experts' weights for {1}"},
        {"gguf_quantization_unknown", "export_quantization '{0}' is not one of f32, f16, bf16, q8_0, q4_0, q4_k_m"},
        {"gguf_longrope_phi3_only", "GGUF export: llama.cpp reads longrope factors only for phi3 models; this is '{0}'"},
        {"spm_no_input_files", "SentencePiece training: input_files is empty"},
        {"spm_input_not_found", "SentencePiece training: input file not found: {0}"},
        {"spm_no_model_prefix", "SentencePiece training: model_prefix is empty"},
        {"spm_vocab_size_not_positive", "SentencePiece training: vocab_size must be positive, found {0}"},
        {"spm_model_type_unknown", "SentencePiece training: model_type must be bpe, unigram, char or word, found \"{0}\""},
        {"spm_character_coverage_range", "SentencePiece training: character_coverage must be in (0, 1], found {0}"},
        {"spm_normalization_rule_invalid", "SentencePiece training: normalization_rule_name \"{0}\" is not a rule name"},
        {"spm_symbol_invalid", "SentencePiece training: user-defined symbol \"{0}\" is empty or holds a space or comma"},
        {"spm_extra_argument_invalid", "SentencePiece training: extra argument \"{0}\" must be --name=value without spaces"},
        {"spm_temp_folder_unsafe", "SentencePiece training: the temp folder {0} holds a space or comma; set TMPDIR to a plain path"},
        {"spm_training_failed", "SentencePiece training failed: {0}"},
        {"judge_no_value_head", "{0} not found; the judge must be a reward model trained with stage rm"},
        {"judge_base_missing", "{0}: base_model_name_or_path '{1}' is not a folder here; the reward model's base must be available"},
        {"corpus_alpaca_needs_pair", "alpaca needs a question and an answer, but {0} has no human turn followed by a gpt turn"},
        {"corpus_alpaca_plain_text", "alpaca keeps instruction/output records, but {0} is plain text; write plain documents with output_format: text"},
        {"corpus_sharegpt_plain_text", "sharegpt keeps conversations, but {0} is plain text; write plain documents with output_format: text"},
        {"fp16_refused", "float16 training needs loss scaling, which Lathe does not do; use bf16 instead"},
        {"quantization_bit_choice", "quantization_bit must be 4 (NF4) or 8 (int8), got {0}"},
        {"export_loading", "loading {0}"},
        {"export_merging_adapter", "merging adapter {0} of {1}: {2}"},
        {"export_checking", "checking the model, adapters, tokenizer and target"},
        {"export_done", "done"},
        {"export_writing_tensor", "writing {0} ({1})"},
        {"export_written_file", "written {0}"},
        {"export_converting", "converting weights to {0}"},
        {"export_writing_weights", "writing weights"},
        {"export_writing_config", "writing config and tokenizer"},
        {"export_written", "written"},
        {"temperature_negative", "temperature must be >= 0, got {0}"},
        {"top_k_negative", "top_k must be >= 0, got {0}"},
        {"top_p_out_of_range", "top_p must be in (0, 1], got {0}"},
        {"repetition_penalty_not_positive", "repetition_penalty must be > 0, got {0}"},
        {"repetition_penalty_token_outside_vocab", "repetition penalty: token id {0} is outside the vocabulary [0, {1})"},
        {"export_missing_tokenizer", "missing tokenizer: '{0}' has no tokenizer.json or tokenizer.model. An exported model needs its tokenizer so other programs can use it: copy the base model's tokenizer files into this folder"},
        {"export_adapter_no_weights", "no adapter_model.safetensors beside adapter_config.json"},
        {"an_unknown_base", "an unknown base"},
        {"export_adapter_lacks_module", "adapter '{0}' was trained on {1}, not on the model being exported ('{2}'): tensor '{3}' adapts '{4}', which the model lacks"},
        {"export_adapter_shape", "adapter '{0}' was trained on {1}, not on the model being exported ('{2}'): tensor '{3}' has shape {4} but '{5}' is {6}"},
        {"export_dir_inside_source", "export_dir '{0}' is inside the source model folder '{1}'; the export must not be written into its source: choose a folder outside it"},
        {"export_dir_inside_adapter", "export_dir '{0}' is inside the adapter folder '{1}'; the export must not be written into its source: choose a folder outside it"},
        {"export_dir_contains_source", "export_dir '{0}' contains the source model folder '{1}'; replacing it would delete the source: choose another folder"},
        {"export_dir_contains_adapter", "export_dir '{0}' contains the adapter folder '{1}'; replacing it would delete the source: choose another folder"},
        {"export_dir_is_file", "export_dir '{0}' is a file, not a folder"},
        {"export_dir_not_empty", "export_dir '{0}' is not empty; set export_overwrite: true to replace its contents"},
        {"folder_missing", "folder '{0}' does not exist"},
        {"dpo_needs_pairs", "stage dpo needs preference pairs (a dataset with \"ranking\": true)"},
        {"pref_loss_needs_reference", "'{0}' needs a reference model"},
        {"kto_needs_tags", "stage kto needs examples with a kto_tag (a dataset whose \"columns\" name 'kto_tag')"},
        {"kto_record_untagged", "{0}: no kto_tag (stage kto needs every record labelled true or false)"},
        {"rm_needs_pairs", "stage rm needs preference pairs (a dataset with \"ranking\": true)"},
        {"not_preference_stage", "'{0}' is not a preference stage (rm, dpo, kto)"},
        {"unknown_schedule", "unknown schedule '{0}'"},
        {"override_not_assignment", "override '{0}' is not of the form key=value"},
        {"unknown_stage", "unknown stage '{0}'; expected one of pt, sft, rm, ppo, dpo, kto"},
        {"unknown_precision", "unknown precision '{0}' (expected fp32, fp16 or bf16)"},
        {"pref_loss_not_dpo", "'{0}' does not use a reference model (expected sigmoid, hinge or ipo)"},
        {"vocab_too_small_for_bytes", "{0} cannot hold the 256 bytes and {1} special tokens"},
        {"unknown_config_key", "unknown key '{0}'"},
        {"unknown_config_key_did_you_mean", "unknown key '{0}' (did you mean '{1}'?)"},
        {"config_value_expected", "expected {0}, got '{1}'"},
        {"config_key_value_expected", "{0}: expected {1}, got '{2}'"},
        {"config_value_is_mapping", "{0}: {1}: expected a plain value, got a mapping"},
    };
    return forms;
}

std::string format_message(const std::string& id, const std::vector<std::string>& args) {
    for (const MessageForm& f : message_forms()) {
        if (id != f.id) continue;
        std::string out;
        for (const char* p = f.english; *p; ++p) {
            if (*p == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
                const size_t i = size_t(p[1] - '0');
                out += i < args.size() ? args[i] : std::string();
                p += 2;
            } else {
                out += *p;
            }
        }
        return out;
    }
    throw std::out_of_range("no engine message with id '" + id + "'");
}

namespace {

// A problem with message "<where>: <wording>", or the wording alone when `where` is "".
Problem placed(const std::string& where, const std::string& id, std::vector<std::string> args) {
    Problem p;
    p.id = id;
    p.message = (where.empty() ? "" : where + ": ") + format_message(id, args);
    p.args = std::move(args);
    return p;
}

}  // namespace

std::string record_place(const std::string& file, int64_t record, int64_t line) {
    return file + " record " + std::to_string(record) + " (line " + std::to_string(line) + ")";
}

Problem plain_problem(const std::string& id, std::vector<std::string> args) { return placed("", id, std::move(args)); }

Problem note(const std::string& id, std::vector<std::string> args) { return plain_problem(id, std::move(args)); }

// No file: the plain composed problem ("" is Problem's own default for the file).
Problem composed(const std::string& id, std::vector<Problem> args) { return composed_in_file("", id, std::move(args)); }

Problem composed_in_file(const std::string& file, const std::string& id, std::vector<Problem> args) {
    std::vector<std::string> english;
    for (const Problem& a : args) english.push_back(a.message);
    Problem p = placed(file, id, std::move(english));
    p.file = file;
    p.parts = std::move(args);
    return p;
}

Problem composed_for_key(const std::string& key, const std::string& id, std::vector<Problem> args) {
    Problem p = composed_in_file("", id, std::move(args));
    p.key = key;
    p.message = key + ": " + p.message;
    return p;
}

Problem verbatim(std::string text) {
    Problem p;
    p.message = std::move(text);
    return p;
}

namespace {

Problem fold(std::vector<Problem> items, const char* id) {
    if (items.empty()) return verbatim("");
    Problem out = std::move(items.back());
    for (size_t i = items.size() - 1; i-- > 0;) out = composed(id, {std::move(items[i]), std::move(out)});
    return out;
}

}  // namespace

Problem joined(std::vector<Problem> items) { return fold(std::move(items), "joined"); }
Problem joined_lines(std::vector<Problem> items) { return fold(std::move(items), "joined_lines"); }

Problem config_problem(const std::string& key, const std::string& id, std::vector<std::string> args) {
    Problem p = placed(key, id, std::move(args));
    p.key = key;
    return p;
}

Problem file_problem(const std::string& file, int64_t line, int64_t column, const std::string& id,
                     std::vector<std::string> args) {
    std::string where = file;
    if (line > 0) where += ":" + std::to_string(line);
    if (line > 0 && column > 0) where += ":" + std::to_string(column);
    Problem p = placed(where, id, std::move(args));
    p.file = file;
    p.line = line > 0 ? line : -1;
    p.column = line > 0 && column > 0 ? column : -1;
    return p;
}

Problem record_problem(const std::string& file, int64_t record, int64_t line, const std::string& id,
                       std::vector<std::string> args) {
    Problem p = placed(record_place(file, record, line), id, std::move(args));
    p.file = file;
    p.record = record;
    p.line = line;
    return p;
}

void Error::set_file_id(const std::string& file, const std::string& id) {
    if (!problem_.id.empty()) return;
    const std::string& m = problem_.message;
    if (m.rfind(file + ":", 0) != 0) return;  // not about this file as a whole
    size_t at = file.size();
    int64_t place[2] = {-1, -1};  // line, column
    for (int64_t& n : place) {  // ":<digits>" at most twice
        size_t end = at + 1;
        while (end < m.size() && m[end] >= '0' && m[end] <= '9') ++end;
        if (m[at] != ':' || end == at + 1 || end >= m.size() || m[end] != ':') break;
        n = std::stoll(m.substr(at + 1, end - at - 1));
        at = end;
    }
    if (m.compare(at, 2, ": ") != 0) return;
    problem_.file = file;
    problem_.line = place[0];
    problem_.column = place[1];
    problem_.id = id;
    problem_.args = {m.substr(at + 2)};
}

}  // namespace lathe
