#include "core/model/decode_step.h"

#include "core/infer/gemv.h"
#include "core/model/attention_kernel.h"
#include "core/model/fused_kernels_cpu.h"
#include "core/model/transformer.h"
#include "core/util/autocast.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lathe {

namespace {

// LATHE_DECODE_STEP=0 in the environment starts with the step off (benchmarks of the general path).
bool enabled_at_start() {
    const char* v = std::getenv("LATHE_DECODE_STEP");
    return !(v && std::strcmp(v, "0") == 0);
}

std::atomic<bool> g_enabled{enabled_at_start()};
std::atomic<long long> g_layers_run{0};

bool cpu_f32(const torch::Tensor& t) {
    return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous();
}

// A projection as the step reads it: a storage's row kernel or a dense float32 weight, and its bias.
struct Projection {
    const WeightStorage* storage = nullptr;
    const float* weight = nullptr;
    const float* bias = nullptr;
    const LinearAdapter* adapter = nullptr;  // its row_delta after the bias (LoRA or DoRA attached unmerged)
    const LinearImpl* base = nullptr;
    int64_t out = 0, in = 0;
};

// False where the step cannot run `l` on one row: an adapter without a row delta (dropout in training), a storage without a row kernel (NF4), a weight or bias that is not float32 on the CPU, or
// other sizes than `in` -> `out`.
bool projection_of(const Linear& l, int64_t in, int64_t out, Projection& p) {
    if (!l || (l->adapter && !l->adapter->has_row_delta(*l)) || l->in_features != in || l->out_features != out)
        return false;
    p = Projection{};
    p.in = in;
    p.out = out;
    p.adapter = l->adapter.get();
    p.base = l.get();
    if (l->bias.defined()) {
        if (!cpu_f32(l->bias) || l->bias.numel() != out) return false;
        p.bias = l->bias.data_ptr<float>();
    }
    if (l->storage) {
        if (!l->storage->has_row_product()) return false;
        p.storage = l->storage.get();
        return true;
    }
    if (!cpu_f32(l->weight) || l->weight.dim() != 2 || l->weight.size(0) != out || l->weight.size(1) != in) return false;
    p.weight = l->weight.data_ptr<float>();
    return true;
}

void project(const Projection& p, const float* x, float* y) {
    if (p.storage) p.storage->row_product(x, y);
    else kernels::gemv_f32(p.weight, p.out, p.in, x, 1, y);
    if (p.bias)
        for (int64_t i = 0; i < p.out; ++i) y[i] += p.bias[i];
    if (p.adapter) p.adapter->row_delta(*p.base, x, y);
}

bool norm_ok(const RMSNorm& n, int64_t C) {
    return n && !n->unit_offset && cpu_f32(n->weight) && n->weight.numel() == C;
}

// RMSNorm of `rows` rows of C with the training kernel, as RMSNorm's forward() runs it.
void norm(const RMSNorm& n, const float* x, float* out, int64_t rows, int64_t C, std::vector<float>& rstd) {
    rstd.resize(static_cast<size_t>(rows));
    cpu_kernels::rms_norm_forward(cpu_kernels::Elem::F32, x, cpu_kernels::Elem::F32, n->weight.data_ptr<float>(),
                                  cpu_kernels::Elem::F32, out, rstd.data(), rows, C, static_cast<float>(n->eps));
}

// The step's buffers, kept between tokens (one set per thread that decodes).
struct Scratch {
    std::vector<float> xn, qkv, att, o, up, h, d, rstd;
};

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

void resize(std::vector<float>& v, int64_t n) {
    if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
}

}  // namespace

bool decode_step_applies(const at::Tensor& x, const AttentionContext& ctx) {
    // Where the training kernels do not run (no AVX2), RMSNorm and SwiGLU are ATen's formulas: the
    // general path, whose bits the step would not reproduce.
    return g_enabled.load(std::memory_order_relaxed) && cpu_kernels::available() && cpu_f32(x) && x.dim() == 3 &&
           x.size(0) == 1 && x.size(1) == 1 && ctx.cache && !ctx.key_mask.defined() && !ctx.record &&
           !torch::GradMode::is_enabled() && autocast_dtype(torch::kCPU) == torch::kFloat;
}

bool decode_layer(DecoderLayerImpl& layer, at::Tensor& x, const AttentionContext& ctx, size_t index) {
    if (!layer.mlp || layer.moe || layer.pre_feedforward_layernorm || layer.post_feedforward_layernorm) return false;
    const AttentionImpl& a = *layer.self_attn;
    const MLPImpl& mlp = *layer.mlp;
    const int64_t C = x.size(2), H = a.heads, KV = a.kv_heads, hd = a.head_dim;
    if (mlp.act != "silu" || KV <= 0 || H % KV != 0 || a.softcap > 0) return false;
    if (!norm_ok(layer.input_layernorm, C) || !norm_ok(layer.post_attention_layernorm, C)) return false;
    if (a.q_norm && (!norm_ok(a.q_norm, hd) || !norm_ok(a.k_norm, hd))) return false;

    // Keys and values: (1, KV, capacity, hd) float32, with room for this token.
    KVCache& cache = *ctx.cache;
    if (index >= cache.keys.size() || index >= cache.values.size()) return false;
    const auto& keys = cache.keys[index];
    const auto& values = cache.values[index];
    const int64_t pos = cache.length, S = pos + 1, cap = cache.capacity;
    for (const auto* t : {&keys, &values})
        if (!cpu_f32(*t) || t->dim() != 4 || t->size(0) != 1 || t->size(1) != KV || t->size(2) != cap || t->size(3) != hd)
            return false;
    if (S > cap) return false;  // the general path names the full context
    if (a.window > 0 && S > a.window) return false;  // the window hides keys

    const bool local = a.local_rope && ctx.cos_local.defined();
    const auto& cos = local ? ctx.cos_local : ctx.cos;
    const auto& sin = local ? ctx.sin_local : ctx.sin;
    if (!cpu_f32(cos) || !cpu_f32(sin) || cos.numel() != cos.size(-1) || sin.numel() != cos.numel() ||
        cos.size(-1) > hd || cos.size(-1) % 2 != 0)
        return false;
    const int64_t half = cos.size(-1) / 2;

    Projection q_p, k_p, v_p, qkv_p, o_p, gate_p, up_p, gate_up_p, down_p;
    const bool fused_qkv = static_cast<bool>(a.qkv_proj);
    if (fused_qkv ? !projection_of(a.qkv_proj, C, (H + 2 * KV) * hd, qkv_p)
                  : !(projection_of(a.q_proj, C, H * hd, q_p) && projection_of(a.k_proj, C, KV * hd, k_p) &&
                      projection_of(a.v_proj, C, KV * hd, v_p)))
        return false;
    if (!projection_of(a.o_proj, H * hd, C, o_p)) return false;
    const int64_t I = mlp.down_proj ? mlp.down_proj->in_features : 0;
    const bool fused_gate_up = static_cast<bool>(mlp.gate_up_proj);
    if (fused_gate_up ? !projection_of(mlp.gate_up_proj, C, 2 * I, gate_up_p)
                      : !(projection_of(mlp.gate_proj, C, I, gate_p) && projection_of(mlp.up_proj, C, I, up_p)))
        return false;
    if (!projection_of(mlp.down_proj, I, C, down_p)) return false;

    // Attention.
    Scratch& s = scratch();
    resize(s.xn, C);
    resize(s.qkv, (H + 2 * KV) * hd);
    resize(s.att, H * hd);
    resize(s.o, C);
    float* xp = x.data_ptr<float>();
    float* q = s.qkv.data();
    float* k = q + H * hd;
    float* v = k + KV * hd;
    norm(layer.input_layernorm, xp, s.xn.data(), 1, C, s.rstd);
    if (fused_qkv) {
        project(qkv_p, s.xn.data(), q);  // rows [q; k; v]
    } else {
        project(q_p, s.xn.data(), q);
        project(k_p, s.xn.data(), k);
        project(v_p, s.xn.data(), v);
    }
    if (a.q_norm) {
        resize(s.o, std::max(C, H * hd));
        norm(a.q_norm, q, s.o.data(), H, hd, s.rstd);
        std::memcpy(q, s.o.data(), sizeof(float) * H * hd);
        norm(a.k_norm, k, s.o.data(), KV, hd, s.rstd);
        std::memcpy(k, s.o.data(), sizeof(float) * KV * hd);
    }
    rotate_position_f32(q, H, hd, cos.data_ptr<float>(), sin.data_ptr<float>(), half);
    rotate_position_f32(k, KV, hd, cos.data_ptr<float>(), sin.data_ptr<float>(), half);
    float* K = keys.data_ptr<float>();
    float* V = values.data_ptr<float>();
    for (int64_t g = 0; g < KV; ++g) {
        std::memcpy(K + (g * cap + pos) * hd, k + g * hd, sizeof(float) * hd);
        std::memcpy(V + (g * cap + pos) * hd, v + g * hd, sizeof(float) * hd);
    }
    attend_one_position(q, K, V, cap * hd, 0, S, H, KV, hd, static_cast<float>(a.scale), s.att.data());
    project(o_p, s.att.data(), s.o.data());
    for (int64_t c = 0; c < C; ++c) xp[c] += s.o[c];

    // MLP.
    resize(s.up, 2 * I);
    resize(s.h, I);
    resize(s.d, C);
    norm(layer.post_attention_layernorm, xp, s.xn.data(), 1, C, s.rstd);
    float* gate = s.up.data();
    float* up = gate + I;
    if (fused_gate_up) {
        project(gate_up_p, s.xn.data(), gate);  // rows [gate; up]
    } else {
        project(gate_p, s.xn.data(), gate);
        project(up_p, s.xn.data(), up);
    }
    cpu_kernels::swiglu_forward(cpu_kernels::Elem::F32, gate, up, s.h.data(), I);
    project(down_p, s.h.data(), s.d.data());
    for (int64_t c = 0; c < C; ++c) xp[c] += s.d[c];
    g_layers_run.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void set_decode_step_enabled(bool on) { g_enabled.store(on, std::memory_order_relaxed); }

long long decode_step_layers_run() { return g_layers_run.load(std::memory_order_relaxed); }

}  // namespace lathe
