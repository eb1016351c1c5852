#include "dlba/config/file.h"

#include "dlba/unique_fd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dlba::config {

namespace {

UniqueFd open_readable(const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        throw FileError(path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw FileError(path, errno);
    if (S_ISDIR(st.st_mode))
        throw FileError(path, EISDIR);
    return fd;
}

} // namespace

FileError::FileError(const std::string& path, int error)
    : std::runtime_error(path + ": " + std::strerror(error)),
      error_(error),
      reason_(std::strerror(error))
{}

std::string read_file(const std::string& path)
{
    auto fd = open_readable(path);
    std::string out;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw FileError(path, errno);
        if (n == 0)
            return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

void check_readable(const std::string& path)
{
    (void)open_readable(path);
}

} // namespace dlba::config
