// Exported GGUF files in llama.cpp itself (node-llama-cpp's prebuilt CPU binaries): F32 and F16 give
// Lathe's greedy tokens, quantized files load and generate, the embedded tokenizers tokenize like
// Lathe's, the exported Jinja renders what Lathe's templates render, and a model that ends its turn
// makes llama.cpp stop there. Skips with a message when node or the package is missing.
#include "tests/core/export/export_fixtures.h"
#include "tests/core/export/llamacpp_harness.h"

#include "core/data/template.h"
#include "core/export/chat_template_export.h"
#include "core/model/generate.h"
#include "core/tokenizer/tokenizer.h"

#include <QtTest>

using namespace lathe;
using namespace lathe::test;
using json = nlohmann::json;

namespace {

QStringList ids_arg(const std::vector<int32_t>& ids) {
    QStringList s;
    for (int32_t t : ids) s << QString::number(t);
    return {s.join(",")};
}

std::string export_gguf_file(const std::string& model, const std::string& dir, const std::string& q, const std::string& tmpl = "") {
    ExportConfig c;
    c.model_name_or_path = model;
    c.export_dir = dir;
    c.export_format = "gguf";
    c.export_quantization = q;
    c.template_name = tmpl;
    c.model_name = "m";
    c.export_overwrite = true;
    const ExportSummary s = run_export(c);
    if (s.status != ExportSummary::Status::Completed) throw std::runtime_error(s.message);
    std::string label = q;
    for (char& ch : label) ch = char(std::toupper(ch));
    return dir + "/m-" + label + ".gguf";
}

std::vector<int32_t> lathe_greedy(CausalLMImpl& m, const std::vector<int32_t>& prompt, int n, const std::vector<int32_t>& stop) {
    GenerateOptions o;
    o.sampling.temperature = 0;
    o.max_new_tokens = n;
    o.stop_ids = stop;
    return generate(m, nullptr, prompt, o).ids;
}

// A model whose attention and MLP write nothing (o_proj and down_proj are zero), so each next token
// depends on the current one only, wired as the chain last -> a -> b -> end.
void make_chain_model(const std::string& dir, ModelConfig c, const std::string& tokenizer_dir, int32_t last, int32_t a,
                      int32_t b, int32_t end) {
    CausalLM m(c);
    m->init_weights(21, 0.02);
    torch::NoGradGuard g;
    for (auto& p : m->named_parameters()) {
        if (p.key().find("o_proj.weight") != std::string::npos || p.key().find("down_proj.weight") != std::string::npos)
            p.value().zero_();
    }
    at::Tensor emb = m->model->embed_tokens->weight, head = m->lm_head->weight;
    const int32_t from[] = {last, a, b}, to[] = {a, b, end};
    for (int i = 0; i < 3; ++i) {
        emb[from[i]].zero_();
        emb[from[i]][i] = 4.0;
        head[to[i]].zero_();
        head[to[i]][i] = 10.0;
    }
    save_causal_lm(*m, dir);
    for (const auto& e : std::filesystem::directory_iterator(tokenizer_dir)) {
        const std::string n = e.path().filename().string();
        if (n.rfind("tokenizer", 0) == 0 || n == "special_tokens_map.json") std::filesystem::copy_file(e.path(), dir + "/" + n);
    }
}

}  // namespace

class TestExportLlamacpp : public QObject {
    Q_OBJECT
    std::string root, model;

    // Exports a chain model for `tokenizer_dir` and checks llama.cpp renders the prompt from the GGUF's
    // own template as Lathe does, tokenizes it to Lathe's ids, and stops at the end-of-turn token.
    void chat_stops(const std::string& label, const std::string& tokenizer_dir, ModelConfig c, const std::string& tmpl) {
        auto tok = Tokenizer::from_dir(tokenizer_dir);
        const ChatTemplate& t = *find_template(tmpl);
        const std::vector<Message> messages = {{Role::System, "Answer briefly."}, {Role::User, "hello world, how are you?"}};
        const std::vector<int32_t> prompt = t.encode_generation(*tok, messages);
        const int32_t end = t.eos_id(*tok);
        const std::vector<int32_t> words = tok->encode(" export weights", false);
        QVERIFY(words.size() >= 2 && end >= 0);
        const int32_t a = words[0], b = words[1];
        QVERIFY(a != prompt.back() && b != prompt.back() && a != b);
        c.vocab_size = std::max<int64_t>(c.vocab_size, tok->vocab_size());
        const std::string src = root + "/chain-" + label, out = root + "/chain-" + label + "-gguf";
        make_chain_model(src, c, tokenizer_dir, prompt.back(), a, b, end);

        CausalLM lm = load_causal_lm(src);
        const std::vector<int32_t> ours = lathe_greedy(*lm, prompt, 8, t.stop_criteria(*tok).token_ids);
        QCOMPARE(ours, (std::vector<int32_t>{a, b, end}));

        std::string path;
        try {
            path = export_gguf_file(src, out, "f32", tmpl);
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        const json msgs = json::array({{{"role", "system"}, {"content", messages[0].content}},
                                       {{"role", "user"}, {"content", messages[1].content}}});
        LATHE_RUN_NODE(j, "run.mjs", {"--model", QString::fromStdString(path), "--chat", QString::fromStdString(msgs.dump()),
                                      "--n-predict", "8", "--threads", "1"});
        QCOMPARE(j["rendered"].get<std::string>(), t.render(messages, "", tok.get()));
        // llama.cpp prepends BOS when the file says add_bos_token and the template rendered none
        // (chatml on a Llama-style tokenizer), as it does for files from convert_hf_to_gguf.py.
        std::vector<int32_t> want_prompt = prompt;
        if (tok->special().add_bos && tok->special().bos_id >= 0 && prompt.front() != tok->special().bos_id)
            want_prompt.insert(want_prompt.begin(), tok->special().bos_id);
        QCOMPARE(j["prompt_tokens"].get<std::vector<int32_t>>(), want_prompt);
        QCOMPARE(j["generated"].get<std::vector<int32_t>>(), ours);
        QCOMPARE(j["stop_reason"].get<std::string>(), std::string("eog"));
        qInfo("%s: llama.cpp rendered %zu prompt tokens and stopped at %s", label.c_str(), prompt.size(),
              tok->id_to_token(end).c_str());
    }

    // chat_stops on a small model of `model_type` with the shared tokenizer `name` (skips without it).
    void chat_stops_shared(const std::string& name, const std::string& tmpl, const std::string& model_type = "llama",
                           int64_t vocab = 0) {
        const std::string dir = shared_tokenizer_dir(name);
        if (dir.empty()) QSKIP(("../shared/tokenizers/" + name + " is absent").c_str());
        ModelConfig c = export_tiny_config(model_type);
        c.hidden_size = 32, c.num_attention_heads = 2, c.num_key_value_heads = 1, c.intermediate_size = 64;
        if (vocab > 0) c.vocab_size = vocab;
        chat_stops(name, dir, c, tmpl);
    }

private slots:
    void initTestCase() {
        const std::string why = harness_missing();
        if (!why.empty()) QSKIP(why.c_str());
        root = scratch_dir() + "/export-llamacpp";
        model = root + "/base";
        make_model_dir(model, export_tiny_config(), 31);
    }

    void f32AndF16GiveLathesGreedyTokens() {
        const std::vector<int32_t> prompt = {1, 45, 120, 7, 260, 33, 90};
        for (const std::string q : {"f32", "f16"}) {
            CausalLM m = load_causal_lm(model);
            if (q == "f16") {
                torch::NoGradGuard g;
                for (auto& p : m->named_parameters())
                    if (p.value().dim() == 2) p.value().copy_(p.value().to(torch::kHalf).to(torch::kFloat));
            }
            const std::vector<int32_t> ours = lathe_greedy(*m, prompt, 16, {2});
            std::string path;
            try {
                path = export_gguf_file(model, root + "/greedy-" + q, q);
            } catch (const std::exception& e) {
                QFAIL(e.what());
            }
            LATHE_RUN_NODE(j, "run.mjs", QStringList{"--model", QString::fromStdString(path), "--tokens"} + ids_arg(prompt) +
                                             QStringList{"--n-predict", "16", "--threads", "1"});
            QCOMPARE(j["generated"].get<std::vector<int32_t>>(), ours);
            qInfo("%s: %zu greedy tokens equal", q.c_str(), ours.size());
        }
    }

    void quantizedFilesLoadAndGenerate() {
        std::vector<int32_t> prompt;
        for (int i = 0; i < 40; ++i) prompt.push_back(3 + (i * 37) % 300);
        std::string f32;
        try {
            f32 = export_gguf_file(model, root + "/q-f32", "f32");
        } catch (const std::exception& e) {
            QFAIL(e.what());
        }
        LATHE_RUN_NODE(ref, "run.mjs", QStringList{"--model", QString::fromStdString(f32), "--tokens"} + ids_arg(prompt) +
                                           QStringList{"--n-predict", "0", "--threads", "1", "--perplexity"});
        const auto top1 = ref["top1"].get<std::vector<int32_t>>();
        for (const std::string q : {"q8_0", "q4_0", "q4_k_m"}) {
            std::string path;
            try {
                path = export_gguf_file(model, root + "/q-" + q, q);
            } catch (const std::exception& e) {
                QFAIL(e.what());
            }
            LATHE_RUN_NODE(j, "run.mjs", QStringList{"--model", QString::fromStdString(path), "--tokens"} + ids_arg(prompt) +
                                             QStringList{"--n-predict", "4", "--threads", "1", "--perplexity"});
            QVERIFY(!j["generated"].empty());
            const auto mine = j["top1"].get<std::vector<int32_t>>();
            int agree = 0;
            for (size_t i = 0; i < top1.size(); ++i) agree += mine[i] == top1[i];
            qInfo("%s: top-1 agreement with F32 %d/%zu, perplexity %.3f (F32 %.3f)", q.c_str(), agree, top1.size(),
                  j["perplexity"]["ppl"].get<double>(), ref["perplexity"]["ppl"].get<double>());
            // A random tiny model has near ties everywhere: 8-bit keeps most argmaxes; for 4-bit only the
            // perplexity is held to stay near F32's (the 110M figures are in docs/benchmarks.md).
            if (q == "q8_0") QVERIFY(agree >= int(top1.size()) * 8 / 10);
            const double ratio = j["perplexity"]["ppl"].get<double>() / ref["perplexity"]["ppl"].get<double>();
            QVERIFY2(ratio > 0.67 && ratio < 1.5, qPrintable(QString("perplexity ratio %1").arg(ratio)));
        }
    }

    // Every built-in template: the Jinja written into exports, rendered by a real Jinja engine, gives
    // the text Lathe's template gives, with and without a system prompt, over several turns, with a
    // tool result, and for a finished conversation without a generation prompt.
    void jinjaRendersLikeLathe() {
        auto tok = Tokenizer::from_dir(export_tokenizer_dir());
        const std::vector<std::vector<Message>> conversations = {
            {{Role::User, "Hi there"}},
            {{Role::System, "Be short."}, {Role::User, "Hi there"}},
            {{Role::User, "Q1 'quoted' \\ back"}, {Role::Assistant, "A1\nline two"}, {Role::User, "Q2"}},
            {{Role::System, "S"}, {Role::User, "U1"}, {Role::Assistant, "A1"}, {Role::User, "U2"}},
            {{Role::User, "U1"}, {Role::Assistant, "call"}, {Role::Observation, "result"}},
            {{Role::User, "U1"}, {Role::Assistant, "A1"}},
        };
        json cases = json::array();
        std::vector<std::string> want, what;
        for (const ChatTemplate& t : builtin_templates()) {
            const int32_t eos = t.eos_id(*tok);
            for (const auto& conv : conversations) {
                json msgs = json::array();
                for (const Message& m : conv) {
                    const char* role = m.role == Role::System ? "system" : m.role == Role::User ? "user"
                                       : m.role == Role::Assistant                     ? "assistant"
                                                                                       : "tool";
                    msgs.push_back({{"role", role}, {"content", m.content}});
                }
                const bool gen = conv.back().role != Role::Assistant;
                cases.push_back({{"template", jinja_chat_template(t)}, {"messages", msgs}, {"bos_token", "<s>"},
                                 {"eos_token", tok->id_to_token(eos)}, {"add_generation_prompt", gen}});
                want.push_back(t.render(conv, "", tok.get()));
                what.push_back(t.name + " / " + std::to_string(conv.size()) + " messages");
            }
        }
        LATHE_RUN_NODE(j, "render.mjs", {}, cases.dump());
        const auto got = j["rendered"].get<std::vector<std::string>>();
        QCOMPARE(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i)
            QVERIFY2(got[i] == want[i], qPrintable(QString::fromStdString(what[i] + ":\n[" + got[i] + "]\nwant\n[" + want[i] + "]")));
        qInfo("%zu renderings equal", got.size());
    }

    void chatTemplateStopsLlamaCppSentencePiece() {
        chat_stops("spm-chatml", export_tokenizer_dir(), export_tiny_config(), "chatml");
    }

    void chatTemplateStopsLlamaCppLlama3() { chat_stops_shared("llama3", "llama3"); }
    void chatTemplateStopsLlamaCppQwen3() { chat_stops_shared("qwen3", "qwen", "qwen3", 151936); }
    void chatTemplateStopsLlamaCppGemma3() { chat_stops_shared("gemma3", "gemma"); }
    void chatTemplateStopsLlamaCppDeepSeekV3() { chat_stops_shared("deepseek_v3", "deepseek3"); }

    // The embedded vocabularies tokenize hard text as Lathe does (llama.cpp runs its own tokenizer).
    void embeddedTokenizersMatchLathe() {
        const std::string text = "Hello world!  Tabs\tand\nnew lines, 12345 digits, 안녕하세요, emoji 🦙🚀, code: if (x) { y(); }";
        struct Case {
            const char* name;
            std::string dir;
        };
        const Case cases[] = {{"trained spm", export_tokenizer_dir()}, {"llama2", shared_tokenizer_dir("llama2")},
                              {"llama3", shared_tokenizer_dir("llama3")}, {"qwen3", shared_tokenizer_dir("qwen3")},
                              {"gemma3", shared_tokenizer_dir("gemma3")}, {"deepseek_v3", shared_tokenizer_dir("deepseek_v3")}};
        for (const Case& k : cases) {
            if (k.dir.empty()) {
                qInfo("%s: skipped (../shared absent)", k.name);
                continue;
            }
            auto tok = Tokenizer::from_dir(k.dir);
            ModelConfig c = export_tiny_config();
            c.hidden_size = 32, c.num_attention_heads = 2, c.num_key_value_heads = 1, c.intermediate_size = 64;
            c.vocab_size = tok->vocab_size();
            const std::string src = root + "/tok-" + std::string(k.name).substr(0, 5);
            make_model_dir(src, c, 3, k.dir);
            std::string path;
            try {
                path = export_gguf_file(src, src + "-gguf", "f16");
            } catch (const std::exception& e) {
                QFAIL(e.what());
            }
            LATHE_RUN_NODE(j, "run.mjs", {"--model", QString::fromStdString(path), "--prompt", QString::fromStdString(text),
                                          "--n-predict", "0", "--threads", "1"});
            QCOMPARE(j["prompt_tokens"].get<std::vector<int32_t>>(), tok->encode(text, false));
            qInfo("%s (%s): %zu tokens equal", k.name, tok->kind().c_str(), tok->encode(text, false).size());
        }
    }
};

LATHE_TEST(TestExportLlamacpp)
#include "test_export_llamacpp.moc"
