#pragma once

#include "dlba/config/error.h"
#include "dlba/ctl/config.h"

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace dlba::ctl {

// Reads and validates a dlba.conf(5) file (YAML, yaml-cpp).  Validation is
// complete before anything is returned: every problem in the file is
// collected and reported at once as "FILE:LINE:COLUMN: message" in a ConfigError, an unknown key
// with the nearest valid key at that place ("did you mean 'timeout'?").
class ConfigParser {
public:
    // 'file' is the name used in messages.
    explicit ConfigParser(std::string file);

    // Throws ConfigError listing every problem.
    Config parse(std::string_view text);

    // Reads 'path' ("-" = standard input) and parses it.
    static Config load(const std::string& path);

private:
    struct Field;
    using Fields = std::map<std::string, Field>;
    // A 1-based position in the file; column 0 when only the line is known.
    struct Pos {
        int line = 0;
        int column = 0;
    };

    void error(Pos pos, const std::string& message);
    void error(int line, const std::string& message) { error(Pos{line, 0}, message); }
    static Pos pos_of(const YAML::Node& node, Pos fallback);
    Fields fields(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                  std::string_view where);
    std::optional<uint64_t> uint_value(const Field& field, uint64_t max);
    std::optional<std::string> string_value(const Field& field);
    std::optional<bool> bool_value(const Field& field);
    std::optional<ServiceSpec> service(const YAML::Node& node);
    std::optional<ServerSpec> server(const YAML::Node& node, const ServiceSpec& svc);
    void check_nat_conflicts(const Config& config);

    std::string file_;
    std::vector<std::string> source_lines_;
    std::vector<config::Diagnostic> errors_;
};

} // namespace dlba::ctl
