// End to end against llama.cpp (node-llama-cpp's prebuilt CPU binaries, scripts/llamacpp-setup.sh):
// a tiny random Llama is written as GGUF here, in Hugging Face layout with the q/k permutation
// applied, and llama.cpp must load it, generate, and produce the logits of a LibTorch reference
// forward pass in Hugging Face conventions (rotate-half RoPE). llama.cpp's own quantizer
// (llama_model_quantize in libllama) must choose our Q4_K_M types and produce our bytes.
// Skips with a message when node or the package is missing.
#include "tests/registry.h"

#include "core/io/gguf_quant.h"
#include "core/io/gguf.h"
#include "core/util/fs.h"

#include <QProcess>
#include <QStandardPaths>
#include <QtTest>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>

#include <dlfcn.h>

using namespace lathe;
using json = nlohmann::json;

namespace {

// ---- the tiny model -------------------------------------------------------------------------------

struct TinyLlama {
    int64_t vocab = 320, dim = 256, ff = 512, layers = 2, heads = 4, kv_heads = 2, ctx = 256;
    double rope_base = 10000.0, eps = 1e-5;
    int64_t head_dim() const { return dim / heads; }
    std::map<std::string, at::Tensor> hf;  // Hugging Face names and layouts, float32
};

TinyLlama make_tiny_llama(uint64_t seed) {
    TinyLlama m;
    torch::manual_seed(seed);
    const double s = 1.0 / std::sqrt(double(m.dim));
    const int64_t hd = m.head_dim();
    auto norm_w = [&] { return 1.0 + 0.1 * torch::randn({m.dim}); };
    m.hf["model.embed_tokens.weight"] = torch::randn({m.vocab, m.dim});
    for (int64_t l = 0; l < m.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        m.hf[p + "input_layernorm.weight"] = norm_w();
        m.hf[p + "self_attn.q_proj.weight"] = torch::randn({m.heads * hd, m.dim}) * s;
        m.hf[p + "self_attn.k_proj.weight"] = torch::randn({m.kv_heads * hd, m.dim}) * s;
        m.hf[p + "self_attn.v_proj.weight"] = torch::randn({m.kv_heads * hd, m.dim}) * s;
        m.hf[p + "self_attn.o_proj.weight"] = torch::randn({m.dim, m.heads * hd}) * s;
        m.hf[p + "post_attention_layernorm.weight"] = norm_w();
        m.hf[p + "mlp.gate_proj.weight"] = torch::randn({m.ff, m.dim}) * s;
        m.hf[p + "mlp.up_proj.weight"] = torch::randn({m.ff, m.dim}) * s;
        m.hf[p + "mlp.down_proj.weight"] = torch::randn({m.dim, m.ff}) / std::sqrt(double(m.ff));
    }
    m.hf["model.norm.weight"] = norm_w();
    at::Tensor head = torch::randn({m.vocab, m.dim}) * (4.0 * s);
    head.slice(0, 0, 3).zero_();  // <unk>, <s>, </s> get logit 0: never the greedy choice
    m.hf["lm_head.weight"] = head;
    return m;
}

// GGUF tensor name -> (Hugging Face name, heads for the q/k permutation or 0).
std::vector<std::tuple<std::string, std::string, int64_t>> gguf_names(const TinyLlama& m) {
    std::vector<std::tuple<std::string, std::string, int64_t>> out = {{"token_embd.weight", "model.embed_tokens.weight", 0}};
    for (int64_t l = 0; l < m.layers; ++l) {
        const std::string g = "blk." + std::to_string(l) + ".", h = "model.layers." + std::to_string(l) + ".";
        out.insert(out.end(), {{g + "attn_norm.weight", h + "input_layernorm.weight", 0},
                               {g + "attn_q.weight", h + "self_attn.q_proj.weight", m.heads},
                               {g + "attn_k.weight", h + "self_attn.k_proj.weight", m.kv_heads},
                               {g + "attn_v.weight", h + "self_attn.v_proj.weight", 0},
                               {g + "attn_output.weight", h + "self_attn.o_proj.weight", 0},
                               {g + "ffn_norm.weight", h + "post_attention_layernorm.weight", 0},
                               {g + "ffn_gate.weight", h + "mlp.gate_proj.weight", 0},
                               {g + "ffn_up.weight", h + "mlp.up_proj.weight", 0},
                               {g + "ffn_down.weight", h + "mlp.down_proj.weight", 0}});
    }
    out.insert(out.end(), {{"output_norm.weight", "model.norm.weight", 0}, {"output.weight", "lm_head.weight", 0}});
    return out;
}

// A SentencePiece-style vocabulary: specials, the 256 byte tokens llama.cpp expects, then words.
void set_llama_metadata(GgufWriter& w, const TinyLlama& m, LlamaFileType ftype) {
    std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
    std::vector<int32_t> types = {2, 3, 3};  // unknown, control, control
    for (int b = 0; b < 256; ++b) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        tokens.push_back(buf);
        types.push_back(6);  // byte
    }
    for (int i = 0; static_cast<int64_t>(tokens.size()) < m.vocab; ++i) {
        tokens.push_back("\xE2\x96\x81" + std::string(1, char('a' + i % 26)) + std::string(i / 26, char('a' + i % 7)));
        types.push_back(1);  // normal
    }
    std::vector<float> scores(tokens.size());
    for (size_t i = 0; i < scores.size(); ++i) scores[i] = i < 259 ? 0.0f : -float(i);
    w.set("general.architecture", GgufValue::string("llama"));
    w.set("general.name", GgufValue::string("lathe tiny llama"));
    w.set("general.file_type", GgufValue::u32(static_cast<uint32_t>(ftype)));
    w.set("general.quantization_version", GgufValue::u32(2));
    w.set("llama.context_length", GgufValue::u32(uint32_t(m.ctx)));
    w.set("llama.embedding_length", GgufValue::u32(uint32_t(m.dim)));
    w.set("llama.block_count", GgufValue::u32(uint32_t(m.layers)));
    w.set("llama.feed_forward_length", GgufValue::u32(uint32_t(m.ff)));
    w.set("llama.attention.head_count", GgufValue::u32(uint32_t(m.heads)));
    w.set("llama.attention.head_count_kv", GgufValue::u32(uint32_t(m.kv_heads)));
    w.set("llama.rope.freq_base", GgufValue::f32(float(m.rope_base)));
    w.set("llama.rope.dimension_count", GgufValue::u32(uint32_t(m.head_dim())));
    w.set("llama.attention.layer_norm_rms_epsilon", GgufValue::f32(float(m.eps)));
    w.set("llama.vocab_size", GgufValue::u32(uint32_t(m.vocab)));
    w.set("tokenizer.ggml.model", GgufValue::string("llama"));
    w.set("tokenizer.ggml.tokens", GgufValue::array(tokens));
    w.set("tokenizer.ggml.scores", GgufValue::array(scores));
    w.set("tokenizer.ggml.token_type", GgufValue::array(types));
    w.set("tokenizer.ggml.bos_token_id", GgufValue::u32(1));
    w.set("tokenizer.ggml.eos_token_id", GgufValue::u32(2));
    w.set("tokenizer.ggml.unknown_token_id", GgufValue::u32(0));
    w.set("tokenizer.ggml.add_bos_token", GgufValue::boolean(true));
}

// Writes the model with `type_of(gguf name, PyTorch shape)` choosing each tensor's type.
void write_gguf(const std::string& path, const TinyLlama& m, LlamaFileType ftype,
                const std::function<GgmlType(const std::string&, const std::vector<int64_t>&)>& type_of) {
    GgufWriter w(path);
    set_llama_metadata(w, m, ftype);
    const auto names = gguf_names(m);
    for (const auto& [g, h, heads] : names) w.add_tensor(g, m.hf.at(h).sizes().vec(), type_of(g, m.hf.at(h).sizes().vec()));
    for (const auto& [g, h, heads] : names)
        w.write_tensor(g, heads ? llama_permute_qk_for_gguf(m.hf.at(h), heads) : m.hf.at(h));
    w.finish();
}

// The weights as llama.cpp will see them: decoded from the file, q/k rows back in HF order.
TinyLlama read_back(const std::string& path, const TinyLlama& like) {
    TinyLlama m = like;
    GgufFile f(path);
    for (const auto& [g, h, heads] : gguf_names(like)) {
        const at::Tensor t = f.tensor_f32(g);
        m.hf[h] = heads ? llama_unpermute_qk_from_gguf(t, heads) : t;
    }
    return m;
}

// ---- the reference forward pass (Hugging Face LlamaForCausalLM, float64) ---------------------------

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps) * w;
}

at::Tensor rotate_half(const at::Tensor& x) {
    const int64_t h = x.size(-1) / 2;
    return torch::cat({-x.slice(-1, h), x.slice(-1, 0, h)}, -1);
}

at::Tensor reference_logits(const TinyLlama& m, const std::vector<int64_t>& ids) {
    auto W = [&](const std::string& n) { return m.hf.at(n).to(torch::kFloat64); };
    const int64_t T = int64_t(ids.size()), hd = m.head_dim();
    at::Tensor h = W("model.embed_tokens.weight").index_select(0, torch::tensor(ids));  // (T, D)
    const at::Tensor inv_freq = 1.0 / torch::pow(m.rope_base, torch::arange(0, hd, 2, torch::kFloat64) / double(hd));
    const at::Tensor freqs = torch::outer(torch::arange(T, torch::kFloat64), inv_freq);  // (T, hd/2)
    const at::Tensor cos = torch::cat({freqs, freqs}, -1).cos().unsqueeze(1), sin = torch::cat({freqs, freqs}, -1).sin().unsqueeze(1);
    const at::Tensor causal = torch::ones({T, T}, torch::kBool).triu(1);
    for (int64_t l = 0; l < m.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        at::Tensor x = rms_norm(h, W(p + "input_layernorm.weight"), m.eps);
        at::Tensor q = torch::matmul(x, W(p + "self_attn.q_proj.weight").t()).view({T, m.heads, hd});
        at::Tensor k = torch::matmul(x, W(p + "self_attn.k_proj.weight").t()).view({T, m.kv_heads, hd});
        at::Tensor v = torch::matmul(x, W(p + "self_attn.v_proj.weight").t()).view({T, m.kv_heads, hd});
        q = q * cos + rotate_half(q) * sin;
        k = k * cos + rotate_half(k) * sin;
        k = k.repeat_interleave(m.heads / m.kv_heads, 1);  // (T, H, hd)
        v = v.repeat_interleave(m.heads / m.kv_heads, 1);
        at::Tensor att = torch::einsum("thd,shd->hts", {q, k}) / std::sqrt(double(hd));  // (H, T, T)
        att = att.masked_fill(causal, -INFINITY).softmax(-1);
        const at::Tensor o = torch::einsum("hts,shd->thd", {att, v}).reshape({T, m.heads * hd});
        h = h + torch::matmul(o, W(p + "self_attn.o_proj.weight").t());
        x = rms_norm(h, W(p + "post_attention_layernorm.weight"), m.eps);
        const at::Tensor g = torch::silu(torch::matmul(x, W(p + "mlp.gate_proj.weight").t()));
        h = h + torch::matmul(g * torch::matmul(x, W(p + "mlp.up_proj.weight").t()), W(p + "mlp.down_proj.weight").t());
    }
    return torch::matmul(rms_norm(h, W("model.norm.weight"), m.eps), W("lm_head.weight").t());  // (T, V)
}

std::vector<int64_t> reference_greedy(const TinyLlama& m, std::vector<int64_t> ids, int n) {
    std::vector<int64_t> out;
    for (int i = 0; i < n; ++i) {
        out.push_back(reference_logits(m, ids)[-1].argmax().item<int64_t>());
        ids.push_back(out.back());
    }
    return out;
}

// ---- running llama.cpp ----------------------------------------------------------------------------

std::string harness_dir() { return std::string(LATHE_SOURCE_DIR) + "/bench/llamacpp"; }

// "" when the harness can run, else why not.
std::string harness_missing() {
    if (QStandardPaths::findExecutable("node").isEmpty()) return "node is not installed (needed for bench/llamacpp/run.mjs)";
    if (!file_exists(harness_dir() + "/node_modules/node-llama-cpp/package.json"))
        return "node-llama-cpp is not installed: run scripts/llamacpp-setup.sh";
    return "";
}

json run_harness(const QStringList& args) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
    p.setProcessEnvironment(env);
    p.start("node", QStringList{QString::fromStdString(harness_dir() + "/run.mjs")} + args);
    if (!p.waitForFinished(180000)) {
        p.kill();
        p.waitForFinished();
        throw std::runtime_error("run.mjs did not finish in 180 s");
    }
    const QByteArray out = p.readAllStandardOutput();
    const QByteArray err = p.readAllStandardError();
    json j;
    try {
        j = json::parse(out.toStdString());
    } catch (const std::exception&) {
        throw std::runtime_error("run.mjs printed no JSON (exit " + std::to_string(p.exitCode()) + "): " + out.toStdString() +
                                 err.toStdString());
    }
    if (!j.value("ok", false))
        throw std::runtime_error("run.mjs failed: " + j.value("error", std::string("?")) + "\n" + err.toStdString());
    return j;
}

QStringList harness_args(const std::string& model, const std::vector<int64_t>& prompt, int n_predict) {
    QStringList ids;
    for (int64_t t : prompt) ids << QString::number(t);
    return {"--model", QString::fromStdString(model), "--tokens", ids.join(","), "--n-predict", QString::number(n_predict),
            "--threads", "1", "--logits"};  // one thread: ggml's spinning workers crawl on a busy 2-core machine
}

at::Tensor llamacpp_logits(const json& j) {
    std::vector<float> flat;
    const auto& rows = j.at("logits");
    for (const auto& row : rows)
        for (const auto& v : row) flat.push_back(v.get<float>());
    return torch::tensor(flat).reshape({int64_t(rows.size()), -1}).to(torch::kFloat64);
}

// Qt Test aborts on an escaping exception: turn harness failures into test failures.
#define RUN_HARNESS(var, args)                 \
    json var;                                  \
    try {                                      \
        var = run_harness(args);               \
    } catch (const std::exception& e) {        \
        QFAIL(e.what());                       \
    }

const std::vector<int64_t> kPrompt = {1, 50, 100, 150, 200, 250, 300, 20, 7, 260};

// ---- llama.cpp's quantizer, from libllama -----------------------------------------------------------

// The leading fields of llama_model_quantize_params (llama.h of the bundled llama.cpp); the rest is
// left as llama_model_quantize_default_params() filled it, in a buffer larger than the struct.
struct QuantizeParams {
    int32_t nthread;
    int32_t ftype;
    alignas(8) unsigned char rest[248];
};

struct Libllama {
    void* handle = nullptr;
    std::string error;
    Libllama() {
        const char* env = std::getenv("LATHE_LLAMACPP_BINS");
        const std::string bins = env ? env : harness_dir() + "/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64";
        const std::string path = bins + "/libllama.v0.5.0.so";
        handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) error = std::string("cannot load libllama: ") + ::dlerror();
    }
    ~Libllama() {
        if (handle) ::dlclose(handle);
    }
    template <class F>
    F fn(const char* name) {
        return handle ? reinterpret_cast<F>(::dlsym(handle, name)) : nullptr;
    }
};

}  // namespace

class TestGgufLlamacpp : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        const std::string why = harness_missing();
        if (!why.empty()) QSKIP(why.c_str());
    }

    // F32 weights: llama.cpp's logits equal the reference's (F16 KV cache aside) and its greedy
    // tokens are the reference's argmaxes. A wrong q/k permutation breaks this at position 1.
    void f32ModelMatchesReference() {
        const TinyLlama m = make_tiny_llama(42);
        const std::string path = test::scratch_dir() + "/tiny-f32.gguf";
        write_gguf(path, m, LlamaFileType::AllF32, [](const std::string&, const std::vector<int64_t>&) { return GgmlType::F32; });
        RUN_HARNESS(j, harness_args(path, kPrompt, 8));
        QCOMPARE(j["model"]["architecture"].get<std::string>(), std::string("llama"));
        QCOMPARE(j["model"]["n_vocab"].get<int64_t>(), m.vocab);
        const at::Tensor ours = reference_logits(m, kPrompt);
        const at::Tensor theirs = llamacpp_logits(j);
        QCOMPARE(theirs.sizes().vec(), ours.sizes().vec());
        const double err = (theirs - ours).abs().max().item<double>();
        const double scale = ours.abs().max().item<double>();
        qInfo("F32 logits: max |llama.cpp - reference| = %.2e (largest logit %.2f)", err, scale);
        QVERIFY2(err < 2e-3 * scale, qPrintable(QString("max logit difference %1").arg(err)));
        const auto want = reference_greedy(m, kPrompt, 8);
        QCOMPARE(j["generated"].get<std::vector<int64_t>>(), want);
        QCOMPARE(j["stop_reason"].get<std::string>(), std::string("n_predict"));
        QVERIFY(j["ttft_ms"].get<double>() > 0);
        QVERIFY(j["decode_tokens_per_s"].get<double>() > 0);
        qInfo("tiny F32: ttft %.1f ms, decode %.0f tokens/s", j["ttft_ms"].get<double>(), j["decode_tokens_per_s"].get<double>());
    }

    // Quantized files load and generate; their logits follow the reference run on the decoded
    // weights (llama.cpp also quantizes activations to 8 bits, hence the looser tolerance).
    void quantizedModelsFollowTheirDecodedWeights() {
        const TinyLlama m = make_tiny_llama(43);
        struct Variant {
            const char* name;
            LlamaFileType ftype;
            std::function<GgmlType(const std::string&, const std::vector<int64_t>&)> type_of;
        };
        const Variant variants[] = {
            {"q8_0", LlamaFileType::MostlyQ8_0,
             [](const std::string&, const std::vector<int64_t>& s) { return s.size() == 1 ? GgmlType::F32 : GgmlType::Q8_0; }},
            {"q4_0", LlamaFileType::MostlyQ4_0,
             [](const std::string&, const std::vector<int64_t>& s) { return s.size() == 1 ? GgmlType::F32 : GgmlType::Q4_0; }},
            {"f16", LlamaFileType::MostlyF16,
             [](const std::string&, const std::vector<int64_t>& s) { return s.size() == 1 ? GgmlType::F32 : GgmlType::F16; }},
            {"q4_k_m", LlamaFileType::MostlyQ4_K_M,
             [&](const std::string& n, const std::vector<int64_t>& s) {
                 return llama_q4_k_m_type(n, int(s.size()), s.back(), int(m.layers), false);
             }},
        };
        for (const Variant& v : variants) {
            const std::string path = test::scratch_dir() + "/tiny-" + v.name + ".gguf";
            write_gguf(path, m, v.ftype, v.type_of);
            RUN_HARNESS(j, harness_args(path, kPrompt, 6));
            QCOMPARE(j["generated"].size(), size_t(6));
            const at::Tensor ours = reference_logits(read_back(path, m), kPrompt);
            const at::Tensor theirs = llamacpp_logits(j);
            const double rel = ((theirs - ours).norm() / ours.norm()).item<double>();
            const int agree = (theirs.argmax(-1) == ours.argmax(-1)).sum().item<int>();
            qInfo("%s: relative logit error %.2e, top-1 agreement %d/%d", v.name, rel, agree, int(kPrompt.size()));
            QVERIFY2(rel < 0.03, qPrintable(QString("%1: relative logit error %2").arg(v.name).arg(rel)));
            QVERIFY2(agree >= int(kPrompt.size()) - 1, qPrintable(QString("%1: top-1 agreement %2").arg(v.name).arg(agree)));
        }
    }

    // llama-quantize's Q4_K_M (llama_model_quantize from the same binaries) on our F32 file picks
    // the types llama_q4_k_m_type predicts and writes the bytes our quantizers write.
    void llamaQuantizeAgreesWithUs() {
        Libllama lib;
        if (!lib.error.empty()) QSKIP(lib.error.c_str());
        auto log_set = lib.fn<void (*)(void (*)(int, const char*, void*), void*)>("llama_log_set");
        auto backend_init = lib.fn<void (*)()>("llama_backend_init");
        auto defaults = lib.fn<QuantizeParams (*)()>("llama_model_quantize_default_params");
        auto quantize_file = lib.fn<uint32_t (*)(const char*, const char*, const QuantizeParams*)>("llama_model_quantize");
        QVERIFY(log_set && backend_init && defaults && quantize_file);
        log_set([](int, const char*, void*) {}, nullptr);
        backend_init();

        const TinyLlama m = make_tiny_llama(44);
        const std::string f32 = test::scratch_dir() + "/q-in-f32.gguf", out = test::scratch_dir() + "/q-out-q4_k_m.gguf";
        write_gguf(f32, m, LlamaFileType::AllF32, [](const std::string&, const std::vector<int64_t>&) { return GgmlType::F32; });
        QuantizeParams params = defaults();
        params.nthread = 2;
        params.ftype = int32_t(LlamaFileType::MostlyQ4_K_M);
        QCOMPARE(quantize_file(f32.c_str(), out.c_str(), &params), 0u);

        GgufFile in(f32), q(out);
        QCOMPARE(q.get_uint("general.file_type"), uint64_t(LlamaFileType::MostlyQ4_K_M));
        QCOMPARE(q.tensors().size(), in.tensors().size());
        int n_q6 = 0;
        for (const GgufTensorInfo& t : q.tensors()) {
            const GgmlType want = llama_q4_k_m_type(t.name, int(t.ne.size()), t.ne[0], int(m.layers), false);
            QVERIFY2(t.type == uint32_t(want), qPrintable(QString("%1: llama.cpp chose %2, we predict %3")
                                                              .arg(t.name.c_str()).arg(t.type_name()).arg(ggml_type_name(want))));
            n_q6 += want == GgmlType::Q6_K;
            const at::Tensor x = in.tensor_f32(t.name).contiguous();
            std::vector<uint8_t> ours(ggml_bytes(want, x.numel()));
            quantize(want, x.data_ptr<float>(), x.numel(), ours.data());
            const std::string_view theirs = q.tensor_bytes(t.name);
            QCOMPARE(theirs.size(), ours.size());
            QVERIFY2(std::memcmp(theirs.data(), ours.data(), ours.size()) == 0, t.name.c_str());
        }
        QCOMPARE(n_q6, 3);  // output.weight, and attn_v + ffn_down of layer 1 of 2
    }
};

LATHE_TEST(TestGgufLlamacpp)
#include "test_gguf_llamacpp.moc"
