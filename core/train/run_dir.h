// The files of a run directory, laid out as LLaMA-Factory and transformers' Trainer do, so their
// tools (and users' scripts) read Lathe runs unchanged.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace lathe {

// "h:mm:ss" as LLaMA-Factory writes elapsed_time / remaining_time.
std::string format_hms(double seconds);

class RunDir {
public:
    // Creates `dir` if needed. With `append`, existing logs are continued (resume), else truncated. A RunDir
    // that does not `write` (ranks other than 0 of a data-parallel run) opens nothing and writes nothing.
    RunDir(const std::string& dir, bool append, bool write = true);
    ~RunDir();
    RunDir(const RunDir&) = delete;
    RunDir& operator=(const RunDir&) = delete;

    const std::string& path() const { return dir_; }

    // One line of trainer_log.jsonl; null fields are dropped.
    void log_jsonl(const nlohmann::json& entry);
    // One line of running_log.txt ("[INFO|2026-11-25 10:00:00] message").
    void log_text(const std::string& level, const std::string& message);

    // Whole-file JSON/YAML outputs, written atomically.
    void write_json(const std::string& name, const nlohmann::json& value) const;
    void write_text(const std::string& name, const std::string& text) const;

private:
    std::string dir_;
    bool write_ = true;
    FILE* jsonl_ = nullptr;
    FILE* text_ = nullptr;
};

// Rows of trainer_log.jsonl read back (for the studio's plot of an existing run). Lines that are not
// valid JSON (a crash mid-write) are skipped.
std::vector<nlohmann::json> read_trainer_log(const std::string& run_dir);

// Resuming from the checkpoint of `step`: removes the rows of trainer_log.jsonl logged after it (the run
// that stopped, or finished, went on past the checkpoint; the resumed run logs those steps again) and
// any partial line, rewriting the file atomically. Returns how many lines it removed; a run dir without
// a log is left alone.
int64_t drop_log_rows_after(const std::string& run_dir, int64_t step);

}  // namespace lathe
