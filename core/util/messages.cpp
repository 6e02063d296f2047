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

Problem config_problem(const std::string& key, const std::string& id, std::vector<std::string> args) {
    Problem p;
    p.key = key;
    p.id = id;
    p.message = key + ": " + format_message(id, args);
    p.args = std::move(args);
    return p;
}

}  // namespace lathe
