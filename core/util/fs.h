// File helpers: whole-file reads with clear errors, and atomic writes (temp file + rename),
// so that a crash mid-write never leaves a half-written config, checkpoint or export.
#pragma once
#include <string>
#include <string_view>

namespace lathe {

std::string read_file(const std::string& path);
bool file_exists(const std::string& path);
bool dir_exists(const std::string& path);

// Writes `data` to `path` through `path.tmp-<pid>` and rename(2); the old file stays until the new
// one is complete and flushed.
void write_file_atomic(const std::string& path, std::string_view data);

// A sibling name for staging a file or directory before it is renamed into place.
std::string temp_sibling(const std::string& path);

// Replaces directory `target` by the fully written directory `staged` (rename, then delete the old).
void replace_dir_atomic(const std::string& staged, const std::string& target);

std::string path_join(const std::string& a, const std::string& b);

}  // namespace lathe
