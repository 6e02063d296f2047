#include "core/model/model_folder.h"

#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"
#include "core/util/cancel.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace lathe {

ModelConfig read_model_config(const std::string& dir) {
    require_model_folder(dir);
    return ModelConfig::from_file(path_join(dir, "config.json"));
}

namespace {

std::vector<int64_t> sizes_of(const torch::Tensor& t) { return t.sizes().vec(); }

}  // namespace

void load_weights(CausalLMImpl& model, const std::string& dir, LoadReport* report) {
    load_weights(model, dir, report, TensorSink());
}

void load_weights(CausalLMImpl& model, const std::string& dir, LoadReport* report, const TensorSink& sink) {
    TensorStore store(dir);
    torch::NoGradGuard no_grad;
    std::set<std::string> used;
    std::set<std::string> dtypes;
    for (auto& item : model.named_parameters()) {
        throw_if_cancelled();
        const std::string& name = item.key();
        auto& param = item.value();
        if (!store.has(name))
            throw ModelError(file_problem(dir, 0, 0, "tensor_missing",
                                          {name, model.config().model_type,
                                           std::to_string(model.config().num_hidden_layers)}));
        const TensorEntry& e = store.entry(name);
        if (e.shape != sizes_of(param))
            throw ModelError(file_problem(store.file_of(name), 0, 0, "tensor_shape",
                                          {name, shape_string(e.shape), shape_string(sizes_of(param))}));
        const TensorUse use = sink ? sink(name, store.tensor(name)) : TensorUse::Copy;
        if (use == TensorUse::Copy) param.copy_(store.tensor(name));
        // Else every page read stays mapped: a second copy of the checkpoint in RSS.
        if (use != TensorUse::InPlace) store.release(name);
        used.insert(name);
        dtypes.insert(dtype_name(e.dtype));
    }
    if (report) {
        for (const auto& n : store.names()) {
            // Tied checkpoints sometimes carry lm_head.weight too; rotary buffers are recomputed.
            if (!used.count(n)) report->unused_tensors.push_back(n);
        }
        report->weights_dtype = dtypes.size() == 1 ? *dtypes.begin() : "mixed";
        report->file_bytes = store.total_bytes();
    }
}

CausalLM load_causal_lm(const std::string& dir, const LoadOptions& options, LoadReport* report) {
    ModelConfig config = read_model_config(dir);
    CausalLM model(config);  // float32 CPU parameters, uninitialised: no page of them is touched yet
    {
        // Uninitialised parameters of the wanted dtype and device in their place, rather than converting
        // the placeholders: converting would read (and so commit) every page of values about to be
        // overwritten. Each tensor is then converted once, from the mapped file into its parameter.
        torch::NoGradGuard no_grad;
        for (auto& p : model->parameters())
            if (p.scalar_type() != options.dtype || p.device() != options.device)
                p.set_data(torch::empty(p.sizes(), p.options().dtype(options.dtype).device(options.device)));
    }
    model->to(options.device, options.dtype);  // buffers, if any; the parameters are there already
    load_weights(*model, dir, report);
    model->eval();
    return model;
}

std::vector<std::pair<std::string, torch::Tensor>> state_tensors(CausalLMImpl& model, torch::ScalarType dtype) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (auto& item : model.named_parameters()) {
        auto t = item.value().detach();
        if (t.is_floating_point()) t = t.to(dtype);
        out.emplace_back(item.key(), t.to(torch::kCPU).contiguous());
    }
    return out;
}

void save_causal_lm(CausalLMImpl& model, const std::string& dir, torch::ScalarType dtype, uint64_t max_shard_bytes,
                    const nlohmann::json* base_config) {
    fs::create_directories(dir);
    ModelConfig c = model.config();
    c.torch_dtype = dtype_label(dtype);
    write_sharded(dir, state_tensors(model, dtype), max_shard_bytes, {{"format", "pt"}});
    write_json_file(path_join(dir, "config.json"), c.to_json(base_config));
}

torch::ScalarType parse_dtype(const std::string& name) {
    if (name == "fp32" || name == "float32" || name == "f32" || name == "float") return torch::kFloat;
    if (name == "fp16" || name == "float16" || name == "f16" || name == "half") return torch::kHalf;
    if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
    throw ConfigError(plain_problem("unknown_precision", {name}));
}

std::string dtype_label(torch::ScalarType t) {
    switch (t) {
        case torch::kFloat: return "float32";
        case torch::kHalf: return "float16";
        case torch::kBFloat16: return "bfloat16";
        case torch::kDouble: return "float64";
        default: return c10::toString(t);
    }
}

}  // namespace lathe
