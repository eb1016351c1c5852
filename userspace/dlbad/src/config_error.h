#pragma once

#include <stdexcept>
#include <string>

namespace dlba::dlbad {

// A configuration error; what() is "FILE:LINE: message" (LINE is 1-based).
class ConfigError : public std::runtime_error {
public:
    ConfigError(const std::string& file, int line, const std::string& message)
        : std::runtime_error(file + ":" + std::to_string(line) + ": " + message),
          line_(line)
    {}

    [[nodiscard]] int line() const noexcept { return line_; }

private:
    int line_;
};

} // namespace dlba::dlbad
