#include "core/train/session.h"

#include "core/data/converters.h"
#include "core/dist/collective.h"
#include "core/data/dataset_loader.h"
#include "core/data/dataset_split.h"
#include "core/data/encode.h"
#include "core/data/template.h"
#include "core/io/json_file.h"
#include "core/model/model_folder.h"
#include "core/peft/adapter_io.h"
#include "core/peft/freeze.h"
#include "core/peft/lora.h"
#include "core/peft/quantized_linear.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/checkpoint.h"
#include "core/util/autocast.h"
#include "core/util/block_cache.h"
#include "core/util/cancel.h"
#include "core/model/model_info.h"
#include "core/train/memory_estimate.h"
#include "core/train/new_model.h"
#include "core/util/memory.h"
#include "core/train/precision.h"
#include "core/train/preference/kto_objective.h"
#include "core/train/preference/preference_stage.h"
#include "core/train/run_dir.h"
#include "core/train/trainer.h"
#include "core/util/device.h"
#include "core/util/threads.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"
#include "core/util/strings.h"
#include "core/train/method_settings.h"

#include <nlohmann/json.hpp>

#include <optional>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>

namespace fs = std::filesystem;

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace lathe {

std::string default_output_dir(const std::string& model, const std::string& method, const std::string& root) {
    std::string name = fs::path(model).filename().string();
    if (name.empty()) name = fs::path(model).parent_path().filename().string();
    if (name.empty()) name = "new-model";
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d-%H-%M-%S", std::localtime(&now));
    return (fs::path(root) / name / method / stamp).string();
}

namespace {

// For the length of a run, glibc keeps freed memory for the next step instead of handing it back. Every
// step allocates and frees the same activations; by default blocks above the mmap threshold are unmapped
// on free and a heap top above the trim threshold is trimmed, so each step page-faults them back in
// (about a tenth of a LoRA step on the 85m shape, docs/benchmarks.md). The mmap threshold is raised to
// glibc's maximum (32 MB on 64-bit), the trim threshold to 1 GB, and the heap grows 64 MB at a time.
// Blocks above that threshold are LibTorch's to keep (core/util/block_cache.h). When the run ends the free
// pages go back to the system (the studio lives on after a run).
class KeepFreedMemory {
public:
    KeepFreedMemory() {
#if defined(__GLIBC__)
        ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
        ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
        ::mallopt(M_TOP_PAD, 64 << 20);
#endif
    }
    ~KeepFreedMemory() {
#if defined(__GLIBC__)
        ::mallopt(M_TOP_PAD, 128 << 10);
        ::mallopt(M_TRIM_THRESHOLD, 128 << 10);
        release_free_memory();
#endif
    }
    KeepFreedMemory(const KeepFreedMemory&) = delete;
    KeepFreedMemory& operator=(const KeepFreedMemory&) = delete;
};

const char* kTokenizerFiles[] = {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                                 "special_tokens_map.json", "generation_config.json", "chat_template.jinja"};

void copy_tokenizer_files(const std::string& from, const std::string& to) {
    if (fs::equivalent(from, to)) return;
    for (const char* f : kTokenizerFiles) {
        const std::string src = path_join(from, f);
        if (file_exists(src)) write_file_atomic(path_join(to, f), read_file(src));
    }
}

// Every text of the samples, for training a new tokenizer.
std::vector<std::string> texts_of(const std::vector<Sample>& samples) {
    std::vector<std::string> out;
    for (const auto& s : samples) {
        if (!s.text.empty()) out.push_back(s.text);
        if (!s.system.empty()) out.push_back(s.system);
        for (const auto& m : s.prompt) out.push_back(m.content);
        for (const auto& m : s.response) out.push_back(m.content);
    }
    return out;
}

// `resuming`: a checkpoint was found to resume from. "auto" over a dir without checkpoints is a fresh
// start, protected and logged like one (not appended to an old run's logs).
void prepare_output_dir(const TrainConfig& c, bool resuming) {
    if (!dir_exists(c.output_dir) || resuming) return;
    // A run that failed before its first step leaves empty logs: that is no run to protect, and the
    // user who fixed the typo must be able to start again in the same place.
    std::error_code ec;
    const std::string log = path_join(c.output_dir, "trainer_log.jsonl");
    const bool has_run = (file_exists(log) && fs::file_size(log, ec) > 0) || !list_checkpoints(c.output_dir).empty() ||
                         file_exists(path_join(c.output_dir, "train_results.json"));
    if (!has_run) return;
    // "auto" over a run that was interrupted before its first checkpoint (logged steps, no checkpoint, no
    // results): nothing to resume, nothing finished to protect; it starts over in its place.
    const bool interrupted_early = (c.resume_from_checkpoint == "auto" || c.resume_from_checkpoint == "true") &&
                                   list_checkpoints(c.output_dir).empty() &&
                                   !file_exists(path_join(c.output_dir, "train_results.json"));
    if (!c.overwrite_output_dir && !interrupted_early)
        throw ConfigError("output_dir: '" + c.output_dir +
                          "' already holds a run; choose another directory, set overwrite_output_dir: true, or "
                          "resume_from_checkpoint: auto to continue it");
    // Overwriting (or starting over): remove the old run's checkpoints and logs so that nothing of it is
    // resumed by mistake.
    for (const auto& dir : list_checkpoints(c.output_dir)) fs::remove_all(dir);
    for (const char* f : {"trainer_log.jsonl", "running_log.txt", "trainer_state.json", "train_results.json",
                          "eval_results.json", "all_results.json"})
        fs::remove(path_join(c.output_dir, f));
}

// do_eval without do_train: the eval set's loss (and the stage's metrics) once, written as transformers
// writes them after trainer.evaluate(): eval_results.json and all_results.json.
TrainSummary evaluate_only(TrainerSetup& setup, RunDir& run, const TrainerEvents& events) {
    const TrainConfig& c = setup.config;
    if (setup.eval.empty())
        throw DataError("eval_dataset: nothing to evaluate (no record of '" +
                        (c.eval_dataset.empty() ? c.dataset : c.eval_dataset) + "' fits in cutoff_len)");
    const auto start = std::chrono::steady_clock::now();
    EvalEvent ev;
    ev.eval_loss = evaluate_loss(*setup.model, *setup.objective, setup.eval, c.per_device_eval_batch_size, setup.pad_id,
                                 &ev.metrics, setup.autocast);
    ev.perplexity = std::exp(std::min(ev.eval_loss, 50.0));
    const double runtime = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto round4 = [](double v) { return std::round(v * 1e4) / 1e4; };
    nlohmann::json results = {{"eval_loss", round4(ev.eval_loss)}, {"perplexity", round4(ev.perplexity)},
                              {"eval_samples", setup.eval.size()}, {"eval_runtime", round4(runtime)},
                              {"eval_samples_per_second", round4(runtime > 0 ? setup.eval.size() / runtime : 0)}};
    for (const auto& [k, v] : ev.metrics) results["eval_" + k] = round4(v);  // eval_accuracy (rm), eval_rewards/... (dpo)
    run.write_json("eval_results.json", results);
    nlohmann::json all = nlohmann::json::object();
    const std::string all_path = path_join(c.output_dir, "all_results.json");
    if (file_exists(all_path)) {
        try {
            all = read_json_file(all_path);
        } catch (const Error&) {
        }
    }
    if (!all.is_object()) all = nlohmann::json::object();
    all.update(results);
    run.write_json("all_results.json", all);
    run.log_text("INFO", "evaluated " + std::to_string(setup.eval.size()) + " examples: eval_loss " +
                             std::to_string(ev.eval_loss) + ", perplexity " + std::to_string(ev.perplexity));
    if (events.on_eval) events.on_eval(ev);
    TrainSummary summary;
    summary.status = TrainSummary::Status::Completed;
    summary.output_dir = c.output_dir;
    summary.runtime_s = runtime;
    if (events.on_finished) events.on_finished(summary);
    return summary;
}

std::string model_label(const TrainConfig& c) {
    return c.create_new_model.empty() ? c.model_name_or_path : "new " + c.create_new_model + " model";
}

// Rank 0's model config on every rank (a new model's: only rank 0 trained its tokenizer and made it). The
// length's sum doubles as the wait for rank 0's files.
ModelConfig config_from_rank_zero(Collective& dist, const ModelConfig& mine) {
    const std::string text = dist.is_root() ? mine.to_json().dump() : std::string();
    std::vector<double> length{static_cast<double>(text.size())};
    dist.sum(length);
    auto bytes = torch::zeros({static_cast<int64_t>(length[0])}, torch::kFloat);  // 0-255, exact in float32
    if (dist.is_root())
        for (size_t i = 0; i < text.size(); ++i) bytes[static_cast<int64_t>(i)] = float(static_cast<unsigned char>(text[i]));
    dist.broadcast({bytes});
    std::string got(static_cast<size_t>(bytes.numel()), '\0');
    auto a = bytes.accessor<float, 1>();
    for (size_t i = 0; i < got.size(); ++i) got[i] = static_cast<char>(static_cast<unsigned char>(a[static_cast<int64_t>(i)]));
    return ModelConfig::from_json(nlohmann::json::parse(got), "rank 0's new model");
}

}  // namespace

std::vector<Problem> precheck_training(const TrainConfig& c) {
    std::vector<Problem> problems = c.problems();
    // Each check is about one key: a message thrown from deep inside (the model loader, the dataset
    // registry) is tied to it here, so the studio can place it.
    auto check = [&](const std::string& key, auto&& f) {
        try {
            f();
        } catch (const Error& e) {
            Problem p = e.problem();
            if (p.key.empty()) p.key = key;
            for (const Problem& q : problems)
                if (q.message == p.message) return;
            problems.push_back(std::move(p));
        }
    };
    check("model_name_or_path", [&] {
        if (!c.create_new_model.empty()) return;
        read_model_config(c.model_name_or_path);
        Tokenizer::from_dir(c.model_name_or_path);
    });
    check("new_model_tokenizer", [&] {
        if (c.create_new_model.empty() || c.new_model_tokenizer.empty()) return;
        Tokenizer::from_dir(c.new_model_tokenizer);
    });
    check("device", [&] { parse_device(c.device); });
    std::optional<DatasetRegistry> registry;
    check("dataset_dir", [&] {
        if (!c.dataset.empty()) registry = DatasetRegistry::load(c.dataset_dir);
    });
    check("dataset", [&] {
        if (!registry) return;
        const Stage stage = c.training_stage();
        for (const auto& name : split_list(c.dataset)) {
            const DatasetEntry& e = registry->get(name);
            if (!entry_fits_stage(e, stage)) throw DataError(stage_mismatch(e, stage));
        }
    });
    check("template", [&] {
        if (!c.template_name.empty()) find_template(c.template_name);
    });
    check("stage", [&] {
        if (c.training_stage() == Stage::Ppo) throw ConfigError(config_problem("stage", "ppo_unavailable"));
        check_preference_settings(c);
    });
    return problems;
}

TrainSummary run_training(const TrainConfig& config, const TrainerEvents& events, const std::atomic<bool>* cancel,
                          Collective* collective) {
    KeepFreedMemory keep_freed_memory;
    CpuBlockCacheScope keep_large_blocks;  // gone before keep_freed_memory trims the heap
    TrainSummary failed;
    failed.output_dir = config.output_dir;
    auto fail = [&](const std::string& message) {
        failed.status = TrainSummary::Status::Failed;
        failed.message = message;
        if (events.on_finished) events.on_finished(failed);
        return failed;
    };
    // Until the loop starts, Abort stops whichever long step runs (core/util/cancel.h); the loop itself
    // stops between optimizer steps with a checkpoint.
    std::optional<CancelScope> setup_cancel(std::in_place, cancel);
    try {
        TrainConfig c = config;
        c.validate();
        const Stage stage = c.training_stage();
        const Method method = c.method();
        if (stage == Stage::Ppo) throw ConfigError(config_problem("stage", "ppo_unavailable"));
        check_preference_settings(c);
        if (stage == Stage::Pt) c.packing = true;  // LLaMA-Factory packs pre-training text by default
        const torch::Device device = parse_device(c.device);
        refuse_fp16(c);
        const Precision precision = decide_precision(c, device);
        // bf16 products run on LibTorch's pool, float32 ones on OpenBLAS's (core/util/threads.h).
        apply_threads(c.threads, precision.bf16() ? MatmulPool::IntraOp : MatmulPool::Blas);
        torch::manual_seed(static_cast<uint64_t>(c.seed));
        // Of a data-parallel run's processes only rank 0 writes to output_dir; the others read it after
        // rank 0 has tidied it.
        const bool root = !collective || collective->is_root();
        // A run killed while saving a checkpoint left a staged copy (or, replacing one, the old copy aside).
        const int tidied = root ? tidy_abandoned_checkpoints(c.output_dir) : 0;
        if (collective) collective->barrier();
        const std::string resume = resolve_resume(c.resume_from_checkpoint, c.output_dir);
        if (collective) {
            // Every rank must go on from the same step (several machines need output_dir on a shared file system).
            const double step = resume.empty() ? 0.0 : static_cast<double>(checkpoint_step(resume));
            std::vector<double> v{step, step * step};
            collective->sum(v);
            const double n = collective->world_size();
            if (v[0] * v[0] != v[1] * n)
                throw ConfigError("resume_from_checkpoint: the ranks do not see the same checkpoint (rank " +
                                  std::to_string(collective->rank()) + " sees " + (resume.empty() ? "none" : resume) +
                                  "); output_dir must be on a file system every machine of the run sees");
        }
        if (root) prepare_output_dir(c, !resume.empty());
        // Rows logged after the checkpoint (a run killed after it, or a finished run started again with
        // "auto") are logged again by the resumed steps: drop them, or the log would hold them twice.
        int64_t dropped_rows = 0;
        if (!resume.empty() && root) dropped_rows = drop_log_rows_after(c.output_dir, checkpoint_step(resume));
        RunDir run(c.output_dir, !resume.empty(), root);
        auto say = [&](const std::string& text) {
            run.log_text("INFO", text);
            events.message("info", text);
        };
        for (const auto& k : c.ignored) events.message("warning", "ignored key '" + k + "' (no effect in Lathe)");
        if (tidied)
            say(std::to_string(tidied) + " checkpoint folder(s) left half-written by an interrupted run tidied away");
        if (dropped_rows)
            say("trainer_log.jsonl: " + std::to_string(dropped_rows) + " row(s) after " + resume +
                " removed; the resumed run logs those steps again");
        run.write_text("training_args.yaml", c.to_yaml());
        say("device: " + describe_device(device));
        say("precision: " + precision.reason + "; " +
            precision_details(precision, method, c.quantization_bit));
        if (!precision.warning.empty()) {
            run.log_text("WARNING", precision.warning);
            events.message("warning", precision.warning);
        }
        try {  // a model that cannot be read fails below, with its own message
            const RunMemory mem = estimate_run_memory(c, precision);
            say("memory: " + describe_memory_estimate(mem.estimate) +
                (mem.available ? ", " + format_bytes(mem.available) + " available" : std::string()));
            if (!mem.warning.empty()) {
                run.log_text("WARNING", mem.warning);
                events.message("warning", mem.warning);
            }
        } catch (const Error&) {
        }

        // Datasets first: a bad record should fail before minutes of model loading.
        DatasetLoadOptions dopts;
        if (c.max_samples > 0) dopts.max_samples = static_cast<size_t>(c.max_samples);
        dopts.skip_invalid = c.skip_invalid_records;
        dopts.name = c.identity_name;
        dopts.author = c.identity_author;
        dopts.seed = static_cast<uint64_t>(c.seed);
        // Evaluation only (do_train false, do_eval): every record of dataset and eval_dataset is evaluated.
        const bool train = c.do_train;
        if (!train && !c.do_eval) throw ConfigError("do_train: false and no do_eval: nothing to train or evaluate");
        if (!train && !c.create_new_model.empty())
            throw ConfigError("create_new_model: a new model must be trained (do_train: true) before it is evaluated");
        LoadedDatasets loaded;
        if (!c.dataset.empty() && (train || c.eval_dataset.empty()))  // eval only: eval_dataset when given
            loaded = load_datasets(c.dataset_dir, c.dataset, stage, dopts);
        say("datasets: " + loaded.report.summary());
        if (loaded.report.total_skipped())
            events.message("warning", std::to_string(loaded.report.total_skipped()) + " invalid records skipped");

        // Model and tokenizer.
        std::string model_dir = c.model_name_or_path;
        CausalLM model{nullptr};
        if (!c.create_new_model.empty()) {
            model_dir = c.output_dir;
            auto texts = texts_of(loaded.samples);
            if (!c.new_model_corpus.empty()) {
                auto corpus = load_datasets(c.dataset_dir, c.new_model_corpus, Stage::Pt, dopts);
                auto more = texts_of(corpus.samples);
                texts.insert(texts.end(), more.begin(), more.end());
            }
            throw_if_cancelled();
            // Rank 0 trains the tokenizer and writes the model's files; the others read them.
            ModelConfig mc;
            if (root)
                mc = create_new_model_files(c.create_new_model, texts, model_dir, c.tokenizer_vocab_size, say,
                                            c.new_model_tokenizer);
            if (collective) mc = config_from_rank_zero(*collective, mc);
            model = CausalLM(mc);
            model->init_weights(static_cast<uint64_t>(c.seed));
            model->to(device);
            if (c.template_name.empty()) c.template_name = kNewModelTemplate;
        } else {
            LoadOptions lo;
            lo.device = device;
            // LoRA's base is frozen whole; full and freeze load as they train (freeze's frozen part is
            // converted below, so its trainable layers keep every bit of the checkpoint).
            lo.dtype = method == Method::Lora ? precision.frozen_dtype() : precision.trainable_dtype();
            // A base about to be quantized loads in bf16 when that is what the checkpoint holds: the same
            // values (bf16 -> float32 is exact), half the memory before quantizing.
            if (method == Method::Lora && c.quantization_bit && read_model_config(model_dir).torch_dtype == "bfloat16")
                lo.dtype = torch::kBFloat16;
            model = load_causal_lm(model_dir, lo);
        }
        auto tokenizer = Tokenizer::from_dir(model_dir);
        const std::string tmpl_name = c.template_name.empty() ? pick_template(tokenizer.get(), model->config().model_type)
                                                              : c.template_name;
        const ChatTemplate& tmpl = *find_template(tmpl_name);
        say("model: " + model_label(c) + " (" + model->config().model_type + ", " +
            std::to_string(model->config().parameter_count()) + " parameters), template: " + tmpl_name);

        // Splits and encoding.
        auto split = train ? split_validation(std::move(loaded.samples), c.val_size, static_cast<uint64_t>(c.seed))
                           : SplitSamples{{}, std::move(loaded.samples)};
        std::vector<Sample> eval_samples = std::move(split.validation);
        if (!c.eval_dataset.empty()) {
            auto extra = load_datasets(c.dataset_dir, c.eval_dataset, stage, dopts);
            for (auto& s : extra.samples) eval_samples.push_back(std::move(s));
        }
        EncodeOptions eo{c.cutoff_len, c.train_on_prompt, c.mask_history, c.packing, c.enable_thinking};
        EncodeReport er;
        TrainerSetup setup;
        if (train) {
            setup.train = encode_samples(split.train, tmpl, *tokenizer, eo, &er);
            say("encoded: " + er.summary());
            if (er.dropped) events.message("warning", er.summary());
        }
        if (!eval_samples.empty()) {
            EncodeOptions eval_opts = eo;
            eval_opts.packing = false;
            setup.eval = encode_samples(eval_samples, tmpl, *tokenizer, eval_opts);
            say("evaluation set: " + std::to_string(setup.eval.size()) + " examples");
        }

        // Method.
        std::shared_ptr<LoraModel> lora;
        const std::string base_name = c.create_new_model.empty() ? c.model_name_or_path : c.output_dir;
        if (method == Method::Lora) {
            auto adapters = split_list(c.adapter_name_or_path);
            if (c.quantization_bit && adapters.size() > 0)
                throw ConfigError("adapter_name_or_path: adapters cannot be merged into a quantized base; train QLoRA from the base model");
            merge_lora_adapters(model.ptr(), adapters, base_name);
            if (c.quantization_bit) {
                auto q = quantize_base_weights(*model, c.quantization_bit, c.double_quantization);
                say("quantized the base to " + std::to_string(c.quantization_bit) + " bits: " +
                    std::to_string(q.ratio_to_fp32()) + "x of its fp32 size");
            }
            if (!resume.empty()) {
                AdapterLoadOptions ao;
                ao.base_model_name_or_path = base_name;
                ao.trainable = true;
                lora = std::make_shared<LoraModel>(load_lora_adapter(model.ptr(), resume, ao));
            } else {
                lora = std::make_shared<LoraModel>(LoraModel::apply(model.ptr(), lora_settings(c)));
            }
        } else {
            if (!resume.empty()) load_weights(*model, resume);
            if (method == Method::Freeze) apply_freeze(*model, freeze_settings(c));
            else
                for (auto& p : model->parameters()) p.set_requires_grad(true);
        }
        hold_weights(*model, precision);
        release_free_memory();  // the loaded dense base a quantization or a dtype conversion replaced
        TrainableParameters tp = trainable_parameters(*model);
        say(tp.summary());
        say(weight_dtypes(*model).summary());
        for (auto& [name, t] : tp.named) setup.trainable.push_back({name, t});

        setup.pad_id = tokenizer->special().pad_id >= 0 ? tokenizer->special().pad_id : std::max(0, tokenizer->special().eos_id);
        // Stage -> objective; rm adds its value head, dpo/kto pick their reference (preference_stage.h).
        PreferenceStage pref;
        if (c.is_preference_stage()) {
            if (stage == Stage::Kto) prepare_kto_examples(setup.train, split.train);
            if (stage == Stage::Kto && !setup.eval.empty()) prepare_kto_examples(setup.eval, eval_samples);
            PreferenceStageInputs in{model.ptr(), lora, model_dir, !resume.empty(), &setup.train, &setup.eval, setup.pad_id, say,
                                     collective};
            AutocastScope autocast(device, precision.autocast_dtype());  // precomputed log-probs as training computes
            pref = make_preference_stage(c, in);
            for (auto& p : pref.extra_trainable) setup.trainable.push_back(p);
        }
        setup.objective = pref.objective ? std::move(pref.objective) : make_lm_objective();
        setup.autocast = precision.autocast_dtype();

        const std::string tokenizer_dir = model_dir;
        setup.save_weights = [&, tokenizer_dir](const std::string& dir) {
            if (lora) save_lora_adapter(*lora, dir, base_name);
            else save_causal_lm(*model, dir, precision.trainable_dtype());  // a full model in its training dtype
            if (pref.save_extra) pref.save_extra(dir);
            copy_tokenizer_files(tokenizer_dir, dir);
        };
        // The model's own weights were restored above (adapter or model folder); the stage's extras here.
        setup.load_weights = [&](const std::string& dir) {
            if (pref.load_extra) pref.load_extra(dir);
        };
        setup.config = c;
        setup.model = model;
        setup.collective = collective;
        throw_if_cancelled();
        setup_cancel.reset();
        if (!train) return evaluate_only(setup, run, events);
        return train_loop(setup, run, events, cancel);
    } catch (const Cancelled&) {
        TrainSummary stopped;
        stopped.output_dir = config.output_dir;
        stopped.status = TrainSummary::Status::Cancelled;
        // A resumed run's checkpoints are as they were: the last one is still where to go on from.
        const auto checkpoints = list_checkpoints(config.output_dir);
        stopped.message = "cancelled before the first step; ";
        if (checkpoints.empty()) {
            stopped.message += "no checkpoint was written";
        } else {
            stopped.last_checkpoint = checkpoints.back();
            stopped.steps = checkpoint_step(stopped.last_checkpoint);
            stopped.message += "the last checkpoint, " + stopped.last_checkpoint + ", is unchanged";
        }
        if (events.on_finished) events.on_finished(stopped);
        return stopped;
    } catch (const std::exception& e) {
        return fail(e.what());
    }
}

}  // namespace lathe
