#include "config/config_loader.h"

#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <dlba/config/error.h>
#include <dlba/config/suggest.h>
#include <dlba/config/yaml_reader.h>

namespace dlba::arrayd {

const NodeConfig* ArrayConfig::find_node(const std::string& name) const
{
    for (const auto& n : cluster.nodes)
        if (n.name == name)
            return &n;
    return nullptr;
}

const NodeConfig& ArrayConfig::self() const
{
    if (const auto* n = find_node(node))
        return *n;
    throw std::logic_error("node '" + node + "' is not in cluster.nodes");
}

namespace {

using config::Abandon;

// The longest name corosync takes for a cluster or a node (and a sane bound for a VIP group).
constexpr std::size_t kMaxName = 64;

class Parser : public config::YamlReader {
public:
    using YamlReader::YamlReader;

    // A word of letters, digits, '-', '_' and '.' (a node name is a corosync name and a label).
    std::string name(const YAML::Node& node, const std::string& what) const
    {
        auto s = str(node, what);
        bool ok = !s.empty() && s.size() <= kMaxName;
        for (char c : s)
            ok = ok &&
                 (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
        if (!ok)
            fail(node, what + ": " + config::quoted(s) +
                           " is not a name (1 to 64 letters, digits, '-', '_', '.')");
        return s;
    }

    SocketAddress address(const YAML::Node& node, const std::string& what) const
    {
        return SocketAddress::from_endpoint(endpoint(node, what));
    }

    NodeConfig cluster_node(const YAML::Node& n) const
    {
        require_map(n, "cluster.nodes entry");
        check_keys(n, {"name", "id", "address", "priority"}, "cluster.nodes entry");
        NodeConfig c;
        c.line = line_of(n);
        bool ok = true;
        auto need = [&](const char* key) {
            if (n[key])
                return true;
            report(n, std::string("cluster.nodes entry: '") + key + "' is required");
            ok = false;
            return false;
        };
        if (need("name"))
            ok = attempt([&] { c.name = name(n["name"], "name"); }) && ok;
        if (need("id"))
            ok = attempt([&] {
                     c.id = static_cast<std::uint32_t>(unsigned_int(n["id"], "id", 1, 0x7fffffff));
                 }) &&
                 ok;
        if (need("address"))
            ok = attempt([&] {
                     c.address = ip(n["address"], "address");
                     c.address_text = str(n["address"], "address");
                     if (!c.address_text.empty() && c.address_text.front() == '[')
                         c.address_text = c.address_text.substr(1, c.address_text.size() - 2);
                 }) &&
                 ok;
        if_given(n, "priority", [&](const YAML::Node& v) {
            c.priority = static_cast<unsigned>(unsigned_int(v, "priority", 0, 65535));
        });
        if (!ok)
            throw Abandon{};
        return c;
    }

    void cluster(const YAML::Node& n, ClusterConfig& c) const
    {
        require_map(n, "cluster");
        check_keys(n, {"name", "token", "nodes"}, "cluster");
        if_given(n, "name", [&](const YAML::Node& v) { c.name = name(v, "cluster.name"); });
        if_given(n, "token", [&](const YAML::Node& v) {
            c.token = duration(v, "cluster.token", Millis(200), Millis(60000));
        });
        const auto& nodes = n["nodes"];
        if (!nodes) {
            report(n, "cluster: 'nodes' is required (a list of {name, id, address, priority})");
            return;
        }
        if (!nodes.IsSequence() || nodes.size() == 0)
            fail(nodes, "cluster.nodes must be a non-empty list");
        std::set<std::string> names;
        std::set<std::uint32_t> ids;
        std::set<std::pair<int, std::array<std::uint8_t, 16>>> addresses;
        int family = 0;
        for (const auto& e : nodes)
            attempt([&] {
                auto node = cluster_node(e);
                auto before = problems();
                if (!names.insert(node.name).second)
                    report(e["name"], "cluster.nodes: node '" + node.name + "' named twice");
                if (!ids.insert(node.id).second)
                    report(e["id"], "cluster.nodes: id " + std::to_string(node.id) + " used twice");
                if (!addresses.insert({node.address.family, node.address.bytes}).second)
                    report(e["address"],
                           "cluster.nodes: address " + node.address_text + " used twice");
                if (family != 0 && node.address.family != family)
                    report(e["address"], "cluster.nodes: all addresses must be of one family "
                                         "(IPv4 or IPv6)");
                family = family ? family : node.address.family;
                if (problems() != before)
                    throw Abandon{};
                c.nodes.push_back(std::move(node));
            });
    }

    VipAddress vip_address(const YAML::Node& n) const
    {
        auto s = str(n, "addresses entry");
        VipAddress a;
        a.text = s;
        auto slash = s.find('/');
        try {
            a.ip = config::parse_ip(s.substr(0, slash));
            unsigned max = a.ip.family == AF_INET ? 32 : 128;
            a.prefix = slash == std::string::npos
                           ? max
                           : static_cast<unsigned>(config::parse_uint(s.substr(slash + 1), 1, max));
        } catch (const config::ValueError& e) {
            fail(n, "addresses: " + config::quoted(s) + ": " + e.reason() + " (ADDRESS/PREFIX)");
        }
        return a;
    }

    VipGroupConfig vip_group(const YAML::Node& n) const
    {
        require_map(n, "vips entry");
        check_keys(n, {"name", "interface", "addresses", "announce"}, "vips entry");
        VipGroupConfig g;
        g.line = line_of(n);
        auto before = problems();
        if (!n["name"])
            report(n, "vips entry: 'name' is required");
        else
            attempt([&] { g.name = name(n["name"], "name"); });
        if (!n["interface"]) {
            report(n, "vips entry: 'interface' is required");
        } else {
            attempt([&] {
                g.interface = str(n["interface"], "interface");
                if (g.interface.empty() || g.interface.size() >= IFNAMSIZ ||
                    g.interface.find_first_of("/ \t") != std::string::npos)
                    fail(n["interface"],
                         "interface: " + config::quoted(g.interface) + " is not an interface name");
            });
        }
        const auto& addrs = n["addresses"];
        if (!addrs)
            report(n, "vips entry: 'addresses' is required");
        else if (!addrs.IsSequence() || addrs.size() == 0)
            report(addrs, "addresses must be a non-empty list");
        else
            for (const auto& a : addrs)
                attempt([&] { g.addresses.push_back(vip_address(a)); });
        if_given(n, "announce", [&](const YAML::Node& a) {
            require_map(a, "announce");
            check_keys(a, {"count", "interval"}, "announce");
            if_given(a, "count", [&](const YAML::Node& v) {
                g.announce.count = static_cast<unsigned>(unsigned_int(v, "announce.count", 0, 100));
            });
            if_given(a, "interval", [&](const YAML::Node& v) {
                g.announce.interval = duration(v, "announce.interval", Millis(10), Millis(60000));
            });
        });
        if (problems() != before)
            throw Abandon{};
        return g;
    }

    void sweep(const YAML::Node& n, SweepConfig& s) const
    {
        require_map(n, "sweep");
        check_keys(n, {"interval", "timeout", "retries", "fall", "rise"}, "sweep");
        if_given(n, "interval", [&](const YAML::Node& v) {
            s.interval = duration(v, "sweep.interval", Millis(10));
        });
        if_given(n, "timeout", [&](const YAML::Node& v) {
            s.timeout = duration(v, "sweep.timeout", Millis(10), Millis(60000));
        });
        if_given(n, "retries", [&](const YAML::Node& v) {
            s.retries = static_cast<unsigned>(unsigned_int(v, "sweep.retries", 0, 10));
        });
        if_given(n, "fall", [&](const YAML::Node& v) {
            s.fall = static_cast<unsigned>(unsigned_int(v, "sweep.fall", 1, 100));
        });
        if_given(n, "rise", [&](const YAML::Node& v) {
            s.rise = static_cast<unsigned>(unsigned_int(v, "sweep.rise", 1, 100));
        });
    }

    // A dlba.ko service as dlbactl names it: "198.18.100.10:80/tcp" (or /udp).
    std::string service(const YAML::Node& n) const
    {
        auto s = str(n, "service");
        auto slash = s.rfind('/');
        std::string proto = slash == std::string::npos ? "" : config::lower(s.substr(slash + 1));
        if (proto != "tcp" && proto != "udp")
            fail(n, "service: " + config::quoted(s) + ": expected VIP:PORT/tcp or VIP:PORT/udp");
        config::Endpoint e;
        try {
            e = config::parse_endpoint(s.substr(0, slash));
        } catch (const config::ValueError& err) {
            fail(n, "service: " + config::quoted(s) + ": " + err.reason());
        }
        if (e.port == 0)
            fail(n, "service: " + config::quoted(s) + ": port 0 out of range [1, 65535]");
        return s;
    }

    // check: {type, address, path, expect, sni, verify} into `m`.
    void check(const YAML::Node& n, Member& m) const
    {
        require_map(n, "check");
        check_keys(n, {"type", "address", "path", "expect", "sni", "verify"}, "check");
        auto before = problems();
        if (!n["type"]) {
            report(n, "check: 'type' is required (tcp, http or tls)");
        } else {
            attempt([&] {
                auto t = str(n["type"], "check.type");
                if (t == "tcp")
                    m.kind = CheckKind::Tcp;
                else if (t == "http")
                    m.kind = CheckKind::Http;
                else if (t == "tls")
                    m.kind = CheckKind::Tls;
                else
                    fail(n["type"],
                         "check.type: unknown type " + config::quoted(t) + " (tcp, http or tls)");
            });
        }
        if (!n["address"])
            report(n, "check: 'address' is required (ADDRESS:PORT)");
        else
            attempt([&] { m.address = address(n["address"], "check.address"); });
        if_given(n, "path", [&](const YAML::Node& v) {
            m.http_path = str(v, "check.path");
            if (m.http_path.empty() || m.http_path.front() != '/' ||
                m.http_path.find_first_of(" \t\r\n") != std::string::npos)
                fail(v, "check.path: " + config::quoted(m.http_path) +
                            " must start with '/' and hold no white space");
        });
        if_given(n, "expect", [&](const YAML::Node& v) {
            m.expect_status = static_cast<unsigned>(unsigned_int(v, "check.expect", 100, 599));
        });
        if_given(n, "sni", [&](const YAML::Node& v) { m.tls_sni = name(v, "check.sni"); });
        if_given(n, "verify",
                 [&](const YAML::Node& v) { m.tls_verify = boolean(v, "check.verify"); });
        if (problems() != before)
            throw Abandon{};
        if (m.kind != CheckKind::Http)
            for (const char* key : {"path", "expect"})
                if (n[key])
                    report(n[key], std::string("check: '") + key + "' is for type http only");
        if (m.kind != CheckKind::Tls)
            for (const char* key : {"sni", "verify"})
                if (n[key])
                    report(n[key], std::string("check: '") + key + "' is for type tls only");
    }

    Member member(const YAML::Node& n) const
    {
        require_map(n, "members entry");
        check_keys(n, {"service", "server", "status", "check"}, "members entry");
        Member m;
        auto before = problems();
        if (!n["service"])
            report(n, "members entry: 'service' is required (VIP:PORT/tcp|udp)");
        else
            attempt([&] { m.service = service(n["service"]); });
        if (!n["server"])
            report(n, "members entry: 'server' is required (the server ID in dlba.ko)");
        else
            attempt([&] {
                m.server =
                    static_cast<std::uint32_t>(unsigned_int(n["server"], "server", 1, 0xffffffff));
            });
        if (n["status"] && n["check"]) {
            report(n["check"], "members entry: 'status' (a DLBA server) or 'check' (a plain "
                               "server), not both");
        } else if (n["status"]) {
            m.kind = CheckKind::Status;
            if_given(n, "status",
                     [&](const YAML::Node& v) { m.address = address(v, "members entry: status"); });
        } else if (n["check"]) {
            if_given(n, "check", [&](const YAML::Node& v) { check(v, m); });
        } else {
            report(n, "members entry: 'status' (a DLBA server) or 'check' (a plain server) is "
                      "required");
        }
        if (problems() != before)
            throw Abandon{};
        return m;
    }

    void status(const YAML::Node& n, StatusConfig& s) const
    {
        require_map(n, "status");
        check_keys(n, {"unix", "metrics"}, "status");
        if_given(n, "unix", [&](const YAML::Node& v) {
            s.unix_socket = str(v, "status.unix");
            if (s.unix_socket.size() >= 108)
                fail(v, "status.unix: path too long for a unix socket");
            if (!s.unix_socket.empty() && s.unix_socket.front() != '/')
                fail(v,
                     "status.unix: " + config::quoted(s.unix_socket) + " must be an absolute path");
        });
        if_given(n, "metrics",
                 [&](const YAML::Node& v) { s.metrics = address(v, "status.metrics"); });
    }

    void push(const YAML::Node& n, ConfigPushConfig& c) const
    {
        require_map(n, "config");
        check_keys(n, {"control", "state_dir", "apply_wait"}, "config");
        if_given(n, "control", [&](const YAML::Node& v) {
            c.control_socket = str(v, "config.control");
            if (c.control_socket.size() >= 108)
                fail(v, "config.control: path too long for a unix socket");
            if (c.control_socket.empty() || c.control_socket.front() != '/')
                fail(v, "config.control: " + config::quoted(c.control_socket) +
                            " must be an absolute path");
        });
        if_given(n, "state_dir", [&](const YAML::Node& v) {
            c.state_dir = str(v, "config.state_dir");
            if (c.state_dir.empty() || c.state_dir.front() != '/')
                fail(v, "config.state_dir: " + config::quoted(c.state_dir) +
                            " must be an absolute path");
        });
        if_given(n, "apply_wait", [&](const YAML::Node& v) {
            c.apply_wait = duration(v, "config.apply_wait", Millis{100}, Millis{600000});
        });
    }

    void sync(const YAML::Node& n, SyncConfig& s) const
    {
        require_map(n, "sync");
        check_keys(n, {"batch"}, "sync");
        if_given(n, "batch", [&](const YAML::Node& v) {
            s.batch = duration(v, "sync.batch", Millis(1), Millis(1000));
        });
    }

    ArrayConfig config(const YAML::Node& root) const
    {
        ArrayConfig c;
        c.path = file();
        if (!root || root.IsNull())
            fail_at(1, "empty configuration");
        require_map(root, "the configuration");
        check_keys(root,
                   {"node", "cluster", "vips", "sweep", "members", "status", "config", "sync"},
                   "the configuration");
        bool cluster_ok = false;
        if (!root["cluster"])
            report(root, "'cluster' is required (name, token, nodes)");
        else
            cluster_ok = attempt([&] { cluster(root["cluster"], c.cluster); });
        if (!root["node"]) {
            report(root, "'node' is required (this node's name, one of cluster.nodes)");
        } else {
            attempt([&] {
                c.node = name(root["node"], "node");
                // Every entry's name, read or not: an entry with a bad address still names its
                // node, and the node is not reported missing for it.
                std::vector<std::string> names;
                if (cluster_ok && root["cluster"]["nodes"].IsSequence())
                    for (const auto& e : root["cluster"]["nodes"])
                        if (e.IsMap() && e["name"] && e["name"].IsScalar())
                            names.push_back(e["name"].Scalar());
                if (cluster_ok && std::find(names.begin(), names.end(), c.node) == names.end()) {
                    std::vector<std::string_view> known(names.begin(), names.end());
                    auto near = config::closest(c.node, known);
                    fail(root["node"], "node '" + c.node + "' is not in cluster.nodes" +
                                           (near ? ", did you mean '" + *near + "'?" : ""));
                }
            });
        }
        if_given(root, "vips", [&](const YAML::Node& v) {
            if (!v.IsSequence())
                fail(v, "vips must be a list");
            std::set<std::string> names;
            for (const auto& e : v)
                attempt([&] {
                    auto g = vip_group(e);
                    if (!names.insert(g.name).second)
                        fail(e["name"], "vips: group '" + g.name + "' named twice");
                    c.vips.push_back(std::move(g));
                });
        });
        if_given(root, "sweep", [&](const YAML::Node& v) { sweep(v, c.sweep); });
        if_given(root, "members", [&](const YAML::Node& v) {
            if (!v.IsSequence())
                fail(v, "members must be a list");
            std::set<std::pair<std::string, std::uint32_t>> seen;
            for (const auto& e : v)
                attempt([&] {
                    auto m = member(e);
                    if (!seen.insert({m.service, m.server}).second)
                        fail(e, "members: server " + std::to_string(m.server) + " of " + m.service +
                                    " listed twice");
                    c.members.push_back(std::move(m));
                });
        });
        if_given(root, "status", [&](const YAML::Node& v) { status(v, c.status); });
        if_given(root, "config", [&](const YAML::Node& v) { push(v, c.config); });
        if_given(root, "sync", [&](const YAML::Node& v) { sync(v, c.sync); });
        return c;
    }
};

} // namespace

ArrayConfig ArrayConfigLoader::load_string(const std::string& text, const std::string& name)
{
    ArrayConfig c;
    Parser parser(name);
    config::read_yaml(text, parser, [&](const YAML::Node& root) { c = parser.config(root); });
    return c;
}

ArrayConfig ArrayConfigLoader::load_file(const std::string& path)
{
    return load_string(config::read_config_file(path), path);
}

} // namespace dlba::arrayd
