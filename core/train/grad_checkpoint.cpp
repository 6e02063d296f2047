#include "core/train/grad_checkpoint.h"

#include "core/model/attention_kernel.h"
#include "core/util/autocast.h"
#include "core/train/rng_state.h"

namespace lathe {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
    // `anchor` requires grad so the output does too even when x does not (frozen embeddings under
    // LoRA): otherwise backward would never reach the layer's trainable parameters.
    static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor anchor, torch::Tensor cos,
                                 torch::Tensor sin, c10::optional<torch::Tensor> key_mask, int64_t layer_ptr,
                                 int64_t index) {
        auto mask = key_mask.value_or(torch::Tensor());  // optional: autograd refuses undefined tensor inputs
        const RngState rng = RngState::capture(x.device());
        ctx->saved_data["rng"] = rng.cpu;
        if (rng.device.defined()) ctx->saved_data["rng_device"] = rng.device;
        ctx->saved_data["layer"] = layer_ptr;
        ctx->saved_data["index"] = index;
        ctx->saved_data["cos"] = cos;
        ctx->saved_data["sin"] = sin;
        ctx->saved_data["mask"] = mask;
        // Backward runs outside the forward's autocast scope: the recomputation restores it, or it would
        // run in float32 and differ from the forward it stands for.
        ctx->saved_data["autocast"] = static_cast<int64_t>(autocast_dtype(x.device()));
        ctx->save_for_backward({x});
        auto* layer = reinterpret_cast<DecoderLayerImpl*>(layer_ptr);
        // The attention's output and log-sum-exp are kept too (one (B, T, C) tensor in the products'
        // dtype and a float32 per head and token): the recomputation replays them instead of running the
        // attention's products again (about 7% of a LoRA step on the 85m shape at 512 tokens, more at
        // longer cutoffs).
        AttentionRecord record;
        AttentionContext actx{cos, sin, mask, nullptr, &record, {}, {}};
        torch::Tensor out;
        {
            torch::NoGradGuard no_grad;
            out = layer->forward(x, actx, static_cast<size_t>(index));
        }
        ctx->saved_data["attention_out"] = record.out;
        ctx->saved_data["attention_lse"] = record.lse;
        return out;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        auto x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        auto* layer = reinterpret_cast<DecoderLayerImpl*>(ctx->saved_data["layer"].toInt());
        AttentionRecord record;
        record.mode = AttentionRecord::Mode::replay;
        record.out = ctx->saved_data["attention_out"].toTensor();
        record.lse = ctx->saved_data["attention_lse"].toTensor();
        // The recomputed attention's node holds them from here and frees them after its backward; saved_data
        // (which autograd does not release after a node's backward) would keep every layer's until the end.
        ctx->saved_data.erase("attention_out");
        ctx->saved_data.erase("attention_lse");
        AttentionContext actx{ctx->saved_data["cos"].toTensor(), ctx->saved_data["sin"].toTensor(),
                              ctx->saved_data["mask"].toTensor(), nullptr, &record, {}, {}};
        auto after = RngState::capture(x.device());
        RngState before = after;
        before.cpu = ctx->saved_data["rng"].toTensor();
        if (ctx->saved_data.count("rng_device")) before.device = ctx->saved_data["rng_device"].toTensor();
        before.restore();
        torch::Tensor out;
        {
            torch::AutoGradMode enable(true);
            AutocastScope autocast(x.device(), static_cast<torch::ScalarType>(ctx->saved_data["autocast"].toInt()));
            // The output's values are never read, only its graph: the last projection skips its product.
            out = layer->forward(x, actx, static_cast<size_t>(ctx->saved_data["index"].toInt()), true);
        }
        after.restore();
        torch::autograd::backward({out}, {grad_out[0]});
        return {x.grad(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(),
                torch::Tensor()};
    }
};

}  // namespace

torch::Tensor checkpointed_layer(DecoderLayer& layer, const torch::Tensor& x, const AttentionContext& ctx,
                                 size_t index) {
    if (!torch::GradMode::is_enabled()) return layer->forward(x, ctx, index);
    static thread_local torch::Tensor anchor;
    if (!anchor.defined()) anchor = torch::zeros({}, torch::requires_grad());
    // The layer's own tables travel as cos and sin (Gemma 3's sliding layers have their own).
    const bool local = layer->self_attn->local_rope && ctx.cos_local.defined();
    return CheckpointFunction::apply(x, anchor, local ? ctx.cos_local : ctx.cos, local ? ctx.sin_local : ctx.sin,
                                     c10::optional<torch::Tensor>(ctx.key_mask),
                                     reinterpret_cast<int64_t>(layer.get()), static_cast<int64_t>(index));
}

}  // namespace lathe
