// Stages rm, dpo and kto end to end through run_training (the CLI's and the studio's entry point): a
// model folder with a character tokenizer, datasets on disk, the run directory, the files written,
// resume, and the errors a user sees for bad preference records and settings.
#include "core/data/encode.h"
#include "core/data/record.h"
#include "core/data/template.h"
#include "core/io/safetensors.h"
#include "core/model/value_head.h"
#include "core/peft/adapter_io.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/session.h"
#include "core/train/train_config.h"
#include "tests/core/train/test_pref_fixtures.h"

#include <QtTest>

#include <atomic>

using namespace lathe;
using namespace lathe::test;

namespace {

TrainConfig base_config(const std::string& stage, const std::string& model, const std::string& data, const std::string& out) {
    TrainConfig c;
    c.model_name_or_path = model;
    c.template_name = "default";
    c.stage = stage;
    c.finetuning_type = "lora";
    c.lora_rank = 8;
    c.dataset = stage == "kto" ? "feedback" : "pairs";
    c.dataset_dir = data;
    c.output_dir = out;
    c.overwrite_output_dir = true;
    c.cutoff_len = 64;
    c.per_device_train_batch_size = 8;
    c.per_device_eval_batch_size = 8;
    c.gradient_accumulation_steps = 1;
    c.learning_rate = 1e-2;
    c.lr_scheduler_type = "constant";
    c.max_steps = 4;
    c.logging_steps = 2;
    c.save_steps = 0;
    c.device = "cpu";
    c.bf16 = Toggle::Off;  // the same numbers on every machine (test_precision covers bf16)
    return c;
}

std::string run_log(const std::string& out) { return read_file(out + "/running_log.txt"); }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string failure(const TrainConfig& c) {
    TrainSummary s = run_training(c, TrainerEvents{});
    return s.status == TrainSummary::Status::Failed ? s.message : "(completed)";
}

// Records one per line, so record i sits on line i + 2.
std::string dataset_with_lines(const std::string& name, const std::vector<std::string>& records) {
    const std::string dir = pairs_dataset_dir(name, nlohmann::json::array());
    std::string text = "[\n";
    for (size_t i = 0; i < records.size(); ++i) text += records[i] + (i + 1 < records.size() ? ",\n" : "\n");
    write_file_atomic(dir + "/pairs.json", text + "]\n");
    return dir;
}

}  // namespace

class TestPrefSession : public QObject {
    Q_OBJECT
private slots:
    // stage rm with LoRA: adapter + value_head.safetensors, accuracy in the logs, and the saved reward
    // model (base + adapter + value head, read back as `lathe-cli score` does) ranks held-out pairs.
    void rewardModelLoraEndToEnd() {
        const std::string model = char_model_dir("rm-model");
        const std::string data = pairs_dataset_dir("rm-data", text_pairs(96, 1));
        const std::string out = scratch_dir() + "/rm-run";
        TrainConfig c = base_config("rm", model, data, out);
        c.max_steps = 40;
        c.val_size = 24;
        TrainSummary s = run_training(c, TrainerEvents{});
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        for (const char* f : {"adapter_config.json", "adapter_model.safetensors", "value_head.safetensors"})
            QVERIFY2(file_exists(out + "/" + f), f);
        SafetensorsFile vh(out + "/value_head.safetensors");
        QCOMPARE(vh.entries().size(), size_t(2));
        QVERIFY(vh.find("v_head.summary.weight") && vh.find("v_head.summary.bias"));
        auto rows = read_trainer_log(out);
        QVERIFY(rows.front().contains("accuracy") && rows.front().contains("margin"));
        QVERIFY(rows.back().contains("eval_accuracy"));
        auto eval = read_json_file(out + "/eval_results.json");
        QVERIFY2(eval.at("eval_accuracy").get<double>() > 0.8, eval.dump().c_str());
        QVERIFY(contains(run_log(out), "value head: new (32 -> 1)"));

        // Score held-out pairs from the saved files.
        auto tok = Tokenizer::from_dir(model);
        auto lm = load_causal_lm(model);
        merge_lora_adapters(lm.ptr(), {out}, model);
        ValueHead head = load_value_head(out, 32, torch::kCPU);
        std::vector<std::vector<int32_t>> seqs;
        for (const auto& r : text_pairs(20, 555))
            for (const char* side : {"chosen", "rejected"}) {
                Sample smp;
                smp.prompt = {{Role::User, r["instruction"].get<std::string>()}};
                smp.response = {{Role::Assistant, r[side].get<std::string>()}};
                seqs.push_back(encode_supervised(smp, *find_template("default"), *tok, EncodeOptions{}).input_ids);
            }
        auto scores = score_sequences(*lm, head, seqs);
        int right = 0;
        for (int i = 0; i < 20; ++i) right += scores[2 * i].item<double>() > scores[2 * i + 1].item<double>();
        QVERIFY2(right >= 16, std::to_string(right).c_str());
    }

    // A resumed rm run restores its value head from the checkpoint (beside the adapter).
    void rewardModelResumes() {
        const std::string model = char_model_dir("rm-resume-model");
        const std::string data = pairs_dataset_dir("rm-resume-data", text_pairs(32, 2));
        const std::string out = scratch_dir() + "/rm-resume-run";
        TrainConfig c = base_config("rm", model, data, out);
        c.max_steps = 3;
        c.save_steps = 2;
        QVERIFY(run_training(c, TrainerEvents{}).status == TrainSummary::Status::Completed);
        QVERIFY(file_exists(out + "/checkpoint-2/value_head.safetensors"));
        c.max_steps = 4;
        c.resume_from_checkpoint = "auto";
        TrainSummary s = run_training(c, TrainerEvents{});
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        QVERIFY(contains(run_log(out), "resumed from " + out + "/checkpoint-2 at step 2"));
    }

    // stage dpo: LoRA uses the adapter-off base; full fine-tuning precomputes the reference log-probs;
    // freeze keeps a frozen copy; a resumed full run reloads the reference from the model folder.
    void dpoReferencePerMethod() {
        const std::string model = char_model_dir("dpo-model");
        const std::string data = pairs_dataset_dir("dpo-data", text_pairs(24, 3));
        struct Case {
            const char* method;
            bool precompute;
            const char* expect;
        };
        for (const Case& k : {Case{"lora", false, "reference: the base model (adapter switched off)"},
                              Case{"full", true, "precomputing reference log-probs of 24 examples from the model before training"},
                              Case{"freeze", false, "reference: a frozen copy of the model ("}}) {
            const std::string out = scratch_dir() + "/dpo-" + k.method;
            TrainConfig c = base_config("dpo", model, data, out);
            c.finetuning_type = k.method;
            c.precompute_ref_log_probs = k.precompute;
            c.learning_rate = 1e-3;
            TrainSummary s = run_training(c, TrainerEvents{});
            QVERIFY2(s.status == TrainSummary::Status::Completed, (std::string(k.method) + ": " + s.message).c_str());
            QVERIFY2(contains(run_log(out), k.expect), run_log(out).c_str());
            auto rows = read_trainer_log(out);
            for (const char* key : {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                                    "logps/chosen", "logps/rejected", "accuracy"})
                QVERIFY2(rows.front().contains(key), key);
            QVERIFY(rows.front()["accuracy"] == rows.front()["rewards/accuracies"]);
            QVERIFY(!file_exists(out + "/value_head.safetensors"));
        }
        const std::string out = scratch_dir() + "/dpo-resume";
        TrainConfig c = base_config("dpo", model, data, out);
        c.finetuning_type = "full";
        c.learning_rate = 1e-3;
        c.max_steps = 3;
        c.save_steps = 2;
        QVERIFY(run_training(c, TrainerEvents{}).status == TrainSummary::Status::Completed);
        c.max_steps = 4;
        c.resume_from_checkpoint = "auto";
        TrainSummary s = run_training(c, TrainerEvents{});
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        QVERIFY(contains(run_log(out), "reference: the model reloaded from " + model));
    }

    void orpoNeedsNoReference() {
        const std::string model = char_model_dir("orpo-model");
        const std::string data = pairs_dataset_dir("orpo-data", text_pairs(16, 4));
        const std::string out = scratch_dir() + "/orpo-run";
        TrainConfig c = base_config("dpo", model, data, out);
        c.pref_loss = "orpo";
        c.finetuning_type = "full";
        c.learning_rate = 1e-3;
        TrainSummary s = run_training(c, TrainerEvents{});
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        QVERIFY(contains(run_log(out), "reference: none (pref_loss orpo is reference-free)"));
        QVERIFY(read_trainer_log(out).front().contains("odds_ratio_loss"));
    }

    void badPreferenceRecords() {
        const std::string model = char_model_dir("bad-model");
        const std::string ok = R"({"instruction": "q", "input": "", "chosen": "a!", "rejected": "a?"})";
        struct Case {
            std::string record, problem;
        };
        for (const Case& k : {Case{R"({"instruction": "q2", "chosen": "same", "rejected": "same"})",
                                   "'chosen' and 'rejected' are identical; a preference pair needs two different responses"},
                              Case{R"({"instruction": "q2", "chosen": "a!"})", "missing field 'rejected'"},
                              Case{R"({"instruction": "q2", "chosen": 3, "rejected": "a?"})",
                                   "field 'chosen' is a number, expected a string"}}) {
            const std::string data = dataset_with_lines("bad-data", {ok, k.record});
            TrainConfig c = base_config("dpo", model, data, scratch_dir() + "/bad-run");
            QCOMPARE(failure(c), data + "/pairs.json record 1 (line 3): " + k.problem);
        }
    }

    void badPreferenceSettings() {
        const std::string model = char_model_dir("settings-model");
        const std::string data = pairs_dataset_dir("settings-data", text_pairs(8, 5));
        TrainConfig c = base_config("dpo", model, data, scratch_dir() + "/settings-run");
        c.dataset = "feedback";  // not a ranking dataset
        QVERIFY2(contains(failure(c), "feedback"), failure(c).c_str());
        c = base_config("kto", model, data, scratch_dir() + "/settings-run");
        c.per_device_train_batch_size = 1;
        write_json_file(data + "/kto.json", nlohmann::json::array({{{"instruction", "q"}, {"output", "a!"}, {"label", true}}}));
        QCOMPARE(failure(c), std::string("per_device_train_batch_size: stage kto needs at least 2 (the KL term pairs each "
                                         "prompt with another example's response in the same batch), got 1"));
        c.per_device_train_batch_size = 2;
        c.precompute_ref_log_probs = true;
        QVERIFY(contains(failure(c), "precompute_ref_log_probs: not available for stage kto"));
    }

    void ktoEndToEnd() {
        const std::string model = char_model_dir("kto-model");
        const std::string data = pairs_dataset_dir("kto-data", nlohmann::json::array());
        nlohmann::json records = nlohmann::json::array();
        for (const auto& p : text_pairs(16, 6)) {
            records.push_back({{"instruction", p["instruction"]}, {"output", p["chosen"]}, {"label", true}});
            records.push_back({{"instruction", p["instruction"]}, {"output", p["rejected"]}, {"label", false}});
        }
        write_json_file(data + "/kto.json", records);
        const std::string out = scratch_dir() + "/kto-run";
        TrainConfig c = base_config("kto", model, data, out);
        c.per_device_train_batch_size = 4;
        TrainSummary s = run_training(c, TrainerEvents{});
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        auto row = read_trainer_log(out).front();
        for (const char* key : {"kl", "count/chosen", "count/rejected", "rewards/chosen_sum", "logps/rejected_sum"})
            QVERIFY2(row.contains(key), key);
        QVERIFY(std::abs(row["count/chosen"].get<double>() + row["count/rejected"].get<double>() - 1.0) < 1e-3);

        records[3].erase("label");
        write_json_file(data + "/kto.json", records);
        QVERIFY2(contains(failure(c), "kto.json record 3 (line "), failure(c).c_str());
        QVERIFY2(contains(failure(c), "missing field 'label'"), failure(c).c_str());
    }

    // Abort while the reference log-probs are precomputed stops there (core/util/cancel.h): the stage
    // never announces its reference, and the run reports cancelled without a checkpoint.
    void abortDuringPrecomputeStopsThere() {
        const std::string model = char_model_dir("abort-model");
        const std::string data = pairs_dataset_dir("abort-data", text_pairs(8, 5));
        TrainConfig c = base_config("dpo", model, data, scratch_dir() + "/abort-run");
        c.precompute_ref_log_probs = true;
        c.per_device_eval_batch_size = 1;  // one batch per example: the loop checks between batches
        std::atomic<bool> abort{false};
        std::vector<std::string> said;
        TrainerEvents ev;
        ev.on_message = [&](const std::string& level, const Problem& note) {
        const std::string& text = note.message;
            if (level != "info") return;
            said.push_back(text);
            if (text.rfind("precomputing reference log-probs", 0) == 0) abort = true;
        };
        const TrainSummary s = run_training(c, ev, &abort);
        QVERIFY2(s.status == TrainSummary::Status::Cancelled, s.message.c_str());
        QVERIFY(abort.load());
        for (const auto& t : said) QVERIFY2(t.rfind("reference:", 0) != 0, t.c_str());
        QCOMPARE(s.last_checkpoint, std::string());
    }
};

LATHE_TEST(TestPrefSession)
#include "test_pref_session.moc"
