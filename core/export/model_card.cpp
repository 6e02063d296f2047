#include "core/export/model_card.h"

#include "core/data/template.h"
#include "core/export/export_plan.h"
#include "core/util/fs.h"

#include <yaml-cpp/yaml.h>

#include <ctime>
#include <filesystem>
#include <map>

namespace lathe {

namespace {

// training_args.yaml of a run: in the adapter (or checkpoint) folder, or the run folder above a
// checkpoint. Scalars only; a file that is not a YAML mapping is ignored.
std::map<std::string, std::string> training_args(const std::string& dir) {
    for (const std::string& candidate : {path_join(dir, "training_args.yaml"),
                                         path_join(std::filesystem::path(dir).parent_path().string(), "training_args.yaml")}) {
        if (!file_exists(candidate)) continue;
        try {
            const YAML::Node root = YAML::LoadFile(candidate);
            if (!root.IsMap()) continue;
            std::map<std::string, std::string> out;
            for (const auto& kv : root)
                if (kv.second.IsScalar()) out[kv.first.as<std::string>()] = kv.second.Scalar();
            return out;
        } catch (const YAML::Exception&) {
        }
    }
    return {};
}

std::string today() {
    const std::time_t now = std::time(nullptr);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&now));
    return buf;
}

std::string join_items(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : sep) + s;
    return out;
}

}  // namespace

std::string model_card(const ExportPlan& plan, const std::string& files_note) {
    // The run that produced the weights: the last adapter's, else the model folder's (a full checkpoint).
    auto args = training_args(plan.adapter_dirs.empty() ? plan.source_dir : plan.adapter_dirs.back());
    const std::string base = !plan.adapter_dirs.empty() ? plan.source_dir
                             : args.count("model_name_or_path") ? args["model_name_or_path"] : plan.source_dir;
    std::string method = "none (the model as it is)";
    if (!plan.adapters.empty()) {
        std::vector<std::string> parts;
        for (size_t i = 0; i < plan.adapters.size(); ++i) {
            const LoraSettings& s = plan.adapters[i].settings;
            parts.push_back(std::string(s.use_dora ? "DoRA" : "LoRA") + " r=" + std::to_string(s.rank) + " alpha=" +
                            std::to_string(int(s.alpha)) + " (" + plan.adapter_dirs[i] + ")");
        }
        method = join_items(parts, ", then ") + ", merged into the weights";
    } else if (args.count("finetuning_type")) {
        method = args["finetuning_type"] + " fine-tuning";
    }
    const std::string datasets = args.count("dataset") && !args["dataset"].empty() ? args["dataset"] : "not recorded";
    const std::string stage = args.count("stage") ? args["stage"] : "";

    std::string md = "---\nbase_model: " + base + "\nlibrary_name: " + (plan.format == "gguf" ? "gguf" : "transformers") +
                     "\ntags:\n- lathe\n";
    if (!plan.adapters.empty()) md += "- lora\n";
    if (!stage.empty()) md += "- " + stage + "\n";
    md += "---\n\n# " + plan.name + "\n\nExported by Lathe on " + today() + ".\n\n";
    md += "| | |\n| --- | --- |\n";
    md += "| Base model | " + base + " |\n";
    md += "| Architecture | " + plan.model.model_type + ", " + std::to_string(plan.model.num_hidden_layers) + " layers, hidden " +
          std::to_string(plan.model.hidden_size) + " |\n";
    md += "| Method | " + method + " |\n";
    if (!stage.empty()) md += "| Stage | " + stage + " |\n";
    md += "| Datasets | " + datasets + " |\n";
    md += "| Chat template | " + plan.chat->name + " |\n";
    md += "| Files | " + files_note + " |\n\n";
    if (plan.format == "gguf") {
        md += "## Use\n\n```\nllama-cli -m " + gguf_file_name(plan) + " -cnv\nollama create " + plan.name +
              " -f Modelfile && ollama run " + plan.name + "\n```\n\n"
              "The chat template is stored in the file (tokenizer.chat_template) and in the Modelfile, with its stop tokens.\n";
    } else {
        md += "## Use\n\n```python\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n"
              "tok = AutoTokenizer.from_pretrained(\"" + plan.name + "\")\n"
              "model = AutoModelForCausalLM.from_pretrained(\"" + plan.name + "\")\n"
              "ids = tok.apply_chat_template([{\"role\": \"user\", \"content\": \"Hello\"}], add_generation_prompt=True, return_tensors=\"pt\")\n"
              "print(tok.decode(model.generate(ids, max_new_tokens=64)[0]))\n```\n\n"
              "tokenizer_config.json holds the chat template; generation_config.json lists every stop token id.\n";
    }
    return md;
}

}  // namespace lathe
