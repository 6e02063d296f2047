// Small facts the studio shows without including LibTorch: where the engine runs, how much memory the
// process holds, and where the bundled datasets and examples live.
#pragma once
#include <cstdint>
#include <string>

namespace lathe {

// "cpu (2 threads)", "cuda:0" for the device the engine picks for `device` ("auto", "cpu", "cuda:N") and
// the CPU threads a run with `threads` uses (0 = one per core, as set_threads does); the ConfigError
// message when that device is not available. Changes no engine state.
std::string engine_device_summary(const std::string& device = "auto", int threads = 0);

// The CPU threads a run with `threads` uses when `device` is the CPU; 0 when it is another device or
// not available (then engine_device_summary says which, or why).
unsigned engine_cpu_threads(const std::string& device = "auto", int threads = 0);

// Resident memory of this process in bytes (Linux /proc/self/statm; 0 where unknown).
uint64_t process_rss_bytes();

// A folder shipped with Lathe (`datasets`, `examples`), looked for next to an installed or built
// program (<exe_dir>/../share/lathe/<name>, <exe_dir>/../../<name> for build/bin, <exe_dir>/../<name>)
// and then in the source tree this build came from. "" when none exists.
std::string find_bundled_dir(const std::string& exe_dir, const std::string& name);

}  // namespace lathe
