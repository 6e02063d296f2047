// The CLI run every family's end-to-end test repeats: a few training steps of one stage and method on a
// test model, with the bundled datasets, and the chat and export that follow it.
#pragma once
#include "tests/cli/cli_fixtures.h"

#include <QtTest>

#include <filesystem>
#include <string>

namespace lathe::test {

// Trains `model_dir` for 2 steps (stage, finetuning_type `method`, `dataset` from datasets/, `extra` YAML lines)
// into scratch_dir()/<prefix>-<name>, which it returns; "" after failing the running test with the CLI's output.
inline std::string train_family_run(const std::string& model_dir, const std::string& prefix, const std::string& name,
                                    const std::string& stage, const std::string& method, const std::string& dataset,
                                    const std::string& extra = "") {
    const std::string out = scratch_dir() + "/" + prefix + "-" + name;
    write_file_atomic(out + ".yaml", "model_name_or_path: " + model_dir + "\nstage: " + stage + "\nfinetuning_type: " +
                                         method + "\ndataset: " + dataset + "\ndataset_dir: " LATHE_SOURCE_DIR "/datasets\n"
                                         "max_samples: 4\ncutoff_len: 48\nper_device_train_batch_size: 2\nmax_steps: 2\n"
                                         "logging_steps: 1\nsave_steps: 100\nlearning_rate: 1.0e-3\nthreads: 2\nlora_rank: 4\n"
                                         "output_dir: " + out + "\n" + extra);
    auto r = run_cli({"train", out + ".yaml"});
    if (r.code != 0 || !contains(r.out, "finished: 2 steps")) {
        QTest::qFail((prefix + "-" + name + ": " + r.why() + "\n" + r.out.substr(0, 2000)).c_str(), __FILE__, __LINE__);
        return "";
    }
    return out;
}

// The stages other than SFT, each with the method its test names (pt full; rm, dpo, kto LoRA).
inline bool every_other_stage_trains(const std::string& model_dir, const std::string& prefix, const std::string& extra = "") {
    return !train_family_run(model_dir, prefix, "pt", "pt", "full", "c4_demo", extra).empty() &&
           !train_family_run(model_dir, prefix, "rm", "rm", "lora", "dpo_en_demo", extra).empty() &&
           !train_family_run(model_dir, prefix, "dpo", "dpo", "lora", "dpo_en_demo", extra).empty() &&
           !train_family_run(model_dir, prefix, "kto", "kto", "lora", "kto_en_demo", extra).empty();
}

// SFT with the methods other than plain LoRA: full, freeze (the last layer), DoRA, QLoRA 4-bit.
inline bool every_other_method_trains(const std::string& model_dir, const std::string& prefix, const std::string& extra = "") {
    return !train_family_run(model_dir, prefix, "full", "sft", "full", "alpaca_en_demo", extra).empty() &&
           !train_family_run(model_dir, prefix, "freeze", "sft", "freeze", "alpaca_en_demo",
                             extra + "freeze_trainable_layers: 1\n").empty() &&
           !train_family_run(model_dir, prefix, "dora", "sft", "lora", "alpaca_en_demo", extra + "use_dora: true\n").empty() &&
           !train_family_run(model_dir, prefix, "qlora", "sft", "lora", "alpaca_en_demo", extra + "quantization_bit: 4\n").empty();
}

// Exports `model_dir` with `adapter` merged to scratch_dir()/<prefix>-export-hf and -gguf (q8_0); the
// number of non-empty .gguf files written, or -1 after failing the running test.
inline int export_family_run(const std::string& model_dir, const std::string& adapter, const std::string& prefix,
                             const std::string& extra = "") {
    for (const std::string format : {"hf", "gguf"}) {
        const std::string out = scratch_dir() + "/" + prefix + "-export-" + format;
        write_file_atomic(out + ".yaml", "model_name_or_path: " + model_dir + "\nadapter_name_or_path: " + adapter +
                                             "\nexport_dir: " + out + "\nexport_format: " + format +
                                             (format == "gguf" ? "\nexport_quantization: q8_0\n" : "\n") + extra);
        auto r = run_cli({"export", out + ".yaml"});
        if (r.code != 0) {
            QTest::qFail((prefix + " export " + format + ": " + r.why() + "\n" + r.out).c_str(), __FILE__, __LINE__);
            return -1;
        }
    }
    int ggufs = 0;
    for (const auto& e : std::filesystem::directory_iterator(scratch_dir() + "/" + prefix + "-export-gguf"))
        if (e.path().extension() == ".gguf" && e.file_size() > 0) ++ggufs;
    return ggufs;
}

// Chats with `model_dir` and `adapter` (greedy, 6 new tokens); true when it answered.
inline bool adapter_chats(const std::string& model_dir, const std::string& adapter) {
    auto chat = run_cli({"chat", "--model", model_dir, "--adapter", adapter, "--max-new-tokens", "6", "--temperature", "0",
                         "--threads", "2"},
                        "Hello there\n/exit\n");
    if (chat.code != 0 || chat.out.empty()) {
        QTest::qFail(("chat: " + chat.why()).c_str(), __FILE__, __LINE__);
        return false;
    }
    return true;
}

}  // namespace lathe::test
