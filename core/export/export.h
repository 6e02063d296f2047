// Export: merge adapters into a model and write it for other programs, as a Hugging Face folder
// (safetensors shards, config, generation config with every stop id, tokenizer files, the chat
// template as Jinja, a model card) or as one GGUF file for llama.cpp with an Ollama Modelfile.
//
//   ExportConfig c = ExportConfig::from_yaml_file("export.yaml");
//   ExportEstimate e = estimate_export(c);         // sizes before anything is written
//   ExportSummary s = run_export(c, events, &cancel);
//
// Everything is written into a staging folder beside export_dir and renamed into place at the end:
// a failure, a full disk or a cancel leaves no partial export, and the source folders are only read.
#pragma once
#include "core/export/export_config.h"
#include "core/util/error.h"
#include "core/util/messages.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace lathe {

// How the engine reports an export; the studio adapts these to queued signals.
struct ExportEvents {
    // fraction in [0, 1], with what is being done as data ("merging adapter 1 of 2: DIR", "writing
    // blk.3.ffn_up.weight (q8_0)"; English in its .message, the studio words it)
    std::function<void(double fraction, const Problem& step)> on_progress;
    NoteSink on_message;  // "info", "warning": a log line as data (English in its .message)

    void progress(double fraction, const Problem& step) const {
        if (on_progress) on_progress(fraction, step);
    }
    void message(const std::string& level, const Problem& line) const {
        if (on_message) on_message(level, line);
    }
};

struct ExportFile {
    std::string name;  // relative to export_dir
    uint64_t bytes = 0;
};

struct ExportEstimate {
    std::vector<ExportFile> files;  // what will be written, with the expected sizes
    uint64_t total_bytes = 0;
    uint64_t available_bytes = 0;   // free space where export_dir will be
    std::string template_name;      // the chat template that will be written
    std::vector<Problem> warnings;  // as data; English in .message
};

struct ExportSummary {
    enum class Status { Completed, Cancelled, Failed };
    Status status = Status::Failed;
    std::string message;  // why it failed or stopped
    Problem problem;      // a failure the engine gave as data (id "" when it gave only `message`)
    bool partial_removed = false;  // it failed while writing: the partial export was removed
    std::string export_dir;
    std::vector<ExportFile> files;  // as written
    uint64_t total_bytes = 0;
    double seconds = 0;
    std::string template_name;
};

const char* export_status_name(ExportSummary::Status s);  // "completed", "cancelled", "failed"

// Cheap checks for a form (no weights loaded): settings, model folder, tokenizer, adapters (their
// shapes against the model's), target folder, free space. Every problem of the settings, else the first
// of the files, each tied to the key it is about; empty when all is well.
std::vector<Problem> precheck_export(const ExportConfig& config);

// The files and their sizes before exporting (tensor data exact; JSON and vocabulary estimated).
// Throws the error precheck_export would report first.
ExportEstimate estimate_export(const ExportConfig& config);

// Runs the export to the end, to a cancel or to a failure; never throws. `cancel` is polled between
// tensors.
ExportSummary run_export(const ExportConfig& config, const ExportEvents& events = {},
                         const std::atomic<bool>* cancel = nullptr);

}  // namespace lathe
