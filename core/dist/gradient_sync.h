// A data-parallel step's gradient sums, started while the backward is still running (what PyTorch DDP's
// Reducer does): the trainable tensors are cut into buckets in the order the backward reaches them (the
// reverse of the model's), and a bucket's sum over the ranks starts as soon as every gradient in it is
// final, so the communication of the late layers overlaps the backward of the early ones.
//
// Every rank must start the same sums in the same order, so buckets start strictly in turn: a bucket whose
// gradients are ready waits for the ones before it. A tensor that got no gradient in the backward (an
// expert no token was routed to) holds its bucket back until finish(), which starts whatever is left.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace at {
class Tensor;
}

namespace lathe {

class Collective;

// Sums the gradients of `params` over the ranks now, in one go: a tensor no rank has a gradient for stays
// without one (AdamW skips it, as in one process); one that some rank lacks gets zeros there.
void sum_gradients(Collective& dist, const std::vector<at::Tensor>& params);

class GradientSync {
public:
    // `bucket_bytes`: float32 bytes per bucket (PyTorch's ddp_bucket_cap_mb, 25 MB); 0 puts each tensor in
    // a bucket of its own. Hooks go on the tensors' gradient accumulators; they act only when armed.
    GradientSync(Collective& dist, const std::vector<at::Tensor>& params, int64_t bucket_bytes);
    ~GradientSync();
    GradientSync(const GradientSync&) = delete;
    GradientSync& operator=(const GradientSync&) = delete;

    // The next backward is the accumulation window's last: its gradients are the window's final ones.
    void arm();
    // After that backward: starts the buckets still waiting, waits for all, and leaves in each gradient
    // the sum over the ranks (as sum_gradients does). A tensor whose gradient changed again after its
    // bucket started (its gradient arrives in parts: the chunked output head) makes every rank sum again
    // in one go; from then on every rank keeps the tensors any rank saw arrive in parts in buckets that
    // start here. Returns how many buckets started during the backward.
    int finish();

    int buckets() const;

    struct State;  // (the hooks' view of it; defined in the .cpp)

private:
    std::shared_ptr<State> state_;
};

}  // namespace lathe
