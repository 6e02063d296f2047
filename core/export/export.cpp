// The export pipeline: plan (all checks) -> load -> merge -> write into a staging folder -> rename.
#include "core/export/export.h"

#include "core/data/template.h"
#include "core/export/export_plan.h"
#include "core/export/gguf_file.h"
#include "core/export/gguf_model.h"
#include "core/export/hf_folder.h"
#include "core/io/gguf.h"
#include "core/model/model_folder.h"
#include "core/peft/adapter_io.h"
#include "core/util/cancel.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <iterator>
#include <tuple>
#include <filesystem>

namespace lathe {

namespace fs = std::filesystem;

namespace {

uint64_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto n = fs::file_size(path, ec);
    return ec ? 0 : uint64_t(n);
}

size_t dtype_bytes(const std::string& q) { return q == "f32" ? 4 : 2; }

// Shard names as write_sharded gives them.
std::string shard_name(size_t i, size_t n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
    return buf;
}

// Where a checkpoint tensor comes in the model's parameter order (the order the shards are filled
// in): embeddings, each layer's modules as registered, the final norm, the head.
std::tuple<int, int64_t, int> parameter_rank(const std::string& name) {
    static const char* kInLayer[] = {"self_attn.q_proj.", "self_attn.k_proj.", "self_attn.v_proj.", "self_attn.qkv_proj.",
                                     "self_attn.o_proj.", "self_attn.q_norm.", "self_attn.k_norm.", "mlp.gate_proj.",
                                     "mlp.up_proj.", "mlp.gate_up_proj.", "mlp.down_proj.", "mlp.gate.", "mlp.experts.",
                                     "mlp.shared_expert.", "mlp.shared_expert_gate.", "input_layernorm.",
                                     "post_attention_layernorm."};
    if (name.rfind("model.embed_tokens.", 0) == 0) return {0, 0, 0};
    if (name.rfind("model.layers.", 0) == 0) {
        const size_t dot = name.find('.', 13);
        const int64_t layer = std::atoll(name.substr(13, dot - 13).c_str());
        const std::string rest = name.substr(dot + 1);
        for (int i = 0; i < int(std::size(kInLayer)); ++i)
            if (rest.rfind(kInLayer[i], 0) == 0) return {1, layer, 2 * i + (rest.find(".bias") != std::string::npos)};
        return {1, layer, 99};
    }
    return {name.rfind("model.norm.", 0) == 0 ? 2 : 3, 0, 0};
}

std::vector<ExportFile> estimate_hf(const ExportPlan& p) {
    const uint64_t limit = p.config.shard_bytes();
    std::vector<uint64_t> shards;
    uint64_t current = 0;
    auto ordered = p.source_tensors;
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return parameter_rank(a.first) < parameter_rank(b.first); });
    for (const auto& [name, shape] : ordered) {
        if (p.model.tie_word_embeddings && name == "lm_head.weight") continue;
        uint64_t n = dtype_bytes(p.quantization);
        for (int64_t d : shape) n *= uint64_t(d);
        if (limit > 0 && current > 0 && current + n > limit) shards.push_back(current), current = 0;
        current += n;
    }
    shards.push_back(current);
    std::vector<ExportFile> files;
    const uint64_t header = 128 * p.source_tensors.size() / shards.size();
    if (shards.size() == 1) files.push_back({"model.safetensors", shards[0] + header});
    else
        for (size_t i = 0; i < shards.size(); ++i) files.push_back({shard_name(i, shards.size()), shards[i] + header});
    if (shards.size() > 1) files.push_back({"model.safetensors.index.json", 100 * p.source_tensors.size()});
    files.push_back({"config.json", file_size_or_zero(path_join(p.source_dir, "config.json")) + 100});
    files.push_back({"generation_config.json", 200});
    for (const char* f : {"tokenizer.json", "tokenizer.model", "special_tokens_map.json"}) {
        const uint64_t n = file_size_or_zero(path_join(p.source_dir, f));
        if (n) files.push_back({f, n});
    }
    files.push_back({"tokenizer_config.json", file_size_or_zero(path_join(p.source_dir, "tokenizer_config.json")) + 2000});
    files.push_back({"README.md", 1500});
    return files;
}

std::vector<ExportFile> estimate_gguf(const ExportPlan& p) {
    uint64_t bytes = 4096;
    const auto plan = plan_gguf_tensors(p.model, p.source_tensors, p.quantization);
    for (const GgufTensorPlan& t : plan) {
        int64_t n = 1;
        for (int64_t d : t.shape) n *= d;
        bytes += ggml_bytes(t.type, n) + 31 + t.name.size() + 48;
    }
    // The vocabulary and merges take about as much room as the tokenizer file holding them.
    const uint64_t vocab = std::max(file_size_or_zero(path_join(p.source_dir, "tokenizer.json")),
                                    file_size_or_zero(path_join(p.source_dir, "tokenizer.model")));
    return {{gguf_file_name(p), bytes + vocab + 4096}, {"Modelfile", 1500}, {"README.md", 1500}};
}

ExportEstimate estimate_plan(const ExportPlan& p) {
    ExportEstimate e;
    e.files = p.format == "gguf" ? estimate_gguf(p) : estimate_hf(p);
    for (const ExportFile& f : e.files) e.total_bytes += f.bytes;
    fs::path where = fs::absolute(p.target_dir);
    while (!where.empty() && !fs::exists(where)) where = where.parent_path();
    std::error_code ec;
    const fs::space_info space = fs::space(where.empty() ? fs::path(".") : where, ec);
    e.available_bytes = ec ? 0 : uint64_t(space.available);
    e.template_name = p.chat->name;
    e.warnings = p.warnings;
    return e;
}

std::string human(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f GB", double(bytes) / 1e9);
    if (bytes < 1'000'000'000) std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
    return buf;
}

std::vector<ExportFile> list_files(const std::string& dir) {
    std::vector<ExportFile> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.push_back({e.path().filename().string(), uint64_t(e.file_size())});
    std::sort(out.begin(), out.end(), [](const ExportFile& a, const ExportFile& b) { return a.name < b.name; });
    return out;
}

// Restores the caller's thread count when the export ends, however it ends.
struct ThreadScope {
    int saved = at::get_num_threads();
    explicit ThreadScope(int n) {
        if (n > 0) at::set_num_threads(n);
    }
    ~ThreadScope() { at::set_num_threads(saved); }
};

// Stops at the caller's CancelScope between steps, tensors and adapters.
void export_into(const ExportPlan& p, const std::string& staging, const ExportEvents& events) {
    events.progress(0.02, note("export_loading", {p.source_dir}));
    CausalLM model = load_causal_lm(p.source_dir, LoadOptions{});
    throw_if_cancelled();
    for (size_t i = 0; i < p.adapter_dirs.size(); ++i) {
        events.progress(0.25 + 0.1 * double(i) / double(p.adapter_dirs.size()),
                        note("export_merging_adapter",
                             {std::to_string(i + 1), std::to_string(p.adapter_dirs.size()), p.adapter_dirs[i]}));
        merge_lora_adapters(model.ptr(), {p.adapter_dirs[i]}, p.source_dir);
        throw_if_cancelled();
    }
    auto stage = [&](double f, const Problem& what) {
        throw_if_cancelled();
        events.progress(0.35 + 0.63 * f, what);
    };
    if (p.format == "gguf") write_gguf_export(p, *model, staging, stage);
    else write_hf_export(p, *model, staging, stage);
    throw_if_cancelled();
}

}  // namespace

const char* export_status_name(ExportSummary::Status s) {
    switch (s) {
        case ExportSummary::Status::Completed: return "completed";
        case ExportSummary::Status::Cancelled: return "cancelled";
        case ExportSummary::Status::Failed: return "failed";
    }
    return "failed";
}

namespace {

// More bytes to write than the target's file system has free.
Problem space_problem(const ExportPlan& p, const ExportEstimate& e) {
    Problem space;
    space.key = "export_dir";
    space.id = "export_space";
    space.args = {human(e.total_bytes), human(e.available_bytes), p.target_dir};
    space.message = format_message(space.id, space.args);
    return space;
}

}  // namespace

std::vector<Problem> precheck_export(const ExportConfig& config) {
    std::vector<Problem> problems = config.problems();
    if (!problems.empty()) return problems;
    try {
        const ExportPlan p = plan_export(config);
        const ExportEstimate e = estimate_plan(p);
        if (e.available_bytes && e.total_bytes > e.available_bytes) problems.push_back(space_problem(p, e));
    } catch (const Error& e) {
        problems.push_back(e.problem());
    } catch (const std::exception& e) {
        Problem p;
        p.message = e.what();
        problems.push_back(std::move(p));
    }
    return problems;
}

ExportEstimate estimate_export(const ExportConfig& config) { return estimate_plan(plan_export(config)); }

ExportSummary run_export(const ExportConfig& config, const ExportEvents& events, const std::atomic<bool>* cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    ExportSummary s;
    s.export_dir = config.export_dir;
    std::string staging;
    try {
        const ThreadScope threads(config.threads);
        const CancelScope cancellable(cancel);
        events.progress(0.0, note("export_checking"));
        const ExportPlan p = plan_export(config);
        s.template_name = p.chat->name;
        for (const Problem& w : p.warnings) events.message("warning", w);
        const ExportEstimate e = estimate_plan(p);
        if (e.available_bytes && e.total_bytes > e.available_bytes) throw IoError(space_problem(p, e));
        events.message("info", note("log_exporting", {p.source_dir, p.format, p.quantization, p.chat->name, human(e.total_bytes)}));
        const fs::path parent = fs::absolute(p.target_dir).parent_path();
        fs::create_directories(parent);
        staging = temp_sibling(p.target_dir);
        fs::remove_all(staging);
        fs::create_directories(staging);
        export_into(p, staging, events);
        replace_dir_atomic(staging, p.target_dir);
        staging.clear();
        s.files = list_files(p.target_dir);
        for (const ExportFile& f : s.files) s.total_bytes += f.bytes;
        s.status = ExportSummary::Status::Completed;
        events.progress(1.0, note("export_done"));
    } catch (const Cancelled&) {
        s.status = ExportSummary::Status::Cancelled;
        s.message = "export cancelled; nothing was written to '" + config.export_dir + "'";
    } catch (const std::exception& e) {
        s.status = ExportSummary::Status::Failed;
        s.message = e.what();
        if (const auto* error = dynamic_cast<const Error*>(&e)) s.problem = error->problem();
        s.partial_removed = !staging.empty();
        if (s.partial_removed) s.message += " (the partial export was removed; '" + config.export_dir + "' is unchanged)";
    }
    if (!staging.empty()) {
        std::error_code ec;
        fs::remove_all(staging, ec);
    }
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

}  // namespace lathe
