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
        throw ConfigError(config_problem("output_dir", "output_dir_holds_run", {c.output_dir}));
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
        throw DataError(config_problem("eval_dataset", "eval_nothing_fits",
                                       {c.eval_dataset.empty() ? c.dataset : c.eval_dataset}));
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

Problem model_label(const TrainConfig& c) {
    return c.create_new_model.empty() ? verbatim(c.model_name_or_path) : note("new_model_label", {c.create_new_model});
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

namespace {

// One call of run_training, step by step in the order they run: the run's folder and settings, the data,
// the model, the method, the objective; then the loop (or an evaluation only). Every step may throw; the
// long ones stop on Abort (core/util/cancel.h).
class TrainingRun {
public:
    TrainingRun(const TrainConfig& config, const TrainerEvents& events, Collective* collective)
        : c_(config), events_(events), collective_(collective), root_(!collective || collective->is_root()) {}

    TrainerSetup& prepare() {
        open_run();
        load_data();
        load_model();
        encode_data();
        apply_method();
        make_objective();
        return setup_;
    }
    RunDir& run_dir() { return *run_; }
    bool trains() const { return c_.do_train; }

private:
    // A run log line: in English into the run folder's log, as data to the events.
    void say(const Problem& line) {
        run_->log_text("INFO", line.message);
        events_.message("info", line);
    }
    void warn(const Problem& line) {
        run_->log_text("WARNING", line.message);
        events_.message("warning", line);
    }
    void tell(const std::string& level, const Problem& line) { level == "warning" ? warn(line) : say(line); }

    // Validation, precision and threads; the output folder tidied and opened (only rank 0 writes); the
    // checkpoint to resume from, the same on every rank; the run log's first lines.
    void open_run() {
        c_.validate();
        stage_ = c_.training_stage();
        method_ = c_.method();
        if (stage_ == Stage::Ppo) throw ConfigError(config_problem("stage", "ppo_unavailable"));
        check_preference_settings(c_);
        if (stage_ == Stage::Pt) c_.packing = true;  // LLaMA-Factory packs pre-training text by default
        device_ = parse_device(c_.device);
        refuse_fp16(c_);
        precision_ = decide_precision(c_, device_);
        // bf16 products run on LibTorch's pool, float32 ones on OpenBLAS's (core/util/threads.h).
        apply_threads(c_.threads, precision_.bf16() ? MatmulPool::IntraOp : MatmulPool::Blas);
        torch::manual_seed(static_cast<uint64_t>(c_.seed));
        // A run killed while saving a checkpoint left a staged copy (or, replacing one, the old copy aside).
        // Rank 0 tidies; the others read output_dir after it.
        const int tidied = root_ ? tidy_abandoned_checkpoints(c_.output_dir) : 0;
        if (collective_) collective_->barrier();
        resume_ = resolve_resume(c_.resume_from_checkpoint, c_.output_dir);
        if (collective_) check_same_checkpoint();
        if (root_) prepare_output_dir(c_, !resume_.empty());
        // Rows logged after the checkpoint (a run killed after it, or a finished run started again with
        // "auto") are logged again by the resumed steps: drop them, or the log would hold them twice.
        int64_t dropped_rows = 0;
        if (!resume_.empty() && root_) dropped_rows = drop_log_rows_after(c_.output_dir, checkpoint_step(resume_));
        run_ = std::make_unique<RunDir>(c_.output_dir, !resume_.empty(), root_);
        for (const auto& k : c_.ignored) events_.message("warning", note("log_ignored_key", {k}));
        if (tidied) say(note("log_tidied_checkpoints", {std::to_string(tidied)}));
        if (dropped_rows) say(note("log_dropped_rows", {std::to_string(dropped_rows), resume_}));
        run_->write_text("training_args.yaml", c_.to_yaml());
        say(composed("log_device", {device_note(device_)}));
        say(composed("log_precision", {precision_.reason, precision_details(precision_, method_, c_.quantization_bit)}));
        if (!precision_.warning.message.empty()) warn(precision_.warning);
        try {  // a model that cannot be read fails below, with its own message
            const RunMemory mem = estimate_run_memory(c_, precision_);
            const Problem estimate = memory_estimate_note(mem.estimate);
            say(mem.available ? composed("log_memory_available", {estimate, verbatim(format_bytes(mem.available))})
                              : composed("log_memory", {estimate}));
            if (!mem.warning.message.empty()) warn(mem.warning);
        } catch (const Error&) {
        }
    }

    // Every rank must go on from the same step (several machines need output_dir on a shared file system).
    void check_same_checkpoint() {
        const double step = resume_.empty() ? 0.0 : static_cast<double>(checkpoint_step(resume_));
        std::vector<double> v{step, step * step};
        collective_->sum(v);
        const double n = collective_->world_size();
        if (v[0] * v[0] != v[1] * n) {
            const std::string rank = std::to_string(collective_->rank());
            throw ConfigError(resume_.empty() ? config_problem("resume_from_checkpoint", "resume_ranks_differ_none", {rank})
                                              : config_problem("resume_from_checkpoint", "resume_ranks_differ", {rank, resume_}));
        }
    }

    // Datasets first: a bad record should fail before minutes of model loading.
    void load_data() {
        if (c_.max_samples > 0) dopts_.max_samples = static_cast<size_t>(c_.max_samples);
        dopts_.skip_invalid = c_.skip_invalid_records;
        dopts_.name = c_.identity_name;
        dopts_.author = c_.identity_author;
        dopts_.seed = static_cast<uint64_t>(c_.seed);
        // Evaluation only (do_train false, do_eval): every record of dataset and eval_dataset is evaluated.
        if (!c_.do_train && !c_.do_eval) throw ConfigError(config_problem("do_train", "nothing_to_train_or_evaluate"));
        if (!c_.do_train && !c_.create_new_model.empty())
            throw ConfigError(config_problem("create_new_model", "new_model_needs_training"));
        if (!c_.dataset.empty() && (c_.do_train || c_.eval_dataset.empty()))  // eval only: eval_dataset when given
            loaded_ = load_key("dataset", c_.dataset, stage_);
        say(composed("log_datasets", {loaded_.report.note()}));
        if (loaded_.report.total_skipped())
            events_.message("warning", note("log_records_skipped", {std::to_string(loaded_.report.total_skipped())}));
    }

    // The datasets config key `key` names; a problem in them (a file, a record) is about that key.
    LoadedDatasets load_key(const char* key, const std::string& names, Stage stage) const {
        try {
            return load_datasets(c_.dataset_dir, names, stage, dopts_);
        } catch (Error& e) {
            e.set_key(key);
            throw;
        }
    }

    // The model folder (in the dtype the method trains it in), or a new model made here: its tokenizer
    // trained on the data (rank 0; the others read its files), its weights initialised from the seed.
    void load_model() {
        model_dir_ = c_.model_name_or_path;
        if (!c_.create_new_model.empty()) {
            model_dir_ = c_.output_dir;
            auto texts = texts_of(loaded_.samples);
            if (!c_.new_model_corpus.empty()) {
                auto corpus = load_key("new_model_corpus", c_.new_model_corpus, Stage::Pt);
                auto more = texts_of(corpus.samples);
                texts.insert(texts.end(), more.begin(), more.end());
            }
            throw_if_cancelled();
            ModelConfig mc;
            if (root_)
                mc = create_new_model_files(c_.create_new_model, texts, model_dir_, c_.tokenizer_vocab_size,
                                            [this](const std::string& level, const Problem& t) { tell(level, t); },
                                            c_.new_model_tokenizer);
            if (collective_) mc = config_from_rank_zero(*collective_, mc);
            model_ = CausalLM(mc);
            model_->init_weights(static_cast<uint64_t>(c_.seed));
            model_->to(device_);
            if (c_.template_name.empty()) c_.template_name = kNewModelTemplate;
        } else {
            LoadOptions lo;
            lo.device = device_;
            // LoRA's base is frozen whole; full and freeze load as they train (freeze's frozen part is
            // converted below, so its trainable layers keep every bit of the checkpoint).
            lo.dtype = method_ == Method::Lora ? precision_.frozen_dtype() : precision_.trainable_dtype();
            // A base about to be quantized loads in bf16 when that is what the checkpoint holds: the same
            // values (bf16 -> float32 is exact), half the memory before quantizing.
            if (method_ == Method::Lora && c_.quantization_bit && read_model_config(model_dir_).torch_dtype == "bfloat16")
                lo.dtype = torch::kBFloat16;
            model_ = load_causal_lm(model_dir_, lo);
        }
        tokenizer_ = Tokenizer::from_dir(model_dir_);
        const std::string tmpl = c_.template_name.empty() ? pick_template(tokenizer_.get(), model_->config().model_type)
                                                          : c_.template_name;
        template_ = find_template(tmpl);
        say(composed("log_model", {model_label(c_), verbatim(model_->config().model_type),
                                   verbatim(std::to_string(model_->config().parameter_count())), verbatim(tmpl)}));
    }

    // The validation split, then the samples as token ids through the chat template.
    void encode_data() {
        split_ = c_.do_train ? split_validation(std::move(loaded_.samples), c_.val_size, static_cast<uint64_t>(c_.seed))
                             : SplitSamples{{}, std::move(loaded_.samples)};
        eval_samples_ = std::move(split_.validation);
        if (!c_.eval_dataset.empty()) {
            auto extra = load_key("eval_dataset", c_.eval_dataset, stage_);
            for (auto& s : extra.samples) eval_samples_.push_back(std::move(s));
        }
        const EncodeOptions eo{c_.cutoff_len, c_.train_on_prompt, c_.mask_history, c_.packing, c_.enable_thinking};
        if (c_.do_train) {
            EncodeReport er;
            setup_.train = encode_samples(split_.train, *template_, *tokenizer_, eo, &er);
            say(composed("log_encoded", {er.note()}));
            if (er.dropped) events_.message("warning", er.note());
        }
        if (!eval_samples_.empty()) {
            EncodeOptions eval_opts = eo;
            eval_opts.packing = false;
            setup_.eval = encode_samples(eval_samples_, *template_, *tokenizer_, eval_opts);
            say(note("log_evaluation_set", {std::to_string(setup_.eval.size())}));
        }
        setup_.pad_id = tokenizer_->special().pad_id >= 0 ? tokenizer_->special().pad_id
                                                          : std::max(0, tokenizer_->special().eos_id);
    }

    // LoRA (earlier adapters merged, QLoRA's base quantized, a resumed adapter read back), freeze or full;
    // then the weights held in the precision's dtypes and the trainable tensors listed.
    void apply_method() {
        base_name_ = c_.create_new_model.empty() ? c_.model_name_or_path : c_.output_dir;
        if (method_ == Method::Lora) {
            auto adapters = split_list(c_.adapter_name_or_path);
            if (c_.quantization_bit && adapters.size() > 0)
                throw ConfigError(config_problem("adapter_name_or_path", "adapter_merge_quantized"));
            merge_lora_adapters(model_.ptr(), adapters, base_name_);
            if (c_.quantization_bit) {
                auto q = quantize_base_weights(*model_, c_.quantization_bit, c_.double_quantization);
                say(note("log_quantized", {std::to_string(c_.quantization_bit), std::to_string(q.ratio_to_fp32())}));
            }
            if (!resume_.empty()) {
                AdapterLoadOptions ao;
                ao.base_model_name_or_path = base_name_;
                ao.trainable = true;
                lora_ = std::make_shared<LoraModel>(load_lora_adapter(model_.ptr(), resume_, ao));
            } else {
                lora_ = std::make_shared<LoraModel>(LoraModel::apply(model_.ptr(), lora_settings(c_)));
            }
        } else {
            if (!resume_.empty()) load_weights(*model_, resume_);
            if (method_ == Method::Freeze) apply_freeze(*model_, freeze_settings(c_));
            else
                for (auto& p : model_->parameters()) p.set_requires_grad(true);
        }
        hold_weights(*model_, precision_);
        release_free_memory();  // the loaded dense base a quantization or a dtype conversion replaced
        TrainableParameters tp = trainable_parameters(*model_);
        say(tp.note());
        say(weight_dtypes(*model_).note());
        for (auto& [name, t] : tp.named) setup_.trainable.push_back({name, t});
    }

    // Stage -> objective; rm adds its value head, dpo/kto pick their reference (preference_stage.h). Then
    // what the loop needs to save and resume the run's weights.
    void make_objective() {
        if (is_preference_stage(stage_)) {
            if (stage_ == Stage::Kto) prepare_kto_examples(setup_.train, split_.train);
            if (stage_ == Stage::Kto && !setup_.eval.empty()) prepare_kto_examples(setup_.eval, eval_samples_);
            PreferenceStageInputs in{model_.ptr(), lora_, model_dir_, !resume_.empty(), &setup_.train, &setup_.eval,
                                     setup_.pad_id, [this](const std::string& level, const Problem& t) { tell(level, t); },
                                     collective_};
            AutocastScope autocast(device_, precision_.autocast_dtype());  // precomputed log-probs as training computes
            pref_ = make_preference_stage(c_, in);
            for (auto& p : pref_.extra_trainable) setup_.trainable.push_back(p);
        }
        setup_.objective = pref_.objective ? std::move(pref_.objective) : make_lm_objective();
        setup_.autocast = precision_.autocast_dtype();
        setup_.save_weights = [this](const std::string& dir) {
            if (lora_) save_lora_adapter(*lora_, dir, base_name_);
            else save_causal_lm(*model_, dir, precision_.trainable_dtype());  // a full model in its training dtype
            if (pref_.save_extra) pref_.save_extra(dir);
            copy_tokenizer_files(model_dir_, dir);
        };
        // The model's own weights were restored above (adapter or model folder); the stage's extras here.
        setup_.load_weights = [this](const std::string& dir) {
            if (pref_.load_extra) pref_.load_extra(dir);
        };
        setup_.config = c_;
        setup_.model = model_;
        setup_.collective = collective_;
    }

    TrainConfig c_;
    const TrainerEvents& events_;
    Collective* collective_;
    const bool root_;  // of a data-parallel run's processes only rank 0 writes to output_dir
    Stage stage_ = Stage::Sft;
    Method method_ = Method::Lora;
    torch::Device device_ = torch::kCPU;
    Precision precision_;
    std::string resume_;
    std::unique_ptr<RunDir> run_;
    DatasetLoadOptions dopts_;
    LoadedDatasets loaded_;
    std::string model_dir_;
    CausalLM model_{nullptr};
    std::unique_ptr<Tokenizer> tokenizer_;
    const ChatTemplate* template_ = nullptr;
    SplitSamples split_;
    std::vector<Sample> eval_samples_;
    std::string base_name_;
    std::shared_ptr<LoraModel> lora_;
    PreferenceStage pref_;
    TrainerSetup setup_;
};

// Abort before the first step: nothing of the run is half-written, and a resumed run's checkpoints are as
// they were (the last one is still where to go on from).
TrainSummary cancelled_before_the_loop(const TrainConfig& config, const TrainerEvents& events) {
    TrainSummary stopped;
    stopped.output_dir = config.output_dir;
    stopped.status = TrainSummary::Status::Cancelled;
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
}

}  // namespace

TrainSummary run_training(const TrainConfig& config, const TrainerEvents& events, const std::atomic<bool>* cancel,
                          Collective* collective) {
    KeepFreedMemory keep_freed_memory;
    CpuBlockCacheScope keep_large_blocks;  // gone before keep_freed_memory trims the heap
    // Until the loop starts, Abort stops whichever long step runs (core/util/cancel.h); the loop itself
    // stops between optimizer steps with a checkpoint.
    std::optional<CancelScope> setup_cancel(std::in_place, cancel);
    try {
        TrainingRun run(config, events, collective);  // the loop's setup refers to it: it lives until the end
        TrainerSetup& setup = run.prepare();
        throw_if_cancelled();
        setup_cancel.reset();
        if (!run.trains()) return evaluate_only(setup, run.run_dir(), events);
        return train_loop(setup, run.run_dir(), events, cancel);
    } catch (const Cancelled&) {
        return cancelled_before_the_loop(config, events);
    } catch (const std::exception& e) {
        TrainSummary failed;
        failed.output_dir = config.output_dir;
        failed.status = TrainSummary::Status::Failed;
        failed.message = e.what();
        if (const auto* error = dynamic_cast<const Error*>(&e)) failed.problem = error->problem();
        if (events.on_finished) events.on_finished(failed);
        return failed;
    }
}

}  // namespace lathe
