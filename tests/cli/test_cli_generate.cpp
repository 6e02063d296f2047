// lathe-cli generate: greedy ids equal a full-recomputation loop run here on the same folder; EOS from
// config.json ends the reply; a seed fixes sampling; --prompt runs text in and text out.
#include "core/infer/gemv.h"
#include "tests/cli/cli_fixtures.h"

#include "core/io/json_file.h"
#include "core/model/transformer.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/model/test_generate_models.h"
#include "tests/core/model/tiny_models.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <algorithm>

using namespace lathe;

namespace {

const std::vector<int32_t> kPrompt = {5, 17, 33, 8};
const std::string kPromptArg = "5,17,33,8";

// Greedy decoding the slow way: the whole sequence through the model at every step, no KV cache;
// stops after an id of `eos`.
std::vector<int32_t> greedy_reference(CausalLMImpl& m, std::vector<int32_t> seq, int n, const std::vector<int64_t>& eos) {
    torch::NoGradGuard no_grad;
    std::vector<int32_t> out;
    for (int step = 0; step < n; ++step) {
        auto input = torch::tensor(std::vector<int64_t>(seq.begin(), seq.end()), torch::kLong).unsqueeze(0);  // (1, T)
        auto logits = m.forward(input).select(1, input.size(1) - 1).reshape(-1);                            // (V)
        const auto id = static_cast<int32_t>(logits.argmax().item<int64_t>());
        seq.push_back(id);
        out.push_back(id);
        if (std::count(eos.begin(), eos.end(), id)) break;
    }
    return out;
}

// A random tiny model saved without a tokenizer (--ids needs none).
struct Folder {
    CausalLM model{nullptr};
    std::string dir;
};

Folder random_folder(const std::string& name, const std::vector<int64_t>& eos) {
    auto c = test::tiny_config("llama");
    c.eos_token_ids = eos;
    Folder f;
    f.model = CausalLM(c);
    f.model->init_weights(11, 0.2);
    f.model->eval();
    f.dir = test::write_model_folder(*f.model, name, "");
    return f;
}

test::CliResult generate_ids(const std::string& dir, std::vector<std::string> extra) {
    std::vector<std::string> args = {"generate", "--model", dir, "--prompt-ids", kPromptArg, "--ids"};
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run_cli(args);
}

}  // namespace

class TestCliGenerate : public QObject {
    Q_OBJECT
private slots:
    void greedyIdsMatchFullRecomputation() {
        auto f = random_folder("generate-greedy", {2});
        auto r = generate_ids(f.dir, {"--temperature", "0", "--max-new-tokens", "20"});
        QVERIFY2(r.code == 0, r.why().c_str());
        const auto want = greedy_reference(*f.model, kPrompt, 20, {2});
        QCOMPARE(test::parse_ids(r.out, ','), want);
        // --prompt-ids are used as given: no BOS in front.
        QVERIFY2(test::contains(r.err, "[4 prompt tokens, " + std::to_string(want.size()) + " generated"), r.err.c_str());
    }

    // --weights: f32 is the reference exactly; bf16 and int8 hold fewer bytes and start the same way.
    void weightsChoicesAgreeWithFloat32() {
        auto f = random_folder("generate-weights", {});
        const auto want = greedy_reference(*f.model, kPrompt, 12, {});
        for (const std::string w : {"f32", "bf16", "int8"}) {
            auto r = generate_ids(f.dir, {"--temperature", "0", "--max-new-tokens", "12", "--weights", w});
            QVERIFY2(r.code == 0, r.why().c_str());
            QVERIFY2(test::contains(r.err, w + " weights"), r.err.c_str());
            const auto got = test::parse_ids(r.out, ',');
            QCOMPARE(got.size(), want.size());
            if (w == "f32") QCOMPARE(got, want);
            else QVERIFY2(std::equal(want.begin(), want.begin() + 4, got.begin()), (w + ": " + r.out).c_str());
        }
        // bf16 weights say when their products round activations to bf16 (AVX512-BF16), and
        // LATHE_KERNEL_ISA caps the kernels: at avx512 or below activations stay float32.
        const auto bf16 = generate_ids(f.dir, {"--max-new-tokens", "2", "--weights", "bf16"});
        QCOMPARE(test::contains(bf16.err, "activations rounded to bf16"), kernels::bf16_rounds_input());
        for (const char* isa : {"avx512", "avx2", "portable"}) {
            qputenv("LATHE_KERNEL_ISA", isa);
            const auto capped = generate_ids(f.dir, {"--temperature", "0", "--max-new-tokens", "12", "--weights", "bf16"});
            qunsetenv("LATHE_KERNEL_ISA");
            QVERIFY2(capped.code == 0, capped.why().c_str());
            QVERIFY2(!test::contains(capped.err, "activations rounded"), capped.err.c_str());
            const auto got = test::parse_ids(capped.out, ',');
            QVERIFY2(got.size() == want.size() && std::equal(want.begin(), want.begin() + 4, got.begin()), isa);
        }
        auto bad = generate_ids(f.dir, {"--weights", "int4"});
        QVERIFY(bad.code != 0);
        QVERIFY2(test::contains(bad.err, "auto, f32, bf16 or int8"), bad.err.c_str());
        auto both = generate_ids(f.dir, {"--weights", "bf16", "--dtype", "fp32"});
        QVERIFY(both.code != 0);
        QVERIFY2(test::contains(both.err, "--weights or --dtype"), both.err.c_str());
    }

    // Set config.json's eos_token_id to an id the model produces: the reply ends with it.
    void stopsAtTheConfiguredEos() {
        auto f = random_folder("generate-eos", {});
        auto r = generate_ids(f.dir, {"--temperature", "0", "--max-new-tokens", "16"});
        QVERIFY2(r.code == 0, r.why().c_str());
        const auto free_run = test::parse_ids(r.out, ',');
        QCOMPARE(free_run.size(), size_t(16));
        QVERIFY2(test::contains(r.err, "finish: length"), r.err.c_str());
        size_t k = 2;  // an id that first appears at k > 0
        while (k < free_run.size() && std::count(free_run.begin(), free_run.begin() + long(k), free_run[k])) ++k;
        QVERIFY2(k < free_run.size(), "the model repeats itself from the start: pick another seed");

        auto config = read_json_file(f.dir + "/config.json");
        config["eos_token_id"] = free_run[k];
        write_json_file(f.dir + "/config.json", config);
        r = generate_ids(f.dir, {"--temperature", "0", "--max-new-tokens", "16"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(test::parse_ids(r.out, ','), std::vector<int32_t>(free_run.begin(), free_run.begin() + long(k) + 1));
        QVERIFY2(test::contains(r.err, "finish: stop"), r.err.c_str());
    }

    void seedMakesSamplingReproducible() {
        auto f = random_folder("generate-seed", {});
        auto sample = [&](const std::string& seed) {
            auto r = generate_ids(f.dir, {"--temperature", "1.0", "--top-k", "50", "--top-p", "0.95", "--seed", seed,
                                          "--max-new-tokens", "24"});
            if (r.code != 0) return std::vector<int32_t>{-1};
            return test::parse_ids(r.out, ',');
        };
        const auto a = sample("1234");
        QCOMPARE(a.size(), size_t(24));
        QCOMPARE(sample("1234"), a);
        QVERIFY(sample("1235") != a);
        // Sampling at all: not the greedy answer.
        QVERIFY(a != greedy_reference(*f.model, kPrompt, 24, {}));
    }

    // generation_config.json's do_sample turns sampling on with its settings (transformers' defaults for
    // the rest); flags override it, and --temperature 0 is greedy again.
    void generationConfigSetsTheDefaults() {
        auto f = random_folder("generate-config", {});
        auto ids = [&](std::vector<std::string> extra) {
            extra.insert(extra.end(), {"--seed", "3", "--max-new-tokens", "24"});
            auto r = generate_ids(f.dir, extra);
            return r.code == 0 ? test::parse_ids(r.out, ',') : std::vector<int32_t>{-1};
        };
        const auto greedy = greedy_reference(*f.model, kPrompt, 24, {});
        QCOMPARE(ids({}), greedy);  // no generation_config.json: greedy
        write_json_file(f.dir + "/generation_config.json", nlohmann::json{{"do_sample", true}, {"temperature", 1.3},
                                                                          {"top_p", nullptr}});
        const auto sampled = ids({});
        QCOMPARE(sampled.size(), size_t(24));
        QVERIFY(sampled != greedy);
        QCOMPARE(ids({"--temperature", "1.3", "--top-k", "50", "--top-p", "1"}), sampled);
        QCOMPARE(ids({"--temperature", "0"}), greedy);
        QVERIFY(ids({"--top-k", "3"}) != sampled);
    }

    // Text in, text out: the prompt is encoded with BOS, the reply streams as text and ends at the
    // tokenizer's EOS (the rote model answers every prompt the same way).
    void promptTextGivesReplyText() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string tok_dir = test::shared_tokenizer_dir("llama2");
        auto tok = Tokenizer::from_dir(tok_dir);
        const std::string reply = "Hello there, 친구!🍕";  // each id once (see test_generate_models.h)
        test::RoteSpec spec;
        spec.vocab_size = tok->vocab_size();
        spec.reply = tok->encode(reply);
        spec.eos = tok->special().eos_id;
        QVERIFY2(test::rote_problem(spec).empty(), test::rote_problem(spec).c_str());
        auto m = test::rote_model(spec);
        const std::string dir = test::write_model_folder(*m, "generate-rote", tok_dir);
        auto r = test::run_cli({"generate", "--model", dir, "--prompt", "Say hi", "--temperature", "0"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, reply + "\n");
        const size_t prompt_len = tok->encode("Say hi", true).size();
        QVERIFY(tok->encode("Say hi", true).front() == tok->special().bos_id);
        QVERIFY2(test::contains(r.err, "[" + std::to_string(prompt_len) + " prompt tokens, " +
                                           std::to_string(spec.reply.size() + 1) + " generated, finish: stop"),
                 r.err.c_str());
        // --ids on the same folder: the reply's ids and the EOS.
        r = test::run_cli({"generate", "--model", dir, "--prompt-ids", "7", "--temperature", "0", "--ids"});
        QVERIFY2(r.code == 0, r.why().c_str());
        auto want = spec.reply;
        want.push_back(spec.eos);
        QCOMPARE(test::parse_ids(r.out, ','), want);
        // Without eos_token_id in config.json the tokenizer's EOS still ends the reply, with --ids as
        // without it: the output format does not change what is generated.
        auto config = read_json_file(dir + "/config.json");
        config.erase("eos_token_id");
        write_json_file(dir + "/config.json", config);
        r = test::run_cli({"generate", "--model", dir, "--prompt-ids", "7", "--temperature", "0", "--ids"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(test::parse_ids(r.out, ','), want);
        r = test::run_cli({"generate", "--model", dir, "--prompt-ids", "7", "--temperature", "0"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QCOMPARE(r.out, reply + "\n");
    }
};

LATHE_TEST(TestCliGenerate)
#include "test_cli_generate.moc"
