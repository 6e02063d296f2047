#include "core/train/preference/preference_stage.h"

#include "core/dist/collective.h"
#include "core/model/model_folder.h"
#include "core/model/value_head.h"
#include "core/peft/params.h"
#include "core/train/preference/dpo_objective.h"
#include "core/train/preference/kto_objective.h"
#include "core/train/preference/rm_objective.h"
#include "core/train/train_config.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"

namespace lathe {

namespace {

void say(const PreferenceStageInputs& in, const Problem& line) {
    if (in.say) in.say("info", line);
}

PreferenceStage rm_stage(const TrainConfig& c, const PreferenceStageInputs& in) {
    const int64_t hidden = in.model->config().hidden_size;
    const auto device = in.model->device();
    // Continue from a value head shipped with the last adapter or the model, as LLaMA-Factory does.
    const auto adapters = split_list(c.adapter_name_or_path);
    const std::string from = adapters.empty() ? in.model_dir : adapters.back();
    std::shared_ptr<ValueHead> head;
    if (has_value_head(from)) {
        head = std::make_shared<ValueHead>(load_value_head(from, hidden, device));
        say(in, note("value_head_loaded", {from}));
    } else {
        head = std::make_shared<ValueHead>(hidden, device, static_cast<uint64_t>(c.seed));
        say(in, note("value_head_new", {std::to_string(hidden)}));
    }
    PreferenceStage st;
    st.objective = make_rm_objective(head);
    for (auto& [name, t] : head->named_parameters()) st.extra_trainable.push_back({name, t});
    st.save_extra = [head](const std::string& dir) { save_value_head(*head, dir); };
    st.load_extra = [head, hidden](const std::string& dir) {
        ValueHead saved = load_value_head(dir, hidden, head->weight.device());
        torch::NoGradGuard no_grad;
        head->weight.copy_(saved.weight);
        head->bias.copy_(saved.bias);
    };
    return st;
}

// The reference model a dpo/kto run compares against (null when the loss needs none).
std::unique_ptr<Reference> make_reference(const TrainConfig& c, const PreferenceStageInputs& in) {
    std::unique_ptr<Reference> ref;
    if (in.lora) {
        ref = adapter_off_reference(in.lora);
    } else if (in.resuming) {
        // The live model already holds the checkpoint's weights: read the starting point again.
        LoadOptions lo;
        lo.device = in.model->device();
        lo.dtype = in.model->dtype();
        ref = model_reference(load_causal_lm(in.model_dir, lo).ptr(), note("reference_reloaded", {in.model_dir}));
    } else if (c.precompute_ref_log_probs) {
        ref = current_model_reference(*in.model);  // nothing trained yet: no copy needed
    } else {
        ref = frozen_copy_reference(*in.model);
    }
    if (!c.precompute_ref_log_probs) return ref;
    std::vector<const Example*> all;
    for (const auto* set : {in.train, in.eval})
        if (set)
            for (const auto& e : *set) all.push_back(&e);
    const int world = in.collective ? in.collective->world_size() : 1;
    const Problem count = verbatim(std::to_string(all.size()));
    say(in, world > 1 ? composed("reference_precomputing_shared", {count, ref->describe(), verbatim(std::to_string(world))})
                      : composed("reference_precomputing", {count, ref->describe()}));
    const bool was_training = in.model->is_training();
    in.model->eval();
    auto table = precomputed_reference(*ref, all, c.per_device_eval_batch_size, in.pad_id, in.model->device(),
                                       in.collective);
    if (was_training) in.model->train();
    return table;  // `ref` (and any copy it held) is freed here
}

DpoSettings dpo_settings(const TrainConfig& c) {
    DpoSettings s;
    s.loss = c.pref_loss;
    s.beta = c.pref_beta;
    s.label_smoothing = c.dpo_label_smoothing;
    s.ftx = c.pref_ftx;
    s.simpo_gamma = c.simpo_gamma;
    return s;
}

}  // namespace

bool needs_reference_model(const TrainConfig& c) {
    const Stage stage = c.training_stage();
    return stage == Stage::Kto || (stage == Stage::Dpo && pref_loss_needs_reference(c.pref_loss));
}

void check_preference_settings(const TrainConfig& c) {
    const Stage stage = c.training_stage();
    if (stage != Stage::Dpo && stage != Stage::Kto) return;
    const bool reference = needs_reference_model(c);
    if (reference && !c.create_new_model.empty()) throw ConfigError(config_problem("stage", "reference_of_new_model", {c.stage}));
    if (stage != Stage::Kto) return;
    if (c.precompute_ref_log_probs) throw ConfigError(config_problem("precompute_ref_log_probs", "kto_no_precompute"));
    if (c.per_device_train_batch_size < 2)
        throw ConfigError(config_problem("per_device_train_batch_size", "kto_batch", {std::to_string(c.per_device_train_batch_size)}));
    if (c.packing) throw ConfigError(config_problem("packing", "kto_no_packing"));
}

PreferenceStage make_preference_stage(const TrainConfig& c, const PreferenceStageInputs& in) {
    check_preference_settings(c);
    const Stage stage = c.training_stage();
    if (stage == Stage::Rm) return rm_stage(c, in);
    if (stage == Stage::Dpo) {
        DpoSettings s = dpo_settings(c);
        if (c.dpo_label_smoothing > 0 && s.loss != "sigmoid")
            say(in, note("dpo_smoothing_no_effect", {s.loss}));
        auto ref = s.needs_reference() ? make_reference(c, in) : nullptr;
        if (ref) say(in, composed("log_reference", {ref->describe()}));
        else say(in, note("log_reference_none", {s.loss}));
        PreferenceStage st;
        st.objective = make_dpo_objective(s, std::move(ref));
        return st;
    }
    if (stage == Stage::Kto) {
        auto ref = make_reference(c, in);
        say(in, composed("log_reference", {ref->describe()}));
        KtoSettings s = kto_settings(c);
        s.pad_id = in.pad_id;
        PreferenceStage st;
        st.objective = make_kto_objective(s, std::move(ref));
        return st;
    }
    throw ConfigError(config_problem("stage", "not_preference_stage", {c.stage}));
}

}  // namespace lathe
