#include "dlba/config/error.h"

namespace dlba::config {

namespace {

std::string summary(const std::string& file, std::size_t n)
{
    return file + ": " + std::to_string(n) + (n == 1 ? " error" : " errors") + ", nothing changed";
}

} // namespace

std::string Diagnostic::str() const
{
    if (line <= 0)
        return file + ": " + message;
    return file + ":" + std::to_string(line) + ": " + message;
}

ConfigError::ConfigError(Diagnostic diagnostic)
    : std::runtime_error(diagnostic.str()),
      diagnostics_{std::move(diagnostic)}
{}

ConfigError::ConfigError(const std::string& file, std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summary(file, diagnostics.size())),
      diagnostics_(std::move(diagnostics))
{}

std::vector<std::string> ConfigError::errors() const
{
    std::vector<std::string> out;
    out.reserve(diagnostics_.size());
    for (const auto& d : diagnostics_)
        out.push_back(d.str());
    return out;
}

} // namespace dlba::config
