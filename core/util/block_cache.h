// Keeping LibTorch's large CPU blocks for the next training step.
//
// glibc serves a request above its mmap threshold (32 MB at most on 64-bit) with a fresh mapping when no
// free heap chunk fits, and unmaps it on free: every step then page-faults its big tensors back in (the
// output head's float32 logits chunk, MLP activations and attention scores of a real-size model). Whether a
// free chunk happens to fit depends on the order of earlier allocations, so the same code ran 1.8x slower
// in one build than in another (docs/benchmarks.md, "Page faults in the output head"). While a
// CpuBlockCacheScope lives, blocks of at least 1 MiB freed by LibTorch are kept, per size class, and handed
// to the next request of that class, from any thread; the cache holds at most a bounded number of free
// bytes, and everything it holds goes back to the system when the last scope ends.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lathe {

struct CpuBlockCacheStats {
    std::size_t cached_bytes = 0;  // free blocks held now
    std::size_t live_bytes = 0;    // blocks of the cache's size classes in tensors now
    std::uint64_t hits = 0;        // requests served from a kept block
    std::uint64_t misses = 0;      // requests that had to allocate
};

// Installs the caching allocator as LibTorch's CPU allocator (once, for the process) and turns caching on
// for its lifetime. Scopes nest; blocks freed when none is alive go straight back to the system.
class CpuBlockCacheScope {
public:
    CpuBlockCacheScope();
    ~CpuBlockCacheScope();
    CpuBlockCacheScope(const CpuBlockCacheScope&) = delete;
    CpuBlockCacheScope& operator=(const CpuBlockCacheScope&) = delete;
};

CpuBlockCacheStats cpu_block_cache_stats();

// The size class a request of `bytes` is served from: exact below 1 MiB (not cached), otherwise rounded up
// to an eighth of its power of two, so a class wastes at most 12.5% of address space (untouched pages of a
// block are never resident).
std::size_t cpu_block_class(std::size_t bytes);

// The most free bytes the cache keeps: a quarter of physical memory, at most 2 GiB.
std::size_t cpu_block_cache_limit();

}  // namespace lathe
