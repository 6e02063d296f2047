// File helpers: whole-file reads with clear errors, and atomic writes (temp file + rename),
// so that a crash mid-write never leaves a half-written config, checkpoint or export.
#pragma once
#include "core/util/error.h"

#include <string>
#include <string_view>
#include <system_error>

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

// A write that failed, as an IoError about `path`: `id` says which step ("cannot_create", "write_failed",
// "cannot_rename", "cannot_move_aside"), unless errno `err` says there is no room (ENOSPC, EDQUOT, or EFBIG
// under a file size limit: "no_space") or no permission (EACCES, EPERM, EROFS: "write_denied"). The
// system's reason is the id's argument; err 0 (a stream that failed without one) says the disk may be full.
IoError write_error(const std::string& path, const std::string& id, int err);
IoError write_error(const std::string& path, const std::string& id, const std::error_code& ec);

}  // namespace lathe
