#include "core/model/attention_kernel.h"

#include "core/infer/gemv.h"
#include "core/model/fused_kernels_cpu_tensor.h"
#include "core/util/spin_pool.h"
#include "core/util/error.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace lathe {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kBlockScoreElements = int64_t{4} << 20;  // float32 scores per block: 16 MB
constexpr int64_t kFusedBlockScoreElements = int64_t{3} << 19;  // with cpu_kernels' softmax: 1.5M
std::atomic<int64_t> g_forced_rows{0};
std::atomic<uint64_t> g_forwards{0};
std::atomic<uint64_t> g_operand_copies{0};
std::atomic<uint64_t> g_tiled_backwards{0};
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

struct Dims {
    int64_t B, H, KV, G, T, S, D;  // G = H / KV query heads share one key/value head
    int64_t past() const { return S - T; }
};

std::string shape_of(const torch::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

Dims dims_of(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const torch::Tensor& key_mask) {
    auto fail = [&](const std::string& what) {
        throw ModelError("attention: " + what + " (q " + shape_of(q) + ", k " + shape_of(k) + ", v " + shape_of(v) +
                         (key_mask.defined() ? ", key_mask " + shape_of(key_mask) : std::string()) + ")");
    };
    if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) fail("expected q (B, H, T, hd), k and v (B, KV, S, hd)");
    Dims d{q.size(0), q.size(1), k.size(1), 0, q.size(2), k.size(2), q.size(3)};
    if (k.sizes() != v.sizes()) fail("k and v differ in shape");
    if (k.size(0) != d.B || k.size(3) != d.D) fail("k and v do not match q's batch and head size");
    if (d.KV == 0 || d.H % d.KV != 0) fail("key/value heads must divide query heads");
    if (d.S < d.T) fail("fewer keys than queries");
    if (q.scalar_type() != k.scalar_type() || q.scalar_type() != v.scalar_type()) fail("q, k and v differ in dtype");
    if (key_mask.defined() && (key_mask.dim() != 2 || key_mask.size(1) != d.S ||
                               (key_mask.size(0) != d.B && key_mask.size(0) != 1)))
        fail("key_mask must be (B, S)");
    d.G = d.H / d.KV;
    return d;
}

// Query heads of one key/value head are folded into rows, so one product per key/value head serves the
// whole group and K/V are never repeated: (B, H, T, hd) is seen as (B, KV, G, T, hd), and a block of rows
// [t0, t0 + n) of it becomes (B, KV, G*n, hd).
torch::Tensor block_rows(const torch::Tensor& x5, int64_t t0, int64_t n) {
    return x5.narrow(3, t0, n).reshape({x5.size(0), x5.size(1), x5.size(2) * n, x5.size(4)});
}

// (B, 1, 1, 1, S), true where a key is padding; undefined when no key is.
torch::Tensor hidden_keys(const torch::Tensor& key_mask, const Dims& d, const torch::Device& device) {
    if (!key_mask.defined()) return {};
    return key_mask.to(device, torch::kBool).logical_not().view({key_mask.size(0), 1, 1, 1, d.S});
}

// Float32 scores (B, KV, G*n, Sb) of the block's (already scaled) query rows against keys [0, Sb), where
// Sb = past + t0 + n: every later key is in the future of all the block's rows. Masked entries are -inf.
torch::Tensor block_scores(const torch::Tensor& q_block, const torch::Tensor& k_block, const torch::Tensor& hidden,
                           const Dims& d, int64_t n) {
    const int64_t Sb = k_block.size(2);
    auto s = torch::matmul(q_block, k_block.transpose(-1, -2)).to(torch::kFloat);  // (B, KV, G*n, Sb)
    auto s5 = s.view({d.B, d.KV, d.G, n, Sb});
    if (n > 1) {  // the last n keys are the block's own positions: row r sees the first r + 1 of them
        auto r = torch::arange(n, torch::TensorOptions().dtype(torch::kLong).device(s.device()));
        s5.narrow(-1, Sb - n, n).masked_fill_(r.unsqueeze(0) > r.unsqueeze(1), kMinusInf);
    }
    if (hidden.defined()) s5.masked_fill_(hidden.narrow(-1, 0, Sb), kMinusInf);
    return s;
}

// The key mask as the fused softmax kernel reads it: (B or 1, S) bytes, nonzero where a key is visible.
struct Visible {
    torch::Tensor bytes;  // undefined: no key is hidden
    int64_t stride = 0;
};

Visible visible_of(const torch::Tensor& key_mask, const torch::Device& device) {
    Visible v;
    if (!key_mask.defined()) return v;
    v.bytes = key_mask.to(device, torch::kBool).contiguous();
    v.stride = key_mask.size(0) == 1 ? 0 : key_mask.size(1);
    return v;
}

// Whether the block softmax runs in cpu_kernels (one pass per block instead of ATen's chain of float32
// passes over the scores): CPU tensors of float32 or bf16 on a processor with AVX-512 or AVX2 + FMA.
bool fused_softmax(const torch::Tensor& q) { return cpu_kernels::takes(q); }

cpu_kernels::ScoreRows score_rows(const Dims& d, int64_t n, int64_t Sb, const Visible& vis) {
    cpu_kernels::ScoreRows rows;
    rows.R = d.B * d.KV * d.G * n;
    rows.Sb = Sb;
    rows.rows_per_batch = d.KV * d.G * n;
    rows.block_rows = n;
    if (vis.bytes.defined()) {
        rows.visible = reinterpret_cast<const uint8_t*>(vis.bytes.data_ptr<bool>());
        rows.visible_stride = vis.stride;
    }
    return rows;
}

using cpu_kernels::elem_of;

// x (4-d) as is where torch::matmul can fold its first two dimensions into one batch dimension without a
// copy (and its rows are contiguous), else a contiguous copy.
torch::Tensor batch_foldable(const torch::Tensor& x) {
    const bool folds = x.size(0) == 1 || x.size(1) == 1 || x.stride(0) == x.stride(1) * x.size(1);
    if (folds && x.stride(3) == 1) return x;
    g_operand_copies.fetch_add(1, std::memory_order_relaxed);
    return x.contiguous();
}

struct ForwardResult {
    torch::Tensor out;  // (B, T, H, hd)
    torch::Tensor lse;  // (B, H, T) float32: log sum_j exp(s_ij) per query row (0 for a row that sees no key)
};

// With `keep_lse` false (nothing will run backward) the log-sum-exp is not kept. Both ways compute the
// same numbers: a reference model's log-probabilities (no grad) must equal the policy's (with grad)
// bit for bit before training moves it (DPO starts at exactly log 2).
// q, k and v are read block after block in products that fold (B, KV) into one batch dimension: k and
// v are copied once where their layout does not allow that fold as a view (the decoder's transposed
// (B, T, KV, hd) rows), or every block product would copy their whole prefix; q is made contiguous (its
// blocks are copied anyway). A KV cache's filled views fold as they are and are not copied.
ForwardResult attention_forward(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& v_in,
                                const torch::Tensor& key_mask, const Dims& d, double scale, int64_t rows,
                                bool keep_lse) {
    const auto q = q_in.contiguous(), k = batch_foldable(k_in), v = batch_foldable(v_in);
    const bool fused = fused_softmax(q);
    const Visible vis = fused ? visible_of(key_mask, q.device()) : Visible{};
    const torch::Tensor hidden = fused ? torch::Tensor() : hidden_keys(key_mask, d, q.device());
    g_forwards.fetch_add(1, std::memory_order_relaxed);
    ForwardResult r;
    r.out = torch::empty({d.B, d.T, d.H, d.D}, q.options());
    if (keep_lse) r.lse = torch::empty({d.B, d.H, d.T}, q.options().dtype(torch::kFloat));
    auto q5 = q.view({d.B, d.KV, d.G, d.T, d.D});
    auto out5 = r.out.view({d.B, d.T, d.KV, d.G, d.D}).permute({0, 2, 3, 1, 4});  // (B, KV, G, T, hd)
    for (int64_t t0 = 0; t0 < d.T; t0 += rows) {
        const int64_t n = std::min(rows, d.T - t0), Sb = d.past() + t0 + n;
        // p: exp(s - m) in the products' dtype (B, KV, G*n, Sb); m, l: each row's maximum and sum (B, KV, G*n, 1)
        torch::Tensor p, m, l;
        if (fused) {
            auto s = torch::matmul(block_rows(q5, t0, n).mul(scale), k.narrow(2, 0, Sb).transpose(-1, -2)).contiguous();
            p = torch::empty_like(s);
            m = torch::empty({d.B, d.KV, d.G * n, 1}, q.options().dtype(torch::kFloat));
            l = torch::empty_like(m);
            cpu_kernels::attention_softmax_forward(score_rows(d, n, Sb, vis), elem_of(s), s.data_ptr(), p.data_ptr(),
                                                   m.data_ptr<float>(), l.data_ptr<float>());
        } else {
            p = block_scores(block_rows(q5, t0, n).mul(scale), k.narrow(2, 0, Sb), hidden, d, n);
            m = torch::amax(p, -1, true);
            m.masked_fill_(m == kMinusInf, 0);  // a row that sees no key: all exp(-inf) = 0
            p.sub_(m).exp_();
            l = p.sum(-1, true).clamp_min_(1);  // >= 1 anyway when the row sees a key
            p = p.to(q.scalar_type());
        }
        auto o = torch::matmul(p, v.narrow(2, 0, Sb)).to(torch::kFloat).div_(l);  // (B, KV, G*n, hd)
        if (keep_lse)
            r.lse.view({d.B, d.KV, d.G, d.T}).narrow(3, t0, n).copy_(m.add_(l.log_()).view({d.B, d.KV, d.G, n}));
        out5.narrow(3, t0, n).copy_(o.view({d.B, d.KV, d.G, n, d.D}));
    }
    return r;
}

// attention_backward on cpu_kernels::attention_backward_bf16: bf16 on a processor with AMX.
variable_list tiled_backward_bf16(const torch::Tensor& q, const torch::Tensor& k_in, const torch::Tensor& v_in,
                                  const Visible& vis, const torch::Tensor& lse, const torch::Tensor& dout,
                                  const torch::Tensor& delta, const Dims& d, double scale) {
    const auto k = k_in.contiguous(), v = v_in.contiguous();                       // (B, KV, S, hd)
    const auto dout_heads = dout.transpose(1, 2).contiguous();                     // (B, H, T, hd)
    const auto lse_c = lse.contiguous(), delta_c = delta.contiguous();
    auto dq = torch::empty({d.B, d.T, d.H, d.D}, q.options());
    const auto fopts = k.options().dtype(torch::kFloat);
    auto dk = torch::empty({d.B, d.KV, d.S, d.D}, fopts), dv = torch::empty({d.B, d.KV, d.S, d.D}, fopts);
    cpu_kernels::AttentionBackwardBf16 a;
    a.B = d.B;
    a.KV = d.KV;
    a.G = d.G;
    a.T = d.T;
    a.S = d.S;
    a.D = d.D;
    a.scale = float(scale);
    auto bits = [](const torch::Tensor& t) { return static_cast<const uint16_t*>(t.data_ptr()); };
    a.q = bits(q);
    a.k = bits(k);
    a.v = bits(v);
    a.dout = bits(dout_heads);
    a.lse = lse_c.data_ptr<float>();
    a.delta = delta_c.data_ptr<float>();
    if (vis.bytes.defined()) {
        a.visible = reinterpret_cast<const uint8_t*>(vis.bytes.data_ptr<bool>());
        a.visible_stride = vis.stride;
    }
    a.dq = static_cast<uint16_t*>(dq.data_ptr());
    a.dk = dk.data_ptr<float>();
    a.dv = dv.data_ptr<float>();
    cpu_kernels::attention_backward_bf16(a);
    g_tiled_backwards.fetch_add(1, std::memory_order_relaxed);
    return {dq.view({d.B, d.T, d.KV * d.G, d.D}).transpose(1, 2), dk.to(q.scalar_type()), dv.to(q.scalar_type())};
}

// dS = P * (dP - rowsum(dO * O)) with P = exp(S - lse) recomputed a block at a time; dQ = dS K scale,
// dK = dS^T Q scale, dV = P^T dO, summed over the group's query heads by the folded products.
variable_list attention_backward(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& v_in,
                                 const torch::Tensor& key_mask, const torch::Tensor& out, const torch::Tensor& lse,
                                 const torch::Tensor& grad_out, const Dims& d, double scale, int64_t rows) {
    const auto q = q_in.contiguous(), k = batch_foldable(k_in), v = batch_foldable(v_in);  // as attention_forward
    const bool fused = fused_softmax(q);
    const Visible vis = fused ? visible_of(key_mask, q.device()) : Visible{};
    const torch::Tensor hidden = fused ? torch::Tensor() : hidden_keys(key_mask, d, q.device());
    const auto dtype = q.scalar_type();
    auto dout = grad_out.to(dtype);                                                 // (B, T, H, hd)
    torch::Tensor delta;                                                            // (B, T, H)
    if (fused && dout.is_contiguous() && out.is_contiguous()) {
        delta = torch::empty({d.B, d.T, d.H}, q.options().dtype(torch::kFloat));
        cpu_kernels::row_dots(elem_of(dout), dout.data_ptr(), out.data_ptr(), delta.data_ptr<float>(), d.B * d.T * d.H, d.D);
    } else {
        delta = (dout.to(torch::kFloat) * out.to(torch::kFloat)).sum(-1);
    }
    if (fused && dtype == torch::kBFloat16 && d.D % 2 == 0 && cpu_kernels::attention_backward_bf16_available())
        return tiled_backward_bf16(q, k, v, vis, lse, dout, delta, d, scale);
    auto delta4 = delta.view({d.B, d.T, d.KV, d.G}).permute({0, 2, 3, 1});          // (B, KV, G, T)
    auto lse4 = lse.view({d.B, d.KV, d.G, d.T});
    auto q5 = q.view({d.B, d.KV, d.G, d.T, d.D});
    // dO by heads (B, KV, G, T, hd), contiguous for the block products (as q, k and v).
    auto dout5 = dout.transpose(1, 2).contiguous().view({d.B, d.KV, d.G, d.T, d.D});
    auto dq = torch::empty({d.B, d.T, d.H, d.D}, q.options());
    auto dq5 = dq.view({d.B, d.T, d.KV, d.G, d.D}).permute({0, 2, 3, 1, 4});
    auto fopts = k.options().dtype(torch::kFloat);  // dK and dV add up over blocks: float32
    auto dk = torch::zeros({d.B, d.KV, d.S, d.D}, fopts), dv = torch::zeros({d.B, d.KV, d.S, d.D}, fopts);
    for (int64_t t0 = 0; t0 < d.T; t0 += rows) {
        const int64_t n = std::min(rows, d.T - t0), Sb = d.past() + t0 + n;
        auto k_block = k.narrow(2, 0, Sb), v_block = v.narrow(2, 0, Sb);
        auto q_block = block_rows(q5, t0, n).mul(scale);                       // (B, KV, G*n, hd)
        auto dout_block = block_rows(dout5, t0, n);                            // (B, KV, G*n, hd)
        // dK and dV add up over blocks in float32: (B * KV) slabs of Sb x hd each.
        auto accumulate = [&](torch::Tensor& into, const torch::Tensor& product) {  // product (B, KV, Sb, hd)
            if (!fused) return void(into.narrow(2, 0, Sb).add_(product));
            const auto c = product.contiguous();
            cpu_kernels::accumulate_slabs(into.data_ptr<float>(), d.S * d.D, elem_of(c), c.data_ptr(), Sb * d.D,
                                          d.B * d.KV, Sb * d.D);
        };
        torch::Tensor ds;  // dS in the products' dtype (B, KV, G*n, Sb)
        if (fused) {
            auto s = torch::matmul(q_block, k_block.transpose(-1, -2)).contiguous();  // (B, KV, G*n, Sb)
            auto dp = torch::matmul(dout_block, v_block.transpose(-1, -2)).contiguous();
            auto lse_block = lse4.narrow(3, t0, n).contiguous();                      // (B, KV, G, n)
            auto delta_block = delta4.narrow(3, t0, n).contiguous();
            auto p = torch::empty_like(s);
            ds = torch::empty_like(s);
            cpu_kernels::attention_softmax_backward(score_rows(d, n, Sb, vis), elem_of(s), s.data_ptr(),
                                                    lse_block.data_ptr<float>(), dp.data_ptr(),
                                                    delta_block.data_ptr<float>(), p.data_ptr(), ds.data_ptr());
            accumulate(dv, torch::matmul(p.transpose(-1, -2), dout_block));
        } else {
            auto p = block_scores(q_block, k_block, hidden, d, n);  // (B, KV, G*n, Sb)
            p.sub_(lse4.narrow(3, t0, n).reshape({d.B, d.KV, d.G * n, 1})).exp_();
            accumulate(dv, torch::matmul(p.to(dtype).transpose(-1, -2), dout_block));
            auto dsf = torch::matmul(dout_block, v_block.transpose(-1, -2)).to(torch::kFloat);  // dP
            dsf.sub_(block_rows(delta4.unsqueeze(-1), t0, n)).mul_(p);
            p = torch::Tensor();
            ds = dsf.to(dtype);
        }
        auto dq_block = torch::matmul(ds, k_block).to(torch::kFloat).mul_(scale);
        dq5.narrow(3, t0, n).copy_(dq_block.view({d.B, d.KV, d.G, n, d.D}));
        accumulate(dk, torch::matmul(ds.transpose(-1, -2), q_block));
    }
    return {dq.view({d.B, d.T, d.KV * d.G, d.D}).transpose(1, 2), dk.to(dtype), dv.to(dtype)};
}

// Autocast must not re-cast inside: the products run in the inputs' dtype, the statistics in float32.
struct NoAutocast {
    c10::impl::ExcludeDispatchKeyGuard guard{c10::autocast_dispatch_keyset};
};

struct CausalAttentionFunction : public torch::autograd::Function<CausalAttentionFunction> {
    // key_mask is optional: autograd cannot take an undefined tensor as an input.
    // `given_out` and `given_lse`: a recorded forward's (AttentionRecord), used instead of computing them.
    static torch::Tensor forward(AutogradContext* ctx, torch::Tensor q, torch::Tensor k, torch::Tensor v,
                                 c10::optional<torch::Tensor> optional_key_mask, double scale, int64_t rows,
                                 c10::optional<torch::Tensor> given_out, c10::optional<torch::Tensor> given_lse) {
        NoAutocast no_autocast;
        auto key_mask = optional_key_mask.value_or(torch::Tensor());
        const Dims d = dims_of(q, k, v, key_mask);
        // Kept in the layout the block products read without a copy (attention_forward), so backward
        // does not copy them again; a transposed layout they came in is not kept alive by this node.
        q = q.contiguous();
        k = batch_foldable(k);
        v = batch_foldable(v);
        ForwardResult r;
        if (given_out && given_lse) {
            r = {*given_out, *given_lse};
            if (r.out.sizes() != torch::IntArrayRef{d.B, d.T, d.H, d.D} || r.out.scalar_type() != q.scalar_type() ||
                r.lse.sizes() != torch::IntArrayRef{d.B, d.H, d.T})
                throw ModelError("attention: the recorded output does not match this call (q " + shape_of(q) +
                                 ", recorded " + shape_of(r.out) + ")");
        } else {
            r = attention_forward(q, k, v, key_mask, d, scale, rows, true);
        }
        ctx->save_for_backward({q, k, v, r.out, r.lse});
        ctx->saved_data["key_mask"] = key_mask;
        ctx->saved_data["scale"] = scale;
        ctx->saved_data["rows"] = rows;
        return r.out;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
        NoAutocast no_autocast;
        auto saved = ctx->get_saved_variables();
        auto key_mask = ctx->saved_data["key_mask"].toTensor();
        const auto& q = saved[0];
        const Dims d = dims_of(q, saved[1], saved[2], key_mask);
        auto grads = attention_backward(q, saved[1], saved[2], key_mask, saved[3],
                                        saved[4], grad_out[0], d, ctx->saved_data["scale"].toDouble(),
                                        ctx->saved_data["rows"].toInt());
        return {grads[0], grads[1], grads[2], torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(),
                torch::Tensor()};
    }
};

// Where every row of a batch sees one run of keys that reaches the last one (left padding, as
// generate_batch() and predictions pad), the first visible key of each row; empty otherwise (no mask, a
// single row, or holes in a row).
std::vector<int64_t> left_padding_starts(const torch::Tensor& key_mask, const Dims& d) {
    if (!key_mask.defined() || d.B < 2 || key_mask.size(0) != d.B) return {};
    const auto m = key_mask.to(torch::kCPU, torch::kBool).contiguous();
    const bool* p = m.data_ptr<bool>();
    std::vector<int64_t> starts(static_cast<size_t>(d.B));
    for (int64_t b = 0; b < d.B; ++b) {
        const bool* row = p + b * d.S;
        int64_t j = 0;
        while (j < d.S && !row[j]) ++j;
        starts[static_cast<size_t>(b)] = j;
        for (int64_t i = j; i < d.S; ++i)
            if (!row[i]) return {};
    }
    return starts;
}

// Without gradients, a left-padded batch runs row by row over each row's own keys: the products then
// have the shapes, and sum in the order, of the same sequence run alone, so a prompt gets the same bits
// (and with greedy decoding the same answer) alone or in a batch. Over the padded keys the sums would
// line the terms up differently; float32 activations absorb that last bit, but rounding to bf16 or
// quantizing to int8 in the next projection can turn it into another token. Query rows in a row's
// padding see no key and give 0, as in the batched path.
torch::Tensor attention_by_row(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const std::vector<int64_t>& starts, const Dims& d, double scale) {
    auto out = torch::zeros({d.B, d.T, d.H, d.D}, q.options());
    for (int64_t b = 0; b < d.B; ++b) {
        const int64_t start = starts[static_cast<size_t>(b)];
        const int64_t t0 = std::max<int64_t>(0, start - d.past());  // the row's first query that sees a key
        if (t0 >= d.T) continue;
        const auto qb = q.narrow(0, b, 1).narrow(2, t0, d.T - t0).contiguous();
        const auto kb = k.narrow(0, b, 1).narrow(2, start, d.S - start);
        const auto vb = v.narrow(0, b, 1).narrow(2, start, d.S - start);
        const Dims db = dims_of(qb, kb, vb, {});
        const int64_t rows = fused_softmax(qb) ? fused_attention_block_rows(1, db.H, db.T, db.S)
                                               : attention_block_rows(1, db.H, db.T, db.S);
        out.narrow(0, b, 1).narrow(1, t0, d.T - t0).copy_(attention_forward(qb, kb, vb, {}, db, scale, rows, false).out);
    }
    return out;
}

// Whether causal_attention's decoding path (attend_one_position for each row) takes q (B, H, 1, hd), k and
// v (B, KV, S, hd): float32 CPU tensors whose keys lie hd apart in each head (a KV cache's views do).
bool one_position_applies(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, const Dims& d) {
    for (const auto* t : {&q, &k, &v})
        if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat) return false;
    return d.T == 1 && k.stride(3) == 1 && k.stride(2) == d.D && v.stride(3) == 1 && v.stride(2) == d.D &&
           k.stride(1) == v.stride(1) && k.stride(0) == v.stride(0);
}

// Each row of a batch decoding one token, over its own keys [starts[b], S) (all from 0 without padding).
torch::Tensor attention_one_position(const torch::Tensor& q_in, const torch::Tensor& k, const torch::Tensor& v,
                                     const std::vector<int64_t>& starts, const Dims& d, double scale) {
    g_forwards.fetch_add(1, std::memory_order_relaxed);
    const auto q = q_in.contiguous();  // (B, H, 1, hd)
    auto out = torch::empty({d.B, 1, d.H, d.D}, q.options());
    for (int64_t b = 0; b < d.B; ++b) {
        const int64_t first = starts.empty() ? 0 : starts[static_cast<size_t>(b)];
        attend_one_position(q.data_ptr<float>() + b * d.H * d.D, k.data_ptr<float>() + b * k.stride(0),
                            v.data_ptr<float>() + b * v.stride(0), k.stride(1), first, d.S, d.H, d.KV, d.D,
                            static_cast<float>(scale), out.data_ptr<float>() + b * d.H * d.D);
    }
    return out;
}

}  // namespace

void attend_one_position(const float* q, const float* K, const float* V, int64_t kv_stride, int64_t first, int64_t S,
                         int64_t H, int64_t KV, int64_t hd, float scale, float* out) {
    const int64_t n = S - first, R = H / KV;
    if (n <= 0) {  // a row that sees no key gives 0, as the blockwise path
        std::fill(out, out + H * hd, 0.0f);
        return;
    }
    // q * scale first, then the products and softmax, as the blockwise path orders them.
    thread_local std::vector<float> buffer;
    if (static_cast<int64_t>(buffer.size()) < H * (hd + n)) buffer.resize(static_cast<size_t>(H * (hd + n)));
    float* qs = buffer.data();
    float* scores = qs + H * hd;
    for (int64_t i = 0; i < H * hd; ++i) qs[i] = q[i] * scale;
    auto heads = [&](int64_t begin, int64_t end) {
        for (int64_t h = begin; h < end; ++h) {
            const int64_t g = h / R;
            const float* Kg = K + g * kv_stride + first * hd;
            const float* Vg = V + g * kv_stride + first * hd;
            float* p = scores + h * n;
            kernels::gemv_f32(Kg, n, hd, qs + h * hd, 1, p);
            // p = exp(s - max), in place: the blockwise path's softmax kernel where it runs (its vector exp).
            float m = kMinusInf, l = 0;
            if (cpu_kernels::available()) {
                cpu_kernels::ScoreRows one;
                one.R = 1;
                one.Sb = n;
                cpu_kernels::attention_softmax_forward(one, cpu_kernels::Elem::F32, p, p, &m, &l);
            } else {
                for (int64_t j = 0; j < n; ++j) m = std::max(m, p[j]);
                for (int64_t j = 0; j < n; ++j) l += (p[j] = std::exp(p[j] - m));
            }
            float* o = out + h * hd;
            kernels::weighted_rows_f32(Vg, n, hd, p, o);
            for (int64_t c = 0; c < hd; ++c) o[c] /= l;
        }
    };
    // About 128K multiply-adds a chunk before the heads are split.
    spin_pool_for(H, std::max<int64_t>(1, (int64_t(1) << 17) / (2 * n * hd)), at::get_num_threads(), heads);
}

torch::Tensor causal_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& key_mask, double scale, AttentionRecord* record) {
    const Dims d = dims_of(q, k, v, key_mask);
    const int64_t rows = fused_softmax(q) ? fused_attention_block_rows(d.B, d.H, d.T, d.S)
                                          : attention_block_rows(d.B, d.H, d.T, d.S);
    const bool replay = record && record->mode == AttentionRecord::Mode::replay;
    if (replay && !(record->out.defined() && record->lse.defined()))
        throw ModelError("attention: asked to replay a forward that was not recorded");
    torch::Tensor out;  // (B, T, H, hd)
    if (torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) {
        c10::optional<torch::Tensor> given_out, given_lse;
        if (replay) given_out = record->out, given_lse = record->lse;
        out = CausalAttentionFunction::apply(q, k, v, c10::optional<torch::Tensor>(key_mask), scale, rows, given_out,
                                             given_lse);
    } else if (replay) {
        out = record->out;
    } else {
        NoAutocast no_autocast;
        if (!record) {
            const auto starts = left_padding_starts(key_mask, d);
            // Decoding one token: each row over its own keys with the decode step's arithmetic.
            if (one_position_applies(q, k, v, d) && (!key_mask.defined() || !starts.empty()))
                return attention_one_position(q, k, v, starts, d, scale).transpose(1, 2);
            if (!starts.empty()) return attention_by_row(q, k, v, starts, d, scale).transpose(1, 2);
        }
        auto r = attention_forward(q, k, v, key_mask, d, scale, rows, record != nullptr);
        if (record) record->out = r.out, record->lse = r.lse;
        out = r.out;
    }
    if (replay) record->out = record->lse = torch::Tensor();  // replayed once; backward holds them now
    return out.transpose(1, 2);  // (B, H, T, hd)
}

torch::Tensor windowed_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& key_mask, double scale, int64_t window, double softcap) {
    const Dims d = dims_of(q, k, v, key_mask);
    const int64_t KV = k.size(1), G = d.H / KV, hd = q.size(3);
    // Query heads grouped by the key/value head they read: (B, KV, G*T, hd) against (B, KV, S, hd).
    auto qg = q.reshape({d.B, KV, G * d.T, hd});
    auto scores = torch::matmul(qg, k.transpose(-1, -2)).view({d.B, d.H, d.T, d.S}).to(torch::kFloat).mul(scale);
    if (softcap > 0) scores = torch::tanh(scores / softcap) * softcap;
    const auto opts = torch::TensorOptions().device(q.device()).dtype(torch::kLong);
    auto qpos = torch::arange(d.S - d.T, d.S, opts).view({d.T, 1});
    auto kpos = torch::arange(d.S, opts).view({1, d.S});
    auto allowed = kpos <= qpos;  // (T, S)
    if (window > 0) allowed = allowed.logical_and(qpos - kpos < window);
    allowed = allowed.view({1, 1, d.T, d.S});
    if (key_mask.defined()) allowed = allowed.logical_and(key_mask.view({key_mask.size(0), 1, 1, d.S}).to(torch::kBool));
    // A finite fill keeps a row that sees no key finite (uniform); it is then zeroed, gradient included.
    auto probs = torch::softmax(scores.masked_fill(allowed.logical_not(), -1e30), -1);
    probs = probs * allowed.any(-1, /*keepdim=*/true).to(torch::kFloat);
    auto out = torch::matmul(probs.to(v.scalar_type()).view({d.B, KV, G * d.T, d.S}), v);  // (B, KV, G*T, hd)
    return out.view({d.B, d.H, d.T, hd});
}

torch::ScalarType attention_dtype(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
    const auto common = c10::promoteTypes(q.scalar_type(), c10::promoteTypes(k.scalar_type(), v.scalar_type()));
    if (common != torch::kFloat) return common;
    const auto type = q.device().type();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    if (at::autocast::is_autocast_enabled(type)) return at::autocast::get_autocast_dtype(type);
#else
    if (type == c10::DeviceType::CPU && at::autocast::is_cpu_enabled()) return at::autocast::get_autocast_cpu_dtype();
    if (type == c10::DeviceType::CUDA && at::autocast::is_enabled()) return at::autocast::get_autocast_gpu_dtype();
#endif
    return common;
}

int64_t attention_block_rows(int64_t batch, int64_t heads, int64_t queries, int64_t keys) {
    const int64_t forced = g_forced_rows.load();
    if (forced > 0) return forced;
    if (queries <= 0) return 1;
    const int64_t rows = std::max<int64_t>(1, kBlockScoreElements / std::max<int64_t>(1, batch * heads * keys));
    const int64_t blocks = (queries + rows - 1) / rows;
    return std::max<int64_t>(1, (queries + blocks - 1) / blocks);  // equal blocks rather than a short last one
}

int64_t fused_attention_block_rows(int64_t batch, int64_t heads, int64_t queries, int64_t keys) {
    const int64_t rows = attention_block_rows(batch, heads, queries, keys);
    if (g_forced_rows.load() > 0 || queries <= 0) return rows;
    // The fused softmax reads and writes each block's scores once or twice: blocks of about 1.5M scores
    // (four bf16 copies of one stay within a 32 MB cache) run its backward a fifth faster than 4M, but
    // fewer than 64 query rows make the block products small (at 4096 tokens 26 rows are 9% slower than
    // 64): at least 64 rows while a block stays under 8M scores (bench-blocks --only attention
    // --block-rows, docs/benchmarks.md).
    const int64_t per_row = std::max<int64_t>(1, batch * heads * keys);
    const int64_t fused_rows = std::max({int64_t{1}, kFusedBlockScoreElements / per_row,
                                         std::min<int64_t>(64, (int64_t{8} << 20) / per_row)});
    if (fused_rows >= rows) return rows;
    const int64_t blocks = (queries + fused_rows - 1) / fused_rows;
    return std::max<int64_t>(1, (queries + blocks - 1) / blocks);
}

uint64_t attention_forwards_computed() { return g_forwards.load(); }

uint64_t attention_operand_copies() { return g_operand_copies.load(); }

uint64_t attention_tiled_backwards() { return g_tiled_backwards.load(); }

bool fused_attention_available(const torch::Device& device) { return device.is_cpu() && cpu_kernels::available(); }

void force_attention_block_rows(int64_t rows) { g_forced_rows.store(std::max<int64_t>(0, rows)); }

}  // namespace lathe
