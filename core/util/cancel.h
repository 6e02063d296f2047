// One way to stop long work early. The caller that owns an abort flag (the studio's Abort button, Ctrl-C in
// lathe-cli) opens a CancelScope with it on the thread that does the work; every long loop of the engine
// (reading and encoding datasets, loading weights, precomputing reference log-probs, quantizing, export)
// calls throw_if_cancelled() between its units of work, so the work stops within one unit. Cancelled
// (core/util/error.h) is not a failure: the run's boundary (run_training, run_export) turns it into a
// "cancelled" status. The training loop itself polls the flag between optimizer steps and saves a
// checkpoint; it runs outside any scope.
#pragma once
#include <atomic>

namespace lathe {

class CancelScope {
public:
    explicit CancelScope(const std::atomic<bool>* flag);  // null: nothing can cancel this scope
    ~CancelScope();
    CancelScope(const CancelScope&) = delete;
    CancelScope& operator=(const CancelScope&) = delete;

private:
    const std::atomic<bool>* previous_;
};

// Throws Cancelled when the innermost scope on this thread has its flag set; otherwise nothing.
void throw_if_cancelled();
bool cancel_requested();

}  // namespace lathe
