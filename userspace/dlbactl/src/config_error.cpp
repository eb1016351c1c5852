#include "dlba/ctl/config_error.h"

namespace dlba::ctl {

namespace {

std::string summary(const std::string& file, size_t n)
{
    return file + ": " + std::to_string(n) + (n == 1 ? " error" : " errors") + ", nothing changed";
}

} // namespace

ConfigError::ConfigError(const std::string& file, std::vector<std::string> errors)
    : std::runtime_error(summary(file, errors.size())),
      errors_(std::move(errors))
{}

} // namespace dlba::ctl
