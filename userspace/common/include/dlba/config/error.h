#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace dlba::config {

// One problem in a configuration file, reported as "FILE:LINE: message" (LINE is 1-based; 0 when
// the problem belongs to no line, then the form is "FILE: message").
struct Diagnostic {
    std::string file;
    int line = 0;
    std::string message;

    [[nodiscard]] std::string str() const;
};

// A configuration that was rejected; nothing of it was applied.  dlbad stops at the first problem
// (what() is that diagnostic); dlbactl collects every problem in the file before reporting (what()
// is "FILE: N errors, nothing changed" and diagnostics() lists them).
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(Diagnostic diagnostic);
    ConfigError(const std::string& file, std::vector<Diagnostic> diagnostics);
    ConfigError(const std::string& file, int line, const std::string& message)
        : ConfigError(Diagnostic{file, line, message})
    {}

    [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const noexcept
    {
        return diagnostics_;
    }
    // Each diagnostic as "FILE:LINE: message".
    [[nodiscard]] std::vector<std::string> errors() const;
    // The first diagnostic's line.
    [[nodiscard]] int line() const noexcept
    {
        return diagnostics_.empty() ? 0 : diagnostics_.front().line;
    }

private:
    std::vector<Diagnostic> diagnostics_;
};

} // namespace dlba::config
