#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <dlba/config/error.h>
#include <dlba/config/value.h>

// Reading a YAML configuration file (dlbad.conf, array.yaml) so that one run reports every problem
// in it, each at its line and column: the value parsers of value.h applied to YAML nodes, unknown
// keys with the key that was meant, and the load that turns the collected problems into one
// ConfigError.
namespace dlba::config {

// Thrown by YamlReader::fail() once the problem is recorded: it abandons the value (or the entry)
// at hand, and the nearest attempt() goes on with the next one.
struct Abandon {};

class YamlReader {
public:
    // The longest timeout or interval accepted by default: a day.  Longer ones are typos (and would
    // overflow the nanosecond clock arithmetic well before a uint64_t of milliseconds does).
    static constexpr std::chrono::milliseconds kMaxDuration{24 * 3600 * 1000};

    explicit YamlReader(std::string file) : file_(std::move(file)) {}

    [[nodiscard]] const std::string& file() const noexcept { return file_; }

    // Records a problem at the node and goes on.
    void report(const YAML::Node& node, const std::string& msg) const;
    void report_at(int line, const std::string& msg) const;
    // Records a problem found by a check outside the reader (OpenSSL's of a certificate).
    void add(Diagnostic diagnostic) const { diagnostics_.push_back(std::move(diagnostic)); }
    // Records a problem at the node and abandons what depends on it (up to attempt()).
    [[noreturn]] void fail(const YAML::Node& node, const std::string& msg) const;
    [[noreturn]] void fail_at(int line, const std::string& msg) const;
    // Runs f; false if it failed (the problem is recorded).
    template <typename F>
    bool attempt(F&& f) const
    {
        try {
            f();
            return true;
        } catch (const Abandon&) {
            return false;
        }
    }
    // Runs f(value) on the value of `key` in the map, if the key is there.
    template <typename F>
    void if_given(const YAML::Node& map, const char* key, F&& f) const
    {
        if (const YAML::Node v = map[key])
            attempt([&] { f(v); });
    }
    [[nodiscard]] std::size_t problems() const { return diagnostics_.size(); }
    [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

    static int line_of(const YAML::Node& node);
    static int column_of(const YAML::Node& node);

    void require_map(const YAML::Node& node, const std::string& what) const;
    // Reports each key outside `allowed` at its position, with the nearest allowed key when one is
    // close ("did you mean 'policy'?"); the other keys are still read.
    void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                    const std::string& what) const;

    [[nodiscard]] std::string str(const YAML::Node& node, const std::string& what) const;

    // Runs one of the common value parsers on the node's text; a rejected value is reported as
    // "FILE:LINE:COL: WHAT: reason".
    template <typename Parse>
    auto value(const YAML::Node& node, const std::string& what, Parse parse) const
    {
        auto s = str(node, what);
        try {
            return parse(s);
        } catch (const ValueError& e) {
            fail(node, what + ": " + e.what());
        }
    }

    [[nodiscard]] bool boolean(const YAML::Node& node, const std::string& what) const;
    [[nodiscard]] std::uint64_t unsigned_int(const YAML::Node& node, const std::string& what,
                                             std::uint64_t min, std::uint64_t max) const;
    [[nodiscard]] double number(const YAML::Node& node, const std::string& what, double min,
                                double max) const;
    [[nodiscard]] std::chrono::milliseconds
    duration(const YAML::Node& node, const std::string& what,
             std::chrono::milliseconds min = std::chrono::milliseconds(1),
             std::chrono::milliseconds max = kMaxDuration) const;
    [[nodiscard]] std::size_t size(const YAML::Node& node, const std::string& what, std::size_t min,
                                   std::size_t max) const;
    [[nodiscard]] IpAddress ip(const YAML::Node& node, const std::string& what) const;
    // "ADDRESS:PORT" with a port other than 0.
    [[nodiscard]] Endpoint endpoint(const YAML::Node& node, const std::string& what) const;

private:
    std::string file_;
    mutable std::vector<Diagnostic> diagnostics_;
};

// Parses `text` as YAML and hands its root to `read`, which reports through `reader` (whose file
// names the text in the messages).  Throws ConfigError with every problem, in file order (a single
// problem as itself), if there was any; a YAML syntax error is the only problem reported for its
// file.
void read_yaml(const std::string& text, const YamlReader& reader,
               const std::function<void(const YAML::Node&)>& read);

// The file's content for read_yaml(); ConfigError "PATH: cannot open: reason" if it cannot be read.
std::string read_config_file(const std::string& path);

} // namespace dlba::config
