#include "core/train/token_logprobs.h"

#include "core/model/transformer.h"
#include "core/util/autocast.h"
#include "core/train/rng_state.h"

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <atomic>

namespace lathe {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::atomic<int64_t> g_chunk_elements{kDefaultLogitsChunkElements};

// The output head as the chunks call it. A head without adapter (tied embeddings, a plain or
// storage-held lm_head) is used through its dense weight, cast here to the dtype autocast would run it
// in: forward casts the whole (V, C) matrix once (precast) where autocast would cast it again for every
// chunk (it caches only the casts of trainable leaves), and the recomputation in backward casts it per
// chunk, differentiably, exactly as forward did. A head with an adapter goes through
// CausalLMImpl::logits under the caller's autocast.
struct OutputHead {
    CausalLMImpl* model = nullptr;
    torch::Tensor weight, bias;             // (V, C), (V) or undefined: set for a head without adapter
    torch::ScalarType dtype = torch::kFloat;  // the products' dtype: autocast's, else the weight's
    double softcap = 0;                     // Gemma 2's final_logit_softcapping

    static OutputHead of(CausalLMImpl& model, torch::ScalarType autocast) {
        OutputHead head;
        head.model = &model;
        head.softcap = model.config().final_logit_softcapping;
        if (model.lm_head && model.lm_head->adapter) return head;
        if (model.lm_head) {
            head.weight = model.lm_head->dense_weight();
            head.bias = model.lm_head->bias;
        } else {
            head.weight = model.model->embed_tokens->weight;
        }
        const bool cast = autocast != torch::kFloat && head.weight.scalar_type() == torch::kFloat;
        head.dtype = cast ? autocast : head.weight.scalar_type();
        return head;
    }
    // The same head with its weight detached and cast once, for chunks computed without gradients.
    OutputHead precast() const {
        OutputHead head = *this;
        if (!dense()) return head;
        head.weight = weight.detach().to(dtype);
        if (bias.defined()) head.bias = bias.detach().to(dtype);
        return head;
    }
    bool dense() const { return weight.defined(); }
    // (r, C) -> (r, V). The rows are cast here too, not by autocast: a single row goes through mv,
    // which autocast leaves alone.
    torch::Tensor operator()(const torch::Tensor& h) const {
        if (!dense()) return model->logits(h);  // soft-capped there
        return soft_cap(dense_linear(h.to(dtype), weight.to(dtype), bias.defined() ? bias.to(dtype) : bias), softcap);
    }
};

// One chunk's log p(target) (r) from its logits (r, V), and with `with_grad` also
// d logp / d logits = onehot(target) - softmax (r, V) float32, written over the float32 copy of the
// logits (`copy` forces that copy to be a new tensor when the logits are float32 already).
struct ChunkStats {
    torch::Tensor logp, dlogits;
};

ChunkStats chunk_stats(const torch::Tensor& logits, const torch::Tensor& targets, bool with_grad, bool copy) {
    auto lf = logits.to(torch::kFloat, /*non_blocking=*/false, copy);                 // (r, V)
    auto lse = lf.logsumexp({1}, /*keepdim=*/true);                                    // (r, 1)
    auto logp = lf.gather(1, targets.unsqueeze(1)).sub_(lse).squeeze(1);              // (r)
    if (!with_grad) return {logp, {}};
    auto d = lf.sub_(lse).exp_().neg_();                                               // -softmax
    d.scatter_add_(1, targets.unsqueeze(1), torch::ones_like(lse));                    // + onehot
    return {logp, d};
}

template <typename F>
void for_each_chunk(int64_t n, int64_t rows, F&& fn) {
    for (int64_t start = 0; start < n; start += rows) fn(start, std::min(rows, n - start));
}

torch::Tensor logprobs_only(const OutputHead& head, const torch::Tensor& hidden, const torch::Tensor& targets,
                            int64_t rows) {
    auto out = torch::empty({hidden.size(0)}, hidden.options().dtype(torch::kFloat));  // (N)
    for_each_chunk(hidden.size(0), rows, [&](int64_t s, int64_t r) {
        auto logits = head(hidden.narrow(0, s, r));                                    // (r, V)
        out.narrow(0, s, r).copy_(chunk_stats(logits, targets.narrow(0, s, r), false, false).logp);
    });
    return out;
}

// The recomputation in backward must not reuse autocast's cached casts of an adapter's weights: a cached
// cast carries the graph of the chunk that made it.
class AutocastCacheOff {
public:
    AutocastCacheOff() : was_(at::autocast::is_autocast_cache_enabled()) { at::autocast::set_autocast_cache_enabled(false); }
    ~AutocastCacheOff() { at::autocast::set_autocast_cache_enabled(was_); }
    AutocastCacheOff(const AutocastCacheOff&) = delete;
    AutocastCacheOff& operator=(const AutocastCacheOff&) = delete;

private:
    bool was_;
};

struct TokenLogprobsFunction : public torch::autograd::Function<TokenLogprobsFunction> {
    // Frozen dense head: d logp_i / d h_i = (onehot_i - p_i) W is computed here, chunk by chunk, and
    // kept as D (N, C); backward is grad[:, None] * D. Otherwise (a trainable head, or an adapter on
    // it) only the inputs are kept and backward recomputes each chunk. `anchor` requires grad, so the
    // output does too when only the head's parameters do.
    static torch::Tensor forward(AutogradContext* ctx, torch::Tensor hidden, torch::Tensor targets, torch::Tensor anchor,
                                 int64_t model_ptr, int64_t rows, bool head_trains) {
        auto* model = reinterpret_cast<CausalLMImpl*>(model_ptr);
        const auto autocast = autocast_dtype(hidden.device());
        const OutputHead head = OutputHead::of(*model, autocast).precast();
        // Soft-capped logits take the recomputing path too: its autograd carries the cap's derivative.
        if (head_trains || !head.dense() || head.softcap > 0) {
            ctx->saved_data["model"] = model_ptr;
            ctx->saved_data["rows"] = rows;
            ctx->saved_data["autocast"] = static_cast<int64_t>(autocast);
            const RngState rng = RngState::capture(hidden.device());  // an adapter's dropout on the head
            ctx->saved_data["rng"] = rng.cpu;
            if (rng.device.defined()) ctx->saved_data["rng_device"] = rng.device;
            ctx->save_for_backward({hidden, targets});
            return logprobs_only(head, hidden, targets, rows);
        }
        auto logp = torch::empty({hidden.size(0)}, hidden.options().dtype(torch::kFloat));  // (N)
        auto dlogp_dh = torch::empty_like(hidden);                                           // (N, C)
        for_each_chunk(hidden.size(0), rows, [&](int64_t s, int64_t r) {
            auto st = chunk_stats(head(hidden.narrow(0, s, r)), targets.narrow(0, s, r), true, false);
            logp.narrow(0, s, r).copy_(st.logp);
            // (r, V) @ (V, C): in the head's dtype, as autocast computes the head's backward.
            dlogp_dh.narrow(0, s, r).copy_(torch::matmul(st.dlogits.to(head.weight.scalar_type()), head.weight));
        });
        ctx->save_for_backward({dlogp_dh});
        return logp;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        const auto saved = ctx->get_saved_variables();
        const auto& grad = grad_out[0];  // (N)
        if (!ctx->saved_data.count("model"))  // frozen dense head: saved[0] is D
            return {grad.unsqueeze(1).to(saved[0].scalar_type()) * saved[0], {}, {}, {}, {}, {}};
        return {recompute(ctx, saved[0], saved[1], grad), {}, {}, {}, {}, {}};
    }

    // Each chunk's head again, with grad, on a detached copy of its rows: backprop of grad * (onehot - p)
    // accumulates the head's parameter gradients (as gradient checkpointing does for layers) and gives
    // the chunk's hidden gradient.
    static torch::Tensor recompute(AutogradContext* ctx, const torch::Tensor& hidden, const torch::Tensor& targets,
                                   const torch::Tensor& grad) {
        auto* model = reinterpret_cast<CausalLMImpl*>(ctx->saved_data["model"].toInt());
        const int64_t rows = ctx->saved_data["rows"].toInt();
        const bool hidden_grad = ctx->needs_input_grad(0);
        auto grad_hidden = hidden_grad ? torch::empty_like(hidden) : torch::Tensor();  // (N, C)
        const auto dtype = static_cast<torch::ScalarType>(ctx->saved_data["autocast"].toInt());
        const OutputHead head = OutputHead::of(*model, dtype);
        AutocastScope autocast(hidden.device(), dtype);
        AutocastCacheOff no_cache;
        const RngState after = RngState::capture(hidden.device());
        RngState before = after;
        before.cpu = ctx->saved_data["rng"].toTensor();
        if (ctx->saved_data.count("rng_device")) before.device = ctx->saved_data["rng_device"].toTensor();
        before.restore();
        for_each_chunk(hidden.size(0), rows, [&](int64_t s, int64_t r) {
            auto h = hidden.narrow(0, s, r).detach().requires_grad_(hidden_grad);  // (r, C)
            torch::Tensor logits;
            {
                torch::AutoGradMode enable(true);
                logits = head(h);                                                      // (r, V)
            }
            auto st = chunk_stats(logits.detach(), targets.narrow(0, s, r), true, true);
            if (logits.requires_grad())
                torch::autograd::backward({logits}, {st.dlogits.mul_(grad.narrow(0, s, r).unsqueeze(1)).to(logits.scalar_type())});
            if (hidden_grad) grad_hidden.narrow(0, s, r).copy_(h.grad().defined() ? h.grad() : torch::zeros_like(h));
        });
        after.restore();
        return grad_hidden;
    }
};

bool head_trainable(CausalLMImpl& model) {
    const auto params = model.lm_head ? model.lm_head->parameters() : model.model->embed_tokens->parameters();
    return std::any_of(params.begin(), params.end(), [](const torch::Tensor& p) { return p.requires_grad(); });
}

}  // namespace

void set_logits_chunk_elements(int64_t elements) {
    g_chunk_elements = elements > 0 ? elements : kDefaultLogitsChunkElements;
}

int64_t logits_chunk_elements() { return g_chunk_elements; }

int64_t logits_chunk_rows(int64_t vocab, int64_t elements) {
    if (elements <= 0) elements = g_chunk_elements;
    return std::max<int64_t>(1, elements / std::max<int64_t>(1, vocab));
}

at::Tensor token_logprobs(CausalLMImpl& model, const at::Tensor& hidden, const at::Tensor& targets,
                          int64_t chunk_elements) {
    TORCH_CHECK(hidden.dim() == 2 && targets.dim() == 1 && targets.size(0) == hidden.size(0),
                "token_logprobs: expected hidden (N, C) and targets (N), got ", hidden.sizes(), " and ",
                targets.sizes());
    const int64_t vocab = model.lm_head ? model.lm_head->out_features : model.model->embed_tokens->weight.size(0);
    const int64_t rows = logits_chunk_rows(vocab, chunk_elements);
    const auto t = targets.to(hidden.device(), torch::kLong);
    const bool trainable = head_trainable(model);
    if (!torch::GradMode::is_enabled() || !(hidden.requires_grad() || trainable)) {
        torch::NoGradGuard no_grad;
        return logprobs_only(OutputHead::of(model, autocast_dtype(hidden.device())).precast(), hidden, t, rows);
    }
    static thread_local torch::Tensor anchor;
    if (!anchor.defined()) anchor = torch::zeros({}, torch::requires_grad());
    return TokenLogprobsFunction::apply(hidden, t, anchor, reinterpret_cast<int64_t>(&model), rows, trainable);
}

}  // namespace lathe
