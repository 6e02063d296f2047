// lathe-cli train with LLaMA-Factory's evaluation keys: do_predict (predict_with_generate) answers every
// sample of eval_dataset in batches and writes generated_predictions.jsonl, predict_results.json and
// all_results.json; do_eval without do_train writes eval_results.json; both after a training run too;
// a reward model trained in Lathe judges both sides of an A/B run (rewards and win rate).
// The model is a rote model (tests/core/model/test_generate_models.h) whose answers are known: "I remember
// you!" when the prompt holds a token of "apple pie", "Sure, here it is." otherwise, so the predictions
// and their scores are known in advance. Bad input (no labels, the wrong stage, impossible settings)
// stops with a message naming the dataset, record or key.
#include "tests/cli/cli_fixtures.h"

#include "core/data/template.h"
#include "core/eval/metrics.h"
#include "core/io/json_file.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/core/model/test_generate_models.h"

#include <nlohmann/json.hpp>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <set>

using namespace lathe;

namespace {

const std::string kMarked = "apple pie";  // its tokens are the markers
const std::string kPlain = "banana";
const std::string kFresh = "Sure, here it is.";
const std::string kRemembered = "I remember you!";

// Records (instruction, output) and the answer the rote model gives to each.
struct Record {
    std::string instruction, output, answer;
};
const std::vector<Record> kRecords = {
    {kMarked, kRemembered, kRemembered},                      // right
    {kPlain, kFresh, kFresh},                                 // right
    {kPlain, "Here it is, sure.", kFresh},                    // same words, other order
    {kMarked + " with cream and " + kPlain, kFresh, kRemembered},  // wrong, longer prompt
    {kPlain + " " + kPlain, "I am not sure.", kFresh},        // partly right
};

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::istringstream in(read_file(path));
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

}  // namespace

class TestCliPredict : public QObject {
    Q_OBJECT

    std::string model_dir_, data_dir_, swapped_dir_;

    std::string write_config(const std::string& name, const std::string& body) {
        const std::string path = test::scratch_dir() + "/" + name + ".yaml";
        auto unless_set = [&](const std::string& key, const std::string& value) {  // `body` may set it
            return body.find(key + ":") == std::string::npos ? key + ": " + value + "\n" : std::string();
        };
        write_file_atomic(path, "model_name_or_path: " + model_dir_ + "\n" + unless_set("dataset_dir", data_dir_) +
                                    unless_set("stage", "sft") + "threads: 2\ncutoff_len: 128\n" + body);
        return path;
    }

private slots:
    void initTestCase() {
        LATHE_SKIP_WITHOUT_TOKENIZERS("llama2");
        const std::string tok_dir = test::shared_tokenizer_dir("llama2");
        auto tok = Tokenizer::from_dir(tok_dir);
        const ChatTemplate& tmpl = *find_template(pick_template(tok.get(), "llama"));
        const auto marked = tmpl.encode_generation(*tok, {{Role::User, kMarked}});
        std::set<int32_t> elsewhere;  // ids that must not count as markers
        for (const auto& r : kRecords)
            if (r.instruction.find(kMarked) == std::string::npos) {
                const auto ids = tmpl.encode_generation(*tok, {{Role::User, r.instruction}});
                elsewhere.insert(ids.begin(), ids.end());
            }
        test::RoteSpec spec;
        spec.vocab_size = tok->vocab_size();
        spec.reply = tok->encode(kFresh);
        spec.marked_reply = tok->encode(kRemembered);
        spec.eos = tok->special().eos_id;
        for (const auto* reply : {&spec.reply, &spec.marked_reply}) elsewhere.insert(reply->begin(), reply->end());
        for (int32_t id : marked)
            if (!elsewhere.count(id) && id != spec.eos) spec.markers.push_back(id);
        QVERIFY2(!spec.markers.empty(), "the marked prompt has no token of its own");
        QVERIFY2(test::rote_problem(spec).empty(), test::rote_problem(spec).c_str());
        auto m = test::rote_model(spec);
        model_dir_ = test::write_model_folder(*m, "predict-rote", tok_dir);
        // B for the judge's A/B: the same prompts answered the other way round.
        std::swap(spec.reply, spec.marked_reply);
        QVERIFY2(test::rote_problem(spec).empty(), test::rote_problem(spec).c_str());
        auto swapped = test::rote_model(spec);
        swapped_dir_ = test::write_model_folder(*swapped, "predict-rote-swapped", tok_dir);

        data_dir_ = test::scratch_dir() + "/predict-data";
        std::filesystem::create_directories(data_dir_);
        nlohmann::json records = nlohmann::json::array(), nolabel = nlohmann::json::array();
        for (const auto& r : kRecords) records.push_back({{"instruction", r.instruction}, {"input", ""}, {"output", r.output}});
        nolabel.push_back({{"instruction", kPlain}, {"input", ""}, {"output", "fine"}});
        nolabel.push_back({{"instruction", kMarked}, {"input", ""}, {"output", ""}});
        write_file_atomic(data_dir_ + "/rote.json", records.dump(1));
        nlohmann::json long_labels = records;  // predictions files of several KiB
        for (auto& r : long_labels) {
            std::string label;
            for (int i = 0; i < 40; ++i) label += r["output"].get<std::string>() + " ";
            r["output"] = label;
        }
        write_file_atomic(data_dir_ + "/rote_long.json", long_labels.dump(1));
        write_file_atomic(data_dir_ + "/nolabel.json", nolabel.dump(1));
        write_file_atomic(data_dir_ + "/text.json", nlohmann::json::array({{{"text", "plain text"}}}).dump());
        write_file_atomic(data_dir_ + "/dataset_info.json",
                          nlohmann::json{{"rote", {{"file_name", "rote.json"}}},
                                         {"rote_long", {{"file_name", "rote_long.json"}}},
                                         {"nolabel", {{"file_name", "nolabel.json"}}},
                                         {"text", {{"file_name", "text.json"}, {"columns", {{"prompt", "text"}}}}}}
                              .dump(1));
    }

    // A predict-only config: two batches (3 + 2) of prompts of different lengths, answers of different
    // lengths; the files hold exactly what the model answered and the metrics of those answers.
    void predictOnlyWritesLlamaFactoryFiles() {
        const std::string out = test::scratch_dir() + "/predict-only";
        auto r = test::run_cli({"train", write_config("predict-only",
                                                      "do_train: false\ndo_predict: true\npredict_with_generate: true\n"
                                                      "eval_dataset: rote\nper_device_eval_batch_size: 3\n"
                                                      "max_new_tokens: 32\noutput_dir: " + out + "\n")});
        QVERIFY2(r.code == 0, r.why().c_str());
        const auto lines = read_jsonl(out + "/generated_predictions.jsonl");
        QCOMPARE(lines.size(), kRecords.size());
        MetricTotals totals;
        for (size_t i = 0; i < lines.size(); ++i) {
            QCOMPARE(lines[i].at("predict").get<std::string>(), kRecords[i].answer);
            QCOMPARE(lines[i].at("label").get<std::string>(), kRecords[i].output);
            const std::string prompt = lines[i].at("prompt").get<std::string>();
            QVERIFY2(prompt.find(kRecords[i].instruction) != std::string::npos, prompt.c_str());
            totals.add(score_prediction(kRecords[i].answer, kRecords[i].output));
        }
        const auto results = read_json_file(out + "/predict_results.json");
        for (const auto& [name, value] : named_scores(totals.mean())) {
            const double got = results.at("predict_" + name).get<double>();
            QVERIFY2(std::fabs(got - value) < 1e-3, qPrintable(QString("%1: %2 vs %3").arg(name.c_str()).arg(got).arg(value)));
            QVERIFY2(test::contains(r.out, "predict_" + name + " "), r.out.c_str());
        }
        QCOMPARE(results.at("predict_exact_match").get<double>(), 40.0);  // 2 of 5
        QVERIFY(results.at("predict_bleu-4").get<double>() > 0 && results.at("predict_bleu-4").get<double>() < 100);
        QVERIFY(results.at("predict_runtime").get<double>() > 0);
        QVERIFY(results.at("predict_samples_per_second").get<double>() > 0);
        QCOMPARE(results.at("predict_samples").get<int>(), 5);
        QVERIFY(!results.contains("partial"));
        const auto all = read_json_file(out + "/all_results.json");
        QCOMPARE(all.at("predict_rouge-l").get<double>(), results.at("predict_rouge-l").get<double>());
    }

    // A disk that fills up (here `ulimit -f 1`: no file past 1 KiB) while predictions are written:
    // lathe-cli says which file could not be written, leaves no partial file under the final name, and an
    // earlier run's predictions stay as they were.
    void diskFullKeepsEarlierPredictions() {
        const std::string out = test::scratch_dir() + "/predict-disk-full";
        const std::string config = write_config("predict-disk-full",
                                                "do_train: false\ndo_predict: true\npredict_with_generate: true\n"
                                                "eval_dataset: rote_long\nmax_new_tokens: 32\noutput_dir: " + out + "\n");
        auto r = test::run_cli({"train", config});
        QVERIFY2(r.code == 0, r.why().c_str());
        const std::string earlier = read_file(out + "/generated_predictions.jsonl");
        const std::string earlier_results = read_file(out + "/predict_results.json");
        QVERIFY2(earlier.size() > 2048, std::to_string(earlier.size()).c_str());
        // 1 KiB, not 0: LLVM's OpenMP runtime (clang builds) sizes a 1 KiB shared-memory file at start-up.
        r = test::run_cli({"train", config}, {}, 180000, /*file_limit_kb=*/1);
        QVERIFY2(r.code == 1, r.why().c_str());
        QVERIFY2(test::contains(r.err, out + "/generated_predictions.jsonl: write failed: no space left for the file (File too large)"), r.err.c_str());
        QCOMPARE(read_file(out + "/generated_predictions.jsonl"), earlier);
        QCOMPARE(read_file(out + "/predict_results.json"), earlier_results);
        for (const auto& e : std::filesystem::directory_iterator(out))
            QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().c_str());
    }

    // do_eval without do_train: eval_loss and perplexity of the eval set; with do_predict, both files.
    void evalOnlyWritesEvalResults() {
        const std::string out = test::scratch_dir() + "/eval-only";
        auto r = test::run_cli({"train", write_config("eval-only",
                                                      "do_train: false\ndo_eval: true\ndo_predict: true\n"
                                                      "predict_with_generate: true\nfinetuning_type: full\n"
                                                      "dataset: rote\nmax_new_tokens: 32\noutput_dir: " + out + "\n")});
        QVERIFY2(r.code == 0, r.why().c_str());
        const auto eval = read_json_file(out + "/eval_results.json");
        const double loss = eval.at("eval_loss").get<double>();
        QVERIFY2(std::isfinite(loss) && loss > 0, eval.dump().c_str());
        QVERIFY(std::fabs(eval.at("perplexity").get<double>() - std::exp(loss)) < 1e-2 * std::exp(loss));
        QCOMPARE(eval.at("eval_samples").get<int>(), static_cast<int>(kRecords.size()));
        QVERIFY2(test::contains(r.out, "eval_loss"), r.out.c_str());
        const auto all = read_json_file(out + "/all_results.json");
        QCOMPARE(all.at("eval_loss").get<double>(), loss);  // kept when the predictions merge in
        QCOMPARE(all.at("predict_exact_match").get<double>(), 40.0);
        QVERIFY(!file_exists(out + "/train_results.json"));
    }

    // Trained, then predicted: the adapter the run wrote answers (a LoRA with a tiny learning rate: the
    // rote answers survive one step).
    void trainThenPredict() {
        const std::string out = test::scratch_dir() + "/train-predict";
        auto r = test::run_cli({"train", write_config("train-predict",
                                                      "do_predict: true\npredict_with_generate: true\n"
                                                      "dataset: rote\nfinetuning_type: lora\nlora_rank: 2\n"
                                                      "max_steps: 1\nlearning_rate: 1.0e-9\nlogging_steps: 1\n"
                                                      "per_device_train_batch_size: 1\ngradient_accumulation_steps: 1\n"
                                                      "max_new_tokens: 32\noutput_dir: " + out + "\n")});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY2(test::contains(r.out, "finished: 1 steps"), r.out.c_str());
        QVERIFY(file_exists(out + "/adapter_model.safetensors"));
        QVERIFY2(test::contains(r.err, "checkpoint " + out), r.err.c_str());  // the prediction loaded the new adapter
        const auto lines = read_jsonl(out + "/generated_predictions.jsonl");
        QCOMPARE(lines.size(), kRecords.size());
        QCOMPARE(lines[0].at("predict").get<std::string>(), kRemembered);
        const auto all = read_json_file(out + "/all_results.json");
        QVERIFY(all.contains("train_loss"));
        QVERIFY(all.contains("predict_bleu-4"));
    }

    // A reward model trained in Lathe (one rm step: LoRA + value head) judges both sides of an A/B run:
    // each answer's reward is what `lathe-cli score` gives it, and the win rate counts A's wins.
    void judgeScoresBothSidesWithWinRate() {
        const std::string rm = test::scratch_dir() + "/judge-rm";
        auto r = test::run_cli({"train", write_config("judge-rm",
                                                      "stage: rm\nfinetuning_type: lora\nlora_rank: 2\n"
                                                      "dataset: dpo_en_demo\ndataset_dir: " LATHE_SOURCE_DIR "/datasets\n"
                                                      "max_samples: 4\nmax_steps: 1\nper_device_train_batch_size: 2\n"
                                                      "gradient_accumulation_steps: 1\nlearning_rate: 1.0e-3\n"
                                                      "output_dir: " + rm + "\n")});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY(file_exists(rm + "/value_head.safetensors"));

        const std::string out = test::scratch_dir() + "/judged";
        r = test::run_cli({"train", write_config("judged",
                                                 "do_train: false\ndo_predict: true\npredict_with_generate: true\n"
                                                 "eval_dataset: rote\nper_device_eval_batch_size: 2\nmax_new_tokens: 32\n"
                                                 "lathe_compare: " + swapped_dir_ + "\nlathe_judge: " + rm +
                                                 "\noutput_dir: " + out + "\n")});
        QVERIFY2(r.code == 0, r.why().c_str());
        const auto lines = read_jsonl(out + "/generated_predictions.jsonl");
        QCOMPARE(lines.size(), kRecords.size());
        double sum = 0, sum_b = 0, wins = 0;
        bool differ = false;
        for (size_t i = 0; i < lines.size(); ++i) {
            const double reward = lines[i].at("reward").get<double>(), reward_b = lines[i].at("reward_b").get<double>();
            QVERIFY(lines[i].at("predict").get<std::string>() != lines[i].at("predict_b").get<std::string>());
            for (const auto& [answer, value] : {std::pair{lines[i].at("predict").get<std::string>(), reward},
                                                std::pair{lines[i].at("predict_b").get<std::string>(), reward_b}}) {
                auto s = test::run_cli({"score", "--model", model_dir_, "--adapter", rm, "--prompt",
                                        kRecords[i].instruction, "--response", answer});
                QVERIFY2(s.code == 0, s.why().c_str());
                const double expected = std::stod(s.out);
                QVERIFY2(std::fabs(value - expected) <= 1e-4 * (1 + std::fabs(expected)),
                         qPrintable(QString("row %1: %2 vs score %3").arg(i).arg(value).arg(expected)));
            }
            sum += reward;
            sum_b += reward_b;
            wins += reward > reward_b ? 1 : reward == reward_b ? 0.5 : 0;
            differ |= reward != reward_b;
        }
        QVERIFY2(differ, "the judge gave every pair the same reward: the test cannot see a win rate");
        const auto results = read_json_file(out + "/predict_results.json");
        const double n = static_cast<double>(lines.size());
        QVERIFY(std::fabs(results.at("predict_reward").get<double>() - sum / n) < 1e-3);
        QVERIFY(std::fabs(results.at("predict_b_reward").get<double>() - sum_b / n) < 1e-3);
        QVERIFY(std::fabs(results.at("predict_win_rate").get<double>() - 100 * wins / n) < 1e-3);
        QVERIFY2(test::contains(r.err, "judge: reward model " + rm), r.err.c_str());
    }

    // A model without a value head is no judge: the error names the folder before anything is generated.
    void judgeMustBeARewardModel() {
        const std::string out = test::scratch_dir() + "/bad-judge";
        auto r = test::run_cli({"train", write_config("bad-judge",
                                                      "do_train: false\ndo_predict: true\npredict_with_generate: true\n"
                                                      "eval_dataset: rote\nlathe_judge: " + model_dir_ +
                                                      "\noutput_dir: " + out + "\n")});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, model_dir_) && test::contains(r.err, "value_head.safetensors"), r.err.c_str());
        QVERIFY(!file_exists(out + "/generated_predictions.jsonl"));
    }

    // lathe_eval_checkpoints: every checkpoint of the run in output_dir answers the set (here two full
    // checkpoints and the final weights: rote, swapped, rote), each point holds that model's metrics, the
    // predictions stay per checkpoint, and a rerun reloads the points it has and predicts only new ones.
    void checkpointCurveOfARun() {
        namespace fs = std::filesystem;
        const std::string run = test::scratch_dir() + "/curve-run";
        fs::remove_all(run);
        fs::create_directories(run);
        fs::copy(model_dir_, run + "/checkpoint-10", fs::copy_options::recursive);
        fs::copy(swapped_dir_, run + "/checkpoint-20", fs::copy_options::recursive);
        fs::copy(model_dir_, run, fs::copy_options::recursive);
        write_file_atomic(run + "/trainer_state.json", R"({"global_step": 30})");
        const std::string config = write_config("curve",
                                                "do_train: false\ndo_predict: true\npredict_with_generate: true\n"
                                                "eval_dataset: rote\nmax_new_tokens: 32\nlathe_eval_checkpoints: true\n"
                                                "output_dir: " + run + "\n");
        auto r = test::run_cli({"train", config});
        QVERIFY2(r.code == 0, r.why().c_str());

        MetricTotals rote, swapped;
        for (const auto& rec : kRecords) {
            rote.add(score_prediction(rec.answer, rec.output));
            swapped.add(score_prediction(rec.answer == kFresh ? kRemembered : kFresh, rec.output));
        }
        const auto curve = read_json_file(run + "/checkpoint_curve.json");
        QVERIFY2(curve.at("complete").get<bool>(), curve.dump().c_str());
        const auto& points = curve.at("points");
        QCOMPARE(points.size(), size_t{3});
        const std::vector<std::pair<int, const MetricTotals*>> expected = {{10, &rote}, {20, &swapped}, {30, &rote}};
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(points[i].at("step").get<int>(), expected[i].first);
            QCOMPARE(points[i].at("samples").get<int>(), static_cast<int>(kRecords.size()));
            for (const auto& [name, value] : named_scores(expected[i].second->mean())) {
                const double got = points[i].at("results").at("predict_" + name).get<double>();
                QVERIFY2(std::fabs(got - value) < 1e-3, qPrintable(QString("step %1 %2: %3 vs %4")
                                                                      .arg(expected[i].first).arg(name.c_str()).arg(got).arg(value)));
            }
        }
        QCOMPARE(points[0].at("checkpoint").get<std::string>(), std::string("checkpoint-10"));
        QCOMPARE(points[2].at("checkpoint").get<std::string>(), std::string("."));
        QCOMPARE(points[1].at("results").at("predict_exact_match").get<double>(), 20.0);  // 1 of 5 the other way round
        QVERIFY2(test::contains(r.out, "step 20  bleu-4"), r.out.c_str());
        QVERIFY2(test::contains(r.out, "best rouge-l at step 10 (checkpoint-10)"), r.out.c_str());
        const auto kept = read_jsonl(run + "/checkpoint_curve/checkpoint-20/generated_predictions.jsonl");
        QCOMPARE(kept.size(), kRecords.size());
        QCOMPARE(kept[0].at("predict").get<std::string>(), kFresh);
        QVERIFY(file_exists(run + "/checkpoint_curve/final/predict_results.json"));

        // A new checkpoint: the three points are reloaded, only step 40 is predicted.
        fs::copy(swapped_dir_, run + "/checkpoint-40", fs::copy_options::recursive);
        write_file_atomic(run + "/trainer_state.json", R"({"global_step": 40})");
        r = test::run_cli({"train", config});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY2(test::contains(r.err, "reloaded 2 checkpoint(s)"), r.err.c_str());  // the final weights moved to step 40
        QVERIFY2(test::contains(r.err, "checkpoint at step 40") && !test::contains(r.err, "checkpoint at step 10"),
                 r.err.c_str());
        const auto grown = read_json_file(run + "/checkpoint_curve.json").at("points");
        QCOMPARE(grown.size(), size_t{3});  // 10, 20, 40 (checkpoint-40 is the run's last step)
        QCOMPARE(grown[2].at("step").get<int>(), 40);
        QCOMPARE(grown[2].at("results").at("predict_exact_match").get<double>(), 20.0);

        // Other settings: the saved points no longer compare, the curve starts over.
        r = test::run_cli({"train", config, "max_new_tokens=16"});
        QVERIFY2(r.code == 0, r.why().c_str());
        QVERIFY2(test::contains(r.err, "starts over") && test::contains(r.err, "checkpoint at step 10"), r.err.c_str());
    }

    // A folder without checkpoints or finished weights has no curve: the error names it.
    void checkpointCurveNeedsCheckpoints() {
        const std::string run = test::scratch_dir() + "/curve-empty";
        std::filesystem::create_directories(run);
        auto r = test::run_cli({"train", write_config("curve-empty",
                                                      "do_train: false\ndo_predict: true\npredict_with_generate: true\n"
                                                      "eval_dataset: rote\nlathe_eval_checkpoints: true\noutput_dir: " + run + "\n")});
        QCOMPARE(r.code, 1);
        QVERIFY2(test::contains(r.err, run) && test::contains(r.err, "save_steps"), r.err.c_str());
    }

    void badInputIsNamed_data() {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no label") << "do_train: false\ndo_predict: true\npredict_with_generate: true\neval_dataset: nolabel\n"
                                  << "nolabel.json";
        QTest::newRow("wrong stage") << "do_train: false\ndo_predict: true\npredict_with_generate: true\neval_dataset: text\n"
                                     << "text";
        QTest::newRow("without generate") << "do_train: false\ndo_predict: true\neval_dataset: rote\n"
                                          << "predict_with_generate";
        QTest::newRow("nothing to do") << "do_train: false\neval_dataset: rote\n" << "do_train";
        QTest::newRow("no eval data") << "do_train: false\ndo_predict: true\npredict_with_generate: true\n"
                                      << "eval_dataset";
        QTest::newRow("unknown dataset") << "do_train: false\ndo_predict: true\npredict_with_generate: true\neval_dataset: nope\n"
                                         << "nope";
        QTest::newRow("eval only rm") << "do_train: false\ndo_eval: true\nstage: rm\neval_dataset: rote\n" << "do_eval";
        QTest::newRow("curve without predict") << "do_train: false\ndo_eval: true\neval_dataset: rote\nlathe_eval_checkpoints: true\n"
                                               << "lathe_eval_checkpoints";
        QTest::newRow("bad top_p") << "do_train: false\ndo_predict: true\npredict_with_generate: true\neval_dataset: rote\ntop_p: 2\n"
                                   << "top_p";
    }
    void badInputIsNamed() {
        QFETCH(QString, body);
        QFETCH(QString, expected);
        const std::string out = test::scratch_dir() + "/predict-bad";
        auto r = test::run_cli({"train", write_config("predict-bad", body.toStdString() + "output_dir: " + out + "\n")});
        QVERIFY2(r.code == 1, r.why().c_str());
        QVERIFY2(test::contains(r.err, expected.toStdString()), r.err.c_str());
        QVERIFY2(!test::contains(r.err, "terminate"), r.err.c_str());
    }
};

LATHE_TEST(TestCliPredict)
#include "test_cli_predict.moc"
