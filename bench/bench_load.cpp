// Loading a model folder as every command does (load_causal_lm): wall time, RSS after the load and the
// peak during it (VmHWM), per compute dtype. Each dtype loads in its own process, so the peak is its own.
//
//   bench-load (--model DIR | --shape NAME) [--dtype fp32,bf16] [--cold 0|1] [--threads 0]
//
// --shape writes (once) a random-weight folder of that shape under the temp directory (model_shapes.h).
// --cold 1 drops the weight files from the page cache first (posix_fadvise DONTNEED), so the time
// includes reading the disk; by default the files are in the page cache (just written, or read before).
// RSS counts the mapped file pages this process has touched, so a loader that keeps the mapping of a
// tensor after copying it pays for the checkpoint twice.
#include "bench/model_shapes.h"
#include "bench/proc_memory.h"
#include "core/model/model_folder.h"
#include "core/util/device.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <unistd.h>

using namespace lathe;
using lathe::bench::mib_of;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> a = {{"model", ""}, {"shape", ""},   {"dtype", "fp32,bf16"},
                                            {"cold", "0"}, {"threads", "0"}, {"one", ""}};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k.rfind("--", 0) != 0 || !a.count(k.substr(2))) {
            std::fprintf(stderr, "bench-load: unknown option %s\n", argv[i]);
            std::exit(2);
        }
        a[k.substr(2)] = argv[i + 1];
    }
    if (a["model"].empty() == a["shape"].empty()) {
        std::fprintf(stderr, "usage: bench-load (--model DIR | --shape NAME) [--dtype fp32,bf16] [--cold 0|1] [--threads 0]\n");
        std::exit(2);
    }
    return a;
}

// Drops the folder's weight files from the page cache (clean pages only: written files are synced).
void evict(const std::string& dir) {
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".safetensors") continue;
        const int fd = ::open(e.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
    }
}

int load_once(const std::map<std::string, std::string>& a) {
    const std::string& dir = a.at("model");
    if (a.at("cold") == "1") evict(dir);
    LoadOptions lo;
    lo.dtype = parse_dtype(a.at("one"));
    const double rss_before = mib_of("VmRSS:");
    LoadReport report;
    const auto t0 = std::chrono::steady_clock::now();
    CausalLM model = load_causal_lm(dir, lo, &report);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rss_after = mib_of("VmRSS:"), peak = mib_of("VmHWM:");
    double param_mib = 0;
    for (const auto& p : model->parameters()) param_mib += static_cast<double>(p.nbytes()) / (1 << 20);
    std::printf("| %-8s | %-5s | %8.2f | %16.0f | %20.0f | %14.0f | %16.0f | %10.0f |\n", dtype_label(lo.dtype).c_str(),
                a.at("cold") == "1" ? "cold" : "warm", secs, rss_before, rss_after, peak, param_mib,
                report.file_bytes / double(1 << 20));
    std::fflush(stdout);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto a = parse_args(argc, argv);
    set_threads(std::atoi(a["threads"].c_str()));
    try {
        if (!a["shape"].empty()) a["model"] = bench::cached_shape_folder(a["shape"]), a["shape"] = "";
        if (!a["one"].empty()) return load_once(a);
        const ModelConfig mc = read_model_config(a["model"]);
        std::printf("model %s (%.1fM parameters, %s), load_causal_lm on the CPU, %d threads\n\n", a["model"].c_str(),
                    mc.parameter_count() / 1e6, mc.torch_dtype.c_str(), torch::get_num_threads());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench-load: %s\n", e.what());
        return 1;
    }
    std::printf("| dtype    | cache | load (s) | RSS before (MiB) | RSS after load (MiB) | peak RSS (MiB) | parameters (MiB) | file (MiB) |\n"
                "|----------|-------|---------:|-----------------:|---------------------:|---------------:|-----------------:|-----------:|\n");
    std::fflush(stdout);
    std::stringstream list(a["dtype"]);
    std::string dtype;
    int rc = 0;
    while (std::getline(list, dtype, ',')) {
        std::string cmd = fs::read_symlink("/proc/self/exe").string();
        for (const auto& [k, v] : a)
            if (k != "one" && !v.empty()) cmd += " --" + k + " '" + v + "'";
        cmd += " --one " + dtype;
        if (std::system(cmd.c_str()) != 0) rc = 1;
    }
    return rc;
}
