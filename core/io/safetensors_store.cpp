// A model folder's tensors: one safetensors file, or the shards an index lists.
#include "core/io/safetensors.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/strings.h"
#include "core/util/fs.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace lathe {

namespace {


// An index is data from the internet: its shard names must stay inside the model folder.
bool is_safe_relative(const std::string& shard) {
    const std::filesystem::path p(shard);
    if (shard.empty() || p.is_absolute()) return false;
    for (const auto& part : p)
        if (part == "..") return false;
    return true;
}

}  // namespace

TensorStore::TensorStore(const std::string& dir, const std::string& basename) : dir_(dir) {
    const std::string single = basename + ".safetensors";
    const std::string index = basename + ".safetensors.index.json";
    // The single file wins, as in transformers; write_sharded() relies on it while replacing a
    // sharded export by a single file (the stale index is deleted last).
    if (file_exists(path_join(dir, single))) {
        files_.push_back(std::make_unique<SafetensorsFile>(path_join(dir, single)));
        for (const auto& e : files_[0]->entries()) where_[e.name] = 0;
    } else if (file_exists(path_join(dir, index))) {
        open_index(path_join(dir, index));
    } else if (!dir_exists(dir)) {
        throw IoError(file_problem(dir, 0, 0, "model_folder_not_found"));
    } else {
        throw IoError(file_problem(dir, 0, 0, "no_model_weights", {single, index}));
    }
}

size_t TensorStore::open_shard(const std::string& index_path, const std::string& shard) {
    if (!is_safe_relative(shard))
        throw IoError(file_problem(index_path, 0, 0, "shard_outside_folder", {in_quotes(shard)}));
    const std::string path = path_join(dir_, shard);
    if (!file_exists(path))
        throw IoError(file_problem(index_path, 0, 0, "shard_missing", {in_quotes(shard), dir_}));
    files_.push_back(std::make_unique<SafetensorsFile>(path));
    const size_t at = files_.size() - 1;
    for (const auto& e : files_[at]->entries()) {
        const auto [it, fresh] = where_.emplace(e.name, at);
        if (!fresh)
            throw IoError(file_problem(dir_, 0, 0, "tensor_in_two_shards", {in_quotes(e.name), files_[it->second]->path(), path}));
    }
    return at;
}

void TensorStore::open_index(const std::string& index_path) {
    const nlohmann::json index = read_json_file(index_path);
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw IoError(file_problem(index_path, 0, 0, "index_no_weight_map"));
    const auto& weight_map = index["weight_map"];

    // Open every listed shard first, so that a misplaced tensor can be reported with where it is.
    std::map<std::string, size_t> opened;  // shard name -> files_ position
    for (const auto& [name, shard] : weight_map.items()) {
        if (!shard.is_string())
            throw IoError(file_problem(index_path, 0, 0, "weight_map_entry_type", {in_quotes(name), shard.type_name()}));
        const auto file = shard.get<std::string>();
        if (!opened.count(file)) opened[file] = open_shard(index_path, file);
    }
    for (const auto& [name, shard] : weight_map.items()) {
        const auto file = shard.get<std::string>();
        const auto it = where_.find(name);
        if (it != where_.end() && it->second == opened[file]) continue;
        if (it == where_.end()) throw IoError(file_problem(index_path, 0, 0, "index_tensor_nowhere", {in_quotes(name), file}));
        throw IoError(file_problem(index_path, 0, 0, "index_tensor_elsewhere", {in_quotes(name), file, files_[it->second]->path()}));
    }
}

std::vector<std::string> TensorStore::names() const {
    std::vector<std::string> out;
    out.reserve(where_.size());
    for (const auto& [name, file] : where_) out.push_back(name);
    return out;
}

bool TensorStore::has(const std::string& name) const { return where_.count(name) != 0; }

const SafetensorsFile& TensorStore::file_for(const std::string& name) const {
    const auto it = where_.find(name);
    if (it == where_.end())
        throw IoError(file_problem(dir_, 0, 0, "store_no_tensor", {in_quotes(name), std::to_string(where_.size())}));
    return *files_[it->second];
}

const TensorEntry& TensorStore::entry(const std::string& name) const { return *file_for(name).find(name); }

at::Tensor TensorStore::tensor(const std::string& name) const { return file_for(name).tensor(name); }

void TensorStore::release(const std::string& name) const { file_for(name).release(name); }

const std::string& TensorStore::file_of(const std::string& name) const { return file_for(name).path(); }

uint64_t TensorStore::total_bytes() const {
    uint64_t total = 0;
    for (const auto& [name, file] : where_) {
        const TensorEntry* e = files_[file]->find(name);
        total += e->end - e->begin;
    }
    return total;
}

}  // namespace lathe
