#include "core/util/block_cache.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <unistd.h>

// LibTorch 2.3 made Allocator::allocate non-const and added copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define LATHE_ALLOCATOR_2_3 1
#define LATHE_ALLOCATE_CONST
#else
#define LATHE_ALLOCATE_CONST const
#endif

namespace lathe {

namespace {

constexpr std::size_t kMinBytes = std::size_t(1) << 20;
constexpr std::size_t kAlignment = 64;  // LibTorch's own CPU alignment (c10::gAlignment)

// Wraps LibTorch's CPU allocator. Requests below kMinBytes, and all requests while no scope is alive, go to
// the wrapped allocator. The others get a block of their size class: a kept one when there is one, else a
// new one. Every block's context is its data pointer (what raw_allocate expects), and `live_` tells a
// cache block from a wrapped one when it is freed.
class CachingCpuAllocator final : public c10::Allocator {
public:
    explicit CachingCpuAllocator(c10::Allocator* base) : base_(base), limit_(cpu_block_cache_limit()) {}

    c10::DataPtr allocate(std::size_t n) LATHE_ALLOCATE_CONST override {
        if (n < kMinBytes || scopes_.load() == 0) return base_->allocate(n);
        const std::size_t cls = cpu_block_class(n);
        std::unique_lock<std::mutex> lock(mutex_);
        void* p = take(cls);
        if (!p) {
            lock.unlock();  // a new block: the system's time, not the cache's
            if (::posix_memalign(&p, kAlignment, cls) != 0) p = nullptr;
            if (!p) return base_->allocate(n);  // let LibTorch report the failure in its own words
            lock.lock();
        }
        live_[p] = cls;
        stats_.live_bytes += cls;
        return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
    }

    c10::DeleterFnPtr raw_deleter() const override { return &release; }

#ifdef LATHE_ALLOCATOR_2_3
    void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#endif

    void open() { ++scopes_; }
    void close() {
        if (--scopes_ > 0) return;
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto& [cls, blocks] : free_)
            for (void* p : blocks) std::free(p);
        free_.clear();
        stats_.cached_bytes = 0;
    }

    CpuBlockCacheStats stats() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stats_;
    }

    static void release(void* p);

private:
    // A kept block of class `cls`, or null; the caller holds mutex_.
    void* take(std::size_t cls) const {
        auto it = free_.find(cls);
        if (it == free_.end() || it->second.empty()) {
            ++stats_.misses;
            return nullptr;
        }
        void* p = it->second.back();
        it->second.pop_back();
        stats_.cached_bytes -= cls;
        ++stats_.hits;
        return p;
    }

    void give_back(void* p) {
        std::unique_lock<std::mutex> lock(mutex_);
        auto it = live_.find(p);
        if (it == live_.end()) {
            lock.unlock();
            base_->raw_deleter()(p);  // a wrapped allocator's block handed out through raw_allocate
            return;
        }
        const std::size_t cls = it->second;
        live_.erase(it);
        stats_.live_bytes -= cls;
        if (scopes_.load() > 0 && stats_.cached_bytes + cls <= limit_) {
            free_[cls].push_back(p);
            stats_.cached_bytes += cls;
            return;
        }
        lock.unlock();
        std::free(p);
    }

    c10::Allocator* base_;
    const std::size_t limit_;
    std::atomic<int> scopes_{0};
    mutable std::mutex mutex_;
    mutable std::map<std::size_t, std::vector<void*>> free_;
    mutable std::unordered_map<void*, std::size_t> live_;
    mutable CpuBlockCacheStats stats_;
};

// Installed once and never destroyed: tensors may outlive every scope, and their blocks come back here.
CachingCpuAllocator* g_cache = nullptr;
std::once_flag g_install;

void CachingCpuAllocator::release(void* p) {
    if (p) g_cache->give_back(p);
}

CachingCpuAllocator& installed() {
    std::call_once(g_install, [] {
        g_cache = new CachingCpuAllocator(c10::GetCPUAllocator());
        c10::SetCPUAllocator(g_cache);
    });
    return *g_cache;
}

}  // namespace

std::size_t cpu_block_class(std::size_t bytes) {
    if (bytes < kMinBytes) return bytes;
    std::size_t pow2 = kMinBytes;
    while (pow2 * 2 <= bytes) pow2 *= 2;
    const std::size_t step = pow2 / 8;
    return (bytes + step - 1) / step * step;
}

std::size_t cpu_block_cache_limit() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    const std::size_t physical = pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) : 0;
    return std::min<std::size_t>(physical / 4, std::size_t(2) << 30);
}

CpuBlockCacheScope::CpuBlockCacheScope() { installed().open(); }

CpuBlockCacheScope::~CpuBlockCacheScope() { installed().close(); }

CpuBlockCacheStats cpu_block_cache_stats() { return installed().stats(); }

}  // namespace lathe
