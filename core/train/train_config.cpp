#include "core/train/train_config.h"

#include "core/io/yaml_config.h"
#include "core/util/config_keys.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

namespace lathe {

namespace {

using Key = ConfigKey<TrainConfig>;

// The order here is the order of to_yaml() and of the studio's "all settings" views.
const std::vector<Key>& key_table() {
    static const std::vector<Key> table = {
        {"model_name_or_path", &TrainConfig::model_name_or_path},
        {"adapter_name_or_path", &TrainConfig::adapter_name_or_path},
        {"template", &TrainConfig::template_name},
        {"create_new_model", &TrainConfig::create_new_model},
        {"tokenizer_vocab_size", &TrainConfig::tokenizer_vocab_size},
        {"new_model_corpus", &TrainConfig::new_model_corpus},
        {"new_model_tokenizer", &TrainConfig::new_model_tokenizer},
        {"stage", &TrainConfig::stage},
        {"do_train", &TrainConfig::do_train},
        {"finetuning_type", &TrainConfig::finetuning_type},
        {"lora_rank", &TrainConfig::lora_rank},
        {"lora_alpha", &TrainConfig::lora_alpha},
        {"lora_dropout", &TrainConfig::lora_dropout},
        {"lora_target", &TrainConfig::lora_target},
        {"use_dora", &TrainConfig::use_dora},
        {"use_rslora", &TrainConfig::use_rslora},
        {"additional_target", &TrainConfig::additional_target},
        {"freeze_trainable_layers", &TrainConfig::freeze_trainable_layers},
        {"freeze_trainable_modules", &TrainConfig::freeze_trainable_modules},
        {"freeze_extra_modules", &TrainConfig::freeze_extra_modules},
        {"quantization_bit", &TrainConfig::quantization_bit},
        {"quantization_type", &TrainConfig::quantization_type},
        {"double_quantization", &TrainConfig::double_quantization},
        {"dataset", &TrainConfig::dataset},
        {"eval_dataset", &TrainConfig::eval_dataset},
        {"dataset_dir", &TrainConfig::dataset_dir},
        {"cutoff_len", &TrainConfig::cutoff_len},
        {"max_samples", &TrainConfig::max_samples},
        {"val_size", &TrainConfig::val_size},
        {"packing", &TrainConfig::packing},
        {"train_on_prompt", &TrainConfig::train_on_prompt},
        {"mask_history", &TrainConfig::mask_history},
        {"enable_thinking", &TrainConfig::enable_thinking},
        {"skip_invalid_records", &TrainConfig::skip_invalid_records},
        {"identity_name", &TrainConfig::identity_name},
        {"identity_author", &TrainConfig::identity_author},
        {"output_dir", &TrainConfig::output_dir},
        {"overwrite_output_dir", &TrainConfig::overwrite_output_dir},
        {"logging_steps", &TrainConfig::logging_steps},
        {"save_steps", &TrainConfig::save_steps},
        {"save_total_limit", &TrainConfig::save_total_limit},
        {"eval_steps", &TrainConfig::eval_steps},
        {"per_device_train_batch_size", &TrainConfig::per_device_train_batch_size},
        {"per_device_eval_batch_size", &TrainConfig::per_device_eval_batch_size},
        {"gradient_accumulation_steps", &TrainConfig::gradient_accumulation_steps},
        {"learning_rate", &TrainConfig::learning_rate},
        {"num_train_epochs", &TrainConfig::num_train_epochs},
        {"max_steps", &TrainConfig::max_steps},
        {"lr_scheduler_type", &TrainConfig::lr_scheduler_type},
        {"min_lr_rate", &TrainConfig::min_lr_rate},
        {"warmup_ratio", &TrainConfig::warmup_ratio},
        {"warmup_steps", &TrainConfig::warmup_steps},
        {"weight_decay", &TrainConfig::weight_decay},
        {"adam_beta1", &TrainConfig::adam_beta1},
        {"adam_beta2", &TrainConfig::adam_beta2},
        {"adam_epsilon", &TrainConfig::adam_epsilon},
        {"max_grad_norm", &TrainConfig::max_grad_norm},
        {"seed", &TrainConfig::seed},
        {"bf16", &TrainConfig::bf16},
        {"pure_bf16", &TrainConfig::pure_bf16},
        {"fp16", &TrainConfig::fp16},
        {"gradient_checkpointing", &TrainConfig::gradient_checkpointing},
        {"neftune_noise_alpha", &TrainConfig::neftune_noise_alpha},
        {"moe_aux_loss_coef", &TrainConfig::moe_aux_loss_coef},
        {"resume_from_checkpoint", &TrainConfig::resume_from_checkpoint},
        {"pref_beta", &TrainConfig::pref_beta},
        {"pref_loss", &TrainConfig::pref_loss},
        {"pref_ftx", &TrainConfig::pref_ftx},
        {"simpo_gamma", &TrainConfig::simpo_gamma},
        {"dpo_label_smoothing", &TrainConfig::dpo_label_smoothing},
        {"precompute_ref_log_probs", &TrainConfig::precompute_ref_log_probs},
        {"kto_chosen_weight", &TrainConfig::kto_chosen_weight},
        {"kto_rejected_weight", &TrainConfig::kto_rejected_weight},
        {"device", &TrainConfig::device},
        {"threads", &TrainConfig::threads},
        {"ddp_timeout", &TrainConfig::ddp_timeout},
        {"nproc_per_node", &TrainConfig::nproc_per_node},
        {"zero_stage", &TrainConfig::zero_stage},
        {"ddp_bucket_cap_mb", &TrainConfig::ddp_bucket_cap_mb},
        {"nnodes", &TrainConfig::nnodes},
        {"node_rank", &TrainConfig::node_rank},
        {"master_addr", &TrainConfig::master_addr},
        {"master_port", &TrainConfig::master_port},
    };
    return table;
}

// Evaluation and prediction: read and written like the keys above, set in the Evaluate tab.
const std::vector<Key>& evaluation_key_table() {
    static const std::vector<Key> table = {
        {"do_eval", &TrainConfig::do_eval},
        {"do_predict", &TrainConfig::do_predict},
        {"predict_with_generate", &TrainConfig::predict_with_generate},
        {"max_new_tokens", &TrainConfig::max_new_tokens},
        {"do_sample", &TrainConfig::do_sample},
        {"temperature", &TrainConfig::temperature},
        {"top_p", &TrainConfig::top_p},
        {"top_k", &TrainConfig::top_k},
        {"repetition_penalty", &TrainConfig::repetition_penalty},
        {"lathe_compare", &TrainConfig::lathe_compare},
        {"lathe_judge", &TrainConfig::lathe_judge},
        {"lathe_eval_checkpoints", &TrainConfig::lathe_eval_checkpoints},
    };
    return table;
}

const Key* find_key(const std::string& name) {
    if (const Key* k = find_config_key(key_table(), name)) return k;
    return find_config_key(evaluation_key_table(), name);
}

}  // namespace

std::vector<std::string> TrainConfig::keys() { return config_key_names(key_table()); }
std::vector<std::string> TrainConfig::evaluation_keys() { return config_key_names(evaluation_key_table()); }

const std::vector<std::string>& TrainConfig::ignored_keys() {
    // LLaMA-Factory keys that make no difference here (multi-GPU, caching, reporting, Python runtime).
    static const std::vector<std::string> keys = {
        "trust_remote_code", "report_to", "plot_loss", "preprocessing_num_workers",
        "overwrite_cache", "flash_attn", "dataloader_num_workers", "deepspeed", "use_unsloth",
        "logging_dir", "save_only_model", "ddp_find_unused_parameters", "include_num_input_tokens_seen",
        "optim", "upcast_layernorm", "low_cpu_mem_usage", "tokenized_path", "streaming", "run_name",
        "eval_strategy", "evaluation_strategy", "save_strategy", "ray_run_name",
        "image_max_pixels", "video_max_pixels", "trust_remote", "packing_strategy",
    };
    return keys;
}

void TrainConfig::set(const std::string& key, const std::string& value, const std::string& origin) {
    const Key* k = find_key(key);
    if (!k) {
        const auto& ig = ignored_keys();
        if (std::find(ig.begin(), ig.end(), key) != ig.end()) {
            if (std::find(ignored.begin(), ignored.end(), key) == ignored.end()) ignored.push_back(key);
            return;
        }
        std::vector<std::string> all = keys(), more = evaluation_keys();
        all.insert(all.end(), more.begin(), more.end());
        throw_unknown_config_key(key, all, origin);
    }
    assign_config_key(*this, *k, value, origin);  // the rules every config shares
}

std::string TrainConfig::get(const std::string& key) const {
    const Key* k = find_key(key);
    if (!k) throw ConfigError(plain_problem("unknown_config_key", {key}));
    return config_key_text(*this, *k);
}

void TrainConfig::apply_override(const std::string& assignment) {
    const auto [key, value] = split_assignment(assignment);
    set(key, value, "command line");
}

TrainConfig TrainConfig::from_yaml(const std::string& text, const std::string& origin) {
    TrainConfig c;
    for (const YamlEntry& e : read_flat_yaml(text, origin)) {
        if (e.is_mapping) {
            const auto& ig = ignored_keys();
            if (std::find(ig.begin(), ig.end(), e.key) != ig.end()) {
                c.set(e.key, "", e.at);  // reported in `ignored` like any other ignored key
                continue;
            }
            if (!find_key(e.key)) c.set(e.key, "", e.at);  // the unknown-key error, with its suggestion
            throw ConfigError(plain_problem("config_value_is_mapping", {e.at, e.key}));
        }
        c.set(e.key, e.value, e.at);
    }
    return c;
}

TrainConfig TrainConfig::from_yaml_file(const std::string& path) { return from_yaml(read_file(path), path); }

std::string TrainConfig::to_yaml(bool all) const {
    const TrainConfig defaults;
    std::vector<Key> table = key_table();
    table.insert(table.end(), evaluation_key_table().begin(), evaluation_key_table().end());
    return write_flat_yaml(config_fields(*this, table, all ? nullptr : &defaults));
}

bool TrainConfig::is_preference_stage() const {
    const std::optional<Stage> s = stage_from_name(stage);
    return s && lathe::is_preference_stage(*s);
}

std::vector<Problem> TrainConfig::problems() const {
    std::vector<Problem> out;
    auto fail = [&](const std::string& key, const std::string& id, std::vector<std::string> args = {}) {
        for (const Problem& p : out)
            if (p.key == key) return;
        out.push_back(config_problem(key, id, std::move(args)));
    };
    auto one_of = [&](const std::string& key, const std::string& v, std::initializer_list<const char*> allowed) {
        for (const char* a : allowed)
            if (v == a) return;
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(key, "not_one_of", {v, list});
    };
    auto one_of_names = [&](const std::string& key, const std::string& v, const std::vector<std::string>& allowed) {
        if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return;
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(key, "not_one_of", {v, list});
    };
    one_of_names("stage", stage, stage_names());
    one_of_names("finetuning_type", finetuning_type, method_names());
    one_of("lr_scheduler_type", lr_scheduler_type,
           {"linear", "cosine", "constant", "constant_with_warmup", "cosine_with_min_lr"});
    one_of("pref_loss", pref_loss, {"sigmoid", "hinge", "ipo", "orpo", "simpo"});
    if (!create_new_model.empty()) one_of("create_new_model", create_new_model, {"tiny", "small", "base"});
    if (model_name_or_path.empty() && create_new_model.empty()) fail("model_name_or_path", "no_model");
    if (!model_name_or_path.empty() && !create_new_model.empty() && dir_exists(model_name_or_path) &&
        file_exists(path_join(model_name_or_path, "config.json")))
        fail("create_new_model", "model_already_there", {model_name_or_path});
    if (quantization_bit != 0 && quantization_bit != 4 && quantization_bit != 8)
        fail("quantization_bit", "quantization_bits", {std::to_string(quantization_bit)});
    const std::optional<Method> method = method_from_name(finetuning_type);
    const std::optional<Stage> stage_kind = stage_from_name(stage);
    if (quantization_bit && method != Method::Lora) fail("quantization_bit", "qlora_needs_lora");
    if (quantization_bit == 4) one_of("quantization_type", quantization_type, {"nf4"});
    if (quantization_bit && !create_new_model.empty()) fail("quantization_bit", "new_model_quantized");
    if (method == Method::Lora) {
        if (lora_rank < 1) fail("lora_rank", "must_be_at_least", {"1"});
        if (lora_alpha < 0) fail("lora_alpha", "must_be_positive");
        if (lora_dropout < 0 || lora_dropout >= 1) fail("lora_dropout", "must_be_in", {"[0, 1)"});
        if (!create_new_model.empty()) fail("finetuning_type", "new_model_adapter");
    }
    if (cutoff_len < 4) fail("cutoff_len", "must_be_at_least_tokens", {"4"});
    if (per_device_train_batch_size < 1) fail("per_device_train_batch_size", "must_be_at_least", {"1"});
    if (per_device_eval_batch_size < 1) fail("per_device_eval_batch_size", "must_be_at_least", {"1"});
    if (gradient_accumulation_steps < 1) fail("gradient_accumulation_steps", "must_be_at_least", {"1"});
    if (!(learning_rate > 0)) fail("learning_rate", "must_be_positive");
    if (max_steps <= 0 && !(num_train_epochs > 0)) fail("num_train_epochs", "must_be_positive_or_max_steps");
    if (warmup_ratio < 0 || warmup_ratio >= 1) fail("warmup_ratio", "must_be_in", {"[0, 1)"});
    if (warmup_steps < 0) fail("warmup_steps", "must_be_non_negative");
    if (min_lr_rate < 0 || min_lr_rate > 1) fail("min_lr_rate", "must_be_in", {"[0, 1]"});
    if (weight_decay < 0) fail("weight_decay", "must_be_non_negative");
    if (adam_beta1 < 0 || adam_beta1 >= 1) fail("adam_beta1", "must_be_in", {"[0, 1)"});
    if (adam_beta2 < 0 || adam_beta2 >= 1) fail("adam_beta2", "must_be_in", {"[0, 1)"});
    if (!(adam_epsilon > 0)) fail("adam_epsilon", "must_be_positive");
    if (max_grad_norm < 0) fail("max_grad_norm", "must_be_non_negative_no_clipping");
    if (val_size < 0) fail("val_size", "must_be_non_negative");
    if (logging_steps < 1) fail("logging_steps", "must_be_at_least", {"1"});
    if (save_steps < 0) fail("save_steps", "must_be_non_negative_only_at_end");
    if (save_total_limit < 0) fail("save_total_limit", "must_be_non_negative_keep_all");
    if (neftune_noise_alpha < 0) fail("neftune_noise_alpha", "must_be_non_negative");
    if (moe_aux_loss_coef < 0) fail("moe_aux_loss_coef", "must_be_non_negative");
    if (moe_aux_loss_coef > 0 && gradient_checkpointing) fail("moe_aux_loss_coef", "moe_aux_with_checkpointing");
    if (bf16 == Toggle::On && fp16) fail("bf16", "bf16_and_fp16");
    if (pure_bf16 && fp16) fail("pure_bf16", "pure_bf16_and_fp16");
    if (do_train && dataset.empty()) fail("dataset", "no_dataset");
    if (!do_train && !do_eval && !do_predict) fail("do_train", "nothing_to_do");
    if (!do_train && do_eval && is_preference_stage())  // the value head or reference would not be the trained one
        fail("do_eval", "eval_needs_training", {stage});
    if (!do_train && (do_eval || do_predict) && dataset.empty() && eval_dataset.empty())
        fail("eval_dataset", "no_eval_dataset");
    if (do_predict) {
        if (!predict_with_generate) fail("predict_with_generate", "predict_generates");
        if (stage_kind != Stage::Sft) fail("do_predict", "predict_needs_sft", {stage});
        if (max_new_tokens < 1) fail("max_new_tokens", "must_be_at_least", {"1"});
        if (!(temperature > 0)) fail("temperature", "must_be_positive");
        if (!(top_p > 0) || top_p > 1) fail("top_p", "must_be_in", {"(0, 1]"});
        if (top_k < 0) fail("top_k", "must_be_non_negative_no_limit");
        if (!(repetition_penalty > 0)) fail("repetition_penalty", "must_be_positive");
    }
    if (!lathe_compare.empty() && !do_predict) fail("lathe_compare", "compare_needs_predict");
    if (!lathe_judge.empty() && !do_predict) fail("lathe_judge", "judge_needs_predict");
    if (lathe_eval_checkpoints && !do_predict) fail("lathe_eval_checkpoints", "curve_needs_predict");
    if (lathe_eval_checkpoints && !lathe_compare.empty()) fail("lathe_eval_checkpoints", "curve_without_compare");
    if (output_dir.empty()) fail("output_dir", "no_output_dir");
    if (pref_beta <= 0) fail("pref_beta", "must_be_positive");
    if (dpo_label_smoothing < 0 || dpo_label_smoothing >= 0.5) fail("dpo_label_smoothing", "must_be_in", {"[0, 0.5)"});
    if (threads < 0) fail("threads", "must_be_non_negative");
    if (ddp_timeout < 1) fail("ddp_timeout", "must_be_positive");
    if (nproc_per_node < 1 || nproc_per_node > 1024) fail("nproc_per_node", "must_be_in", {"[1, 1024]"});
    if (zero_stage != 0 && zero_stage != 1) fail("zero_stage", "not_one_of", {std::to_string(zero_stage), "0, 1"});
    if (ddp_bucket_cap_mb < 0 || ddp_bucket_cap_mb > 65536)
        fail("ddp_bucket_cap_mb", "must_be_in", {"[0, 65536] (0 = one tensor per bucket)"});
    if (nnodes < 1 || nnodes > 1024) fail("nnodes", "must_be_in", {"[1, 1024]"});
    if (node_rank < 0 || node_rank >= std::max(1, nnodes))
        fail("node_rank", "must_be_in", {"[0, " + std::to_string(std::max(1, nnodes) - 1) + "]"});
    if (master_port < 0 || master_port > 65535) fail("master_port", "must_be_in", {"[0, 65535] (0 = any free port)"});
    if (nnodes > 1 && master_addr.empty()) fail("master_addr", "multi_node_needs_master", {std::to_string(nnodes)});
    return out;
}

void TrainConfig::validate() const {
    const std::vector<Problem> found = problems();
    if (!found.empty()) throw ConfigError(found.front());
}

}  // namespace lathe
