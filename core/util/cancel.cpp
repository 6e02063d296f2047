#include "core/util/cancel.h"

#include "core/util/error.h"

namespace lathe {

namespace {

thread_local const std::atomic<bool>* t_flag = nullptr;

}  // namespace

CancelScope::CancelScope(const std::atomic<bool>* flag) : previous_(t_flag) { t_flag = flag; }

CancelScope::~CancelScope() { t_flag = previous_; }

bool cancel_requested() { return t_flag && t_flag->load(std::memory_order_relaxed); }

void throw_if_cancelled() {
    if (cancel_requested()) throw Cancelled();
}

}  // namespace lathe
