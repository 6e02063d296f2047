// lathe-cli export CONFIG.yaml [key=value ...]: merge adapters and write a Hugging Face folder or GGUF.
#include "app/cli/common.h"
#include "core/export/export.h"
#include "core/util/error.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace lathe::cli {

namespace {

std::atomic<bool> g_cancel{false};

void on_sigint(int) {
    if (g_cancel.exchange(true)) _exit(130);
    const char msg[] = "\nstopping the export (nothing is kept)...\n";
    (void)!write(2, msg, sizeof msg - 1);
}

}  // namespace

int cmd_export(int argc, char** argv) {
    if (wants_help(argc, argv) || argc < 3) {
        std::puts("usage: lathe-cli export CONFIG.yaml [key=value ...]   or   lathe-cli export key=value ...\n"
                  "Merges adapters into a model and writes it as a Hugging Face folder or a GGUF file.\n"
                  "keys: model_name_or_path, adapter_name_or_path (comma list, merged in order), export_dir,\n"
                  "      export_format (hf|gguf), export_quantization (hf: f32|f16|bf16; gguf: f32|f16|bf16|q8_0|q4_0|q4_k_m),\n"
                  "      export_size (max shard size, e.g. 2GB), template, export_overwrite, model_name, threads\n"
                  "key=value pairs override the file, e.g. export_format=gguf export_quantization=q4_k_m.\n"
                  "--dry-run prints the files and sizes without writing anything.");
        return argc < 3 ? 2 : 0;
    }
    ExportConfig config = config_from_args<ExportConfig>(argc, argv);
    bool dry_run = false;
    for (int i = first_override(argc, argv); i < argc; ++i) {
        if (std::string(argv[i]) == "--dry-run") dry_run = true;
        else config.apply_override(argv[i]);
    }
    // Every problem at once, one line each, as the studio's Export tab shows them before Export.
    if (const std::vector<Problem> problems = precheck_export(config); !problems.empty()) {
        for (const Problem& p : problems) {
            const bool keyed = !p.key.empty() && p.message.rfind(p.key + ":", 0) != 0;
            std::fprintf(stderr, "lathe-cli export: error: %s%s\n", keyed ? (p.key + ": ").c_str() : "", p.message.c_str());
        }
        return 1;
    }

    const ExportEstimate estimate = estimate_export(config);
    for (const Problem& w : estimate.warnings) std::fprintf(stderr, "warning: %s\n", w.message.c_str());
    std::printf("export to %s (chat template %s), about %s:\n", config.export_dir.c_str(), estimate.template_name.c_str(),
                human_bytes(double(estimate.total_bytes)).c_str());
    for (const ExportFile& f : estimate.files) std::printf("  %-40s %12s\n", f.name.c_str(), human_bytes(double(f.bytes)).c_str());
    std::fflush(stdout);
    if (dry_run) return 0;

    const bool tty = isatty(2);
    ExportEvents events;
    events.on_progress = [&](double f, const Problem& what) {
        if (tty) draw_fraction_bar(f, what.message);
    };
    events.on_message = [&](const std::string& level, const Problem& line) {
        if (tty) std::fprintf(stderr, "\r\033[K");
        if (level != "warning") std::fprintf(stderr, "%s\n", line.message.c_str());
    };
    std::signal(SIGINT, on_sigint);
    const ExportSummary s = run_export(config, events, &g_cancel);
    std::signal(SIGINT, SIG_DFL);
    if (tty) std::fprintf(stderr, "\r\033[K");
    switch (s.status) {
        case ExportSummary::Status::Completed:
            std::printf("exported %zu files, %s in %.1f s to %s:\n", s.files.size(), human_bytes(double(s.total_bytes)).c_str(),
                        s.seconds, s.export_dir.c_str());
            for (const ExportFile& f : s.files)
                std::printf("  %-40s %12s\n", f.name.c_str(), human_bytes(double(f.bytes)).c_str());
            return 0;
        case ExportSummary::Status::Cancelled:
            std::fprintf(stderr, "stopped: %s\n", s.message.c_str());
            return 130;
        case ExportSummary::Status::Failed:
            std::fprintf(stderr, "lathe-cli export: error: %s\n", s.message.c_str());
            return 1;
    }
    return 1;
}

}  // namespace lathe::cli
