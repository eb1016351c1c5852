#include <dlba/config/yaml_reader.h>

#include <algorithm>
#include <span>
#include <tuple>

#include <dlba/config/file.h>
#include <dlba/config/suggest.h>

namespace dlba::config {

void YamlReader::report(const YAML::Node& node, const std::string& msg) const
{
    auto mark = node.Mark();
    if (mark.line >= 0)
        diagnostics_.push_back({file_, mark.line + 1, msg, mark.column + 1});
    else
        diagnostics_.push_back({file_, 0, msg, 0});
}

void YamlReader::report_at(int line, const std::string& msg) const
{
    diagnostics_.push_back({file_, line, msg, 0});
}

void YamlReader::fail(const YAML::Node& node, const std::string& msg) const
{
    report(node, msg);
    throw Abandon{};
}

void YamlReader::fail_at(int line, const std::string& msg) const
{
    report_at(line, msg);
    throw Abandon{};
}

int YamlReader::line_of(const YAML::Node& node)
{
    auto mark = node.Mark();
    return mark.line >= 0 ? mark.line + 1 : 0;
}

int YamlReader::column_of(const YAML::Node& node)
{
    auto mark = node.Mark();
    return mark.line >= 0 ? mark.column + 1 : 0;
}

void YamlReader::require_map(const YAML::Node& node, const std::string& what) const
{
    if (!node.IsMap())
        fail(node, what + " must be a mapping");
}

void YamlReader::check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                            const std::string& what) const
{
    for (const auto& kv : map) {
        if (!kv.first.IsScalar()) {
            report(kv.first, "keys in " + what + " must be plain words");
            continue;
        }
        const auto& key = kv.first.Scalar();
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end())
            continue;
        auto near = closest(key, std::span(allowed.begin(), allowed.size()));
        report(kv.first, "unknown key '" + key + "' in " + what +
                             (near ? ", did you mean '" + *near + "'?" : std::string()));
    }
}

std::string YamlReader::str(const YAML::Node& node, const std::string& what) const
{
    if (!node.IsScalar())
        fail(node, what + " must be a scalar");
    return node.Scalar();
}

bool YamlReader::boolean(const YAML::Node& node, const std::string& what) const
{
    return value(node, what, [](const std::string& s) { return parse_bool(s); });
}

std::uint64_t YamlReader::unsigned_int(const YAML::Node& node, const std::string& what,
                                       std::uint64_t min, std::uint64_t max) const
{
    return value(node, what, [&](const std::string& s) { return parse_uint(s, min, max); });
}

double YamlReader::number(const YAML::Node& node, const std::string& what, double min,
                          double max) const
{
    return value(node, what, [&](const std::string& s) { return parse_number(s, min, max); });
}

std::chrono::milliseconds YamlReader::duration(const YAML::Node& node, const std::string& what,
                                               std::chrono::milliseconds min,
                                               std::chrono::milliseconds max) const
{
    return value(node, what, [&](const std::string& s) { return parse_duration(s, min, max); });
}

std::size_t YamlReader::size(const YAML::Node& node, const std::string& what, std::size_t min,
                             std::size_t max) const
{
    return value(node, what, [&](const std::string& s) {
        return static_cast<std::size_t>(parse_size(s, min, max));
    });
}

IpAddress YamlReader::ip(const YAML::Node& node, const std::string& what) const
{
    return value(node, what, [](const std::string& s) { return parse_ip(s); });
}

Endpoint YamlReader::endpoint(const YAML::Node& node, const std::string& what) const
{
    auto e = value(node, what, [](const std::string& s) { return parse_endpoint(s); });
    if (e.port == 0)
        fail(node, what + ": '" + str(node, what) + "': port 0 out of range [1, 65535]");
    return e;
}

void read_yaml(const std::string& text, const YamlReader& reader,
               const std::function<void(const YAML::Node&)>& read)
{
    const auto& name = reader.file();
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg,
                          e.mark.line >= 0 ? e.mark.column + 1 : 0);
    }
    try {
        read(root);
    } catch (const Abandon&) {
        // The structure is too broken to go on: what was found so far is reported.
    } catch (const YAML::Exception& e) {
        // e.g. a bad conversion somewhere unexpected; keep the file:line contract.
        reader.report_at(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg);
    }
    auto diagnostics = reader.diagnostics();
    if (diagnostics.empty())
        return;
    std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    if (diagnostics.size() == 1)
        throw ConfigError(diagnostics.front());
    throw ConfigError(name, std::move(diagnostics));
}

std::string read_config_file(const std::string& path)
{
    try {
        return read_file(path);
    } catch (const FileError& e) {
        throw ConfigError(path, 0, "cannot open: " + e.reason());
    }
}

} // namespace dlba::config
