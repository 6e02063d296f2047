// Ranks as threads of one test process, each joined to the same Gloo process group
// (core/dist/collective.h's join_local): for the tests of the collectives and of what is built on them.
#pragma once
#include "core/dist/collective.h"

#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace lathe::test {

// Runs `body` on `world` threads, each with its rank's Collective; the first exception is rethrown.
inline void on_thread_ranks(int world, const std::function<void(Collective&)>& body,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    auto rendezvous = make_local_rendezvous();
    std::vector<std::thread> threads;
    std::vector<std::exception_ptr> errors(static_cast<size_t>(world));
    for (int r = 0; r < world; ++r)
        threads.emplace_back([&, r] {
            try {
                auto c = join_local(rendezvous, r, world, timeout);
                body(*c);
            } catch (...) {
                errors[static_cast<size_t>(r)] = std::current_exception();
            }
        });
    for (auto& t : threads) t.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace lathe::test
