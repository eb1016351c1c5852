#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace dlba::ctl {

// A config file that failed validation: every problem found, each as
// "FILE:LINE: message", plus a summary in what().
class ConfigError : public std::runtime_error {
public:
    ConfigError(const std::string& file, std::vector<std::string> errors);

    [[nodiscard]] const std::vector<std::string>& errors() const noexcept { return errors_; }

private:
    std::vector<std::string> errors_;
};

} // namespace dlba::ctl
