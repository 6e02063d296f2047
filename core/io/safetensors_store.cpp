// A model folder's tensors: one safetensors file, or the shards an index lists.
#include "core/io/safetensors.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
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
        throw IoError(dir + ": model folder not found");
    } else {
        throw IoError(dir + ": no model weights: looked for " + single + " and " + index);
    }
}

size_t TensorStore::open_shard(const std::string& index_path, const std::string& shard) {
    if (!is_safe_relative(shard))
        throw IoError(index_path + ": shard name " + in_quotes(shard) + " points outside the model folder");
    const std::string path = path_join(dir_, shard);
    if (!file_exists(path))
        throw IoError(index_path + ": names shard " + in_quotes(shard) + ", which is missing from " + dir_);
    files_.push_back(std::make_unique<SafetensorsFile>(path));
    const size_t at = files_.size() - 1;
    for (const auto& e : files_[at]->entries()) {
        const auto [it, fresh] = where_.emplace(e.name, at);
        if (!fresh)
            throw IoError(dir_ + ": tensor " + in_quotes(e.name) + " is in two shards: " + files_[it->second]->path() +
                          " and " + path);
    }
    return at;
}

void TensorStore::open_index(const std::string& index_path) {
    const nlohmann::json index = read_json_file(index_path);
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw IoError(index_path + ": no \"weight_map\" object (tensor name -> shard file)");
    const auto& weight_map = index["weight_map"];

    // Open every listed shard first, so that a misplaced tensor can be reported with where it is.
    std::map<std::string, size_t> opened;  // shard name -> files_ position
    for (const auto& [name, shard] : weight_map.items()) {
        if (!shard.is_string())
            throw IoError(index_path + ": weight_map " + in_quotes(name) + " is a " + shard.type_name() +
                          ", expected a shard file name");
        const auto file = shard.get<std::string>();
        if (!opened.count(file)) opened[file] = open_shard(index_path, file);
    }
    for (const auto& [name, shard] : weight_map.items()) {
        const auto file = shard.get<std::string>();
        const auto it = where_.find(name);
        if (it != where_.end() && it->second == opened[file]) continue;
        throw IoError(index_path + ": maps tensor " + in_quotes(name) + " to " + file + ", which lacks it" +
                      (it == where_.end() ? std::string(" (no listed shard has it)")
                                          : " (it is in " + files_[it->second]->path() + ")"));
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
        throw IoError(dir_ + ": no tensor " + in_quotes(name) + " (the folder holds " + std::to_string(where_.size()) +
                      " tensors)");
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
