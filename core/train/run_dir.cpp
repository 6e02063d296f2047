#include "core/train/run_dir.h"

#include "core/io/json_file.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/util/fs.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace lathe {

std::string format_hms(double seconds) {
    if (!(seconds >= 0)) seconds = 0;
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

RunDir::RunDir(const std::string& dir, bool append, bool write) : dir_(dir), write_(write) {
    if (!write) return;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw write_error(dir, "cannot_create", ec);
    const char* mode = append ? "a" : "w";
    jsonl_ = std::fopen(path_join(dir, "trainer_log.jsonl").c_str(), mode);
    text_ = std::fopen(path_join(dir, "running_log.txt").c_str(), mode);
    if (!jsonl_ || !text_) throw IoError(file_problem(dir, 0, 0, "run_logs_not_writable", {std::strerror(errno)}));
    // A run killed mid-line leaves a partial row: start the continued log on a line of its own, or the
    // first new row would be glued to it and lost to every reader.
    if (append) {
        const std::string log = path_join(dir, "trainer_log.jsonl");
        std::ifstream in(log, std::ios::binary | std::ios::ate);
        if (in && in.tellg() > 0) {
            in.seekg(-1, std::ios::end);
            if (in.get() != '\n') {
                std::fputc('\n', jsonl_);
                std::fflush(jsonl_);
            }
        }
    }
}

RunDir::~RunDir() {
    if (jsonl_) std::fclose(jsonl_);
    if (text_) std::fclose(text_);
}

void RunDir::log_jsonl(const nlohmann::json& entry) {
    if (!write_) return;
    nlohmann::json clean = nlohmann::json::object();
    for (auto it = entry.begin(); it != entry.end(); ++it)
        if (!it.value().is_null()) clean[it.key()] = it.value();
    const std::string line = clean.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), jsonl_);
    std::fflush(jsonl_);
}

void RunDir::log_text(const std::string& level, const std::string& message) {
    if (!write_) return;
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    std::fprintf(text_, "[%s|%s] %s\n", level.c_str(), stamp, message.c_str());
    std::fflush(text_);
}

void RunDir::write_json(const std::string& name, const nlohmann::json& value) const {
    if (!write_) return;
    write_json_file(path_join(dir_, name), value);
}

void RunDir::write_text(const std::string& name, const std::string& text) const {
    if (!write_) return;
    write_file_atomic(path_join(dir_, name), text);
}

std::vector<nlohmann::json> read_trainer_log(const std::string& run_dir) {
    std::vector<nlohmann::json> rows;
    std::ifstream in(path_join(run_dir, "trainer_log.jsonl"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.is_object()) rows.push_back(std::move(j));
    }
    return rows;
}

int64_t drop_log_rows_after(const std::string& run_dir, int64_t step) {
    const std::string log = path_join(run_dir, "trainer_log.jsonl");
    std::ifstream in(log, std::ios::binary);
    if (!in) return 0;
    std::string kept, line;
    int64_t dropped = 0;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto row = nlohmann::json::parse(line, nullptr, false);
        const bool later = row.is_object() && row.contains("current_steps") && row["current_steps"].is_number_integer() &&
                           row["current_steps"].get<int64_t>() > step;
        if (!row.is_object() || later) {
            ++dropped;
            continue;
        }
        kept += line + "\n";
    }
    in.close();
    if (dropped) write_file_atomic(log, kept);
    return dropped;
}

}  // namespace lathe
