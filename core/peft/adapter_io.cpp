#include "core/peft/adapter_io.h"

#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/model/transformer.h"
#include "core/peft/lora_layer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace lathe {

namespace {

const std::string kPrefix = "base_model.model.";
const char* kConfigName = "adapter_config.json";
const char* kWeightsName = "adapter_model.safetensors";

// Typed field access with messages naming the file and the field.
struct ConfigReader {
    const nlohmann::json& j;
    std::string path;

    // `kind`: number, boolean, names, string or positive_integer (ids adapter_field_<kind>[_missing]).
    [[noreturn]] void bad(const std::string& field, const std::string& kind) const {
        if (!j.contains(field)) throw ConfigError(file_problem(path, 0, 0, "adapter_field_" + kind + "_missing", {field}));
        throw ConfigError(file_problem(path, 0, 0, "adapter_field_" + kind, {field, j[field].dump()}));
    }
    bool has(const std::string& f) const { return j.contains(f) && !j[f].is_null(); }
    double number(const std::string& f, double fallback, bool required = false) const {
        if (!has(f)) return required ? (bad(f, "number"), 0.0) : fallback;
        if (!j[f].is_number()) bad(f, "number");
        return j[f].get<double>();
    }
    bool boolean(const std::string& f, bool fallback) const {
        if (!has(f)) return fallback;
        if (!j[f].is_boolean()) bad(f, "boolean");
        return j[f].get<bool>();
    }
    std::vector<std::string> names(const std::string& f) const {  // list of strings, or one string (a regex in PEFT)
        if (!has(f)) return {};
        if (j[f].is_string()) return {j[f].get<std::string>()};
        if (!j[f].is_array()) bad(f, "names");
        std::vector<std::string> out;
        for (const auto& v : j[f]) {
            if (!v.is_string()) bad(f, "names");
            out.push_back(v.get<std::string>());
        }
        return out;
    }
    void require_empty(const std::string& f, const std::string& id) const {
        if (has(f) && !j[f].empty()) throw ConfigError(file_problem(path, 0, 0, id, {j[f].dump()}));
    }
};

enum class Part { A, B, Magnitude };

struct AdapterTensor {
    std::string key;  // as in the file
    Part part;
};

// The model's parameters and Linears by name, for checking keys before anything changes.
struct ModelIndex {
    std::vector<std::string> linear_order;  // model order
    std::map<std::string, std::shared_ptr<LinearImpl>> linears;
    std::map<std::string, torch::Tensor> params;
    explicit ModelIndex(CausalLMImpl& model) {
        for (auto& [name, l] : named_linears(model)) {
            linears[name] = l;
            linear_order.push_back(name);
        }
        for (const auto& p : model.named_parameters()) params[p.key()] = p.value();
    }
};

Problem mismatch_hint(const AdapterConfig& cfg, const AdapterLoadOptions& o) {
    auto base = [](const std::string& name) { return name.empty() ? note("base_unknown") : verbatim("'" + name + "'"); };
    return composed("adapter_other_base_hint", {base(cfg.base_model_name_or_path), base(o.base_model_name_or_path)});
}

std::vector<int64_t> sizes(const torch::Tensor& t) { return t.sizes().vec(); }

}  // namespace

AdapterConfig read_adapter_config(const std::string& dir) {
    if (!dir_exists(dir)) throw IoError(plain_problem("adapter_folder_missing", {dir}));
    const std::string path = path_join(dir, kConfigName);
    if (!file_exists(path))
        throw IoError(file_problem(dir, 0, 0, "adapter_no_config", {kConfigName}));
    const nlohmann::json j = read_json_file(path);
    if (!j.is_object()) throw ConfigError(file_problem(path, 0, 0, "expected_json_object"));
    ConfigReader r{j, path};
    if (r.has("peft_type") && !j["peft_type"].is_string()) r.bad("peft_type", "string");
    const std::string peft_type = r.has("peft_type") ? j["peft_type"].get<std::string>() : std::string();
    if (peft_type != "LORA")
        throw ConfigError(file_problem(path, 0, 0, "adapter_peft_type_unsupported", {peft_type}));
    if (r.has("task_type") && j["task_type"] != "CAUSAL_LM")
        throw ConfigError(file_problem(path, 0, 0, "adapter_task_type_unsupported", {j["task_type"].dump()}));
    if (r.has("bias") && j["bias"] != "none")
        throw ConfigError(file_problem(path, 0, 0, "adapter_bias_unsupported", {j["bias"].dump()}));
    if (r.boolean("fan_in_fan_out", false))
        throw ConfigError(file_problem(path, 0, 0, "adapter_fan_in_fan_out"));
    r.require_empty("rank_pattern", "adapter_rank_pattern");
    r.require_empty("alpha_pattern", "adapter_alpha_pattern");
    r.require_empty("layer_replication", "adapter_layer_replication");

    AdapterConfig c;
    LoraSettings& s = c.settings;
    const double rank = r.number("r", 0, /*required=*/true);
    if (rank < 1 || rank != double(int64_t(rank))) r.bad("r", "positive_integer");
    s.rank = int64_t(rank);
    s.alpha = r.number("lora_alpha", 8.0);  // PEFT's default
    s.dropout = r.number("lora_dropout", 0.0);
    s.targets = r.names("target_modules");
    s.use_rslora = r.boolean("use_rslora", false);
    s.use_dora = r.boolean("use_dora", false);
    s.additional_targets = r.names("modules_to_save");
    if (r.has("base_model_name_or_path")) {
        if (!j["base_model_name_or_path"].is_string()) r.bad("base_model_name_or_path", "string");
        c.base_model_name_or_path = j["base_model_name_or_path"].get<std::string>();
    }
    try {
        s.validate();
    } catch (const ConfigError& e) {
        throw ConfigError(path + ": " + e.what());
    }
    return c;
}

nlohmann::json adapter_config_json(const LoraModel& lora, const std::string& base_model_name_or_path) {
    const LoraSettings& s = lora.settings();
    nlohmann::json j = nlohmann::json::object();
    j["alpha_pattern"] = nlohmann::json::object();
    j["auto_mapping"] = nullptr;
    j["base_model_name_or_path"] = base_model_name_or_path;
    j["bias"] = "none";
    j["fan_in_fan_out"] = false;
    j["inference_mode"] = true;
    j["init_lora_weights"] = true;
    j["layer_replication"] = nullptr;
    j["layers_pattern"] = nullptr;
    j["layers_to_transform"] = nullptr;
    j["loftq_config"] = nlohmann::json::object();
    if (s.alpha == double(int64_t(s.alpha))) j["lora_alpha"] = int64_t(s.alpha);  // 16, as LLaMA-Factory writes it
    else j["lora_alpha"] = s.alpha;
    j["lora_dropout"] = s.dropout;
    j["megatron_config"] = nullptr;
    j["megatron_core"] = "megatron.core";
    if (s.additional_targets.empty()) j["modules_to_save"] = nullptr;
    else j["modules_to_save"] = s.additional_targets;
    j["peft_type"] = "LORA";
    j["r"] = s.rank;
    j["rank_pattern"] = nlohmann::json::object();
    j["revision"] = nullptr;
    j["target_modules"] = lora.target_modules();
    j["task_type"] = "CAUSAL_LM";
    j["use_dora"] = s.use_dora;
    j["use_rslora"] = s.use_rslora;
    return j;
}

void save_lora_adapter(const LoraModel& lora, const std::string& dir, const std::string& base_model_name_or_path) {
    fs::create_directories(dir);
    NamedTensors tensors;
    for (auto& [key, t] : lora.state()) tensors.emplace_back(key, t.to(torch::kCPU).contiguous());
    write_safetensors(path_join(dir, kWeightsName), tensors, {{"format", "pt"}});
    write_json_file(path_join(dir, kConfigName), adapter_config_json(lora, base_model_name_or_path));
}

namespace {

// One load, in three passes so that nothing changes in the model until every tensor has been checked.
class AdapterLoader {
public:
    AdapterLoader(std::shared_ptr<CausalLMImpl> model, const std::string& dir, const AdapterLoadOptions& o)
        : model_(std::move(model)), cfg_(read_adapter_config(dir)), path_(weights_path(dir)), file_(path_),
          index_(*model_), hint_(mismatch_hint(cfg_, o)), trainable_(o.trainable) {}

    LoraModel run() {
        sort_keys();
        check();
        return install();
    }

private:
    static std::string weights_path(const std::string& dir) {
        const std::string path = path_join(dir, kWeightsName);
        if (!file_exists(path))
            throw IoError(file_problem(dir, 0, 0,
                                       file_exists(path_join(dir, "adapter_model.bin")) ? "adapter_no_weights_bin"
                                                                                        : "adapter_no_weights",
                                       {kWeightsName}));
        return path;
    }

    // Every key goes to a module's A / B / magnitude or to an additional target's parameter.
    void sort_keys() {
        static const std::vector<std::pair<std::string, Part>> suffixes = {
            {".lora_A.weight", Part::A}, {".lora_B.weight", Part::B}, {".lora_magnitude_vector", Part::Magnitude}};
        for (const auto& e : file_.entries()) {
            const std::string& key = e.name;
            if (key.compare(0, kPrefix.size(), kPrefix) != 0)
                throw ModelError(file_problem(path_, 0, 0, "adapter_tensor_prefix", {key, kPrefix}));
            const std::string rest = key.substr(kPrefix.size());
            bool matched = false;
            for (const auto& [suffix, part] : suffixes) {
                if (!ends_with(rest, suffix)) continue;
                const std::string module = rest.substr(0, rest.size() - suffix.size());
                if (!index_.linears.count(module))
                    throw ModelError(composed_in_file(path_, "adapter_tensor_module_missing",
                                                      {verbatim(key), verbatim(module),
                                                       verbatim(std::to_string(model_->config().num_hidden_layers)), hint_}));
                by_module_[module].push_back({key, part});
                matched = true;
            }
            if (matched) continue;
            if (rest.find("lora_") != std::string::npos)
                throw ModelError(file_problem(path_, 0, 0, "adapter_tensor_unsupported", {key}));
            if (!index_.params.count(rest))
                throw ModelError(composed_in_file(path_, "adapter_tensor_parameter_missing",
                                                  {verbatim(key), verbatim(rest), hint_}));
            extra_[rest] = key;
        }
        if (by_module_.empty() && extra_.empty()) throw ModelError(file_problem(path_, 0, 0, "adapter_no_tensors"));
    }

    void check_shape(const std::string& key, const std::vector<int64_t>& expected, const std::string& module) const {
        const auto& found = file_.find(key)->shape;
        if (found != expected)
            throw ModelError(composed_in_file(path_, "adapter_tensor_shape",
                                              {verbatim(key), verbatim(shape_string(found)), verbatim(module),
                                               verbatim(shape_string(expected)), hint_}));
    }

    void check() {
        const LoraSettings& s = cfg_.settings;
        for (const auto& [module, parts] : by_module_) {
            const auto& l = index_.linears[module];
            std::set<Part> have;
            for (const auto& t : parts) {
                have.insert(t.part);
                if (t.part == Part::A) check_shape(t.key, {s.rank, l->in_features}, module);        // (r, in)
                if (t.part == Part::B) check_shape(t.key, {l->out_features, s.rank}, module);       // (out, r)
                if (t.part == Part::Magnitude) check_shape(t.key, {l->out_features}, module);       // (out)
            }
            if (!have.count(Part::A) || !have.count(Part::B))
                throw ModelError(file_problem(path_, 0, 0, "adapter_module_half",
                                              {module, have.count(Part::A) ? "lora_A" : "lora_B",
                                               have.count(Part::A) ? "lora_B" : "lora_A"}));
            if (s.use_dora != bool(have.count(Part::Magnitude)))
                throw ModelError(file_problem(path_, 0, 0,
                                              s.use_dora ? "adapter_module_lacks_magnitude" : "adapter_module_has_magnitude",
                                              {module}));
            if (l->adapter) throw ConfigError(plain_problem("module_has_adapter", {module}));
        }
        for (const auto& [param, key] : extra_) check_shape(key, sizes(index_.params[param]), param);
    }

    LoraModel install() {
        const LoraSettings& s = cfg_.settings;
        torch::NoGradGuard no_grad;
        for (auto& p : model_->parameters()) p.set_requires_grad(false);
        const LoraLayerOptions options{s.rank, s.alpha, s.dropout, s.use_rslora, s.use_dora};
        std::vector<std::string> modules;
        for (const auto& module : index_.linear_order) {  // model order, as LoraModel::apply lists them
            if (!by_module_.count(module)) continue;
            auto lora = add_lora(*index_.linears[module], options, at::Generator());
            for (const auto& t : by_module_[module]) {
                auto& dst = t.part == Part::A   ? lora->lora_A->weight
                            : t.part == Part::B ? lora->lora_B->weight
                                                : lora->magnitude->weight;
                dst.copy_(file_.tensor(t.key));
                dst.set_requires_grad(trainable_);
            }
            modules.push_back(module);
        }
        std::set<std::string> additional;
        for (const auto& [param, key] : extra_) additional.insert(param.substr(0, param.rfind('.')));
        LoraModel lora(model_, s, modules, {additional.begin(), additional.end()});  // keeps the base values first
        for (const auto& [param, key] : extra_) {
            index_.params[param].copy_(file_.tensor(key));
            index_.params[param].set_requires_grad(trainable_);
        }
        return lora;
    }

    std::shared_ptr<CausalLMImpl> model_;
    AdapterConfig cfg_;
    std::string path_;
    SafetensorsFile file_;
    ModelIndex index_;
    Problem hint_;
    bool trainable_;
    std::map<std::string, std::vector<AdapterTensor>> by_module_;  // Linear name -> its tensors
    std::map<std::string, std::string> extra_;                     // parameter name -> key
};

}  // namespace

LoraModel load_lora_adapter(std::shared_ptr<CausalLMImpl> model, const std::string& dir, const AdapterLoadOptions& o) {
    return AdapterLoader(std::move(model), dir, o).run();
}

void merge_lora_adapters(std::shared_ptr<CausalLMImpl> model, const std::vector<std::string>& dirs,
                         const std::string& base_model_name_or_path) {
    for (const auto& dir : dirs) {
        AdapterLoadOptions o;
        o.base_model_name_or_path = base_model_name_or_path;
        load_lora_adapter(model, dir, o).merge();
    }
}

}  // namespace lathe
