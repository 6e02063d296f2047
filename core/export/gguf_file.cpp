#include "core/export/gguf_file.h"

#include "core/data/template.h"
#include "core/export/chat_template_export.h"
#include "core/export/export_plan.h"
#include "core/export/gguf_model.h"
#include "core/export/gguf_vocab.h"
#include "core/export/model_card.h"
#include "core/io/gguf.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"
#include "core/util/cancel.h"

#include <torch/torch.h>

#include <map>

namespace lathe {

GgufVocab export_gguf_vocab(const ExportPlan& p) {
    GgufVocab v = build_gguf_vocab(p.source_dir, *p.tokenizer, p.model.vocab_size);
    const int32_t eot = p.chat->eos_id(*p.tokenizer);
    if (eot >= 0) {
        v.eot = eot;
        // LLaMA-Factory's export makes the end-of-turn token the EOS for replace_eos templates; the
        // converter then writes it as tokenizer.ggml.eos_token_id.
        if (p.chat->replace_eos) v.eos = eot;
    }
    return v;
}

std::string ollama_modelfile(const ExportPlan& p, const std::string& gguf_name) {
    const Tokenizer& tok = *p.tokenizer;
    const std::string bos = tok.special().bos_id >= 0 ? tok.id_to_token(tok.special().bos_id) : "";
    const int32_t eot = p.chat->eos_id(tok);
    const std::string eos = eot >= 0 ? tok.id_to_token(eot) : "";
    std::string m = "FROM ./" + gguf_name + "\n\nTEMPLATE \"\"\"" + ollama_template(*p.chat, bos, eos) + "\"\"\"\n\n";
    for (const std::string& s : stop_texts(*p.chat, tok)) {
        std::string quoted;
        for (char c : s) quoted += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
        m += "PARAMETER stop \"" + quoted + "\"\n";
    }
    return m;
}

void write_gguf_export(const ExportPlan& p, CausalLMImpl& model, const std::string& dir,
                       const std::function<void(double, const Problem&)>& progress) {
    torch::NoGradGuard no_grad;
    std::map<std::string, torch::Tensor> params;
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    for (const auto& item : model.named_parameters()) {
        params[item.key()] = item.value();
        shapes.emplace_back(item.key(), item.value().sizes().vec());
    }
    const std::vector<GgufTensorPlan> plan = plan_gguf_tensors(p.model, shapes, p.quantization);

    const std::string file = gguf_file_name(p);
    GgufWriter w(path_join(dir, file));
    set_gguf_hparams(w, p.model, p.quantization, p.name);
    export_gguf_vocab(p).write(w);
    w.set("tokenizer.chat_template", GgufValue::string(jinja_chat_template(*p.chat)));
    for (const GgufTensorPlan& t : plan) w.add_tensor(t.name, t.shape, t.type);

    int64_t total = 0, done = 0;
    for (const GgufTensorPlan& t : plan) total += c10::multiply_integers(t.shape);
    for (const GgufTensorPlan& t : plan) {
        throw_if_cancelled();
        progress(double(done) / double(std::max<int64_t>(total, 1)), note("export_writing_tensor", {t.name, ggml_type_name(t.type)}));
        torch::Tensor x;
        if (!t.stack.empty()) {
            std::vector<torch::Tensor> parts;
            for (const std::string& s : t.stack) parts.push_back(params.at(s).to(torch::kFloat));
            x = torch::stack(parts);
        } else {
            x = t.source.empty() ? generated_gguf_tensor(p.model, t.name) : params.at(t.source).to(torch::kFloat);
        }
        if (t.permute_heads > 0) x = llama_permute_qk_for_gguf(x, t.permute_heads);
        if (t.scale != 1.0) x = x * t.scale;
        if (t.add != 0.0) x = x + t.add;
        w.write_tensor(t.name, x);
        done += x.numel();
    }
    w.finish();
    write_file_atomic(path_join(dir, "Modelfile"), ollama_modelfile(p, file));
    write_file_atomic(path_join(dir, "README.md"), model_card(p, "GGUF " + gguf_file_type_label(p.quantization) + " (" + file + ")"));
    progress(1.0, note("export_written_file", {file}));
}

}  // namespace lathe
