// Row order of Llama's q/k projections: Hugging Face's rotate-half layout vs GGUF's interleaved
// pairs (see gguf.h). Only rows move, so weights [rows, in] and biases [rows] are handled alike.
#include "core/io/gguf.h"

#include "core/util/error.h"

#include <torch/torch.h>

namespace lathe {

namespace {

// rows = n_head * head_dim; the view whose axes 1 and 2 are swapped depends on the direction:
//   HF -> GGUF: (n_head, 2, hd/2, ...) -> (n_head, hd/2, 2, ...)
//   GGUF -> HF: (n_head, hd/2, 2, ...) -> (n_head, 2, hd/2, ...)
at::Tensor swap_halves(const at::Tensor& w, int64_t n_head, bool hf_to_gguf) {
    if (w.dim() < 1 || w.dim() > 2)
        throw ModelError("q/k permutation takes a [rows, cols] weight or a [rows] bias, got " +
                         std::to_string(w.dim()) + " dimensions");
    const int64_t rows = w.size(0);
    if (n_head <= 0 || rows % (2 * n_head) != 0)
        throw ModelError("q/k permutation: " + std::to_string(rows) + " rows do not split into " +
                         std::to_string(n_head) + " heads of an even head size");
    const int64_t half = rows / n_head / 2;
    std::vector<int64_t> view = hf_to_gguf ? std::vector<int64_t>{n_head, 2, half} : std::vector<int64_t>{n_head, half, 2};
    if (w.dim() == 2) view.push_back(w.size(1));
    return w.reshape(view).transpose(1, 2).reshape(w.sizes()).contiguous();
}

}  // namespace

at::Tensor llama_permute_qk_for_gguf(const at::Tensor& w, int64_t n_head) { return swap_halves(w, n_head, true); }

at::Tensor llama_unpermute_qk_from_gguf(const at::Tensor& w, int64_t n_head) { return swap_halves(w, n_head, false); }

}  // namespace lathe
