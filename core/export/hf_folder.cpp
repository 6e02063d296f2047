#include "core/export/hf_folder.h"
#include "core/util/messages.h"

#include "core/data/template.h"
#include "core/export/chat_template_export.h"
#include "core/export/export_plan.h"
#include "core/export/model_card.h"
#include "core/io/json_file.h"
#include "core/io/safetensors.h"
#include "core/model/model_folder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/fs.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>

namespace lathe {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// Files copied as they are; tokenizer_config.json and special_tokens_map.json are rewritten.
constexpr const char* kTokenizerFiles[] = {"tokenizer.json", "tokenizer.model", "added_tokens.json", "vocab.json",
                                           "merges.txt"};

torch::ScalarType hf_dtype(const std::string& q) {
    return q == "f32" ? torch::kFloat : q == "f16" ? torch::kHalf : torch::kBFloat16;
}

// The end-of-turn token when the template makes it the EOS (LLaMA-Factory's replace_eos), else "".
std::string replaced_eos(const ExportPlan& p) {
    if (!p.chat->replace_eos || p.chat->stop_words.empty()) return "";
    const int32_t id = p.chat->eos_id(*p.tokenizer);
    return id >= 0 && id != p.tokenizer->special().eos_id ? p.tokenizer->id_to_token(id) : "";
}

json read_or_empty(const std::string& path) { return file_exists(path) ? read_json_file(path) : json::object(); }

}  // namespace

json export_tokenizer_config(const ExportPlan& p) {
    json j = read_or_empty(path_join(p.source_dir, "tokenizer_config.json"));
    if (!j.is_object()) j = json::object();
    const SpecialTokens& s = p.tokenizer->special();
    if (!j.contains("tokenizer_class"))
        j["tokenizer_class"] = p.tokenizer->kind() == "bpe-bytelevel" ? "PreTrainedTokenizerFast" : "LlamaTokenizer";
    if (!j.contains("bos_token") && s.bos_id >= 0) j["bos_token"] = p.tokenizer->id_to_token(s.bos_id);
    if (!j.contains("eos_token") && s.eos_id >= 0) j["eos_token"] = p.tokenizer->id_to_token(s.eos_id);
    if (!j.contains("add_bos_token")) j["add_bos_token"] = s.add_bos;
    const std::string eos = replaced_eos(p);
    if (!eos.empty()) j["eos_token"] = eos;
    j["chat_template"] = jinja_chat_template(*p.chat);
    return j;
}

json export_generation_config(const ExportPlan& p) {
    json j = read_or_empty(path_join(p.source_dir, "generation_config.json"));
    if (!j.is_object()) j = json::object();
    const SpecialTokens& s = p.tokenizer->special();
    if (s.bos_id >= 0) j["bos_token_id"] = s.bos_id;
    if (s.pad_id >= 0) j["pad_token_id"] = s.pad_id;
    // Every id generation must stop on: the end-of-turn token first, then the tokenizer's EOS and the
    // stop words (transformers stops on any of a list).
    const StopCriteria stop = p.chat->stop_criteria(*p.tokenizer);
    json ids = json::array();
    for (int32_t id : stop.token_ids) ids.push_back(id);
    if (ids.size() == 1) j["eos_token_id"] = ids[0];
    else if (!ids.empty()) j["eos_token_id"] = ids;
    return j;
}

void write_hf_export(const ExportPlan& p, CausalLMImpl& model, const std::string& dir,
                     const std::function<void(double, const Problem&)>& progress) {
    const torch::ScalarType dtype = hf_dtype(p.quantization);
    progress(0.0, note("export_converting", {dtype_label(dtype)}));
    const auto tensors = state_tensors(model, dtype);
    progress(0.1, note("export_writing_weights"));
    const std::vector<std::string> weight_files = write_sharded(dir, tensors, p.config.shard_bytes(), {{"format", "pt"}});
    progress(0.9, note("export_writing_config"));

    ModelConfig c = model.config();
    c.torch_dtype = dtype_label(dtype);
    write_json_file(path_join(dir, "config.json"), c.to_json(&p.base_config));
    write_json_file(path_join(dir, "generation_config.json"), export_generation_config(p));
    for (const char* f : kTokenizerFiles) {
        const std::string from = path_join(p.source_dir, f);
        if (!file_exists(from)) continue;
        fs::copy_file(from, path_join(dir, f));
        // A read-only source (a shared cache) must not make the export read-only.
        fs::permissions(path_join(dir, f), fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                               fs::perms::others_read);
    }
    write_json_file(path_join(dir, "tokenizer_config.json"), export_tokenizer_config(p));
    const std::string map_path = path_join(p.source_dir, "special_tokens_map.json");
    if (file_exists(map_path)) {
        // transformers lets this file's names win over tokenizer_config.json's: keep them in step.
        json m = read_json_file(map_path);
        const std::string eos = replaced_eos(p);
        if (!eos.empty() && m.is_object()) m["eos_token"] = eos;
        write_json_file(path_join(dir, "special_tokens_map.json"), m);
    }
    const size_t shards = weight_files.size() > 1 ? weight_files.size() - 1 : 1;
    write_file_atomic(path_join(dir, "README.md"),
                      model_card(p, std::to_string(shards) + (shards == 1 ? " file" : " shards") + " of " +
                                        dtype_label(dtype) + " safetensors"));
    progress(1.0, note("export_written"));
}

}  // namespace lathe
