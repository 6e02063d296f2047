// TrainConfig: every key survives to_yaml -> from_yaml, errors name the file, line and key (with a
// suggestion for a typo), LLaMA-Factory keys without effect are accepted and reported, validate()
// explains impossible combinations, and command-line overrides use the same parser.
#include "tests/checks.h"
#include "tests/registry.h"

#include "core/train/preference/preference_stage.h"
#include "core/train/train_config.h"
#include "core/util/messages.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

#include <QtTest>

#include <set>

#include <filesystem>
#include <functional>

using namespace lathe;

namespace {

using lathe::test::error_of;

// A valid fine-tuning config (validate() passes).
TrainConfig valid() {
    TrainConfig c;
    c.model_name_or_path = "/models/tiny";
    c.dataset = "toy";
    c.output_dir = "/tmp/out";
    return c;
}

// A value for `key` that differs from the default and that validate() need not accept.
std::string other_value(const TrainConfig& d, const std::string& key, int salt) {
    const std::string v = d.get(key);
    if (v == "true" || v == "false") return v == "true" ? "false" : "true";
    if (v == "auto") return salt % 2 ? "false" : "true";
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    if (!v.empty() && *end == 0) {
        const bool integer = v.find_first_of(".e") == std::string::npos;
        return integer ? std::to_string(std::stoi(v) + 3 + salt) : std::to_string(0.1 + 0.2 + salt);  // 0.30000000000000004
    }
    return "value of " + key + " #" + std::to_string(salt) + ": with 'quotes', \"doubles\" and # hash";
}

}  // namespace

class TestTrainConfig : public QObject {
    Q_OBJECT

private slots:
    void everyKeyRoundTripsThroughYaml() {
        const TrainConfig defaults;
        TrainConfig c;
        int salt = 0;
        std::vector<std::string> every = TrainConfig::keys(), evaluation = TrainConfig::evaluation_keys();
        every.insert(every.end(), evaluation.begin(), evaluation.end());
        for (const auto& key : every) c.set(key, other_value(defaults, key, salt++));
        c.learning_rate = 0.1 + 0.2;  // needs 17 digits to read back
        c.weight_decay = 1.0 / 3.0;
        const std::string yaml = c.to_yaml();
        const TrainConfig back = TrainConfig::from_yaml(yaml, "training_args.yaml");
        for (const auto& key : every) {
            QVERIFY2(c.get(key) != defaults.get(key), key.c_str());  // every key was really exercised
            QVERIFY2(back.get(key) == c.get(key), qPrintable(QString("%1: wrote '%2', read '%3'")
                                                                 .arg(key.c_str(), c.get(key).c_str(), back.get(key).c_str())));
        }
        QCOMPARE(back.learning_rate, 0.1 + 0.2);
        QCOMPARE(back.weight_decay, 1.0 / 3.0);
        QCOMPARE(back.to_yaml(), yaml);
        QVERIFY(back.ignored.empty());
        // Defaults are left out unless asked for; to_yaml(true) lists every key.
        QCOMPARE(TrainConfig().to_yaml(), std::string("{}\n"));
        const std::string all = TrainConfig().to_yaml(true);
        for (const auto& key : every) QVERIFY2(all.find("\n" + key + ":") != std::string::npos ||
                                                                 all.rfind(key + ":", 0) == 0, key.c_str());
        QCOMPARE(TrainConfig::from_yaml(all, "all.yaml").to_yaml(true), all);
    }

    void readsLlamaFactoryYaml() {
        const std::string text =
            "### model\n"
            "model_name_or_path: /models/Qwen2.5-0.5B-Instruct\n"
            "trust_remote_code: true\n\n"
            "### method\n"
            "stage: sft\n"
            "do_train: true\n"
            "finetuning_type: lora\n"
            "lora_rank: 16\n"
            "lora_target: all\n\n"
            "### dataset\n"
            "dataset: [identity, alpaca_en_demo]\n"
            "template: qwen\n"
            "cutoff_len: 2048\n"
            "max_samples: 1000\n"
            "overwrite_cache: true\n"
            "preprocessing_num_workers: 16\n\n"
            "### output\n"
            "output_dir: saves/qwen/lora/sft\n"
            "logging_steps: 10\n"
            "save_steps: 500\n"
            "plot_loss: true\n"
            "report_to: none\n\n"
            "### train\n"
            "per_device_train_batch_size: 1\n"
            "gradient_accumulation_steps: 8\n"
            "learning_rate: 1.0e-4\n"
            "num_train_epochs: 3.0\n"
            "lr_scheduler_type: cosine\n"
            "warmup_ratio: 0.1\n"
            "bf16: true\n"
            "ddp_timeout: 180000000\n"
            "deepspeed:\n"
            "  zero_optimization: {stage: 2}\n";
        const TrainConfig c = TrainConfig::from_yaml(text, "qwen_lora_sft.yaml");
        QCOMPARE(c.model_name_or_path, std::string("/models/Qwen2.5-0.5B-Instruct"));
        QCOMPARE(c.lora_rank, 16);
        QCOMPARE(c.dataset, std::string("identity,alpaca_en_demo"));
        QCOMPARE(c.template_name, std::string("qwen"));
        QCOMPARE(c.learning_rate, 1e-4);
        QCOMPARE(c.warmup_ratio, 0.1);
        QVERIFY(c.bf16 == Toggle::On);
        QCOMPARE(c.ignored, (std::vector<std::string>{"trust_remote_code", "overwrite_cache", "preprocessing_num_workers",
                                                      "plot_loss", "report_to", "deepspeed"}));
        QCOMPARE(c.ddp_timeout, 180000000);  // LLaMA-Factory's examples' value, in seconds
        QCOMPARE(c.effective_lora_alpha(), 32.0);
        c.validate();
    }

    void unknownKeySuggestsAndNamesTheLine() {
        const std::string text = "model_name_or_path: m\nlora_rnak: 8\n";
        QCOMPARE(error_of<ConfigError>([&] { TrainConfig::from_yaml(text, "run.yaml"); }),
                 std::string("run.yaml:2: unknown key 'lora_rnak' (did you mean 'lora_rank'?)"));
        QCOMPARE(error_of<ConfigError>([&] { TrainConfig::from_yaml("\n\nlearnin_rate: 1e-4\n", "run.yaml"); }),
                 std::string("run.yaml:3: unknown key 'learnin_rate' (did you mean 'learning_rate'?)"));
        QCOMPARE(error_of<ConfigError>([&] { TrainConfig::from_yaml("frobnicate: 1\n", "run.yaml"); }),
                 std::string("run.yaml:1: unknown key 'frobnicate'"));
        QCOMPARE(error_of<ConfigError>([&] { TrainConfig::from_yaml("lora_rnak:\n  a: 1\n", "run.yaml"); }),
                 std::string("run.yaml:1: unknown key 'lora_rnak' (did you mean 'lora_rank'?)"));
        // From a file: the path is the origin.
        const std::string path = lathe::test::scratch_dir() + "/typo.yaml";
        write_file_atomic(path, "stage: sft\ngradient_acumulation_steps: 4\n");
        QCOMPARE(error_of<ConfigError>([&] { TrainConfig::from_yaml_file(path); }),
                 path + ":2: unknown key 'gradient_acumulation_steps' (did you mean 'gradient_accumulation_steps'?)");
        QCOMPARE(closest_match("lora_rnak", TrainConfig::keys()), std::string("lora_rank"));
        QCOMPARE(closest_match("zzzzzz", TrainConfig::keys()), std::string());
    }

    void badValuesNameTheKey() {
        auto yaml_error = [](const std::string& text) { return error_of<ConfigError>([&] { TrainConfig::from_yaml(text, "run.yaml"); }); };
        QCOMPARE(yaml_error("lora_rank: eight\n"), std::string("run.yaml:1: lora_rank: expected an integer, got 'eight'"));
        QCOMPARE(yaml_error("cutoff_len: 1.5\n"), std::string("run.yaml:1: cutoff_len: expected an integer, got '1.5'"));
        QCOMPARE(yaml_error("\nlearning_rate: fast\n"), std::string("run.yaml:2: learning_rate: expected a number, got 'fast'"));
        QCOMPARE(yaml_error("learning_rate: .nan\n"), std::string("run.yaml:1: learning_rate: expected a number, got '.nan'"));
        QCOMPARE(yaml_error("bf16: maybe\n"), std::string("run.yaml:1: bf16: expected auto, true or false, got 'maybe'"));
        QCOMPARE(yaml_error("pure_bf16: auto\n"), std::string("run.yaml:1: pure_bf16: expected true or false, got 'auto'"));
        QCOMPARE(yaml_error("max_steps: 1e12\n"),
                 std::string("run.yaml:1: max_steps: expected an integer that fits in 32 bits, got '1e12'"));
        QCOMPARE(yaml_error("save_steps: 99999999999\n"),
                 std::string("run.yaml:1: save_steps: expected an integer that fits in 32 bits, got '99999999999'"));
        QCOMPARE(yaml_error("lora_target:\n  q: 1\n"), std::string("run.yaml:1: lora_target: expected a plain value, got a mapping"));
        QVERIFY(yaml_error("stage: [sft\n").rfind("run.yaml:", 0) == 0);
        QVERIFY(yaml_error("stage: [sft\n").find("invalid YAML") != std::string::npos);
        // Forms YAML users write that must work.
        const TrainConfig c = TrainConfig::from_yaml("max_steps: 1e3\nsave_steps: 100.0\nbf16: True\nfp16: off\n"
                                                     "learning_rate: 5e-5\nadapter_name_or_path: null\n", "run.yaml");
        QCOMPARE(c.max_steps, 1000);
        QCOMPARE(c.save_steps, 100);
        QVERIFY(c.bf16 == Toggle::On && !c.fp16);
        QCOMPARE(c.learning_rate, 5e-5);
        QCOMPARE(c.adapter_name_or_path, std::string());
        QVERIFY(TrainConfig::from_yaml("", "empty.yaml").to_yaml() == "{}\n");
        QCOMPARE(error_of<ConfigError>([&] { TrainConfig::from_yaml("- a\n- b\n", "list.yaml"); }),
                 std::string("list.yaml: expected a mapping of key: value lines"));
        QCOMPARE(yaml_error("\ndataset:\n  - [a, b]\n"), std::string("run.yaml:2: dataset: expected a list of plain values"));
        // The same problems as data, for the studio to place and word: file, line, column, key and id.
        auto problem_of = [](const std::string& text) {
            try {
                TrainConfig::from_yaml(text, "run.yaml");
            } catch (const ConfigError& e) {
                return e.problem();
            }
            return Problem();
        };
        const Problem invalid = problem_of("stage: sft\nlora_rank: [8\n");
        QCOMPARE(invalid.id, std::string("yaml_invalid"));
        QCOMPARE(invalid.file, std::string("run.yaml"));
        QVERIFY2(invalid.line >= 2 && invalid.column >= 1, invalid.message.c_str());
        QVERIFY2(invalid.message.rfind("run.yaml:" + std::to_string(invalid.line) + ":" + std::to_string(invalid.column) +
                                           ": invalid YAML: ", 0) == 0,
                 invalid.message.c_str());
        const Problem list = problem_of("- a\n");
        QCOMPARE(list.id, std::string("yaml_not_mapping"));
        QCOMPARE(list.file, std::string("run.yaml"));
        const Problem nested = problem_of("\ndataset:\n  - [a, b]\n");
        QCOMPARE(nested.id, std::string("yaml_list_not_plain"));
        QCOMPARE(nested.key, std::string("dataset"));
        QCOMPARE(nested.line, int64_t(2));
    }

    // bf16 is auto unless a config says otherwise, reads auto / true / false in YAML's spellings, and writes
    // back what it read; old configs with true/false keep their meaning. pure_bf16 is LLaMA-Factory's bool.
    void bf16IsAutoTrueOrFalse() {
        QVERIFY(TrainConfig().bf16 == Toggle::Auto);
        QVERIFY(!TrainConfig().pure_bf16);
        QVERIFY(TrainConfig::from_yaml("stage: sft\n", "run.yaml").bf16 == Toggle::Auto);
        const std::vector<std::pair<std::string, Toggle>> spellings = {
            {"auto", Toggle::Auto}, {"Auto", Toggle::Auto}, {"true", Toggle::On},   {"True", Toggle::On},
            {"yes", Toggle::On},    {"on", Toggle::On},     {"false", Toggle::Off}, {"off", Toggle::Off},
            {"no", Toggle::Off}};
        for (const auto& [text, want] : spellings) {
            const TrainConfig c = TrainConfig::from_yaml("bf16: " + text + "\n", "run.yaml");
            QVERIFY2(c.bf16 == want, text.c_str());
            const std::string written = want == Toggle::Auto ? "auto" : want == Toggle::On ? "true" : "false";
            QCOMPARE(c.get("bf16"), written);
            // to_yaml leaves the default (auto) out and writes the others; each reads back the same.
            QCOMPARE(c.to_yaml(), want == Toggle::Auto ? std::string("{}\n") : "bf16: " + written + "\n");
            QVERIFY(TrainConfig::from_yaml(c.to_yaml(), "back.yaml").bf16 == want);
        }
        TrainConfig c;
        c.set("bf16", "false");
        QVERIFY(c.bf16 == Toggle::Off);
        c.apply_override("bf16=auto");
        QVERIFY(c.bf16 == Toggle::Auto);
        c.apply_override("pure_bf16=true");
        QVERIFY(c.pure_bf16);
        QCOMPARE(c.to_yaml(), std::string("pure_bf16: true\n"));
        QVERIFY(TrainConfig::from_yaml(c.to_yaml(), "back.yaml").pure_bf16);
        QVERIFY(TrainConfig().to_yaml(true).find("\nbf16: auto\npure_bf16: false\n") != std::string::npos);
    }

    void overridesUseTheSameParser() {
        TrainConfig c = valid();
        c.apply_override("learning_rate=2e-4");
        c.apply_override("dataset=a,b");
        c.apply_override("output_dir=/tmp/x=y");  // only the first '=' separates
        QCOMPARE(c.learning_rate, 2e-4);
        QCOMPARE(c.dataset, std::string("a,b"));
        QCOMPARE(c.output_dir, std::string("/tmp/x=y"));
        QCOMPARE(error_of<ConfigError>([&] { c.apply_override("lora_rank"); }),
                 std::string("override 'lora_rank' is not of the form key=value"));
        QCOMPARE(error_of<ConfigError>([&] { c.apply_override("=5"); }), std::string("override '=5' is not of the form key=value"));
        QCOMPARE(error_of<ConfigError>([&] { c.apply_override("lora_rnak=4"); }),
                 std::string("command line: unknown key 'lora_rnak' (did you mean 'lora_rank'?)"));
        QCOMPARE(error_of<ConfigError>([&] { c.apply_override("lora_rank=x"); }),
                 std::string("command line: lora_rank: expected an integer, got 'x'"));
        c.apply_override("report_to=wandb");
        QCOMPARE(c.ignored, std::vector<std::string>{"report_to"});
        QCOMPARE(error_of<ConfigError>([&] { c.get("nope"); }), std::string("unknown key 'nope'"));
    }

    void validateExplainsImpossibleSettings() {
        valid().validate();
        using Edit = std::function<void(TrainConfig&)>;
        const std::vector<std::pair<Edit, std::string>> cases = {
            {[](TrainConfig& c) { c.quantization_bit = 4, c.finetuning_type = "full"; },
             "quantization_bit: quantized training (QLoRA) needs finetuning_type: lora"},
            {[](TrainConfig& c) { c.quantization_bit = 3; }, "quantization_bit: must be 4 or 8 (or unset), got 3"},
            {[](TrainConfig& c) { c.quantization_bit = 4, c.quantization_type = "fp4"; },
             "quantization_type: 'fp4' is not one of nf4"},
            {[](TrainConfig& c) { c.model_name_or_path = "", c.create_new_model = "tiny"; },
             "finetuning_type: a new model has nothing to adapt: use full for create_new_model"},
            {[](TrainConfig& c) { c.model_name_or_path = "", c.create_new_model = "tiny", c.finetuning_type = "full",
                                  c.quantization_bit = 8; },
             "quantization_bit: quantized training (QLoRA) needs finetuning_type: lora"},
            {[](TrainConfig& c) { c.model_name_or_path = "", c.create_new_model = "huge", c.finetuning_type = "full"; },
             "create_new_model: 'huge' is not one of tiny, small, base"},
            {[](TrainConfig& c) { c.model_name_or_path = ""; },
             "model_name_or_path: no model given (set a model folder, or create_new_model: tiny|small|base)"},
            {[](TrainConfig& c) { c.stage = "grpo"; }, "stage: 'grpo' is not one of pt, sft, rm, dpo, kto, ppo"},
            {[](TrainConfig& c) { c.finetuning_type = "qlora"; }, "finetuning_type: 'qlora' is not one of full, freeze, lora"},
            {[](TrainConfig& c) { c.lr_scheduler_type = "poly"; },
             "lr_scheduler_type: 'poly' is not one of linear, cosine, constant, constant_with_warmup, cosine_with_min_lr"},
            {[](TrainConfig& c) { c.lora_rank = 0; }, "lora_rank: must be at least 1"},
            {[](TrainConfig& c) { c.lora_dropout = 1.0; }, "lora_dropout: must be in [0, 1)"},
            {[](TrainConfig& c) { c.cutoff_len = 2; }, "cutoff_len: must be at least 4 tokens"},
            {[](TrainConfig& c) { c.gradient_accumulation_steps = 0; }, "gradient_accumulation_steps: must be at least 1"},
            {[](TrainConfig& c) { c.learning_rate = 0; }, "learning_rate: must be positive"},
            {[](TrainConfig& c) { c.num_train_epochs = 0; }, "num_train_epochs: must be positive (or set max_steps)"},
            {[](TrainConfig& c) { c.warmup_ratio = 1.0; }, "warmup_ratio: must be in [0, 1)"},
            {[](TrainConfig& c) { c.bf16 = Toggle::On, c.fp16 = true; }, "bf16: bf16 and fp16 cannot both be set"},
            {[](TrainConfig& c) { c.pure_bf16 = c.fp16 = true; }, "pure_bf16: pure_bf16 and fp16 cannot both be set"},
            {[](TrainConfig& c) { c.dataset = ""; }, "dataset: no dataset chosen"},
            {[](TrainConfig& c) { c.output_dir = ""; }, "output_dir: no output directory given"},
            {[](TrainConfig& c) { c.logging_steps = 0; }, "logging_steps: must be at least 1"},
            {[](TrainConfig& c) { c.save_total_limit = -1; }, "save_total_limit: must be >= 0 (0 = keep all)"},
            {[](TrainConfig& c) { c.dpo_label_smoothing = 0.5; }, "dpo_label_smoothing: must be in [0, 0.5)"},
            {[](TrainConfig& c) { c.pref_loss = "kto"; }, "pref_loss: 'kto' is not one of sigmoid, hinge, ipo, orpo, simpo"},
            {[](TrainConfig& c) { c.nproc_per_node = 2000; }, "nproc_per_node: must be in [1, 1024]"},
            {[](TrainConfig& c) { c.nnodes = 0; }, "nnodes: must be in [1, 1024]"},
            {[](TrainConfig& c) { c.nnodes = 2, c.master_addr = "10.0.0.1", c.node_rank = 2; }, "node_rank: must be in [0, 1]"},
            {[](TrainConfig& c) { c.node_rank = -1; }, "node_rank: must be in [0, 0]"},
            {[](TrainConfig& c) { c.master_port = 70000; }, "master_port: must be in [0, 65535] (0 = any free port)"},
            {[](TrainConfig& c) { c.nnodes = 3; }, "master_addr: a run on 3 machines needs the address of node 0"},
        };
        for (const auto& [edit, want] : cases) {
            TrainConfig c = valid();
            edit(c);
            const std::string got = error_of<ConfigError>([&] { c.validate(); });
            QVERIFY2(got == want, (got + " | expected " + want).c_str());
        }
        // max_steps makes num_train_epochs irrelevant.
        TrainConfig steps = valid();
        steps.num_train_epochs = 0;
        steps.max_steps = 10;
        steps.validate();
        // A new model over an existing model folder is refused.
        const std::string dir = lathe::test::scratch_dir() + "/has-model";
        std::filesystem::create_directories(dir);
        write_file_atomic(dir + "/config.json", "{}");
        TrainConfig fresh = valid();
        fresh.model_name_or_path = dir;
        fresh.create_new_model = "tiny";
        fresh.finetuning_type = "full";
        QCOMPARE(error_of<ConfigError>([&] { fresh.validate(); }),
                 "create_new_model: model_name_or_path '" + dir + "' already holds a model; remove create_new_model to "
                 "fine-tune it");
    }

    void problemsAreAllFoundAtOnceAsData() {
        QVERIFY(valid().problems().empty());
        TrainConfig c = valid();
        c.quantization_bit = 3;
        c.lora_rank = 0;
        c.learning_rate = 0;
        c.output_dir = "";
        const std::vector<Problem> found = c.problems();
        QCOMPARE(found.size(), size_t(4));
        const char* keys[] = {"quantization_bit", "lora_rank", "learning_rate", "output_dir"};
        for (size_t i = 0; i < found.size(); ++i) {
            QCOMPARE(found[i].key, std::string(keys[i]));
            // The English message is the id's wording with its arguments, after the key.
            QCOMPARE(found[i].message, found[i].key + ": " + format_message(found[i].id, found[i].args));
        }
        QCOMPARE(found[0].id, std::string("quantization_bits"));
        QCOMPARE(found[0].args, std::vector<std::string>{"3"});
        // validate() throws the first, with its data.
        try {
            c.validate();
            QFAIL("validate() accepted four problems");
        } catch (const ConfigError& e) {
            QCOMPARE(e.problem().key, std::string("quantization_bit"));
            QCOMPARE(std::string(e.what()), found[0].message);
        }
    }

    // The engine decides on Stage and Method, read once from the config's names.
    void stageAndMethodAreEnumsOfTheConfigNames() {
        for (const std::string& n : stage_names()) QCOMPARE(std::string(stage_name(parse_stage(n))), n);
        for (const std::string& n : method_names()) QCOMPARE(std::string(method_name(parse_method(n))), n);
        QCOMPARE(int(stage_names().size()), 6);
        QCOMPARE(int(method_names().size()), 3);
        auto e = test::error_of([] { parse_method("qlora"); });
        QVERIFY2(test::has(e, "finetuning_type: 'qlora' is not one of full, freeze, lora"), e.c_str());
        TrainConfig c;
        c.stage = "bogus";
        QVERIFY(!c.is_preference_stage());  // unknown names answer, validation names them
        e = test::error_of([&] { c.training_stage(); });
        QVERIFY2(test::has(e, "unknown stage 'bogus'"), e.c_str());
        // Which stages are preference stages, and which of them (with which pref_loss) need a reference.
        const std::map<std::string, std::string> expected = {
            {"pt", "-"}, {"sft", "-"}, {"rm", "p"}, {"dpo/sigmoid", "pr"}, {"dpo/hinge", "pr"}, {"dpo/ipo", "pr"},
            {"dpo/orpo", "p"}, {"dpo/simpo", "p"}, {"kto", "pr"}};
        for (const auto& [what, flags] : expected) {
            TrainConfig t;
            const auto slash = what.find('/');
            t.stage = what.substr(0, slash);
            if (slash != std::string::npos) t.pref_loss = what.substr(slash + 1);
            const std::string got = std::string(t.is_preference_stage() ? "p" : "") + (needs_reference_model(t) ? "r" : "");
            QVERIFY2(got == (flags == "-" ? "" : flags), (what + ": " + got).c_str());
        }
    }

    void messageIdsAreUniqueAndKnown() {
        std::set<std::string> ids;
        for (const MessageForm& f : message_forms()) QVERIFY2(ids.insert(f.id).second, f.id);
        QCOMPARE(format_message("must_be_in", {"[0, 1)"}), std::string("must be in [0, 1)"));
        QVERIFY(!error_of<std::out_of_range>([] { format_message("no_such_message"); }).empty());
    }
};

LATHE_TEST(TestTrainConfig)
#include "test_train_config.moc"
