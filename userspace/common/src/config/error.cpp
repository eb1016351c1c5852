#include "dlba/config/error.h"

#include <algorithm>

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
    if (column <= 0)
        return file + ":" + std::to_string(line) + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

ConfigError::ConfigError(Diagnostic diagnostic)
    : std::runtime_error(diagnostic.str()),
      file_(diagnostic.file),
      diagnostics_{std::move(diagnostic)}
{}

ConfigError::ConfigError(const std::string& file, std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summary(file, diagnostics.size())),
      file_(file),
      diagnostics_(std::move(diagnostics))
{}

std::vector<std::string> ConfigError::errors() const
{
    return report(diagnostics_.size());
}

std::vector<std::string> ConfigError::report(std::size_t limit) const
{
    std::vector<std::string> out;
    auto shown = std::min(limit, diagnostics_.size());
    out.reserve(shown + 1);
    for (std::size_t i = 0; i < shown; ++i)
        out.push_back(diagnostics_[i].str());
    if (auto rest = diagnostics_.size() - shown; rest > 0)
        out.push_back(file_ + ": " + std::to_string(rest) + " more error" + (rest == 1 ? "" : "s"));
    return out;
}

void print_report(std::ostream& out, std::string_view tool, const ConfigError& e)
{
    for (const auto& line : e.report())
        out << tool << ": " << line << '\n';
    if (auto n = e.diagnostics().size(); n > 1)
        out << tool << ": " << e.diagnostics().front().file << ": " << n << " errors\n";
}

} // namespace dlba::config
