#include "config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <dlba/config/error.h>
#include <dlba/config/value.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <sstream>

#include "transport/tls_ticket_keys.h"
#include <dlba/config/error.h>

#include <dlbad/cookie_injector.h>
#include <dlbad/hash_ring.h>
#include <dlbad/session_id_extractor.h>

namespace dlba::dlbad {

namespace {

// The longest timeout or interval accepted: a day.  Longer ones are typos (and would overflow the
// nanosecond clock arithmetic well before a uint64_t of milliseconds does).
constexpr Millis kMaxDuration{24 * 3600 * 1000};

class Parser {
public:
    explicit Parser(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& node, const std::string& msg) const
    {
        throw config::ConfigError(file_, line_of(node), msg);
    }
    [[noreturn]] void fail_at(int line, const std::string& msg) const
    {
        throw config::ConfigError(file_, line, msg);
    }

    static int line_of(const YAML::Node& node)
    {
        auto mark = node.Mark();
        return mark.line >= 0 ? mark.line + 1 : 0;
    }

    void require_map(const YAML::Node& node, const std::string& what) const
    {
        if (!node.IsMap())
            fail(node, what + " must be a mapping");
    }

    // Rejects keys outside `allowed`, naming the offending key's line.
    void check_keys(const YAML::Node& map, std::initializer_list<const char*> allowed,
                    const std::string& what) const
    {
        for (const auto& kv : map) {
            auto key = kv.first.as<std::string>();
            bool ok = std::any_of(allowed.begin(), allowed.end(),
                                  [&](const char* a) { return key == a; });
            if (!ok)
                fail(kv.first, "unknown key '" + key + "' in " + what);
        }
    }

    std::string str(const YAML::Node& node, const std::string& what) const
    {
        if (!node.IsScalar())
            fail(node, what + " must be a scalar");
        return node.Scalar();
    }

    // Runs one of the common value parsers on the node's text; a rejected value is reported as
    // "FILE:LINE: WHAT: reason".
    template <typename Parse>
    auto value(const YAML::Node& node, const std::string& what, Parse parse) const
    {
        auto s = str(node, what);
        try {
            return parse(s);
        } catch (const config::ValueError& e) {
            fail(node, what + ": " + e.what());
        }
    }

    bool boolean(const YAML::Node& node, const std::string& what) const
    {
        return value(node, what, [](const std::string& s) { return config::parse_bool(s); });
    }

    std::uint64_t unsigned_int(const YAML::Node& node, const std::string& what, std::uint64_t min,
                               std::uint64_t max) const
    {
        return value(node, what,
                     [&](const std::string& s) { return config::parse_uint(s, min, max); });
    }

    double number(const YAML::Node& node, const std::string& what, double min, double max) const
    {
        return value(node, what,
                     [&](const std::string& s) { return config::parse_number(s, min, max); });
    }

    Millis duration(const YAML::Node& node, const std::string& what, Millis min = Millis(1),
                    Millis max = kMaxDuration) const
    {
        return value(node, what, [&](const std::string& s) {
            return std::chrono::duration_cast<Millis>(config::parse_duration(s, min, max));
        });
    }

    std::size_t size(const YAML::Node& node, const std::string& what, std::size_t min,
                     std::size_t max) const
    {
        return value(node, what, [&](const std::string& s) {
            return static_cast<std::size_t>(config::parse_size(s, min, max));
        });
    }

    SocketAddress address(const YAML::Node& node, const std::string& what) const
    {
        auto endpoint =
            value(node, what, [](const std::string& s) { return config::parse_endpoint(s); });
        if (endpoint.port == 0)
            fail(node, what + ": '" + str(node, what) + "': port 0 out of range [1, 65535]");
        return SocketAddress::from_endpoint(endpoint);
    }

    Policy policy(const YAML::Node& node, const std::string& what) const
    {
        auto s = str(node, what);
        if (s == "cookie")
            return Policy::Cookie;
        if (s == "session-id")
            return Policy::SessionId;
        if (s == "url-hash")
            return Policy::UrlHash;
        if (s == "leastconn")
            return Policy::LeastConn;
        if (s == "least-response-time")
            return Policy::LeastResponseTime;
        fail(node, what + ": unknown policy '" + s +
                       "' (cookie, session-id, url-hash, leastconn, least-response-time)");
    }

    // A token usable as an HTTP header or cookie name.
    std::string token(const YAML::Node& node, const std::string& what) const
    {
        auto s = str(node, what);
        static const std::string kSpecials = "!#$%&'*+-.^_`|~";
        bool ok = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
            return std::isalnum(c) || kSpecials.find(static_cast<char>(c)) != std::string::npos;
        });
        if (!ok)
            fail(node, what + ": '" + s + "' is not a valid HTTP token");
        return s;
    }

    std::string read_key_file(const YAML::Node& node, const std::string& what) const
    {
        auto path = str(node, what);
        std::ifstream in(path, std::ios::binary);
        if (!in)
            fail(node, what + ": cannot read '" + path + "'");
        std::stringstream ss;
        ss << in.rdbuf();
        auto data = ss.str();
        // A file of hex digits (optionally with a trailing newline) is decoded; anything else is raw.
        std::string trimmed = data;
        while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
            trimmed.pop_back();
        bool hex = !trimmed.empty() && trimmed.size() % 2 == 0 &&
                   std::all_of(trimmed.begin(), trimmed.end(),
                               [](unsigned char c) { return std::isxdigit(c); });
        if (!hex)
            return data;
        std::string out;
        for (std::size_t i = 0; i < trimmed.size(); i += 2)
            out.push_back(static_cast<char>(std::stoi(trimmed.substr(i, 2), nullptr, 16)));
        return out;
    }

    void limits(const YAML::Node& n, Limits& l) const
    {
        require_map(n, "limits");
        check_keys(n,
                   {"max_header_bytes", "max_headers", "max_body_bytes",
                    "max_response_header_bytes", "buffer_bytes", "max_pipelined_bytes",
                    "request_buffer_bytes"},
                   "limits");
        if (n["max_header_bytes"])
            l.max_header_bytes = size(n["max_header_bytes"], "max_header_bytes", 1024, 1 << 20);
        if (n["max_headers"])
            l.max_headers = unsigned_int(n["max_headers"], "max_headers", 1, 10000);
        if (n["max_body_bytes"])
            l.max_body_bytes = size(n["max_body_bytes"], "max_body_bytes", 0, std::size_t(1) << 32);
        if (n["max_response_header_bytes"])
            l.max_response_header_bytes =
                size(n["max_response_header_bytes"], "max_response_header_bytes", 1024, 1 << 20);
        if (n["buffer_bytes"])
            l.buffer_bytes = size(n["buffer_bytes"], "buffer_bytes", 4096, 16 << 20);
        if (n["max_pipelined_bytes"])
            l.max_pipelined_bytes =
                size(n["max_pipelined_bytes"], "max_pipelined_bytes", 1024, 16 << 20);
        if (n["request_buffer_bytes"])
            l.request_buffer_bytes =
                size(n["request_buffer_bytes"], "request_buffer_bytes", 4096, 16 << 20);
    }

    void timeouts(const YAML::Node& n, Timeouts& t) const
    {
        require_map(n, "timeouts");
        check_keys(n,
                   {"client_request", "client_body_idle", "client_keepalive", "client_send",
                    "tls_handshake", "backend_connect", "backend_response"},
                   "timeouts");
        if (n["client_request"])
            t.client_request = duration(n["client_request"], "client_request");
        if (n["client_body_idle"])
            t.client_body_idle = duration(n["client_body_idle"], "client_body_idle");
        if (n["client_keepalive"])
            t.client_keepalive = duration(n["client_keepalive"], "client_keepalive");
        if (n["client_send"])
            t.client_send = duration(n["client_send"], "client_send");
        if (n["tls_handshake"])
            t.tls_handshake = duration(n["tls_handshake"], "tls_handshake");
        if (n["backend_connect"])
            t.backend_connect = duration(n["backend_connect"], "backend_connect");
        if (n["backend_response"])
            t.backend_response = duration(n["backend_response"], "backend_response");
    }

    void health(const YAML::Node& n, Health& h) const
    {
        require_map(n, "health");
        check_keys(n, {"max_failures", "retry_interval", "max_attempts"}, "health");
        if (n["max_failures"])
            h.max_failures =
                static_cast<unsigned>(unsigned_int(n["max_failures"], "max_failures", 1, 1000));
        if (n["retry_interval"])
            h.retry_interval = duration(n["retry_interval"], "retry_interval");
        if (n["max_attempts"])
            h.max_attempts =
                static_cast<unsigned>(unsigned_int(n["max_attempts"], "max_attempts", 1, 100));
    }

    TlsConfig tls(const YAML::Node& n) const
    {
        require_map(n, "tls");
        check_keys(n,
                   {"certificates", "min_version", "max_version", "session_tickets", "ciphers",
                    "ciphersuites"},
                   "tls");
        TlsConfig t;
        const auto& certs = n["certificates"];
        if (!certs)
            fail(n, "tls: 'certificates' is required (a list of {cert, key})");
        if (!certs.IsSequence() || certs.size() == 0)
            fail(certs, "tls.certificates must be a non-empty list");
        for (const auto& c : certs) {
            require_map(c, "certificate");
            check_keys(c, {"cert", "key"}, "certificate");
            if (!c["cert"] || !c["key"])
                fail(c, "certificate needs both 'cert' and 'key'");
            CertificateConfig cc;
            cc.cert = str(c["cert"], "cert");
            cc.key = str(c["key"], "key");
            cc.line = line_of(c);
            t.certificates.push_back(std::move(cc));
        }
        auto version = [&](const YAML::Node& v, const std::string& what) {
            auto s = str(v, what);
            if (s != "TLSv1.2" && s != "TLSv1.3")
                fail(v, what + ": '" + s + "' not supported (TLSv1.2 or TLSv1.3)");
            return s;
        };
        if (n["min_version"])
            t.min_version = version(n["min_version"], "min_version");
        if (n["max_version"])
            t.max_version = version(n["max_version"], "max_version");
        if (t.min_version > t.max_version)
            fail(n, "tls: min_version is above max_version");
        if (n["session_tickets"])
            t.session_tickets = boolean(n["session_tickets"], "session_tickets");
        if (n["ciphers"])
            t.ciphers = str(n["ciphers"], "ciphers");
        if (n["ciphersuites"])
            t.ciphersuites = str(n["ciphersuites"], "ciphersuites");
        return t;
    }

    BackendConfig backend(const std::string& name, const YAML::Node& n) const
    {
        require_map(n, "backend '" + name + "'");
        check_keys(n, {"servers", "keepalive", "keepalive_idle_max", "keepalive_idle_timeout"},
                   "backend");
        BackendConfig b;
        b.name = name;
        b.line = line_of(n);
        if (n["keepalive"])
            b.keepalive = boolean(n["keepalive"], "keepalive");
        if (n["keepalive_idle_max"])
            b.keepalive_idle_max =
                unsigned_int(n["keepalive_idle_max"], "keepalive_idle_max", 1, 100000);
        if (n["keepalive_idle_timeout"])
            b.keepalive_idle_timeout =
                duration(n["keepalive_idle_timeout"], "keepalive_idle_timeout");
        const auto& servers = n["servers"];
        if (!servers)
            fail(n, "backend '" + name + "': 'servers' is required");
        if (!servers.IsSequence() || servers.size() == 0)
            fail(servers, "backend '" + name + "': servers must be a non-empty list");
        std::set<std::uint32_t> keys;
        for (const auto& s : servers) {
            require_map(s, "server");
            check_keys(s, {"key", "addr", "weight", "enabled"}, "server");
            if (!s["key"])
                fail(s, "server: 'key' is required (a unique integer naming it in persistence "
                        "cookies)");
            if (!s["addr"])
                fail(s, "server: 'addr' is required (ADDRESS:PORT)");
            ServerConfig sc;
            sc.line = line_of(s);
            sc.key = static_cast<std::uint32_t>(unsigned_int(s["key"], "key", 0, 0xffffffffu));
            if (!keys.insert(sc.key).second)
                fail(s["key"], "server key " + std::to_string(sc.key) + " used twice in backend '" +
                                   name + "'");
            sc.addr = address(s["addr"], "addr");
            if (s["weight"])
                sc.weight = static_cast<std::uint32_t>(
                    unsigned_int(s["weight"], "weight", 0, HashRing::kMaxWeight));
            if (s["enabled"])
                sc.enabled = boolean(s["enabled"], "enabled");
            for (const auto& other : b.servers)
                if (other.addr == sc.addr)
                    fail(s["addr"], "server " + sc.addr.to_string() + " listed twice in backend '" +
                                        name + "'");
            b.servers.push_back(std::move(sc));
        }
        if (b.servers.size() > 1000)
            fail(servers, "backend '" + name + "': at most 1000 servers");
        return b;
    }

    ServiceConfig service(const YAML::Node& n, const Limits& dl, const Timeouts& dt,
                          const Health& dh) const
    {
        require_map(n, "service");
        check_keys(n,
                   {"name", "listen", "protocol", "tls", "backend", "policy", "new_session_policy",
                    "cookie", "session_id", "url_hash", "limits", "timeouts", "health",
                    "trust_forwarded"},
                   "service");
        ServiceConfig s;
        s.line = line_of(n);
        s.limits = dl;
        s.timeouts = dt;
        s.health = dh;
        if (!n["name"])
            fail(n, "service: 'name' is required");
        s.name = token(n["name"], "name");
        if (!n["listen"])
            fail(n, "service '" + s.name + "': 'listen' is required (ADDRESS:PORT)");
        s.listen = address(n["listen"], "listen");
        if (n["protocol"]) {
            auto p = str(n["protocol"], "protocol");
            if (p == "http")
                s.protocol = ListenProtocol::Http;
            else if (p == "https")
                s.protocol = ListenProtocol::Https;
            else
                fail(n["protocol"], "protocol: '" + p + "' (http or https)");
        }
        if (n["tls"]) {
            if (s.protocol != ListenProtocol::Https)
                fail(n["tls"], "service '" + s.name + "': 'tls' needs protocol: https");
            s.tls = tls(n["tls"]);
        } else if (s.protocol == ListenProtocol::Https) {
            fail(n, "service '" + s.name + "': protocol https needs a 'tls' section");
        }
        if (!n["backend"])
            fail(n, "service '" + s.name + "': 'backend' is required");
        s.backend = str(n["backend"], "backend");
        if (n["policy"])
            s.policy = policy(n["policy"], "policy");
        if (n["new_session_policy"]) {
            s.new_session_policy = policy(n["new_session_policy"], "new_session_policy");
            if (s.new_session_policy != Policy::LeastConn &&
                s.new_session_policy != Policy::LeastResponseTime)
                fail(n["new_session_policy"],
                     "new_session_policy: leastconn or least-response-time");
        }
        if (n["cookie"]) {
            const auto& c = n["cookie"];
            require_map(c, "cookie");
            check_keys(c, {"session", "name", "nocache", "strip", "max_age", "path", "domain"},
                       "cookie");
            if (c["session"])
                s.cookie.session = token(c["session"], "cookie.session");
            if (c["name"])
                s.cookie.name = token(c["name"], "cookie.name");
            if (c["nocache"])
                s.cookie.nocache = boolean(c["nocache"], "cookie.nocache");
            if (c["strip"])
                s.cookie.strip = boolean(c["strip"], "cookie.strip");
            if (c["max_age"])
                // Whole seconds from 1s (a shorter one would truncate to 0 = no limit) to 10 years.
                s.cookie.max_age = std::chrono::duration_cast<std::chrono::seconds>(
                    duration(c["max_age"], "cookie.max_age", Millis(1000),
                             Millis(std::uint64_t(87600) * 3600000)));
            if (c["path"])
                s.cookie.path = str(c["path"], "cookie.path");
            if (c["domain"])
                s.cookie.domain = str(c["domain"], "cookie.domain");
            try {
                (void)CookieInjector(CookieInjectionConfig{"S", "P", true},
                                     CookieScope{s.cookie.path, s.cookie.domain});
            } catch (const std::invalid_argument& e) {
                fail(c["domain"] && std::string(e.what()).find("domain") != std::string::npos
                         ? c["domain"]
                     : c["path"] ? c["path"]
                                 : c,
                     std::string("cookie: ") + e.what());
            }
            if (s.cookie.name == s.cookie.session)
                fail(c, "cookie: name and session must differ");
        }
        if (s.policy == Policy::Cookie && s.cookie.session.empty())
            fail(n["cookie"] ? n["cookie"] : n,
                 "service '" + s.name +
                     "': policy cookie needs cookie.session (the back-end's session cookie name)");
        if (n["session_id"]) {
            const auto& c = n["session_id"];
            if (!c.IsSequence() || c.size() == 0)
                fail(c, "session_id must be a non-empty list of rules like \"path:jsessionid\", "
                        "\"query:sid\", \"header:X-Session-Id\", \"cookie:sid\"");
            for (const auto& r : c) {
                auto spec = str(r, "session_id rule");
                try {
                    (void)SessionIdExtractor::parse_rule(spec);
                } catch (const std::invalid_argument& e) {
                    fail(r, "session_id rule '" + spec + "': " + e.what());
                }
                s.session_id.rules.push_back(spec);
            }
        }
        if (s.policy == Policy::SessionId && s.session_id.rules.empty())
            fail(n, "service '" + s.name + "': policy session-id needs a session_id list of rules");
        if (n["url_hash"]) {
            const auto& c = n["url_hash"];
            require_map(c, "url_hash");
            check_keys(c, {"load_factor", "query", "max_urls"}, "url_hash");
            if (c["load_factor"])
                s.url_hash.load_factor =
                    number(c["load_factor"], "url_hash.load_factor", 1.01, 10.0);
            if (c["max_urls"])
                s.url_hash.max_urls =
                    unsigned_int(c["max_urls"], "url_hash.max_urls", 16, 1u << 24);
            if (c["query"])
                s.url_hash.query = boolean(c["query"], "url_hash.query");
        }
        if (n["limits"])
            limits(n["limits"], s.limits);
        if (n["timeouts"])
            timeouts(n["timeouts"], s.timeouts);
        if (n["health"])
            health(n["health"], s.health);
        if (n["trust_forwarded"])
            s.trust_forwarded = boolean(n["trust_forwarded"], "trust_forwarded");
        return s;
    }

    Config config(const YAML::Node& root) const
    {
        Config c;
        c.path = file_;
        if (!root || root.IsNull())
            fail_at(1, "empty configuration");
        require_map(root, "the configuration");
        check_keys(root,
                   {"workers", "cpu_affinity", "max_connections", "drain_timeout",
                    "persistence_key_file", "persistence_keys", "ticket_key_file",
                    "ticket_key_rotation", "ticket_lifetime", "hash_key_file", "monitor",
                    "defaults", "backends", "services"},
                   "the configuration");
        if (root["workers"])
            c.workers = static_cast<unsigned>(unsigned_int(root["workers"], "workers", 0, 1024));
        if (root["cpu_affinity"]) {
            const auto v = str(root["cpu_affinity"], "cpu_affinity");
            if (v == "auto")
                c.cpu_affinity = CpuAffinity::Auto;
            else if (v == "none")
                c.cpu_affinity = CpuAffinity::None;
            else
                fail(root["cpu_affinity"],
                     "cpu_affinity must be 'auto' or 'none', not '" + v + "'");
        }
        if (root["max_connections"])
            c.max_connections =
                unsigned_int(root["max_connections"], "max_connections", 1, 10000000);
        if (root["drain_timeout"])
            c.drain_timeout = duration(root["drain_timeout"], "drain_timeout");
        if (root["persistence_key_file"] && root["persistence_keys"])
            fail(root["persistence_keys"],
                 "give either persistence_key_file or persistence_keys, not both");
        if (root["persistence_key_file"]) {
            PersistenceKey k;
            k.secret = read_key_file(root["persistence_key_file"], "persistence_key_file");
            if (k.secret.size() < 32)
                fail(root["persistence_key_file"],
                     "persistence_key_file: the key must be at least 32 bytes "
                     "(64 hex digits)");
            c.persistence_keys.push_back(std::move(k));
        }
        if (root["persistence_keys"]) {
            const auto& list = root["persistence_keys"];
            if (!list.IsSequence() || list.size() == 0)
                fail(list, "persistence_keys must be a non-empty list of {id, file}");
            for (const auto& e : list) {
                require_map(e, "persistence key");
                check_keys(e, {"id", "file"}, "persistence key");
                if (!e["id"] || !e["file"])
                    fail(e, "persistence key needs 'id' (0-255) and 'file'");
                PersistenceKey k;
                k.id = static_cast<unsigned>(unsigned_int(e["id"], "id", 0, 255));
                for (const auto& other : c.persistence_keys)
                    if (other.id == k.id)
                        fail(e["id"], "persistence key id " + std::to_string(k.id) + " used twice");
                k.secret = read_key_file(e["file"], "file");
                if (k.secret.size() < 32)
                    fail(e["file"],
                         "persistence key: the key must be at least 32 bytes (64 hex digits)");
                c.persistence_keys.push_back(std::move(k));
            }
        }
        if (root["ticket_key_file"]) {
            const auto& node = root["ticket_key_file"];
            const auto path = str(node, "ticket_key_file");
            std::ifstream in(path, std::ios::binary);
            if (!in)
                fail(node, "ticket_key_file: cannot read '" + path + "'");
            std::stringstream ss;
            ss << in.rdbuf();
            try {
                c.ticket_keys = TicketKeys::parse_file(ss.str());
            } catch (const std::invalid_argument& e) {
                fail(node, "ticket_key_file '" + path + "': " + e.what());
            }
        }
        // A ticket must resume on TLS 1.3 clients, which keep it at most 7 days (RFC 8446 4.6.1).
        if (root["ticket_lifetime"])
            c.ticket_lifetime = duration(root["ticket_lifetime"], "ticket_lifetime", Millis(1000),
                                         Millis(7 * 24 * 3600000));
        if (root["ticket_key_rotation"]) {
            c.ticket_key_rotation = duration(root["ticket_key_rotation"], "ticket_key_rotation",
                                             Millis(1000), kMaxDuration);
            if (root["ticket_key_file"])
                fail(root["ticket_key_rotation"],
                     "ticket_key_rotation applies to generated keys only: rotate a "
                     "ticket_key_file by editing it and sending SIGHUP");
        }
        // Generated keys kept = one per rotation within a lifetime, plus the current one.
        if (c.ticket_lifetime.count() / c.ticket_key_rotation.count() >=
            static_cast<long long>(TicketKeys::kMaxKeys))
            fail(root["ticket_key_rotation"] ? root["ticket_key_rotation"]
                                             : root["ticket_lifetime"],
                 "ticket_lifetime / ticket_key_rotation must be below " +
                     std::to_string(TicketKeys::kMaxKeys) + " (the keys kept for decryption)");
        if (root["hash_key_file"]) {
            c.hash_key = read_key_file(root["hash_key_file"], "hash_key_file");
            if (c.hash_key.size() != 16)
                fail(root["hash_key_file"],
                     "hash_key_file: the key must be exactly 16 bytes (32 hex digits), not " +
                         std::to_string(c.hash_key.size()));
        }
        if (root["monitor"]) {
            const auto& m = root["monitor"];
            require_map(m, "monitor");
            check_keys(m, {"unix", "tcp", "metrics"}, "monitor");
            if (m["unix"])
                c.monitor.unix_socket = str(m["unix"], "monitor.unix");
            if (c.monitor.unix_socket.size() >= 108)
                fail(m["unix"], "monitor.unix: path too long for a unix socket");
            if (m["tcp"])
                c.monitor.tcp = address(m["tcp"], "monitor.tcp");
            if (m["metrics"])
                c.monitor.metrics = address(m["metrics"], "monitor.metrics");
        }
        Limits dl;
        Timeouts dt;
        Health dh;
        if (root["defaults"]) {
            const auto& d = root["defaults"];
            require_map(d, "defaults");
            check_keys(d, {"limits", "timeouts", "health"}, "defaults");
            if (d["limits"])
                limits(d["limits"], dl);
            if (d["timeouts"])
                timeouts(d["timeouts"], dt);
            if (d["health"])
                health(d["health"], dh);
        }
        const auto& backends = root["backends"];
        if (!backends)
            fail(root, "'backends' is required");
        require_map(backends, "backends");
        for (const auto& kv : backends) {
            auto name = str(kv.first, "backend name");
            c.backends.push_back(backend(name, kv.second));
        }
        const auto& services = root["services"];
        if (!services)
            fail(root, "'services' is required");
        if (!services.IsSequence() || services.size() == 0)
            fail(services, "services must be a non-empty list");
        for (const auto& sn : services) {
            auto s = service(sn, dl, dt, dh);
            bool found = std::any_of(c.backends.begin(), c.backends.end(),
                                     [&](const BackendConfig& b) { return b.name == s.backend; });
            if (!found)
                fail(sn["backend"],
                     "service '" + s.name + "': no backend named '" + s.backend + "'");
            for (const auto& other : c.services) {
                if (other.name == s.name)
                    fail(sn["name"], "service name '" + s.name + "' used twice (first at line " +
                                         std::to_string(other.line) + ")");
                if (other.listen == s.listen)
                    fail(sn["listen"], "listen address " + s.listen.to_string() +
                                           " used twice (first at line " +
                                           std::to_string(other.line) + ")");
            }
            c.services.push_back(std::move(s));
        }
        return c;
    }

private:
    std::string file_;
};

Config parse(const std::string& text, const std::string& name)
{
    Parser parser(name);
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw config::ConfigError(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg);
    }
    try {
        return parser.config(root);
    } catch (const YAML::Exception& e) {
        // e.g. a bad conversion somewhere unexpected; keep the file:line contract.
        throw config::ConfigError(name, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg);
    }
}

} // namespace

Config ConfigLoader::load_file(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw config::ConfigError(path, 0, "cannot open the configuration file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
}

Config ConfigLoader::load_string(const std::string& text, const std::string& name)
{
    return parse(text, name);
}

const char* policy_name(Policy p) noexcept
{
    switch (p) {
    case Policy::Cookie:
        return "cookie";
    case Policy::SessionId:
        return "session-id";
    case Policy::UrlHash:
        return "url-hash";
    case Policy::LeastConn:
        return "leastconn";
    case Policy::LeastResponseTime:
        return "least-response-time";
    }
    return "?";
}

} // namespace dlba::dlbad
