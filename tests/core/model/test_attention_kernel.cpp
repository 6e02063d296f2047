// The block-wise attention kernel against the plain formula it replaced (scores, additive mask, float32
// softmax, product), in output and in the gradients of q, k and v: multi-head and grouped-query shapes,
// block sizes that do not divide T, right and left padding, rows that see no key, a KV cache (chunked
// prefill and one-token steps), bf16. Then whole models: loss and gradients do not depend on the block size.
#include "tests/registry.h"

#include "core/model/attention_kernel.h"
#include "core/model/fused_kernels_cpu.h"
#include "core/infer/gemv.h"
#include "core/peft/lora.h"
#include "core/util/autocast.h"
#include "core/train/grad_checkpoint.h"
#include "tests/core/peft/peft_fixtures.h"

#include <QtTest>

#include <limits>

using namespace lathe;
using namespace lathe::test;

namespace {

// Caps the kernels' instruction set for one scope.
struct IsaCap {
    explicit IsaCap(const char* isa) { kernels::limit_kernel_isa(isa); }
    ~IsaCap() { kernels::limit_kernel_isa(kernels::kNoKernelCap); }
};

// Forces the kernel's block rows for one scope (0 = automatic).
struct BlockRows {
    explicit BlockRows(int64_t rows) { force_attention_block_rows(rows); }
    ~BlockRows() { force_attention_block_rows(0); }
};

// The formula AttentionImpl::forward used before the kernel, verbatim but for the mask, which it built
// in CausalLMImpl: query i (of T) sees keys j <= S - T + i not hidden by key_mask (B, S); hidden scores
// get the dtype's lowest value. q (B, H, T, hd), k, v (B, KV, S, hd) -> (B, H, T, hd).
torch::Tensor plain_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                              const torch::Tensor& key_mask, double scale) {
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), KV = k.size(1), S = k.size(2);
    auto rows = torch::arange(S - T, S, torch::kLong).unsqueeze(1);  // (T, 1)
    auto cols = torch::arange(S, torch::kLong).unsqueeze(0);         // (1, S)
    auto allowed = (cols <= rows).view({1, 1, T, S});
    if (key_mask.defined()) allowed = allowed.logical_and(key_mask.to(torch::kBool).view({-1, 1, 1, S}));
    const double lowest = q.scalar_type() == torch::kBFloat16 ? -3.38e38 : std::numeric_limits<float>::lowest();
    auto mask = torch::zeros(allowed.sizes(), q.options().requires_grad(false)).masked_fill_(allowed.logical_not(), lowest);

    auto qg = q.reshape({B, KV, H / KV * T, D});
    auto scores = torch::matmul(qg, k.transpose(-1, -2)).mul_(scale).view({B, H, T, S});
    scores = scores + mask;
    auto probs = torch::softmax(scores, -1, torch::kFloat).to(q.scalar_type());
    return torch::matmul(probs.view({B, KV, H / KV * T, S}), v).view({B, H, T, D});
}

// (B, H, T) true for the query rows that see at least one key.
torch::Tensor seeing_rows(int64_t B, int64_t H, int64_t T, int64_t S, const torch::Tensor& key_mask) {
    if (!key_mask.defined()) return torch::ones({B, H, T}, torch::kBool);
    auto seen = key_mask.to(torch::kLong).cumsum(1).narrow(1, S - T, T) > 0;  // (B, T): a key at or before i
    return seen.view({B, 1, T}).expand({B, H, T});
}

struct Case {
    int64_t B = 2, H = 4, KV = 2, T = 7, past = 0, D = 8;
    torch::Tensor key_mask;  // (B, past + T) or undefined
    torch::ScalarType dtype = torch::kFloat;
};

struct Result {
    torch::Tensor out, dq, dk, dv;
};

// With `grad` false only `out` is filled, computed without grad mode (the path that keeps nothing).
Result run(const Case& c, bool kernel, uint64_t seed, bool grad = true) {
    torch::manual_seed(seed);
    const int64_t S = c.past + c.T;
    auto q = torch::randn({c.B, c.H, c.T, c.D}).to(c.dtype).requires_grad_(true);
    auto k = torch::randn({c.B, c.KV, S, c.D}).to(c.dtype).requires_grad_(true);
    auto v = torch::randn({c.B, c.KV, S, c.D}).to(c.dtype).requires_grad_(true);
    // The upstream gradient is zero on rows that see no key: their output is a convention (zeros here,
    // a uniform average before), and in a model nothing reads them.
    auto seeing = seeing_rows(c.B, c.H, c.T, S, c.key_mask).unsqueeze(-1);
    auto w = torch::randn({c.B, c.H, c.T, c.D}).masked_fill_(seeing.logical_not(), 0);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.D));
    if (!grad) {
        torch::NoGradGuard no_grad;
        auto out = kernel ? causal_attention(q, k, v, c.key_mask, scale) : plain_attention(q, k, v, c.key_mask, scale);
        return {out.to(torch::kFloat).masked_fill(seeing.logical_not(), 0), {}, {}, {}};
    }
    auto out = kernel ? causal_attention(q, k, v, c.key_mask, scale) : plain_attention(q, k, v, c.key_mask, scale);
    (out.to(torch::kFloat) * w).sum().backward();
    return {out.detach().to(torch::kFloat).masked_fill(seeing.logical_not(), 0), q.grad().to(torch::kFloat),
            k.grad().to(torch::kFloat), v.grad().to(torch::kFloat)};
}

double relative(const torch::Tensor& got, const torch::Tensor& want) {
    return max_diff(got, want) / std::max(1e-12, want.abs().max().item<double>());
}

// The kernel at `rows` per block equals the plain formula to `tol` (relative to each tensor's largest
// entry), and rows that see no key come out as finite zeros.
void expect_plain(const Case& c, int64_t rows, double tol, const std::string& what) {
    const auto label = what + ", rows " + std::to_string(rows);
    const Result want = run(c, false, 5);
    Result got, inference;
    {
        BlockRows forced(rows);
        got = run(c, true, 5);
        inference = run(c, true, 5, false);
    }
    const std::pair<const char*, std::pair<const torch::Tensor*, const torch::Tensor*>> pairs[] = {
        {"out", {&got.out, &want.out}}, {"dq", {&got.dq, &want.dq}}, {"dk", {&got.dk, &want.dk}},
        {"dv", {&got.dv, &want.dv}}, {"out without grad", {&inference.out, &want.out}}};
    for (const auto& [name, p] : pairs) {
        QVERIFY2(torch::isfinite(*p.first).all().item<bool>(), (label + ": " + name + " not finite").c_str());
        const double e = relative(*p.first, *p.second);
        QVERIFY2(e <= tol, (label + ": " + name + " differs by " + std::to_string(e)).c_str());
    }
}

torch::Tensor mask_of(std::vector<std::vector<int>> rows) {
    std::vector<int64_t> flat;
    for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
    return torch::tensor(flat, torch::kLong).view({static_cast<int64_t>(rows.size()), -1});
}

}  // namespace

class TestAttentionKernel : public QObject {
    Q_OBJECT
private slots:
    void equalsPlainFormulaMultiAndGroupedQuery() {
        for (auto [H, KV] : std::vector<std::pair<int64_t, int64_t>>{{3, 3}, {6, 2}, {4, 1}}) {
            Case c;
            c.H = H;
            c.KV = KV;
            for (int64_t rows : {1, 3, 7, 0})
                expect_plain(c, rows, 1e-5, "H " + std::to_string(H) + " KV " + std::to_string(KV));
        }
    }

    void equalsPlainFormulaWithPadding() {
        Case right;
        right.key_mask = mask_of({{1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0, 0}});
        for (int64_t rows : {1, 3, 7}) expect_plain(right, rows, 1e-5, "right padding");

        // Left padding: the second sequence's first three queries see no key; the third sees none at all.
        Case left;
        left.B = 3;
        left.key_mask = mask_of({{1, 1, 1, 1, 1, 1, 1}, {0, 0, 0, 1, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0}});
        for (int64_t rows : {1, 3, 7}) expect_plain(left, rows, 1e-5, "left padding");
        BlockRows forced(3);
        for (bool grad : {false, true}) {
            auto q = torch::randn({3, 4, 7, 8}, torch::requires_grad(grad));
            auto k = torch::randn({3, 2, 7, 8}, torch::requires_grad(grad));
            auto v = torch::randn({3, 2, 7, 8}, torch::requires_grad(grad));
            auto out = causal_attention(q, k, v, left.key_mask, 0.35);  // (B, H, T, hd)
            QCOMPARE(out[1].narrow(1, 0, 3).abs().max().item<float>(), 0.0f);
            QCOMPARE(out[2].abs().max().item<float>(), 0.0f);
            QVERIFY(out[1].narrow(1, 3, 4).abs().max().item<float>() > 0);
            if (!grad) continue;
            out.sum().backward();
            for (const auto* g : {&q.grad(), &k.grad(), &v.grad()})
                QVERIFY(torch::isfinite(*g).all().item<bool>());
            QCOMPARE(q.grad()[2].abs().max().item<float>(), 0.0f);  // the blind sequence learns nothing
        }
    }

    // Without gradients a left-padded row gets the bits it gets alone, for a prompt and for decoding
    // steps after a cache, in float32 and bf16: sums over the padded keys would line up their terms
    // differently (and bf16 or int8 projections downstream can turn that last bit into another token).
    void leftPaddedRowsGetTheirOwnBits() {
        torch::NoGradGuard no_grad;
        torch::manual_seed(7);
        const int64_t S = 150;
        const std::vector<int64_t> lengths = {150, 61, 1, 97};
        const int64_t B = static_cast<int64_t>(lengths.size());
        auto mask = torch::zeros({B, S}, torch::kLong);
        for (int64_t b = 0; b < B; ++b) mask[b].narrow(0, S - lengths[b], lengths[b]).fill_(1);
        for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
            for (int64_t T : {S, int64_t(1)}) {  // the prefill, and one step with S - 1 keys cached
                auto q = torch::randn({B, 4, T, 16}).to(dtype);
                auto k = torch::randn({B, 2, S, 16}).to(dtype);
                auto v = torch::randn({B, 2, S, 16}).to(dtype);
                const auto out = causal_attention(q, k, v, mask.to(torch::kBool), 0.25);  // (B, H, T, hd)
                for (int64_t b = 0; b < B; ++b) {
                    const int64_t n = lengths[b], t0 = T == S ? S - n : 0;
                    const auto alone = causal_attention(q.narrow(0, b, 1).narrow(2, t0, T - t0).contiguous(),
                                                        k.narrow(0, b, 1).narrow(2, S - n, n).contiguous(),
                                                        v.narrow(0, b, 1).narrow(2, S - n, n).contiguous(), {}, 0.25);
                    QVERIFY2(torch::equal(out.narrow(0, b, 1).narrow(2, t0, T - t0), alone),
                             qPrintable(QString("row %1, T %2, %3").arg(b).arg(T).arg(c10::toString(dtype))));
                    if (t0 > 0) QCOMPARE(out[b].narrow(1, 0, t0).abs().max().item<float>(), 0.0f);
                }
            }
        }
    }

    void equalsPlainFormulaAfterACache() {
        Case chunk;  // chunked prefill: 4 new queries after 5 cached keys
        chunk.past = 5;
        chunk.T = 4;
        for (int64_t rows : {1, 3, 4}) expect_plain(chunk, rows, 1e-5, "past 5, T 4");
        chunk.key_mask = mask_of({{0, 0, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 0}});
        for (int64_t rows : {1, 3}) expect_plain(chunk, rows, 1e-5, "past 5, T 4, padding");

        Case step;  // one decoding step
        step.past = 8;
        step.T = 1;
        expect_plain(step, 0, 1e-5, "past 8, T 1");
        step.key_mask = mask_of({{0, 0, 0, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1}});
        expect_plain(step, 0, 1e-5, "past 8, T 1, padding");
    }

    // bf16 on a processor with AMX: the backward runs cpu_kernels' tiles (64 query rows by 64 keys). Shapes
    // that span several tiles with partial last tiles (odd T and S), grouped query heads, head sizes padded
    // to 32 or not (16, 64, 80), left padding and a past: the gradients stay as close to the plain formula
    // as the block path's, and within bf16's rounding of the block path itself (LATHE_KERNEL_ISA capped
    // below AMX runs it).
    void bf16TilesMatchTheBlockPath() {
        if (!cpu_kernels::attention_backward_bf16_available()) QSKIP("this processor has no AMX");
        struct Shape {
            int64_t B, H, KV, T, past, D;
            bool padded;
        };
        for (const Shape sh : {Shape{2, 6, 2, 150, 0, 16, true}, Shape{1, 4, 4, 129, 0, 64, false},
                               Shape{2, 2, 1, 67, 30, 80, true}, Shape{2, 4, 2, 100, 0, 64, true}}) {
            Case c;
            c.B = sh.B;
            c.H = sh.H;
            c.KV = sh.KV;
            c.T = sh.T;
            c.past = sh.past;
            c.D = sh.D;
            c.dtype = torch::kBFloat16;
            const int64_t S = sh.past + sh.T;
            if (sh.padded) {
                c.key_mask = torch::ones({sh.B, S}, torch::kLong);
                c.key_mask[sh.B - 1].narrow(0, 0, 70).fill_(0);  // the last row left-padded past its first tile
            }
            const std::string what = "B " + std::to_string(sh.B) + " H " + std::to_string(sh.H) + " KV " +
                                     std::to_string(sh.KV) + " T " + std::to_string(sh.T) + " past " +
                                     std::to_string(sh.past) + " D " + std::to_string(sh.D);
            const uint64_t before = attention_tiled_backwards();
            const Result tiles = run(c, true, 21);
            QCOMPARE(attention_tiled_backwards() - before, uint64_t{1});
            Result blocks;
            {
                IsaCap cap("avx512-bf16");  // no AMX: the block path
                blocks = run(c, true, 21);
            }
            QCOMPARE(attention_tiled_backwards() - before, uint64_t{1});
            const Result plain = run(c, false, 21);
            const std::pair<const char*, std::array<const torch::Tensor*, 3>> grads[] = {
                {"dq", {&tiles.dq, &blocks.dq, &plain.dq}},
                {"dk", {&tiles.dk, &blocks.dk, &plain.dk}},
                {"dv", {&tiles.dv, &blocks.dv, &plain.dv}}};
            for (const auto& [name, t] : grads) {
                const double to_blocks = relative(*t[0], *t[1]), to_plain = relative(*t[0], *t[2]),
                             blocks_to_plain = relative(*t[1], *t[2]);
                const std::string label = what + ": " + name + " " + std::to_string(to_blocks) + " from the blocks, " +
                                          std::to_string(to_plain) + " from the formula (blocks " +
                                          std::to_string(blocks_to_plain) + ")";
                QVERIFY2(torch::isfinite(*t[0]).all().item<bool>(), label.c_str());
                QVERIFY2(to_blocks < 1.5e-2, label.c_str());
                QVERIFY2(to_plain < std::max(1.5 * blocks_to_plain, 1e-2), label.c_str());
            }
        }
    }

    // Decoding one token without gradients takes attend_one_position for each row, over its own keys
    // (left padding hidden, a row that sees none giving 0); the blockwise path (taken with gradients)
    // is the reference. Head sizes cover the value sums' 64- and 16-wide blocks and their scalar tail; the
    // long context splits the heads over the decode threads.
    void onePositionMatchesTheBlockwisePath() {
        torch::manual_seed(12);
        struct Case { int64_t B, D, S; };
        for (const Case c : {Case{3, 16, 40}, Case{3, 24, 33}, Case{2, 64, 17}, Case{2, 128, 9}, Case{1, 64, 2100}}) {
            const int64_t H = 4, KV = 2, capacity = c.S + 7;
            auto keys = torch::randn({c.B, KV, capacity, c.D}), values = torch::randn({c.B, KV, capacity, c.D});
            auto k = keys.narrow(2, 0, c.S), v = values.narrow(2, 0, c.S);  // a cache's filled views
            auto q = torch::randn({c.B, H, 1, c.D});
            torch::Tensor mask;
            if (c.B == 3) {  // row 1 left-padded by 5, row 2 all padding
                mask = torch::ones({c.B, c.S}, torch::kBool);
                mask[1].narrow(0, 0, 5).fill_(false);
                mask[2].fill_(false);
            }
            const uint64_t before = attention_forwards_computed();
            const auto fast = causal_attention(q, k, v, mask, 0.3);
            QCOMPARE(attention_forwards_computed() - before, uint64_t{1});
            const auto reference = causal_attention(q.clone().requires_grad_(), k, v, mask, 0.3).detach();
            QCOMPARE(fast.sizes(), reference.sizes());
            QVERIFY2(torch::allclose(fast, reference, 1e-5, 1e-5),
                     qPrintable(QString("D %1 S %2: %3").arg(c.D).arg(c.S).arg((fast - reference).abs().max().item<double>())));
            if (c.B == 3) QCOMPARE(fast[2].abs().max().item<double>(), 0.0);
        }
    }

    // k and v are copied where their (batch, heads) dimensions cannot fold into one for the block
    // products (the decoder's transposed rows: once per call, not once per block), and a KV cache's filled
    // views (B, KV, length, hd of a longer buffer) never: a decoding step must not copy the whole cache.
    void operandsAreCopiedOnlyWhereTheyCannotFold() {
        torch::manual_seed(9);
        const int64_t B = 2, H = 4, KV = 2, D = 8, capacity = 64, length = 40;
        auto keys = torch::randn({B, KV, capacity, D}), values = torch::randn({B, KV, capacity, D});
        auto k_cache = keys.narrow(2, 0, length), v_cache = values.narrow(2, 0, length);
        QVERIFY(!k_cache.is_contiguous());
        auto q = torch::randn({B, H, 1, D});
        force_attention_block_rows(0);
        uint64_t before = attention_operand_copies();
        auto out = causal_attention(q, k_cache, v_cache, {}, 0.35);
        QCOMPARE(attention_operand_copies() - before, uint64_t{0});
        auto expected = causal_attention(q, k_cache.contiguous(), v_cache.contiguous(), {}, 0.35);
        QVERIFY(torch::allclose(out, expected, 1e-6, 1e-6));

        // Training: (B, H, T, hd) views of (B, T, H, hd) rows, several query blocks, forward and backward.
        const int64_t T = 24;
        auto q_rows = torch::randn({B, T, H, D}).requires_grad_(), k_rows = torch::randn({B, T, KV, D}).requires_grad_(),
             v_rows = torch::randn({B, T, KV, D}).requires_grad_();
        force_attention_block_rows(4);  // six blocks
        before = attention_operand_copies();
        auto y = causal_attention(q_rows.transpose(1, 2), k_rows.transpose(1, 2), v_rows.transpose(1, 2), {}, 0.35);
        y.sum().backward();
        force_attention_block_rows(0);
        QCOMPARE(attention_operand_copies() - before, uint64_t{2});  // k and v, once, kept for backward
        QVERIFY(k_rows.grad().defined() && v_rows.grad().defined());
    }

    // bf16 rounds scores, probabilities and products to 8 bits of mantissa, in the plain formula too.
    void bf16StaysCloseToPlainFormula() {
        Case c;
        c.H = 6;
        c.KV = 2;
        c.T = 9;
        c.D = 16;
        c.dtype = torch::kBFloat16;
        c.key_mask = mask_of({{1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1, 1, 1}});
        for (int64_t rows : {1, 4, 9}) expect_plain(c, rows, 3e-2, "bf16");
        QCOMPARE(causal_attention(torch::randn({1, 2, 3, 4}).to(torch::kBFloat16),
                                  torch::randn({1, 2, 3, 4}).to(torch::kBFloat16),
                                  torch::randn({1, 2, 3, 4}).to(torch::kBFloat16), {}, 0.5)
                     .scalar_type(),
                 torch::kBFloat16);
    }

    // Training keeps the kernel's own node (q, k, v, output and log-sum-exp), not the probabilities.
    void trainingGoesThroughTheKernelsBackward() {
        auto q = torch::randn({1, 2, 5, 4}, torch::requires_grad());
        auto k = torch::randn({1, 1, 5, 4}, torch::requires_grad()), v = torch::randn({1, 1, 5, 4});
        auto out = causal_attention(q, k, v, {}, 0.5);
        QVERIFY(out.grad_fn());
        std::function<bool(const std::shared_ptr<torch::autograd::Node>&)> reaches =
            [&](const std::shared_ptr<torch::autograd::Node>& node) {
                if (!node) return false;
                if (node->name().find("CausalAttentionFunction") != std::string::npos) return true;
                for (const auto& e : node->next_edges())
                    if (reaches(e.function)) return true;
                return false;
            };
        QVERIFY2(reaches(out.grad_fn()), out.grad_fn()->name().c_str());
        QVERIFY(out.grad_fn()->name().find("Softmax") == std::string::npos);
        torch::NoGradGuard no_grad;
        QVERIFY(!causal_attention(q, k, v, {}, 0.5).grad_fn());
    }

    // Gradient checkpointing's hand-off: a forward without grad records its output and log-sum-exp; the
    // recomputation replays them (no products computed) and backward gives the plain call's gradients.
    void recordedForwardIsReplayed() {
        for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
            torch::manual_seed(5);
            auto q = torch::randn({2, 4, 7, 8}).to(dtype), k = torch::randn({2, 2, 7, 8}).to(dtype);
            auto v = torch::randn({2, 2, 7, 8}).to(dtype), w = torch::randn({2, 4, 7, 8}).to(dtype);
            auto key_mask = mask_of({{1, 1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1, 1}});
            auto grads_of = [&](AttentionRecord* record, torch::Tensor* out) {
                std::vector<torch::Tensor> in{q.clone().requires_grad_(), k.clone().requires_grad_(),
                                              v.clone().requires_grad_()};
                *out = causal_attention(in[0], in[1], in[2], key_mask, 0.35, record);
                (*out * w).sum().backward();
                return std::vector<torch::Tensor>{in[0].grad(), in[1].grad(), in[2].grad()};
            };
            torch::Tensor plain_out, replayed_out;
            const auto plain = grads_of(nullptr, &plain_out);

            AttentionRecord record;
            {
                torch::NoGradGuard no_grad;
                QVERIFY(torch::equal(causal_attention(q, k, v, key_mask, 0.35, &record), plain_out.detach()));
            }
            QVERIFY(record.out.defined() && record.lse.defined());
            QCOMPARE(record.lse.scalar_type(), torch::kFloat);
            record.mode = AttentionRecord::Mode::replay;
            const uint64_t computed = attention_forwards_computed();
            const auto replayed = grads_of(&record, &replayed_out);
            QCOMPARE(attention_forwards_computed(), computed);  // nothing recomputed
            QVERIFY(torch::equal(replayed_out.detach(), plain_out.detach()));
            for (size_t i = 0; i < 3; ++i) QVERIFY2(torch::equal(replayed[i], plain[i]), std::to_string(i).c_str());
            QVERIFY(!record.out.defined());  // replayed once, then handed to backward

            // The replay really uses the record: a doctored output comes back as it is.
            torch::NoGradGuard no_grad;
            AttentionRecord doctored;
            causal_attention(q, k, v, key_mask, 0.35, &doctored);
            doctored.out.zero_();
            doctored.mode = AttentionRecord::Mode::replay;
            QCOMPARE(causal_attention(q, k, v, key_mask, 0.35, &doctored).abs().max().item<double>(), 0.0);
        }
    }

    void replayWithoutAMatchingRecordFails() {
        auto q = torch::randn({1, 2, 5, 4}, torch::requires_grad()), k = torch::randn({1, 1, 5, 4});
        AttentionRecord empty;
        empty.mode = AttentionRecord::Mode::replay;
        QVERIFY_THROWS_EXCEPTION(ModelError, causal_attention(q, k, k, {}, 0.5, &empty));
        AttentionRecord other;
        {
            torch::NoGradGuard no_grad;
            causal_attention(torch::randn({1, 2, 4, 4}), torch::randn({1, 1, 4, 4}), torch::randn({1, 1, 4, 4}), {},
                             0.5, &other);
        }
        other.mode = AttentionRecord::Mode::replay;
        try {
            causal_attention(q, k, k, {}, 0.5, &other);
            QFAIL("a record of 4 queries replayed for 5");
        } catch (const ModelError& e) {
            QVERIFY2(std::string(e.what()).find("recorded") != std::string::npos, e.what());
        }
    }

    void autocastDecidesTheProductsDtype() {
        auto f = torch::randn({1, 2, 3, 4}), b = f.to(torch::kBFloat16);
        QCOMPARE(attention_dtype(f, f, f), torch::kFloat);
        QCOMPARE(attention_dtype(b, b, b), torch::kBFloat16);
        QCOMPARE(attention_dtype(f, f, b), torch::kFloat);
        AutocastScope autocast(torch::kCPU, torch::kBFloat16);
        QCOMPARE(attention_dtype(f, f, b), torch::kBFloat16);  // as a matmul under autocast casts
        QCOMPARE(attention_dtype(f.to(torch::kDouble), f, f), torch::kDouble);
    }

    void blockRowsKeepBlocksNearTheirBudget() {
        QCOMPARE(attention_block_rows(1, 1, 10, 10), int64_t{10});          // one block
        const int64_t rows = attention_block_rows(2, 14, 1024, 1024);     // Qwen2.5-0.5B, batch 2
        QVERIFY2(rows > 16 && rows < 1024, std::to_string(rows).c_str());
        QVERIFY(2 * 14 * rows * 1024 * 4 <= int64_t{17} << 20);           // about 16 MB of float32 scores
        QVERIFY(1024 % rows == 0 || 1024 % rows > rows / 2);              // no short last block
        QCOMPARE(attention_block_rows(1, 64, 1, 1 << 20), int64_t{1});
        BlockRows forced(3);
        QCOMPARE(attention_block_rows(2, 14, 1024, 1024), int64_t{3});
    }

    // A whole model's loss and gradients do not depend on how the kernel cuts the rows, nor on gradient
    // checkpointing recomputing the layers: full fine-tuning and LoRA (frozen embeddings), grouped-query
    // heads, a left-padded batch and one without padding (no key mask at all).
    void modelGradientsDoNotDependOnBlockRows() {
        for (bool lora : {false, true})
            for (bool padded : {true, false}) {
                auto m = random_model(tiny_config("qwen2"));
                if (lora) {
                    LoraSettings s;
                    s.rank = 4;
                    LoraModel::apply(m.ptr(), s);
                    randomize_adapters(*m);
                }
                // In double only the kernel's float32 softmax statistics round: a difference from cutting the
                // rows differently stays near float32's epsilon (measured 1.2e-7), where a float32 model's
                // gradients amplify rounding to 1e-5 relative and more.
                m->to(torch::kDouble);
                m->train();
                auto ids = torch::tensor({5, 17, 33, 4, 90, 12, 55, 3, 8, 61, 2, 19, 7, 7}, torch::kLong).view({2, 7});
                auto mask = torch::ones_like(ids);
                if (padded) mask.index_put_({1, torch::indexing::Slice(0, 2)}, 0);
                auto grads_at = [&](int64_t rows, bool checkpointing) {
                    BlockRows forced(rows);
                    for (auto& p : m->parameters())
                        if (p.grad().defined()) p.mutable_grad().zero_();
                    ForwardOptions o;
                    o.attention_mask = mask;
                    if (checkpointing) o.layer_runner = checkpointed_layer;
                    auto logp = torch::log_softmax(m->forward(ids, o), -1);  // (2, 7, V)
                    auto next = logp.narrow(1, 0, 6).gather(-1, ids.narrow(1, 1, 6).unsqueeze(-1)).squeeze(-1);
                    auto loss = -(next * mask.narrow(1, 1, 6)).sum() / mask.narrow(1, 1, 6).sum();
                    loss.backward();
                    std::vector<torch::Tensor> g{loss.detach().clone()};
                    for (auto& p : m->parameters())
                        if (p.requires_grad()) g.push_back(p.grad().clone());
                    return g;
                };
                const auto all = grads_at(64, false);
                QVERIFY(all.size() > 1);
                for (auto [rows, checkpointing] : std::vector<std::pair<int64_t, bool>>{{1, false}, {3, true}}) {
                    const auto got = grads_at(rows, checkpointing);
                    QCOMPARE(got.size(), all.size());
                    for (size_t i = 0; i < got.size(); ++i) {
                        const double d = max_diff(got[i], all[i]), big = all[i].abs().max().item<double>();
                        const std::string label = std::string(lora ? "lora" : "full") + (padded ? ", padded" : "") +
                                                  ", rows " + std::to_string(rows) +
                                                  (checkpointing ? ", checkpointing" : "") + ": tensor " +
                                                  std::to_string(i) + " differs by " + QString::number(d, 'g', 3).toStdString() +
                                                  " (largest " + QString::number(big, 'g', 3).toStdString() + ")";
                        QVERIFY2(d <= 1e-6 * (1 + big), label.c_str());
                    }
                }
            }
    }
};

LATHE_TEST(TestAttentionKernel)
#include "test_attention_kernel.moc"
