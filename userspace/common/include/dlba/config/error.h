#pragma once

#include <cstddef>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dlba::config {

// One problem in a configuration file, reported as "FILE:LINE:COLUMN: message" (LINE and COLUMN
// are 1-based).  COLUMN is 0 when the problem has a line but no column ("FILE:LINE: message"),
// LINE is 0 when it belongs to no line ("FILE: message").
struct Diagnostic {
    std::string file;
    int line = 0;
    std::string message;
    int column = 0;

    [[nodiscard]] std::string str() const;
};

// A configuration that was rejected; nothing of it was applied.  Both dlbactl and dlbad collect
// every problem in the file before reporting, in file order, in diagnostics().  Made of one
// Diagnostic, what() is that diagnostic; made of a list, what() is "FILE: N errors, nothing
// changed" (dlbactl prints the list, then that; dlbad throws a list only for several problems).
class ConfigError : public std::runtime_error {
public:
    // The most diagnostics report() lists; the rest are counted in one line.
    static constexpr std::size_t kReportLimit = 20;

    explicit ConfigError(Diagnostic diagnostic);
    ConfigError(const std::string& file, std::vector<Diagnostic> diagnostics);
    ConfigError(const std::string& file, int line, const std::string& message, int column = 0)
        : ConfigError(Diagnostic{file, line, message, column})
    {}

    [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const noexcept
    {
        return diagnostics_;
    }
    // Each diagnostic as "FILE:LINE:COLUMN: message".
    [[nodiscard]] std::vector<std::string> errors() const;
    // What a tool prints: the first `limit` diagnostics, then "FILE: N more errors" for the rest.
    [[nodiscard]] std::vector<std::string> report(std::size_t limit = kReportLimit) const;
    // The first diagnostic's line.
    [[nodiscard]] int line() const noexcept
    {
        return diagnostics_.empty() ? 0 : diagnostics_.front().line;
    }

private:
    std::string file_;
    std::vector<Diagnostic> diagnostics_;
};

// What a daemon prints for a rejected file: each problem (up to the report limit) as
// "TOOL: FILE:LINE:COLUMN: message", then "TOOL: FILE: N errors" when there are several.
void print_report(std::ostream& out, std::string_view tool, const ConfigError& e);

} // namespace dlba::config
