#include "dlba/ctl/config_parser.h"

#include "dlba/config/error.h"
#include "dlba/config/file.h"
#include "dlba/config/suggest.h"
#include "dlba/ctl/parse.h"

#include <linux/dlba.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <span>
#include <sstream>
#include <tuple>

namespace dlba::ctl {

struct ConfigParser::Field {
    YAML::Node key;
    YAML::Node value;
    int line = 0; // of the key
    std::string name;
    Pos pos;       // of the key
    Pos value_pos; // of the value (the key's when the value has no position)
};

namespace {

std::string join(std::initializer_list<std::string_view> names)
{
    std::string s;
    for (auto n : names)
        s += (s.empty() ? "" : ", ") + std::string(n);
    return s;
}

} // namespace

ConfigParser::ConfigParser(std::string file) : file_(std::move(file))
{}

void ConfigParser::error(Pos pos, const std::string& message)
{
    errors_.push_back({file_, pos.line, message, pos.column});
}

ConfigParser::Pos ConfigParser::pos_of(const YAML::Node& node, Pos fallback)
{
    auto mark = node.Mark();
    return mark.line >= 0 ? Pos{mark.line + 1, mark.column + 1} : fallback;
}

ConfigParser::Fields ConfigParser::fields(const YAML::Node& map,
                                          std::initializer_list<std::string_view> allowed,
                                          std::string_view where)
{
    Fields out;
    for (auto it = map.begin(); it != map.end(); ++it) {
        Pos pos = pos_of(it->first, pos_of(map, Pos{1, 0}));
        if (!it->first.IsScalar()) {
            error(pos, "keys must be plain words");
            continue;
        }
        std::string name = it->first.Scalar();
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            std::span<const std::string_view> keys(allowed.begin(), allowed.size());
            auto near = config::closest(name, keys);
            error(pos, "unknown key '" + name + "' in " + std::string(where) +
                           (near ? ", did you mean '" + *near + "'?"
                                 : " (expected one of: " + join(allowed) + ")"));
            continue;
        }
        if (auto prev = out.find(name); prev != out.end()) {
            error(pos, "duplicate key '" + name + "' (first at line " +
                           std::to_string(prev->second.line) + ")");
            continue;
        }
        out.emplace(name,
                    Field{it->first, it->second, pos.line, name, pos, pos_of(it->second, pos)});
    }
    return out;
}

std::optional<std::string> ConfigParser::string_value(const Field& f)
{
    if (!f.value.IsScalar()) {
        error(f.value_pos, "'" + f.name + "' must be a single value");
        return std::nullopt;
    }
    return f.value.Scalar();
}

std::optional<uint64_t> ConfigParser::uint_value(const Field& f, uint64_t max)
{
    auto text = string_value(f);
    if (!text)
        return std::nullopt;
    try {
        return parse_uint(*text, max, f.name);
    } catch (const ParseError& e) {
        error(f.value_pos, e.what());
        return std::nullopt;
    }
}

std::optional<bool> ConfigParser::bool_value(const Field& f)
{
    auto text = string_value(f);
    if (!text)
        return std::nullopt;
    try {
        return parse_bool(*text, f.name);
    } catch (const ParseError& e) {
        error(f.value_pos, e.what());
        return std::nullopt;
    }
}

std::optional<ServiceSpec> ConfigParser::service(const YAML::Node& node)
{
    Pos pos = pos_of(node, Pos{1, 0});
    if (!node.IsMap()) {
        error(
            pos,
            "each entry of 'services' must be a mapping starting with 'service: ADDR:PORT/PROTO'");
        return std::nullopt;
    }
    auto f =
        fields(node, {"service", "buckets", "timeout", "mode", "hash_key", "servers"}, "service");
    ServiceSpec spec;
    spec.line = pos.line;
    spec.column = pos.column;
    spec.buckets = DLBA_BUCKETS_DEFAULT;
    spec.timeout = DLBA_TIMEOUT_DEFAULT;
    spec.mode = DLBA_MODE_FORWARD;

    bool have_key = false;
    if (auto it = f.find("service"); it == f.end()) {
        error(pos, "service entry without 'service: ADDR:PORT/PROTO'");
    } else if (!it->second.value.IsScalar()) {
        error(it->second.value_pos,
              "'service' must be a string such as 10.0.0.10:80/tcp; quote IPv6 services: "
              "\"[fd00::10]:80/tcp\"");
    } else {
        try {
            spec.key = parse_service(it->second.value.Scalar());
            spec.line = it->second.line;
            spec.column = it->second.pos.column;
            have_key = true;
        } catch (const ParseError& e) {
            error(it->second.value_pos, e.what());
        }
    }
    if (auto it = f.find("buckets"); it != f.end()) {
        if (auto v = uint_value(it->second, UINT32_MAX)) {
            if (auto msg = check_buckets(*v); !msg.empty())
                error(it->second.value_pos, msg);
            spec.buckets = static_cast<uint32_t>(*v);
        }
    }
    if (auto it = f.find("timeout"); it != f.end()) {
        if (auto v = uint_value(it->second, UINT32_MAX)) {
            if (auto msg = check_timeout(*v); !msg.empty())
                error(it->second.value_pos, msg);
            spec.timeout = static_cast<uint32_t>(*v);
        }
    }
    if (auto it = f.find("mode"); it != f.end()) {
        if (auto v = string_value(it->second)) {
            try {
                spec.mode = parse_mode(*v);
                // The other uapi modes are reserved; dlba.ko refuses them
                // now, so refuse them before anything is changed.
                if (spec.mode != DLBA_MODE_FORWARD)
                    error(it->second.value_pos,
                          "mode '" + *v + "' is not supported yet (only forward)");
            } catch (const ParseError& e) {
                error(it->second.value_pos, e.what());
            }
        }
    }
    if (auto it = f.find("hash_key"); it != f.end()) {
        if (auto v = string_value(it->second)) {
            try {
                spec.hash_key = parse_hash_key(*v);
            } catch (const ParseError& e) {
                error(it->second.value_pos, e.what());
            }
        }
    }
    if (auto it = f.find("servers"); it != f.end()) {
        const YAML::Node& list = it->second.value;
        if (!list.IsSequence() && !list.IsNull()) {
            error(it->second.value_pos, "'servers' must be a list");
        } else if (list.IsSequence()) {
            if (list.size() > DLBA_SERVERS_MAX)
                error(it->second.value_pos, "at most " + std::to_string(DLBA_SERVERS_MAX) +
                                                " servers per service, not " +
                                                std::to_string(list.size()));
            std::map<uint32_t, int> ids;
            std::map<Address, int> addrs;
            for (const auto& item : list) {
                auto srv = server(item, spec);
                if (!srv)
                    continue;
                if (auto [pos, fresh] = ids.emplace(srv->config.id, srv->line); !fresh) {
                    error(Pos{srv->line, srv->column},
                          "duplicate server id " + std::to_string(srv->config.id) +
                              " (first at line " + std::to_string(pos->second) + ")");
                    continue;
                }
                if (auto [pos, fresh] = addrs.emplace(srv->config.addr, srv->line); !fresh) {
                    error(Pos{srv->line, srv->column},
                          "server address " + format_address(srv->config.addr) +
                              " is already used by the server at line " +
                              std::to_string(pos->second));
                    continue;
                }
                spec.servers.push_back(*srv);
            }
        }
    }
    // With errors the spec is still returned (if it has a key) so that
    // duplicates are found too; parse() fails anyway.
    if (!have_key)
        return std::nullopt;
    return spec;
}

std::optional<ServerSpec> ConfigParser::server(const YAML::Node& node, const ServiceSpec& svc)
{
    Pos pos = pos_of(node, Pos{svc.line, svc.column});
    if (!node.IsMap()) {
        error(pos, "each entry of 'servers' must be a mapping starting with 'id: N'");
        return std::nullopt;
    }
    auto f = fields(node,
                    {"id", "addr", "mac", "method", "port", "weight", "state", "enabled", "failed"},
                    "server");
    ServerSpec spec;
    spec.line = pos.line;
    spec.column = pos.column;
    ServerConfig& c = spec.config;

    if (auto it = f.find("id"); it == f.end()) {
        error(pos, "server without 'id'");
    } else if (auto v = uint_value(it->second, UINT32_MAX)) {
        if (auto msg = check_server_id(*v); !msg.empty())
            error(it->second.value_pos, msg);
        c.id = static_cast<uint32_t>(*v);
        spec.line = it->second.line;
        spec.column = it->second.pos.column;
    }
    bool method_known = true;
    if (auto it = f.find("method"); it != f.end()) {
        method_known = false;
        if (auto v = string_value(it->second)) {
            try {
                c.method = parse_method(*v);
                method_known = true;
            } catch (const ParseError& e) {
                error(it->second.value_pos, e.what());
            }
        }
    }
    if (auto it = f.find("addr"); it == f.end()) {
        error(Pos{spec.line, spec.column}, "server without 'addr'");
    } else if (auto v = string_value(it->second)) {
        try {
            c.addr = parse_address(*v);
            if (svc.key.addr.family && c.addr.family != svc.key.addr.family)
                error(it->second.value_pos,
                      "server address " + *v + " is " + family_name(c.addr.family) +
                          " but the service is " + family_name(svc.key.addr.family));
        } catch (const ParseError& e) {
            error(it->second.value_pos, e.what());
        }
    }
    if (auto it = f.find("mac"); it != f.end()) {
        if (auto v = string_value(it->second)) {
            try {
                Mac mac = parse_mac(*v);
                if (auto msg = check_unicast_mac(mac); !msg.empty())
                    error(it->second.value_pos, msg);
                else if (method_known && c.method != DLBA_FWD_DR)
                    error(it->second.value_pos, "'mac' is only used by method dr");
                c.mac = mac;
            } catch (const ParseError& e) {
                error(it->second.value_pos, e.what());
            }
        }
    }
    if (auto it = f.find("port"); it != f.end()) {
        if (auto v = uint_value(it->second, 65535)) {
            if (method_known && c.method != DLBA_FWD_NAT)
                error(it->second.value_pos, "'port' is only used by method nat");
            c.port = static_cast<uint16_t>(*v);
        }
    }
    if (auto it = f.find("weight"); it != f.end()) {
        if (auto v = uint_value(it->second, UINT32_MAX)) {
            if (auto msg = check_weight(*v); !msg.empty())
                error(it->second.value_pos, msg);
            c.weight = static_cast<uint32_t>(*v);
        }
    }
    // "state" names both flags at once (the run-time words of dlbactl and dlbad); the older
    // "enabled" and "failed" stay as its aliases and must not be given with it.
    if (auto it = f.find("state"); it != f.end()) {
        for (const char* alias : {"enabled", "failed"})
            if (auto a = f.find(alias); a != f.end())
                error(a->second.pos, std::string("'state' and '") + alias + "' exclude each other");
        if (auto v = string_value(it->second)) {
            try {
                auto flags = server_flags(parse_server_state(*v));
                c.enabled = flags.enabled;
                c.failed = flags.failed;
                spec.failed_given = true;
            } catch (const ParseError& e) {
                error(it->second.value_pos, e.what());
            }
        }
    }
    if (auto it = f.find("enabled"); it != f.end()) {
        if (auto v = bool_value(it->second))
            c.enabled = *v;
    }
    if (auto it = f.find("failed"); it != f.end()) {
        if (auto v = bool_value(it->second)) {
            c.failed = *v;
            spec.failed_given = true;
        }
    }
    // As for services: returned despite errors so duplicates are found.
    if (!c.id || !c.addr.family)
        return std::nullopt;
    return spec;
}

void ConfigParser::check_nat_conflicts(const Config& config)
{
    // The LB recognises a nat reply by its source (server addr, port,
    // proto), so two nat servers must not share one.
    std::map<std::tuple<Address, uint16_t, uint8_t>, std::pair<std::string, int>> seen;
    for (const auto& svc : config.services) {
        for (const auto& srv : svc.servers) {
            if (srv.config.method != DLBA_FWD_NAT)
                continue;
            uint16_t port = srv.config.port.value_or(0) ? *srv.config.port : svc.key.port;
            auto key = std::make_tuple(srv.config.addr, port, svc.key.proto);
            std::string where = format_service(svc.key) + " id " + std::to_string(srv.config.id);
            auto [pos, fresh] = seen.emplace(key, std::make_pair(where, srv.line));
            if (!fresh)
                error(Pos{srv.line, srv.column},
                      "nat server " + format_address(srv.config.addr) + " port " +
                          std::to_string(port) + "/" + proto_name(svc.key.proto) +
                          " is already used by " + pos->second.first + " (line " +
                          std::to_string(pos->second.second) + ")");
        }
    }
}

Config ConfigParser::parse(std::string_view text)
{
    errors_.clear();
    source_lines_.clear();
    {
        std::istringstream in{std::string(text)};
        for (std::string l; std::getline(in, l);)
            source_lines_.push_back(l);
    }
    auto fail = [&]() -> config::ConfigError {
        std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
            return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
        return config::ConfigError(file_, errors_);
    };

    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        Pos pos = e.mark.line >= 0 ? Pos{e.mark.line + 1, e.mark.column + 1} : Pos{1, 0};
        std::string msg = "YAML syntax error: " + e.msg;
        size_t idx = static_cast<size_t>(pos.line - 1);
        if (idx < source_lines_.size() && source_lines_[idx].find('[') != std::string::npos)
            msg += " (quote IPv6 services: service: \"[fd00::10]:80/tcp\")";
        error(pos, msg);
        throw fail();
    }
    if (!root || root.IsNull()) {
        error(1, "empty configuration; write 'services: []' to remove every service");
        throw fail();
    }
    if (!root.IsMap()) {
        error(pos_of(root, Pos{1, 0}), "the top level must be a mapping with the key 'services'");
        throw fail();
    }
    auto top = fields(root, {"services"}, "the top level");
    Config config;
    auto it = top.find("services");
    if (it == top.end()) {
        if (errors_.empty())
            error(pos_of(root, Pos{1, 0}),
                  "missing 'services' (write 'services: []' to remove every service)");
        throw fail();
    }
    const YAML::Node& list = it->second.value;
    if (!list.IsSequence()) {
        error(it->second.value_pos, "'services' must be a list (write 'services: []' for none)");
        throw fail();
    }
    std::map<ServiceKey, int> keys;
    for (const auto& item : list) {
        auto svc = service(item);
        if (!svc)
            continue;
        if (auto [pos, fresh] = keys.emplace(svc->key, svc->line); !fresh) {
            error(Pos{svc->line, svc->column}, "duplicate service " + format_service(svc->key) +
                                                   " (first at line " +
                                                   std::to_string(pos->second) + ")");
            continue;
        }
        config.services.push_back(std::move(*svc));
    }
    check_nat_conflicts(config);
    if (!errors_.empty())
        throw fail();
    return config;
}

Config ConfigParser::load(const std::string& path)
{
    std::string name = path == "-" ? "<stdin>" : path;
    std::string text;
    if (path == "-") {
        std::ostringstream in;
        in << std::cin.rdbuf();
        text = in.str();
    } else {
        try {
            text = config::read_file(path);
        } catch (const config::FileError& e) {
            throw config::ConfigError(name, {{name, 0, "cannot open: " + e.reason()}});
        }
    }
    return ConfigParser(name).parse(text);
}

} // namespace dlba::ctl
