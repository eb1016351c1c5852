#pragma once

#include <stdexcept>
#include <string>

// Reading the files a configuration names (itself, key files, certificates) with the system's
// reason when it cannot be done: "No such file or directory", "Permission denied".
namespace dlba::config {

// what() is "PATH: reason"; reason() is the reason alone (strerror of the failing call).
class FileError : public std::runtime_error {
public:
    FileError(const std::string& path, int error);

    [[nodiscard]] int error() const noexcept { return error_; }
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    int error_;
    std::string reason_;
};

// The whole content of the regular file at `path`; throws FileError (a directory is EISDIR).
std::string read_file(const std::string& path);

// Throws FileError unless `path` can be opened for reading and is not a directory, for files that
// another library (OpenSSL) reads and would report with less clarity.
void check_readable(const std::string& path);

} // namespace dlba::config
