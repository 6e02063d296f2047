#include "core/train/checkpoint.h"

#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/cuda.h>

#include <algorithm>
#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;

namespace lathe {

namespace {

int64_t step_of(const fs::path& p) {
    const std::string name = p.filename().string();
    if (name.rfind("checkpoint-", 0) != 0) return -1;
    const std::string digits = name.substr(11);
    if (digits.empty() || digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
    return std::stoll(digits);
}

// "checkpoint-N.tmp-PID" -> {"checkpoint-N", "tmp", PID}; {"", "", -1} for any other name.
struct Leftover {
    std::string checkpoint, kind;
    long pid = -1;
};
Leftover leftover_of(const std::string& name) {
    for (const char* kind : {"tmp", "old"}) {
        const std::string mark = std::string(".") + kind + "-";
        const size_t at = name.rfind(mark);
        if (at == std::string::npos) continue;
        const std::string pid = name.substr(at + mark.size());
        if (pid.empty() || pid.size() > 9 || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
        if (step_of(name.substr(0, at)) < 0) continue;
        return {name.substr(0, at), kind, std::stol(pid)};
    }
    return {};
}

// The generators' states, saved so that a resumed run draws the same dropout masks and noise.
NamedTensors rng_states() {
    NamedTensors out = {{"cpu", at::detail::getDefaultCPUGenerator().get_state()}};
    for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i)
        out.emplace_back("cuda:" + std::to_string(i),
                         at::globalContext()
                             .defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i)))
                             .get_state());
    return out;
}

}  // namespace

int tidy_abandoned_checkpoints(const std::string& run_dir) {
    std::error_code ec;
    if (!fs::is_directory(run_dir, ec)) return 0;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(run_dir, ec)) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());
    int tidied = 0;
    for (const auto& path : entries) {
        const Leftover left = leftover_of(path.filename().string());
        if (left.pid < 0 || left.pid == static_cast<long>(::getpid()) || !fs::is_directory(path, ec)) continue;
        const fs::path checkpoint = path.parent_path() / left.checkpoint;
        if (left.kind == "old" && !fs::exists(checkpoint, ec)) {
            fs::rename(path, checkpoint, ec);
            if (ec) throw IoError(file_problem(path.string(), 0, 0, "checkpoint_cannot_put_back", {checkpoint.string(), ec.message()}));
        } else {
            fs::remove_all(path, ec);
            if (ec) throw IoError(file_problem(path.string(), 0, 0, "cannot_remove", {ec.message()}));
        }
        ++tidied;
    }
    return tidied;
}

std::vector<std::string> list_checkpoints(const std::string& run_dir) {
    std::vector<std::pair<int64_t, std::string>> found;
    std::error_code ec;
    if (!fs::is_directory(run_dir, ec)) return {};
    for (const auto& e : fs::directory_iterator(run_dir, ec)) {
        const int64_t s = step_of(e.path());
        if (s >= 0 && e.is_directory()) found.emplace_back(s, e.path().string());
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> out;
    for (auto& f : found) out.push_back(f.second);
    return out;
}

std::string save_checkpoint(const std::string& run_dir, int64_t step,
                            const std::function<void(const std::string&)>& save_weights, const AdamW& optimizer,
                            const nlohmann::json& trainer_state) {
    const std::string final_dir = path_join(run_dir, "checkpoint-" + std::to_string(step));
    const std::string staged = temp_sibling(final_dir);
    std::error_code ec;
    fs::remove_all(staged, ec);
    fs::create_directories(staged, ec);
    if (ec) throw write_error(staged, "cannot_create", ec);
    try {
        save_weights(staged);
        write_safetensors(path_join(staged, "optimizer.safetensors"), optimizer.state());
        write_safetensors(path_join(staged, "rng_state.safetensors"), rng_states());
        write_json_file(path_join(staged, "scheduler.json"), {{"last_epoch", step}, {"_step_count", step + 1}});
        write_json_file(path_join(staged, "trainer_state.json"), trainer_state);
    } catch (...) {
        fs::remove_all(staged, ec);
        throw;
    }
    replace_dir_atomic(staged, final_dir);
    return final_dir;
}

void rotate_checkpoints(const std::string& run_dir, int limit, const std::string& keep) {
    if (limit <= 0) return;
    auto all = list_checkpoints(run_dir);
    int excess = static_cast<int>(all.size()) - limit;
    for (const auto& dir : all) {
        if (excess <= 0) break;
        if (fs::equivalent(dir, keep)) continue;
        std::error_code ec;
        fs::remove_all(dir, ec);
        --excess;
    }
}

namespace {

nlohmann::json read_trainer_state(const std::string& dir, int64_t* step) {
    const std::string path = path_join(dir, "trainer_state.json");
    if (!file_exists(path)) throw IoError(file_problem(dir, 0, 0, "checkpoint_incomplete", {"trainer_state.json"}));
    auto state = read_json_file(path);
    if (!state.contains("global_step") || !state["global_step"].is_number_integer())
        throw IoError(file_problem(path, 0, 0, "record_missing_field", {"global_step"}));
    *step = state["global_step"].get<int64_t>();
    return state;
}

}  // namespace

int64_t checkpoint_step(const std::string& dir) {
    int64_t step = 0;
    read_trainer_state(dir, &step);
    return step;
}

CheckpointState load_checkpoint(const std::string& dir, AdamW& optimizer) {
    if (!dir_exists(dir)) throw IoError(plain_problem("checkpoint_not_there", {dir}));
    for (const char* f : {"trainer_state.json", "optimizer.safetensors", "rng_state.safetensors"})
        if (!file_exists(path_join(dir, f)))
            throw IoError(file_problem(dir, 0, 0, "checkpoint_incomplete", {f}));
    CheckpointState s;
    s.trainer_state = read_trainer_state(dir, &s.global_step);

    SafetensorsFile opt(path_join(dir, "optimizer.safetensors"));
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& e : opt.entries()) tensors.emplace_back(e.name, opt.tensor(e.name));
    optimizer.load_state(tensors, opt.path());

    SafetensorsFile rng(path_join(dir, "rng_state.safetensors"));
    if (!rng.find("cpu")) throw IoError(file_problem(rng.path(), 0, 0, "missing_tensor", {"cpu"}));
    auto gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(rng.tensor("cpu").clone());
    // Accelerator generators (dropout on CUDA draws there); a checkpoint moved to a machine with fewer
    // devices restores what it can.
    for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i) {
        const std::string key = "cuda:" + std::to_string(i);
        if (!rng.find(key)) continue;
        auto cuda = at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(i)));
        cuda.set_state(rng.tensor(key).clone());
    }
    return s;
}

std::string resolve_resume(const std::string& value, const std::string& run_dir) {
    if (value.empty() || value == "false") return "";
    if (value == "auto" || value == "true") {
        auto all = list_checkpoints(run_dir);
        return all.empty() ? "" : all.back();
    }
    if (!dir_exists(value)) throw ConfigError(config_problem("resume_from_checkpoint", "resume_path_missing", {value}));
    return value;
}

}  // namespace lathe
