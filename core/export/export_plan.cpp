// The checks an export runs before it reads any weights: each problem is refused with a message that
// names what to change.
#include "core/export/export_plan.h"

#include "core/data/template.h"
#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/model/model_folder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <filesystem>
#include <memory>

namespace lathe {

namespace fs = std::filesystem;

ExportPlan::ExportPlan() = default;
ExportPlan::~ExportPlan() = default;
ExportPlan::ExportPlan(ExportPlan&&) noexcept = default;

namespace {

std::string canonical(const std::string& path) { return fs::weakly_canonical(fs::absolute(path)).lexically_normal().string(); }

// Whether `inner` is `outer` or lies below it (on canonical paths).
bool is_within(const std::string& inner, const std::string& outer) {
    const fs::path a = canonical(inner), b = canonical(outer);
    auto ai = a.begin();
    for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
        if (bi->empty()) continue;  // trailing slash
        if (ai == a.end() || *ai != *bi) return false;
    }
    return true;
}

void check_tokenizer(ExportPlan& p) {
    const std::string& dir = p.source_dir;
    if (!file_exists(path_join(dir, "tokenizer.json")) && !file_exists(path_join(dir, "tokenizer.model")))
        throw TokenizerError(plain_problem("export_missing_tokenizer", {dir}));
    p.tokenizer = Tokenizer::from_dir(dir);
}

void check_template(ExportPlan& p) {
    const std::string name = p.config.template_name.empty() ? pick_template(p.tokenizer.get(), p.model.model_type)
                                                             : p.config.template_name;
    try {
        p.chat = find_template(name);
    } catch (const ConfigError& e) {
        Problem at_key = e.problem();  // find_template's own words, placed at the key
        at_key.key = "template";
        at_key.message = "template: " + at_key.message;
        throw ConfigError(std::move(at_key));
    }
}

// The adapter must fit the model: every LoRA matrix against the module it adapts. A different
// base_model_name_or_path alone is a warning (a copied or renamed base is common).
void check_adapter(ExportPlan& p, const std::string& dir, const AdapterConfig& a, const TensorStore& base) {
    const Problem trained_on =
        a.base_model_name_or_path.empty() ? note("an_unknown_base") : verbatim("'" + a.base_model_name_or_path + "'");
    const std::string weights = path_join(dir, "adapter_model.safetensors");
    if (!file_exists(weights)) throw IoError(file_problem(dir, 0, 0, "export_adapter_no_weights"));
    SafetensorsFile f(weights);
    const std::string prefix = "base_model.model.";
    for (const TensorEntry& e : f.entries()) {
        const bool is_a = e.name.find(".lora_A.") != std::string::npos, is_b = e.name.find(".lora_B.") != std::string::npos;
        if (!is_a && !is_b) continue;
        const std::string module = e.name.substr(prefix.size(), e.name.find(is_a ? ".lora_A." : ".lora_B.") - prefix.size());
        const std::string base_name = module + ".weight";
        auto mismatch = [&](const std::string& id, std::vector<std::string> what) {
            std::vector<Problem> args = {verbatim(dir), trained_on, verbatim(p.source_dir)};
            for (std::string& w : what) args.push_back(verbatim(std::move(w)));
            return ModelError(composed(id, std::move(args)));
        };
        if (e.name.compare(0, prefix.size(), prefix) != 0 || e.shape.size() != 2) continue;  // load_lora_adapter reports these
        if (!base.has(base_name)) throw mismatch("export_adapter_lacks_module", {e.name, module});
        const std::vector<int64_t>& w = base.entry(base_name).shape;  // (out, in)
        if (w.size() != 2) continue;
        const int64_t found = is_a ? e.shape[1] : e.shape[0], want = is_a ? w[1] : w[0];
        if (found != want)
            throw mismatch("export_adapter_shape", {e.name, shape_string(e.shape), base_name, shape_string(w)});
    }
    if (!a.base_model_name_or_path.empty()) {
        const std::string theirs = fs::path(a.base_model_name_or_path).filename().string();
        const std::string ours = fs::path(canonical(p.source_dir)).filename().string();
        if (theirs != ours && canonical(a.base_model_name_or_path) != canonical(p.source_dir))
            p.warnings.push_back(note("export_adapter_other_base", {dir, a.base_model_name_or_path, p.source_dir}));
    }
}

void check_target(const ExportPlan& p) {
    const std::string& t = p.target_dir;
    auto refuse_overlap = [&](const std::string& source, bool adapter) {
        if (is_within(t, source))
            throw ConfigError(plain_problem(adapter ? "export_dir_inside_adapter" : "export_dir_inside_source", {t, source}));
        if (is_within(source, t))
            throw ConfigError(
                plain_problem(adapter ? "export_dir_contains_adapter" : "export_dir_contains_source", {t, source}));
    };
    refuse_overlap(p.source_dir, false);
    for (const std::string& a : p.adapter_dirs) refuse_overlap(a, true);
    if (fs::exists(t)) {
        if (!fs::is_directory(t)) throw ConfigError(plain_problem("export_dir_is_file", {t}));
        if (!fs::is_empty(t) && !p.config.export_overwrite)
            throw ConfigError(plain_problem("export_dir_not_empty", {t}));
    }
}

}  // namespace

namespace {

// Runs f; an error it throws that names no key is about `key` (the studio places it by that).
template <typename F>
void about(const std::string& key, F&& f) {
    try {
        f();
    } catch (Error& e) {
        e.set_key(key);
        throw;
    }
}

}  // namespace

ExportPlan plan_export(const ExportConfig& config) {
    config.validate();
    ExportPlan p;
    p.config = config;
    std::string format = config.export_format;
    for (char& c : format) c = char(std::tolower(static_cast<unsigned char>(c)));
    p.format = format;
    p.quantization = config.quantization();
    p.source_dir = config.model_name_or_path;
    p.target_dir = config.export_dir;
    while (p.target_dir.size() > 1 && p.target_dir.back() == '/') p.target_dir.pop_back();
    std::unique_ptr<TensorStore> store;
    about("model_name_or_path", [&] {
        if (!dir_exists(p.source_dir)) throw ModelError(config_problem("model_name_or_path", "folder_missing", {p.source_dir}));
        p.model = read_model_config(p.source_dir);
        p.base_config = read_json_file(path_join(p.source_dir, "config.json"));
    });
    p.adapter_dirs = config.adapters();
    about("export_dir", [&] { check_target(p); });
    about("model_name_or_path", [&] { check_tokenizer(p); });
    about("template", [&] { check_template(p); });
    about("model_name_or_path", [&] {
        store = std::make_unique<TensorStore>(p.source_dir);
        for (const std::string& n : store->names()) p.source_tensors.emplace_back(n, store->entry(n).shape);
    });
    about("adapter_name_or_path", [&] {
        for (const std::string& dir : p.adapter_dirs) {
            p.adapters.push_back(read_adapter_config(dir));
            check_adapter(p, dir, p.adapters.back(), *store);
        }
    });
    p.name = config.model_name.empty() ? fs::path(p.target_dir).filename().string() : config.model_name;
    if (p.name.empty() || p.name == "." || p.name == "..") p.name = "model";
    return p;
}

std::string gguf_file_name(const ExportPlan& plan) {
    std::string label;
    for (char c : plan.quantization) label += char(std::toupper(static_cast<unsigned char>(c)));
    return plan.name + "-" + label + ".gguf";
}

}  // namespace lathe
