#include "core/eval/judge.h"

#include "core/data/encode.h"
#include "core/data/record.h"
#include "core/data/template.h"
#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "core/model/transformer.h"
#include "core/model/value_head.h"
#include "core/peft/adapter_io.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/device.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace lathe {

struct RewardJudge::Impl {
    std::string path, template_name;
    int cutoff_len = 2048;
    CausalLM model{nullptr};
    std::unique_ptr<ValueHead> head;
    std::unique_ptr<Tokenizer> tokenizer;
    const ChatTemplate* tmpl = nullptr;
};

RewardJudge::RewardJudge(const std::string& path, const std::string& device, int cutoff_len)
    : impl_(std::make_unique<Impl>()) {
    Impl& j = *impl_;
    j.path = path;
    j.cutoff_len = cutoff_len;
    if (!dir_exists(path)) throw ConfigError(config_problem("judge", "path_not_a_folder", {path}));
    if (!has_value_head(path))
        throw ModelError(config_problem("judge", "judge_no_value_head", {path_join(path, kValueHeadFile)}));
    std::string base = path;
    const bool adapter = file_exists(path_join(path, "adapter_config.json"));
    if (adapter) {
        const auto config = read_json_file(path_join(path, "adapter_config.json"));
        base = config.value("base_model_name_or_path", std::string());
        if (base.empty() || !dir_exists(base))
            throw ModelError(config_problem("judge", "judge_base_missing", {path_join(path, "adapter_config.json"), base}));
    }
    LoadOptions load;
    load.device = parse_device(device);
    j.model = load_causal_lm(base, load);
    if (adapter) merge_lora_adapters(j.model.ptr(), {path}, base);
    j.model->eval();
    j.head = std::make_unique<ValueHead>(load_value_head(path, j.model->config().hidden_size, j.model->device()));
    j.tokenizer = Tokenizer::from_dir(file_exists(path_join(path, "tokenizer_config.json")) ? path : base);
    j.template_name = pick_template(j.tokenizer.get(), j.model->config().model_type);
    j.tmpl = find_template(j.template_name);
}

RewardJudge::~RewardJudge() = default;

std::vector<double> RewardJudge::score(const std::vector<Item>& items) {
    Impl& j = *impl_;
    std::vector<std::vector<int32_t>> sequences;
    for (const auto& item : items) {
        Sample s;
        if (item.prompt) s.prompt = *item.prompt;
        s.response = {{Role::Assistant, item.response}};
        s.system = item.system;
        s.source = "prediction";
        EncodeOptions eo;
        eo.cutoff_len = j.cutoff_len;
        sequences.push_back(encode_supervised(s, *j.tmpl, *j.tokenizer, eo).input_ids);
    }
    std::vector<double> out;
    if (sequences.empty()) return out;
    const auto rewards = score_sequences(*j.model, *j.head, sequences).to(torch::kCPU, torch::kDouble).contiguous();
    const double* p = rewards.data_ptr<double>();
    out.assign(p, p + rewards.numel());
    return out;
}

Problem RewardJudge::describe_note() const { return note("judge_summary", {impl_->path, impl_->template_name}); }

std::string RewardJudge::describe() const { return describe_note().message; }

}  // namespace lathe
