#include "core/util/fs.h"

#include "core/util/error.h"
#include "core/util/file_size_limit.h"
#include "core/util/messages.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace lathe {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (!fs::exists(path)) throw IoError(file_problem(path, 0, 0, "file_not_found"));
        throw IoError(file_problem(path, 0, 0, "cannot_open", {std::strerror(errno)}));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw IoError(file_problem(path, 0, 0, "read_failed"));
    return ss.str();
}

bool file_exists(const std::string& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

bool dir_exists(const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec);
}

std::string temp_sibling(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p + ".tmp-" + std::to_string(::getpid());
}

void write_file_atomic(const std::string& path, std::string_view data) {
    const std::string tmp = temp_sibling(path);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw write_error(path, "cannot_create", errno);
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw write_error(path, "write_failed", err);
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw write_error(path, "write_failed", err);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw write_error(path, "cannot_rename", err);
    }
}

void replace_dir_atomic(const std::string& staged, const std::string& target) {
    std::error_code ec;
    if (!fs::exists(target)) {
        fs::rename(staged, target, ec);
        if (ec) throw write_error(target, "cannot_rename", ec);
        return;
    }
    // rename(2) cannot replace a non-empty directory: move the old one aside first, so that at every
    // instant one complete copy exists under a known name.
    const std::string old = target + ".old-" + std::to_string(::getpid());
    fs::rename(target, old, ec);
    if (ec) throw write_error(target, "cannot_move_aside", ec);
    fs::rename(staged, target, ec);
    if (ec) {
        std::error_code ignore;
        fs::rename(old, target, ignore);
        throw write_error(target, "cannot_rename", ec);
    }
    fs::remove_all(old, ec);
}

IoError write_error(const std::string& path, const std::string& id, int err) {
    std::string step = id;
    if (err == ENOSPC || err == EDQUOT || err == EFBIG) step = "no_space";
    else if (err == EACCES || err == EPERM || err == EROFS) step = "write_denied";
    const std::string reason = err ? std::strerror(err) : "the disk may be full";
    return IoError(file_problem(path, 0, 0, step, {reason}));
}

IoError write_error(const std::string& path, const std::string& id, const std::error_code& ec) {
    if (ec.category() == std::generic_category() || ec.category() == std::system_category())
        return write_error(path, id, ec.value());
    return IoError(file_problem(path, 0, 0, id, {ec.message()}));
}

std::string path_join(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    return (fs::path(a) / b).string();
}

void fail_writes_past_file_size_limit() { std::signal(SIGXFSZ, SIG_IGN); }

}  // namespace lathe
