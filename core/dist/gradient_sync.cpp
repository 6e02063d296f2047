#include "core/dist/gradient_sync.h"

#include "core/dist/collective.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/torch.h>

#include <algorithm>
#include <mutex>

namespace lathe {

void sum_gradients(Collective& dist, const std::vector<at::Tensor>& params) {
    std::vector<double> has;
    for (const auto& p : params) has.push_back(p.grad().defined() ? 1.0 : 0.0);
    dist.sum(has);
    std::vector<torch::Tensor> grads;
    for (size_t i = 0; i < params.size(); ++i) {
        if (has[i] == 0.0) continue;
        torch::Tensor p = params[i];
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
    }
    dist.sum_tensors(grads);
}

struct GradientSync::State {
    struct Bucket {
        std::vector<size_t> members;  // indices into params, in the order the backward reaches them
        int64_t numel = 0;            // their elements; the buffer holds them, then one "has a gradient" flag each
        size_t ready = 0;
        torch::Tensor flat;
        std::unique_ptr<Collective::PendingSum> pending;
    };

    Collective* dist = nullptr;
    std::vector<torch::Tensor> params;
    int64_t bucket_bytes = 0;
    std::vector<size_t> bucket_of;
    std::vector<char> fired, repeated;
    // Tensors whose gradient arrives in several parts in one backward (a chunked output head, reached
    // once per chunk): they are never "ready" during it, so their buckets come last and start in finish().
    std::vector<char> in_parts;
    std::vector<Bucket> buckets;
    size_t first_finish_only = 0;  // buckets from here on hold in_parts tensors
    std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;  // hooks live as long as these
    size_t next = 0;               // the next bucket to start
    bool armed = false;
    bool late = false;             // a gradient changed after its bucket started
    int started_early = 0;
    std::mutex mutex;              // on CUDA the backward runs on the device's own thread

    void build_buckets() {
        buckets.clear();
        for (const bool parts : {false, true}) {
            if (parts) first_finish_only = buckets.size();
            int64_t bytes = 0;
            bool open = false;
            for (size_t j = params.size(); j-- > 0;) {  // the backward reaches the last layers first
                if (bool(in_parts[j]) != parts) continue;
                const int64_t b = params[j].numel() * 4;
                if (!open || bucket_bytes <= 0 || bytes + b > bucket_bytes) {
                    buckets.emplace_back();
                    bytes = 0;
                    open = true;
                }
                buckets.back().members.push_back(j);
                buckets.back().numel += params[j].numel();
                bucket_of[j] = buckets.size() - 1;
                bytes += b;
            }
        }
    }

    // A new window's backward: nothing fired, nothing started.
    void reset() {
        late = false;
        next = 0;
        started_early = 0;
        std::fill(fired.begin(), fired.end(), 0);
        std::fill(repeated.begin(), repeated.end(), 0);
        for (auto& b : buckets) b.ready = 0;
    }

    void start(size_t b) {
        torch::NoGradGuard no_grad;
        Bucket& k = buckets[b];
        k.flat = torch::zeros({k.numel + static_cast<int64_t>(k.members.size())}, torch::kFloat);
        int64_t offset = 0;
        for (size_t m = 0; m < k.members.size(); ++m) {
            const torch::Tensor& p = params[k.members[m]];
            const int64_t n = p.numel();
            if (p.grad().defined()) {
                k.flat.narrow(0, offset, n).copy_(p.grad().reshape({-1}));
                k.flat[k.numel + static_cast<int64_t>(m)] = 1.0f;
            }
            offset += n;
        }
        k.pending = dist->start_sum(k.flat);
    }

    void on_gradient(size_t i) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!armed) return;
        const size_t b = bucket_of[i];
        if (fired[i]) {
            repeated[i] = 1;
            if (b < next) late = true;
            return;
        }
        fired[i] = 1;
        if (in_parts[i]) return;
        ++buckets[b].ready;
        while (next < first_finish_only && buckets[next].ready == buckets[next].members.size()) {
            start(next++);
            ++started_early;
        }
    }
};

namespace {

// Runs after a tensor's gradient accumulator has added this backward's gradient to .grad.
class ReadyHook : public torch::autograd::FunctionPostHook {
public:
    ReadyHook(std::weak_ptr<GradientSync::State> state, size_t index) : state_(std::move(state)), index_(index) {}
    torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                              const torch::autograd::variable_list& /*inputs*/) override {
        if (auto s = state_.lock()) s->on_gradient(index_);
        return outputs;
    }

private:
    std::weak_ptr<GradientSync::State> state_;
    size_t index_;
};

}  // namespace

GradientSync::GradientSync(Collective& dist, const std::vector<at::Tensor>& params, int64_t bucket_bytes)
    : state_(std::make_shared<State>()) {
    State& s = *state_;
    s.dist = &dist;
    s.params = params;
    s.bucket_bytes = bucket_bytes;
    s.bucket_of.resize(params.size());
    s.fired.assign(params.size(), 0);
    s.repeated.assign(params.size(), 0);
    s.in_parts.assign(params.size(), 0);
    s.build_buckets();
    for (size_t j = 0; j < params.size(); ++j) {
        auto acc = torch::autograd::impl::grad_accumulator(params[j]);
        if (!acc) throw std::logic_error("GradientSync: a trainable tensor that is not a leaf");
        acc->add_post_hook(std::make_unique<ReadyHook>(state_, j));
        s.accumulators.push_back(std::move(acc));
    }
}

GradientSync::~GradientSync() = default;

int GradientSync::buckets() const { return static_cast<int>(state_->buckets.size()); }

void GradientSync::arm() {
    State& s = *state_;
    std::lock_guard<std::mutex> lock(s.mutex);
    s.reset();
    s.armed = true;
}

int GradientSync::finish() {
    State& s = *state_;
    std::unique_lock<std::mutex> lock(s.mutex);
    if (!s.armed) s.reset();  // no backward was armed (a window without micro-batches): sum what there is
    s.armed = false;
    while (s.next < s.buckets.size()) s.start(s.next++);
    lock.unlock();
    for (auto& b : s.buckets) {
        b.pending->wait();
        b.pending.reset();
    }
    // Did any rank see a gradient change after its bucket started? Then every rank sums again, whole.
    // Tensors any rank saw arrive in parts start in finish() from now on (the same buckets on every rank).
    std::vector<double> agreed{s.late ? 1.0 : 0.0};
    for (char r : s.repeated) agreed.push_back(r ? 1.0 : 0.0);
    s.dist->sum(agreed);
    const bool late = agreed[0] > 0;
    bool rebuild = false;
    for (size_t j = 0; j < s.params.size(); ++j)
        if (agreed[j + 1] > 0 && !s.in_parts[j]) s.in_parts[j] = 1, rebuild = true;
    if (late) {
        for (auto& b : s.buckets) b.flat = torch::Tensor();
        sum_gradients(*s.dist, s.params);
        if (rebuild) s.build_buckets();
        return s.started_early;
    }
    torch::NoGradGuard no_grad;
    for (auto& b : s.buckets) {
        auto flags = b.flat.narrow(0, b.numel, static_cast<int64_t>(b.members.size()));
        int64_t offset = 0;
        for (size_t m = 0; m < b.members.size(); ++m) {
            torch::Tensor p = s.params[b.members[m]];
            const int64_t n = p.numel();
            if (flags[static_cast<int64_t>(m)].item<float>() > 0) {
                if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
                p.mutable_grad().copy_(b.flat.narrow(0, offset, n).view(p.sizes()));
            }
            offset += n;
        }
        b.flat = torch::Tensor();
    }
    if (rebuild) s.build_buckets();
    return s.started_early;
}

}  // namespace lathe
