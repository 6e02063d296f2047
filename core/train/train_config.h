// Every setting of a training run, under LLaMA-Factory's key names where one exists. The same YAML file
// is read by `lathe-cli train`, saved and loaded by the studio, and written to the run dir as
// training_args.yaml.
#pragma once
#include "core/data/dataset_stage.h"
#include "core/train/method.h"
#include "core/util/config_keys.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lathe {

struct Problem;

struct TrainConfig {
    // Model
    std::string model_name_or_path;
    std::string adapter_name_or_path;      // comma list: adapters merged before training (LoRA)
    std::string template_name = "";        // YAML key "template"; "" = auto-detect
    std::string create_new_model;          // "" | tiny | small | base: pre-train a new model from scratch
    int tokenizer_vocab_size = 0;          // new models: SentencePiece vocabulary (0 = preset's)
    std::string new_model_corpus;          // new models: extra datasets (pre-training text) for the tokenizer
    std::string new_model_tokenizer;       // new models: a tokenizer folder to use instead of training one
    // Stage and method
    std::string stage = "sft";             // pt | sft | rm | dpo | kto | ppo (training_stage())
    bool do_train = true;
    std::string finetuning_type = "lora";  // full | freeze | lora (method())
    int lora_rank = 8;
    double lora_alpha = 0;                 // 0 = 2 * lora_rank
    double lora_dropout = 0.0;
    std::string lora_target = "all";
    bool use_dora = false;
    bool use_rslora = false;
    std::string additional_target;         // modules trained fully beside LoRA (e.g. lm_head,embed_tokens)
    int freeze_trainable_layers = 2;       // >0: the last N layers; <0: the first -N layers
    std::string freeze_trainable_modules = "all";
    std::string freeze_extra_modules;
    int quantization_bit = 0;              // 0 | 4 | 8
    std::string quantization_type = "nf4"; // nf4 (4-bit); 8-bit is int8 absmax per row
    bool double_quantization = true;
    // Data
    std::string dataset;                   // comma list of names in dataset_info.json
    std::string eval_dataset;
    std::string dataset_dir = "data";
    int cutoff_len = 2048;
    int max_samples = 0;                   // 0 = all (per dataset)
    double val_size = 0.0;                 // < 1: fraction, >= 1: count
    bool packing = false;
    bool train_on_prompt = false;
    bool mask_history = false;
    bool enable_thinking = true;  // reasoning templates (deepseekr1, qwen3): learn an empty thought, or none
    bool skip_invalid_records = false;
    std::string identity_name;             // fills {{name}} in datasets
    std::string identity_author;           // fills {{author}}
    // Output and logging
    std::string output_dir;
    bool overwrite_output_dir = false;
    int logging_steps = 5;
    int save_steps = 100;
    int save_total_limit = 0;              // 0 = keep all
    int eval_steps = 0;                    // 0 = evaluate at the end only (when there is eval data)
    // Optimisation
    int per_device_train_batch_size = 2;
    int per_device_eval_batch_size = 2;
    int gradient_accumulation_steps = 8;
    double learning_rate = 5e-5;
    double num_train_epochs = 3.0;
    int max_steps = -1;                    // > 0 overrides num_train_epochs
    std::string lr_scheduler_type = "cosine";
    double min_lr_rate = 0.0;              // cosine_with_min_lr: floor as a fraction of learning_rate
    double warmup_ratio = 0.0;
    int warmup_steps = 0;
    double weight_decay = 0.0;
    double adam_beta1 = 0.9;
    double adam_beta2 = 0.999;
    double adam_epsilon = 1e-8;
    double max_grad_norm = 1.0;
    int seed = 42;
    Toggle bf16 = Toggle::Auto;            // auto | true | false: bf16 autocast; auto decides per device (train/precision.h)
    bool pure_bf16 = false;                // every weight and the AdamW state in bf16, no float32 copy (LLaMA-Factory)
    bool fp16 = false;
    bool gradient_checkpointing = false;
    double neftune_noise_alpha = 0.0;
    // Mixtures of experts: the router's load-balancing loss times this joins the loss (LLaMA-Factory's
    // moe_aux_loss_coef; 0 = off, as there).
    double moe_aux_loss_coef = 0.0;
    std::string resume_from_checkpoint;    // a checkpoint dir, or "auto"/"true" for the latest in output_dir
    // Preference stages
    double pref_beta = 0.1;
    std::string pref_loss = "sigmoid";     // sigmoid | hinge | ipo | orpo | simpo
    double pref_ftx = 0.0;
    double simpo_gamma = 0.5;
    double dpo_label_smoothing = 0.0;
    bool precompute_ref_log_probs = false;
    double kto_chosen_weight = 1.0;
    double kto_rejected_weight = 1.0;
    // Engine
    std::string device = "auto";           // auto | cpu | cuda | cuda:N
    int threads = 0;                       // CPU threads (0 = all cores)
    // Data-parallel runs (lathe-cli train --nproc-per-node): seconds a rank waits for the others, the
    // meeting included, before the run fails (LLaMA-Factory's ddp_timeout; transformers' default).
    int ddp_timeout = 1800;
    // Processes of a data-parallel run on this machine (the studio's "Processes"; lathe-cli train starts
    // them as --nproc-per-node does, which overrides it). 1 = one process.
    int nproc_per_node = 1;
    // Several machines (torchrun's --nnodes, --node-rank, --master-addr, --master-port; lathe-cli's flags of
    // those names override them): this machine is node `node_rank` of `nnodes`, its processes are ranks
    // node_rank x nproc_per_node onwards, and node 0 serves the meeting at master_addr:master_port.
    int nnodes = 1;
    int node_rank = 0;
    std::string master_addr;               // "" = 127.0.0.1 (one machine); node 0's address with several
    int master_port = 0;                   // 0 = a free port on one machine, 29500 (torchrun's) with several
    // ZeRO stage of a data-parallel run: 0 = every rank holds the whole AdamW state; 1 = each rank holds and
    // updates the state of its share of the weights (about 1/N of the state's memory), then shares them.
    int zero_stage = 0;
    // Gradient sums of a data-parallel run start during the backward, in buckets of this many MB (float32)
    // of gradients (transformers' ddp_bucket_cap_mb; PyTorch's default 25). 0 = one tensor per bucket.
    int ddp_bucket_cap_mb = 25;
    // Evaluation and prediction (LLaMA-Factory's do_eval / do_predict; the Evaluate tab's settings, not
    // the Train form's: see evaluation_keys()). Without do_train they run on eval_dataset (or dataset).
    bool do_eval = false;                  // eval_loss and perplexity (pt, sft), the stage's metrics (rm, dpo, kto)
    bool do_predict = false;               // generate an answer for every sample and score it (core/eval/predict.h)
    bool predict_with_generate = false;    // must be true with do_predict (Lathe predicts by generating)
    int max_new_tokens = 512;
    bool do_sample = false;                // greedy by default (LLaMA-Factory samples unless told otherwise)
    double temperature = 0.95;
    double top_p = 0.7;
    int top_k = 50;
    double repetition_penalty = 1.0;
    std::string lathe_compare;             // A/B: "" | base | a folder answering the same prompts
    std::string lathe_judge;               // a reward model (stage rm) scoring every answer, and A/B's win rate
    bool lathe_eval_checkpoints = false;   // do_predict on every checkpoint of the run in output_dir, not only its
                                           // end: the checkpoint curve (core/eval/checkpoint_curve.h)

    // Parses a YAML file; unknown keys are errors that name the key and suggest the closest one.
    static TrainConfig from_yaml_file(const std::string& path);
    static TrainConfig from_yaml(const std::string& text, const std::string& origin);
    // Applies "key=value" overrides (as on the command line).
    void apply_override(const std::string& assignment);
    void set(const std::string& key, const std::string& value, const std::string& origin = "");
    // YAML with every key that differs from the defaults (all keys with `all`), in a stable order.
    std::string to_yaml(bool all = false) const;
    // The value of `key` as text (for the studio's forms and the preview command).
    std::string get(const std::string& key) const;

    // Throws ConfigError for settings that contradict each other or are out of range, naming the key.
    // Every problem of the settings on their own (no file is read), at most one per key, in the order they
    // are checked; validate() throws the first as a ConfigError.
    std::vector<Problem> problems() const;
    void validate() const;

    // Derived values.
    double effective_lora_alpha() const { return lora_alpha > 0 ? lora_alpha : 2.0 * lora_rank; }
    // The stage and method as the engine decides on them; ConfigError (naming the key) for a name that
    // validate() refuses.
    Stage training_stage() const { return parse_stage(stage); }
    Method method() const { return parse_method(finetuning_type); }
    bool is_preference_stage() const;  // rm, dpo, kto; false for an unknown stage name

    // The names of all training keys (in table order; the Train form has a field for each), the
    // evaluation and prediction keys (the Evaluate tab's), and LLaMA-Factory keys accepted without effect.
    static std::vector<std::string> keys();
    static std::vector<std::string> evaluation_keys();
    static const std::vector<std::string>& ignored_keys();
    // Keys from the last parse that were accepted but have no effect in Lathe (reported to the user).
    std::vector<std::string> ignored;
};

}  // namespace lathe
