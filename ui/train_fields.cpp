#include "ui/train_fields.h"

#include "core/data/dataset_stage.h"
#include "core/train/preference/pref_loss.h"

#include <QtGlobal>

#include <algorithm>
#include <cstring>

// Rows leave trailing members (range, choices) at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lathe {
namespace ui {

namespace {

using K = FieldKind;
using G = FieldGroup;
constexpr int kBig = 100000000;

}  // namespace

const std::vector<FieldSpec>& train_fields() {
    static const std::vector<FieldSpec> fields = {
        // Basic: what most runs change.
        {"stage", G::Basic, K::Choice, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Stage"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "What the model learns: pre-training continues plain text, supervised fine-tuning (SFT) learns "
           "answers to prompts, reward modelling and DPO/KTO learn preferences between answers."),
         0, 0,
         {{"pt", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Pre-training")}, {"sft", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Supervised fine-tuning")}, {"rm", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Reward modelling")},
          {"dpo", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "DPO (preference)")}, {"kto", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "KTO (preference)")}, {"ppo", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "PPO")}}},
        {"dataset_dir", G::Basic, K::Dir, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Dataset folder"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "The folder holding dataset_info.json (LLaMA-Factory's registry of datasets).")},
        {"dataset", G::Basic, K::Datasets, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Datasets"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Datasets to train on, from dataset_info.json; only those that fit the stage are listed. "
           "Tick several to mix them (in the order ticked).")},
        {"identity_name", G::Basic, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Assistant name"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Fills {{name}} in datasets such as the identity set: the name the model will answer with.")},
        {"identity_author", G::Basic, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Assistant author"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Fills {{author}} in datasets such as the identity set.")},
        {"learning_rate", G::Basic, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Learning rate"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Peak step size of AdamW. Typical: 5e-5 for full fine-tuning, 1e-4 to 2e-4 for LoRA, 1e-3 for a "
           "tiny model from scratch.")},
        {"num_train_epochs", G::Basic, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Epochs"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Passes over the training set (fractions allowed). Ignored when Max steps is set.")},
        {"max_steps", G::Basic, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Max steps"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Optimizer steps to run; overrides Epochs when above 0 (-1 = use Epochs)."), -1, kBig},
        {"max_samples", G::Basic, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Max samples"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Use at most this many records of each dataset (0 = all). Handy for a quick trial run."), 0, kBig},
        {"cutoff_len", G::Basic, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Cutoff length"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Longest sequence in tokens; longer records are truncated (prompt and answer in proportion)."), 0, kBig},
        {"per_device_train_batch_size", G::Basic, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Batch size"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Sequences per forward pass. Larger needs more memory."), 0, 65536},
        {"gradient_accumulation_steps", G::Basic, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Gradient accumulation"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Forward passes summed into one optimizer step: effective batch = batch size x this."), 0, 65536},
        {"lr_scheduler_type", G::Basic, K::Choice, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "LR schedule"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "How the learning rate changes over the run (after warm-up)."), 0, 0,
         {{"cosine", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "cosine")}, {"linear", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "linear")}, {"constant", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "constant")},
          {"constant_with_warmup", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "constant with warm-up")}, {"cosine_with_min_lr", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "cosine with floor")}}},
        {"val_size", G::Basic, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Validation size"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Records held out for evaluation: below 1 a fraction, from 1 a count (0 = none).")},
        {"output_dir", G::Basic, K::Dir, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Output folder"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Where the run writes its logs, checkpoints and the result. Defaults to "
           "saves/<model>/<method>/<date-time>.")},
        // Data.
        {"eval_dataset", G::Data, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Evaluation datasets"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Comma-separated dataset names used only for evaluation.")},
        {"packing", G::Data, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Packing"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Concatenate records into full cutoff-length rows (always on for pre-training).")},
        {"train_on_prompt", G::Data, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Train on prompt"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Also learn the prompt tokens, not only the answers.")},
        {"mask_history", G::Data, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Mask history"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Learn only the last answer of multi-turn records.")},
        {"enable_thinking", G::Data, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Enable thinking"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Reasoning templates (deepseekr1, qwen3): an answer without a <think> thought learns an empty one; off, thoughts are removed and the model learns to answer at once.")},
        {"skip_invalid_records", G::Data, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Skip invalid records"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Skip malformed records (they are counted and reported) instead of stopping.")},
        // Output and logging.
        {"overwrite_output_dir", G::Output, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Overwrite output folder"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Replace a previous run in the output folder (its checkpoints and logs are removed).")},
        {"resume_from_checkpoint", G::Output, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Resume from checkpoint"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "A checkpoint folder to continue from, or \"auto\" for the latest one in the output folder.")},
        {"logging_steps", G::Output, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Logging steps"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Log the loss every this many optimizer steps."), 0, kBig},
        {"save_steps", G::Output, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Save steps"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Write a checkpoint every this many steps (0 = only at the end)."), -1, kBig},
        {"save_total_limit", G::Output, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Checkpoints kept"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Keep only the newest N checkpoints (0 = keep all)."), -1, kBig},
        {"eval_steps", G::Output, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Evaluation steps"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Evaluate every this many steps when there is evaluation data (0 = at the end only)."), -1, kBig},
        {"per_device_eval_batch_size", G::Output, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Evaluation batch size"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Sequences per forward pass during evaluation."), 0, 65536},
        // Optimizer.
        {"warmup_ratio", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Warm-up ratio"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Fraction of the steps over which the learning rate rises from 0.")},
        {"warmup_steps", G::Optimizer, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Warm-up steps"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Warm-up in steps; overrides the ratio when above 0."), -1, kBig},
        {"min_lr_rate", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Minimum LR rate"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "For \"cosine with floor\": the lowest learning rate as a fraction of the peak.")},
        {"weight_decay", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Weight decay"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "AdamW's decoupled weight decay.")},
        {"adam_beta1", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Adam beta1"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Decay of AdamW's first moment (0.9).")},
        {"adam_beta2", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Adam beta2"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Decay of AdamW's second moment (0.999).")},
        {"adam_epsilon", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Adam epsilon"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "AdamW's denominator guard (1e-8).")},
        {"max_grad_norm", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Max gradient norm"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Clip the gradient to this norm (0 = no clipping).")},
        {"seed", G::Optimizer, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Seed"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Seeds data order, initialisation and dropout: the same seed repeats a run."), -kBig, kBig},
        {"neftune_noise_alpha", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "NEFTune alpha"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Noise added to embeddings while fine-tuning (0 = off; 5 is typical).")},
        {"moe_aux_loss_coef", G::Optimizer, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "MoE balance loss"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Mixture-of-experts models: weight of the router's load-balancing loss (0 = off; 0.001 is typical).")},
        {"gradient_checkpointing", G::Optimizer, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Gradient checkpointing"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Recompute activations in the backward pass: less memory, about a third slower.")},
        {"bf16", G::Optimizer, K::Choice, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "bf16"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Compute matrix products in bfloat16 and hold frozen weights in it: auto does where the processor "
           "(AVX512-BF16, AMX) or GPU (compute capability 8.0+) has bf16, which the model bar shows; on elsewhere is emulated and slow."),
         0, 0,
         {{"auto", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "auto")}, {"true", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "on")},
          {"false", QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "off")}}},
        {"pure_bf16", G::Optimizer, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Pure bf16"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Every weight and the optimizer state in bfloat16, without a float32 copy: half the memory, "
           "but updates smaller than 1/256 of a weight round away.")},
        {"fp16", G::Optimizer, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "fp16"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Compute in float16 (GPUs).")},
        {"do_train", G::Optimizer, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Train"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Run training (LLaMA-Factory's do_train); off, the run only evaluates or predicts (do_eval, do_predict).")},
        // LoRA.
        {"lora_rank", G::Lora, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "LoRA rank"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Rank r of the low-rank update: larger learns more and costs more memory."), 0, 65536},
        {"lora_alpha", G::Lora, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "LoRA alpha"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Scale of the update (alpha / r). 0 = twice the rank.")},
        {"lora_dropout", G::Lora, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "LoRA dropout"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Dropout on the LoRA input, in [0, 1).")},
        {"lora_target", G::Lora, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "LoRA targets"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Comma-separated module names to adapt (q_proj, v_proj, ...), or \"all\" for every linear layer.")},
        {"additional_target", G::Lora, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Additional targets"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Modules trained fully beside LoRA and saved with it, e.g. embed_tokens,lm_head.")},
        {"use_dora", G::Lora, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "DoRA"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Weight-decomposed LoRA: learns magnitude and direction.")},
        {"use_rslora", G::Lora, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "rsLoRA"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Scale by alpha / sqrt(r): steadier at high ranks.")},
        // Freeze.
        {"freeze_trainable_layers", G::Freeze, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Trainable layers"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Train the last N layers (or the first -N when negative); the rest stay frozen."), -65536, 65536},
        {"freeze_trainable_modules", G::Freeze, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Trainable modules"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Modules inside those layers to train (comma list, or \"all\").")},
        {"freeze_extra_modules", G::Freeze, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Extra modules"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Modules outside the layers to train as well, e.g. embed_tokens.")},
        // QLoRA.
        {"quantization_type", G::Qlora, K::EditableChoice, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Quantization type"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Data type of the 4-bit base weights (NF4)."), 0, 0, {{"nf4", nullptr}}},
        {"double_quantization", G::Qlora, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Double quantization"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Quantize the quantization scales too: saves about 0.4 bits per weight.")},
        // Preference stages.
        {"pref_beta", G::Preference, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Beta"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "How far the trained model may move from the reference (DPO's beta).")},
        {"pref_loss", G::Preference, K::Choice, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Preference loss"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "The preference objective."), 0, 0,
         {{"sigmoid", nullptr}, {"hinge", nullptr}, {"ipo", nullptr}, {"orpo", nullptr}, {"simpo", nullptr}}},
        {"pref_ftx", G::Preference, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "SFT loss weight"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Weight of an added supervised loss on the chosen answers (0 = off).")},
        {"simpo_gamma", G::Preference, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "SimPO gamma"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Target reward margin of SimPO.")},
        {"dpo_label_smoothing", G::Preference, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Label smoothing"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Robust DPO: the assumed share of wrong preference labels, in [0, 0.5).")},
        {"precompute_ref_log_probs", G::Preference, K::Bool, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Precompute reference"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Compute the reference model's log-probabilities once before training (saves memory).")},
        {"kto_chosen_weight", G::Preference, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "KTO desirable weight"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Loss weight of desirable examples in KTO.")},
        {"kto_rejected_weight", G::Preference, K::Double, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "KTO undesirable weight"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Loss weight of undesirable examples in KTO.")},
        // New model from scratch.
        {"new_model_corpus", G::NewModel, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Tokenizer corpus"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Extra pre-training datasets (comma list) whose text trains the new model's tokenizer.")},
        {"new_model_tokenizer", G::NewModel, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Tokenizer folder"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "A tokenizer to use instead of training one (e.g. the Data tab's tokenizer lab); empty = train on the datasets.")},
        {"tokenizer_vocab_size", G::NewModel, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Vocabulary size"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Tokens in the new tokenizer (0 = the preset's)."), 0, 1000000},
        // Engine.
        {"device", G::Engine, K::EditableChoice, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Device"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Where to train: auto picks a GPU when there is one."), 0, 0,
         {{"auto", nullptr}, {"cpu", nullptr}, {"cuda", nullptr}, {"cuda:0", nullptr}}},
        {"threads", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "CPU threads"), QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Threads for CPU work (0 = all cores)."), 0, 4096},
        {"nproc_per_node", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Processes"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "Data-parallel training in this many processes on this machine (torch.distributed, Gloo): each trains on its share of every batch, so the global batch is processes x batch size x accumulation. CPU threads are shared out among them."),
         1, 1024},
        {"zero_stage", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "ZeRO stage"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "With several processes: 1 gives each process the optimizer state of its share of the weights only (about 1/N of that memory); 0 keeps it whole in every process."),
         0, 1},
        {"ddp_timeout", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Process timeout (s)"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "Multi-process runs (lathe-cli train --nproc-per-node): seconds a process waits for the others before the run fails."),
         1, 2000000000},
        {"ddp_bucket_cap_mb", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Gradient bucket (MB)"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "With several processes: gradients are summed across them in buckets of this size, each starting as soon as the backward pass has finished its part (0 = one tensor per bucket)."),
         0, 65536},
        {"nnodes", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Machines"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "Machines (nodes) in the run, each starting Processes of its own: start the run on every machine with its own machine rank and the same address and port."),
         1, 1024},
        {"node_rank", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Machine rank"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "This machine's place in the run: 0 on the machine that serves the meeting (and writes logs and checkpoints), then 1, 2, ..."),
         0, 1023},
        {"master_addr", G::Engine, K::Text, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Meeting address"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "Address of machine 0, which every process reaches (MASTER_ADDR). Empty = this machine, for a run on one machine."),
         0, 0},
        {"master_port", G::Engine, K::Int, QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Meeting port"),
         QT_TRANSLATE_NOOP("lathe::ui::TrainForm",
                           "TCP port on machine 0 (MASTER_PORT). 0 = a free port on one machine, 29500 with several."),
         0, 65535},
    };
    return fields;
}

const FieldSpec* find_train_field(const char* key) {
    for (const auto& f : train_fields())
        if (std::strcmp(f.key, key) == 0) return &f;
    return nullptr;
}

const std::vector<const char*>& model_bar_keys() {
    static const std::vector<const char*> keys = {"model_name_or_path", "adapter_name_or_path", "template",
                                                  "create_new_model",   "finetuning_type",      "quantization_bit"};
    return keys;
}

const char* field_group_title(FieldGroup group) {
    switch (group) {
        case G::Basic: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Basic");
        case G::Data: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Data");
        case G::Output: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Output and logging");
        case G::Optimizer: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Optimizer");
        case G::Lora: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "LoRA");
        case G::Freeze: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Freeze");
        case G::Qlora: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "QLoRA");
        case G::Preference: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Preference");
        case G::NewModel: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "New model");
        case G::Engine: return QT_TRANSLATE_NOOP("lathe::ui::TrainForm", "Engine");
    }
    return "";
}

bool field_applies(const char* key, const std::string& stage, const std::string& prefLoss) {
    struct Use {
        const char* key;
        std::vector<std::string> stages, losses;  // losses: for dpo, empty = every loss
    };
    // What the objectives read (core/train/preference): rm trains a value head and reads none of these.
    static const std::vector<Use> uses = {
        {"pref_beta", {"dpo", "kto"}, {}},
        {"pref_loss", {"dpo"}, {}},
        {"pref_ftx", {"dpo", "kto"}, {}},
        {"simpo_gamma", {"dpo"}, {"simpo"}},
        {"dpo_label_smoothing", {"dpo"}, {"sigmoid"}},
        {"precompute_ref_log_probs", {"dpo"}, {}},  // and only for a loss with a reference (below)
        {"kto_chosen_weight", {"kto"}, {}},
        {"kto_rejected_weight", {"kto"}, {}},
    };
    auto has = [](const std::vector<std::string>& list, const std::string& v) {
        return std::find(list.begin(), list.end(), v) != list.end();
    };
    for (const Use& u : uses) {
        if (std::strcmp(u.key, key) != 0) continue;
        if (!has(u.stages, stage)) return false;
        if (std::strcmp(key, "precompute_ref_log_probs") == 0) return pref_loss_needs_reference(prefLoss);
        return stage_from_name(stage) != Stage::Dpo || u.losses.empty() || has(u.losses, prefLoss);
    }
    return true;
}

}  // namespace ui
}  // namespace lathe
