#include "config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <dlba/config/error.h>
#include <dlba/config/file.h>
#include <dlba/config/suggest.h>
#include <dlba/config/value.h>
#include <dlba/config/yaml_reader.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <set>
#include <span>
#include <sstream>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "accesslog/access_log_config.h"
#include "admin/admin_config.h"
#include "transport/tls_context.h"
#include "transport/tls_ticket_keys.h"

#include <dlbad/cookie_injector.h>
#include <dlbad/hash_ring.h>
#include <dlbad/session_id_extractor.h>

namespace dlba::dlbad {

namespace {

using config::Abandon;

// dlbad.conf's own readers on the YAML reader every DLBA configuration file shares.
class Parser : public config::YamlReader {
public:
    using YamlReader::YamlReader;

    SocketAddress address(const YAML::Node& node, const std::string& what) const
    {
        return SocketAddress::from_endpoint(endpoint(node, what));
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

    // The file's content; "WHAT: PATH: No such file or directory" if it cannot be read.
    std::string file_content(const YAML::Node& node, const std::string& what) const
    {
        auto path = str(node, what);
        try {
            return config::read_file(path);
        } catch (const config::FileError& e) {
            fail(node, what + ": " + e.what());
        }
    }

    std::string read_key_file(const YAML::Node& node, const std::string& what) const
    {
        auto data = file_content(node, what);
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
        auto sized = [&](const char* key, std::size_t& out, std::size_t min, std::size_t max) {
            if_given(n, key, [&](const YAML::Node& v) { out = size(v, key, min, max); });
        };
        sized("max_header_bytes", l.max_header_bytes, 1024, 1 << 20);
        if_given(n, "max_headers", [&](const YAML::Node& v) {
            l.max_headers = unsigned_int(v, "max_headers", 1, 10000);
        });
        sized("max_body_bytes", l.max_body_bytes, 0, std::size_t(1) << 32);
        sized("max_response_header_bytes", l.max_response_header_bytes, 1024, 1 << 20);
        sized("buffer_bytes", l.buffer_bytes, 4096, 16 << 20);
        sized("max_pipelined_bytes", l.max_pipelined_bytes, 1024, 16 << 20);
        sized("request_buffer_bytes", l.request_buffer_bytes, 4096, 16 << 20);
    }

    void timeouts(const YAML::Node& n, Timeouts& t) const
    {
        require_map(n, "timeouts");
        check_keys(n,
                   {"client_request", "client_body_idle", "client_keepalive", "client_send",
                    "tls_handshake", "backend_connect", "backend_response"},
                   "timeouts");
        auto timed = [&](const char* key, Millis& out) {
            if_given(n, key, [&](const YAML::Node& v) { out = duration(v, key); });
        };
        timed("client_request", t.client_request);
        timed("client_body_idle", t.client_body_idle);
        timed("client_keepalive", t.client_keepalive);
        timed("client_send", t.client_send);
        timed("tls_handshake", t.tls_handshake);
        timed("backend_connect", t.backend_connect);
        timed("backend_response", t.backend_response);
    }

    void health(const YAML::Node& n, Health& h) const
    {
        require_map(n, "health");
        check_keys(n, {"max_failures", "retry_interval", "max_attempts"}, "health");
        if_given(n, "max_failures", [&](const YAML::Node& v) {
            h.max_failures = static_cast<unsigned>(unsigned_int(v, "max_failures", 1, 1000));
        });
        if_given(n, "retry_interval",
                 [&](const YAML::Node& v) { h.retry_interval = duration(v, "retry_interval"); });
        if_given(n, "max_attempts", [&](const YAML::Node& v) {
            h.max_attempts = static_cast<unsigned>(unsigned_int(v, "max_attempts", 1, 100));
        });
    }

    TlsConfig tls(const YAML::Node& n) const
    {
        require_map(n, "tls");
        check_keys(n,
                   {"certificates", "min_version", "max_version", "session_tickets", "ciphers",
                    "ciphersuites"},
                   "tls");
        TlsConfig t;
        // Every entry whose paths could be read, for OpenSSL's checks (see config()).
        std::vector<CertificateConfig> named;
        const auto& certs = n["certificates"];
        if (!certs)
            report(n, "tls: 'certificates' is required (a list of {cert, key})");
        else if (!certs.IsSequence() || certs.size() == 0)
            report(certs, "tls.certificates must be a non-empty list");
        else
            for (const auto& c : certs)
                attempt([&] { t.certificates.push_back(certificate(c, named)); });
        auto version = [&](const YAML::Node& v, const std::string& what) {
            auto s = str(v, what);
            if (s != "TLSv1.2" && s != "TLSv1.3")
                fail(v, what + ": '" + s + "' not supported (TLSv1.2 or TLSv1.3)");
            return s;
        };
        bool versions_ok = true;
        if_given(n, "min_version", [&](const YAML::Node& v) {
            versions_ok = false;
            t.min_version = version(v, "min_version");
            versions_ok = true;
        });
        bool max_ok = true;
        if_given(n, "max_version", [&](const YAML::Node& v) {
            max_ok = false;
            t.max_version = version(v, "max_version");
            max_ok = true;
        });
        if (versions_ok && max_ok && t.min_version > t.max_version)
            report(n, "tls: min_version is above max_version");
        if_given(n, "session_tickets",
                 [&](const YAML::Node& v) { t.session_tickets = boolean(v, "session_tickets"); });
        if_given(n, "ciphers", [&](const YAML::Node& v) { t.ciphers = str(v, "ciphers"); });
        if_given(n, "ciphersuites",
                 [&](const YAML::Node& v) { t.ciphersuites = str(v, "ciphersuites"); });
        TlsConfig checked = t;
        checked.certificates = std::move(named);
        tls_sections_.emplace_back(std::move(checked), line_of(n));
        return t;
    }

    // One {cert, key} entry; both files must be readable (OpenSSL reads them when the service is
    // built, and would say less clearly why it cannot).
    CertificateConfig certificate(const YAML::Node& c, std::vector<CertificateConfig>& named) const
    {
        require_map(c, "certificate");
        check_keys(c, {"cert", "key"}, "certificate");
        if (!c["cert"] || !c["key"])
            fail(c, "certificate needs both 'cert' and 'key'");
        CertificateConfig cc;
        cc.line = line_of(c);
        cc.column = column_of(c);
        auto readable = [&](const YAML::Node& v, const char* what, std::string& path, int& line,
                            int& column) {
            attempt([&] {
                path = str(v, what);
                line = line_of(v);
                column = column_of(v);
                try {
                    config::check_readable(path);
                } catch (const config::FileError& e) {
                    fail(v, std::string(what) + ": " + e.what());
                }
            });
        };
        auto before = problems();
        readable(c["cert"], "tls.certificates.cert", cc.cert, cc.cert_line, cc.cert_column);
        readable(c["key"], "tls.certificates.key", cc.key, cc.key_line, cc.key_column);
        if (!cc.cert.empty() && !cc.key.empty())
            named.push_back(cc);
        if (problems() != before)
            throw Abandon{};
        return cc;
    }

    BackendConfig backend(const std::string& name, const YAML::Node& n) const
    {
        require_map(n, "backend '" + name + "'");
        check_keys(n, {"servers", "keepalive", "keepalive_idle_max", "keepalive_idle_timeout"},
                   "backend");
        BackendConfig b;
        b.name = name;
        b.line = line_of(n);
        if_given(n, "keepalive",
                 [&](const YAML::Node& v) { b.keepalive = boolean(v, "keepalive"); });
        if_given(n, "keepalive_idle_max", [&](const YAML::Node& v) {
            b.keepalive_idle_max = unsigned_int(v, "keepalive_idle_max", 1, 100000);
        });
        if_given(n, "keepalive_idle_timeout", [&](const YAML::Node& v) {
            b.keepalive_idle_timeout = duration(v, "keepalive_idle_timeout");
        });
        const auto& servers = n["servers"];
        if (!servers)
            fail(n, "backend '" + name + "': 'servers' is required");
        if (!servers.IsSequence() || servers.size() == 0)
            fail(servers, "backend '" + name + "': servers must be a non-empty list");
        std::set<std::uint32_t> keys;
        std::vector<SocketAddress> addrs;
        for (const auto& s : servers) {
            attempt([&] {
                require_map(s, "server");
                check_keys(s, {"id", "key", "addr", "weight", "state", "enabled"}, "server");
                auto before = problems();
                // "id" as in dlba.conf(5) and the status document; "key" (WO 01/69890's word)
                // is its alias.
                const char* id_key = s["id"] ? "id" : "key";
                if (s["id"] && s["key"])
                    report(s["key"], "server: 'id' and 'key' are the same, give one");
                else if (!s[id_key])
                    report(s, "server: 'id' is required (a unique integer naming it in "
                              "persistence cookies; 'key' is the same)");
                if (!s["addr"])
                    report(s, "server: 'addr' is required (ADDRESS:PORT)");
                ServerConfig sc;
                sc.line = line_of(s);
                if_given(s, id_key, [&](const YAML::Node& v) {
                    sc.key = static_cast<std::uint32_t>(unsigned_int(v, id_key, 0, 0xffffffffu));
                    if (!keys.insert(sc.key).second)
                        fail(v, "server " + std::string(id_key) + " " + std::to_string(sc.key) +
                                    " used twice in backend '" + name + "'");
                });
                if_given(s, "addr", [&](const YAML::Node& v) {
                    sc.addr = address(v, "addr");
                    if (std::find(addrs.begin(), addrs.end(), sc.addr) != addrs.end())
                        fail(v, "server " + sc.addr.to_string() + " listed twice in backend '" +
                                    name + "'");
                    addrs.push_back(sc.addr);
                });
                if_given(s, "weight", [&](const YAML::Node& v) {
                    sc.weight = static_cast<std::uint32_t>(
                        unsigned_int(v, "weight", 0, HashRing::kMaxWeight));
                });
                // "state" is the admin socket's word; "enabled: false" is the older spelling
                // of "state: drain" and kept as its alias.
                if (s["state"] && s["enabled"])
                    report(s["enabled"], "server: 'enabled' and 'state' exclude each other "
                                         "(enabled: false is state: drain)");
                if_given(s, "state", [&](const YAML::Node& v) {
                    auto word = str(v, "state");
                    if (word == "ready" || word == "drain" || word == "maint") {
                        sc.enabled = word == "ready";
                        sc.maintenance = word == "maint";
                    } else {
                        std::vector<std::string_view> known{"ready", "drain", "maint"};
                        fail(v, "state: '" + word + "' is not ready, drain or maint" +
                                    config::did_you_mean(word, known));
                    }
                });
                if_given(s, "enabled",
                         [&](const YAML::Node& v) { sc.enabled = boolean(v, "enabled"); });
                if (problems() == before)
                    b.servers.push_back(std::move(sc));
            });
        }
        if (servers.size() > 1000)
            report(servers, "backend '" + name + "': at most 1000 servers");
        return b;
    }

    // A service, as far as it could be read: `listen_ok` says whether its listen address was.
    ServiceConfig service(const YAML::Node& n, const Limits& dl, const Timeouts& dt,
                          const Health& dh, bool& listen_ok) const
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
        listen_ok = false;
        if (!n["name"])
            report(n, "service: 'name' is required");
        if_given(n, "name", [&](const YAML::Node& v) { s.name = token(v, "name"); });
        if (!n["listen"])
            report(n, "service '" + s.name + "': 'listen' is required (ADDRESS:PORT)");
        if_given(n, "listen", [&](const YAML::Node& v) {
            s.listen = address(v, "listen");
            listen_ok = true;
        });
        bool protocol_ok = true;
        if_given(n, "protocol", [&](const YAML::Node& v) {
            protocol_ok = false;
            auto p = str(v, "protocol");
            if (p == "http")
                s.protocol = ListenProtocol::Http;
            else if (p == "https")
                s.protocol = ListenProtocol::Https;
            else
                fail(v, "protocol: '" + p + "' (http or https)");
            protocol_ok = true;
        });
        if (n["tls"]) {
            if (protocol_ok && s.protocol != ListenProtocol::Https)
                report(n["tls"], "service '" + s.name + "': 'tls' needs protocol: https");
            attempt([&] { s.tls = tls(n["tls"]); });
        } else if (s.protocol == ListenProtocol::Https) {
            report(n, "service '" + s.name + "': protocol https needs a 'tls' section");
        }
        if (!n["backend"])
            report(n, "service '" + s.name + "': 'backend' is required");
        if_given(n, "backend", [&](const YAML::Node& v) { s.backend = str(v, "backend"); });
        bool policy_ok = true;
        if_given(n, "policy", [&](const YAML::Node& v) {
            policy_ok = false;
            s.policy = policy(v, "policy");
            policy_ok = true;
        });
        if_given(n, "new_session_policy", [&](const YAML::Node& v) {
            s.new_session_policy = policy(v, "new_session_policy");
            if (s.new_session_policy != Policy::LeastConn &&
                s.new_session_policy != Policy::LeastResponseTime)
                fail(v, "new_session_policy: leastconn or least-response-time");
        });
        if (n["cookie"])
            attempt([&] { cookie(n["cookie"], s.cookie); });
        // (a cookie that is not a mapping is reported as such)
        const auto& ck = n["cookie"];
        if (policy_ok && s.policy == Policy::Cookie && (!ck || (ck.IsMap() && !ck["session"])))
            report(n["cookie"] ? n["cookie"] : n,
                   "service '" + s.name +
                       "': policy cookie needs cookie.session (the back-end's session cookie "
                       "name)");
        if (n["session_id"]) {
            const auto& c = n["session_id"];
            if (!c.IsSequence() || c.size() == 0)
                report(c, "session_id must be a non-empty list of rules like \"path:jsessionid\", "
                          "\"query:sid\", \"header:X-Session-Id\", \"cookie:sid\"");
            else
                for (const auto& r : c)
                    attempt([&] {
                        auto spec = str(r, "session_id rule");
                        try {
                            (void)SessionIdExtractor::parse_rule(spec);
                        } catch (const std::invalid_argument& e) {
                            fail(r, "session_id rule '" + spec + "': " + e.what());
                        }
                        s.session_id.rules.push_back(spec);
                    });
        } else if (policy_ok && s.policy == Policy::SessionId) {
            report(n,
                   "service '" + s.name + "': policy session-id needs a session_id list of rules");
        }
        if_given(n, "url_hash", [&](const YAML::Node& c) {
            require_map(c, "url_hash");
            check_keys(c, {"load_factor", "query", "max_urls"}, "url_hash");
            if_given(c, "load_factor", [&](const YAML::Node& v) {
                s.url_hash.load_factor = number(v, "url_hash.load_factor", 1.01, 10.0);
            });
            if_given(c, "max_urls", [&](const YAML::Node& v) {
                s.url_hash.max_urls = unsigned_int(v, "url_hash.max_urls", 16, 1u << 24);
            });
            if_given(c, "query",
                     [&](const YAML::Node& v) { s.url_hash.query = boolean(v, "url_hash.query"); });
        });
        if_given(n, "limits", [&](const YAML::Node& v) { limits(v, s.limits); });
        if_given(n, "timeouts", [&](const YAML::Node& v) { timeouts(v, s.timeouts); });
        if_given(n, "health", [&](const YAML::Node& v) { health(v, s.health); });
        if_given(n, "trust_forwarded",
                 [&](const YAML::Node& v) { s.trust_forwarded = boolean(v, "trust_forwarded"); });
        return s;
    }

    void cookie(const YAML::Node& c, CookieConfig& out) const
    {
        require_map(c, "cookie");
        check_keys(c, {"session", "name", "nocache", "strip", "max_age", "path", "domain"},
                   "cookie");
        auto before = problems();
        if_given(c, "session",
                 [&](const YAML::Node& v) { out.session = token(v, "cookie.session"); });
        if_given(c, "name", [&](const YAML::Node& v) { out.name = token(v, "cookie.name"); });
        if_given(c, "nocache",
                 [&](const YAML::Node& v) { out.nocache = boolean(v, "cookie.nocache"); });
        if_given(c, "strip", [&](const YAML::Node& v) { out.strip = boolean(v, "cookie.strip"); });
        // Whole seconds from 1s (a shorter one would truncate to 0 = no limit) to 10 years.
        if_given(c, "max_age", [&](const YAML::Node& v) {
            out.max_age = std::chrono::duration_cast<std::chrono::seconds>(duration(
                v, "cookie.max_age", Millis(1000), Millis(std::uint64_t(87600) * 3600000)));
        });
        if_given(c, "path", [&](const YAML::Node& v) { out.path = str(v, "cookie.path"); });
        if_given(c, "domain", [&](const YAML::Node& v) { out.domain = str(v, "cookie.domain"); });
        if (problems() != before)
            return;
        try {
            (void)CookieInjector(CookieInjectionConfig{"S", "P", true},
                                 CookieScope{out.path, out.domain});
        } catch (const std::invalid_argument& e) {
            report(c["domain"] && std::string(e.what()).find("domain") != std::string::npos
                       ? c["domain"]
                   : c["path"] ? c["path"]
                               : c,
                   std::string("cookie: ") + e.what());
        }
        if (out.name == out.session)
            report(c, "cookie: name and session must differ");
    }

    Config config(const YAML::Node& root) const
    {
        Config c;
        c.path = file();
        if (!root || root.IsNull())
            fail_at(1, "empty configuration");
        require_map(root, "the configuration");
        check_keys(root,
                   {"workers", "cpu_affinity", "max_connections", "drain_timeout",
                    "persistence_key_file", "persistence_keys", "ticket_key_file",
                    "ticket_key_rotation", "ticket_lifetime", "hash_key_file", "monitor", "admin",
                    "access_log", "defaults", "backends", "services"},
                   "the configuration");
        if_given(root, "workers", [&](const YAML::Node& v) {
            c.workers = static_cast<unsigned>(unsigned_int(v, "workers", 0, 1024));
        });
        if_given(root, "cpu_affinity", [&](const YAML::Node& node) {
            const auto v = str(node, "cpu_affinity");
            if (v == "auto")
                c.cpu_affinity = CpuAffinity::Auto;
            else if (v == "none")
                c.cpu_affinity = CpuAffinity::None;
            else
                fail(node, "cpu_affinity must be 'auto' or 'none', not '" + v + "'");
        });
        if_given(root, "max_connections", [&](const YAML::Node& v) {
            c.max_connections = unsigned_int(v, "max_connections", 1, 10000000);
        });
        if_given(root, "drain_timeout",
                 [&](const YAML::Node& v) { c.drain_timeout = duration(v, "drain_timeout"); });
        if (root["persistence_key_file"] && root["persistence_keys"])
            report(root["persistence_keys"],
                   "give either persistence_key_file or persistence_keys, not both");
        if_given(root, "persistence_key_file", [&](const YAML::Node& v) {
            PersistenceKey k;
            k.secret = read_key_file(v, "persistence_key_file");
            if (k.secret.size() < 32)
                fail(v, "persistence_key_file: the key must be at least 32 bytes "
                        "(64 hex digits)");
            c.persistence_keys.push_back(std::move(k));
        });
        if_given(root, "persistence_keys", [&](const YAML::Node& list) {
            if (!list.IsSequence() || list.size() == 0)
                fail(list, "persistence_keys must be a non-empty list of {id, file}");
            std::set<unsigned> ids;
            for (const auto& e : list) {
                attempt([&] {
                    require_map(e, "persistence key");
                    check_keys(e, {"id", "file"}, "persistence key");
                    if (!e["id"] || !e["file"])
                        fail(e, "persistence key needs 'id' (0-255) and 'file'");
                    PersistenceKey k;
                    bool ok = attempt([&] {
                        k.id = static_cast<unsigned>(unsigned_int(e["id"], "id", 0, 255));
                        if (!ids.insert(k.id).second)
                            fail(e["id"],
                                 "persistence key id " + std::to_string(k.id) + " used twice");
                    });
                    k.secret = read_key_file(e["file"], "file");
                    if (k.secret.size() < 32)
                        fail(e["file"],
                             "persistence key: the key must be at least 32 bytes (64 hex digits)");
                    if (ok)
                        c.persistence_keys.push_back(std::move(k));
                });
            }
        });
        if_given(root, "ticket_key_file", [&](const YAML::Node& node) {
            auto data = file_content(node, "ticket_key_file");
            try {
                c.ticket_keys = TicketKeys::parse_file(data);
            } catch (const std::invalid_argument& e) {
                fail(node, "ticket_key_file '" + node.Scalar() + "': " + e.what());
            }
        });
        // A ticket must resume on TLS 1.3 clients, which keep it at most 7 days (RFC 8446 4.6.1).
        bool lifetime_ok = true;
        if_given(root, "ticket_lifetime", [&](const YAML::Node& v) {
            lifetime_ok = false;
            c.ticket_lifetime =
                duration(v, "ticket_lifetime", Millis(1000), Millis(7 * 24 * 3600000));
            lifetime_ok = true;
        });
        bool rotation_ok = true;
        if_given(root, "ticket_key_rotation", [&](const YAML::Node& v) {
            rotation_ok = false;
            c.ticket_key_rotation = duration(v, "ticket_key_rotation", Millis(1000), kMaxDuration);
            rotation_ok = true;
            if (root["ticket_key_file"])
                fail(v, "ticket_key_rotation applies to generated keys only: rotate a "
                        "ticket_key_file by editing it and sending SIGHUP");
        });
        // Generated keys kept = one per rotation within a lifetime, plus the current one.
        if (lifetime_ok && rotation_ok &&
            c.ticket_lifetime.count() / c.ticket_key_rotation.count() >=
                static_cast<long long>(TicketKeys::kMaxKeys))
            report(root["ticket_key_rotation"] ? root["ticket_key_rotation"]
                                               : root["ticket_lifetime"],
                   "ticket_lifetime / ticket_key_rotation must be below " +
                       std::to_string(TicketKeys::kMaxKeys) + " (the keys kept for decryption)");
        if_given(root, "hash_key_file", [&](const YAML::Node& v) {
            c.hash_key = read_key_file(v, "hash_key_file");
            if (c.hash_key.size() != 16)
                fail(v, "hash_key_file: the key must be exactly 16 bytes (32 hex digits), not " +
                            std::to_string(c.hash_key.size()));
        });
        if_given(root, "admin", [&](const YAML::Node& m) { read_admin_config(*this, m, c.admin); });
        if_given(root, "monitor", [&](const YAML::Node& m) {
            require_map(m, "monitor");
            check_keys(m, {"unix", "tcp", "metrics"}, "monitor");
            if_given(m, "unix", [&](const YAML::Node& v) {
                c.monitor.unix_socket = str(v, "monitor.unix");
                if (c.monitor.unix_socket.size() >= 108)
                    fail(v, "monitor.unix: path too long for a unix socket");
            });
            if_given(m, "tcp",
                     [&](const YAML::Node& v) { c.monitor.tcp = address(v, "monitor.tcp"); });
            if_given(m, "metrics", [&](const YAML::Node& v) {
                c.monitor.metrics = address(v, "monitor.metrics");
            });
        });
        if_given(root, "access_log",
                 [&](const YAML::Node& v) { c.access_log = read_access_log(*this, v); });
        Limits dl;
        Timeouts dt;
        Health dh;
        if_given(root, "defaults", [&](const YAML::Node& d) {
            require_map(d, "defaults");
            check_keys(d, {"limits", "timeouts", "health"}, "defaults");
            if_given(d, "limits", [&](const YAML::Node& v) { limits(v, dl); });
            if_given(d, "timeouts", [&](const YAML::Node& v) { timeouts(v, dt); });
            if_given(d, "health", [&](const YAML::Node& v) { health(v, dh); });
        });
        // The names of all backends, read or not: a service naming a backend with errors has
        // nothing more to report.
        std::set<std::string> backend_names;
        const auto& backends = root["backends"];
        if (!backends)
            report(root, "'backends' is required");
        else
            attempt([&] {
                require_map(backends, "backends");
                for (const auto& kv : backends) {
                    attempt([&] {
                        auto name = str(kv.first, "backend name");
                        backend_names.insert(name);
                        c.backends.push_back(backend(name, kv.second));
                    });
                }
            });
        const auto& services = root["services"];
        if (!services)
            fail(root, "'services' is required");
        if (!services.IsSequence() || services.size() == 0)
            fail(services, "services must be a non-empty list");
        for (const auto& sn : services) {
            attempt([&] {
                bool listen_ok = false;
                auto s = service(sn, dl, dt, dh, listen_ok);
                if (backends && backends.IsMap() && !s.backend.empty() &&
                    !backend_names.count(s.backend))
                    report(sn["backend"],
                           "service '" + s.name + "': no backend named '" + s.backend + "'");
                for (const auto& other : c.services) {
                    if (!s.name.empty() && other.name == s.name)
                        report(sn["name"], "service name '" + s.name +
                                               "' used twice (first at line " +
                                               std::to_string(other.line) + ")");
                    if (listen_ok && other.listen == s.listen)
                        report(sn["listen"], "listen address " + s.listen.to_string() +
                                                 " used twice (first at line " +
                                                 std::to_string(other.line) + ")");
                }
                // Kept only when its listen address was read: the next ones are compared with it.
                if (listen_ok)
                    c.services.push_back(std::move(s));
            });
        }
        // OpenSSL's own checks of certificates and keys (a file that is no PEM, a key that does
        // not match) are made when the services are built; when the file has other problems,
        // they are made here too, so that one run reports them all.
        if (problems() > 0)
            for (const auto& [t, line] : tls_sections_) {
                try {
                    TlsContext check(t, nullptr, c.ticket_lifetime, file(), line);
                } catch (const config::ConfigError& e) {
                    // A file that cannot be read was reported already, the same way.
                    for (const auto& d : e.diagnostics())
                        if (std::none_of(diagnostics().begin(), diagnostics().end(),
                                         [&](const auto& r) { return r.str() == d.str(); }))
                            add(d);
                }
            }
        return c;
    }

private:
    // Each tls section read, with its line, for the checks at the end of config().
    mutable std::vector<std::pair<TlsConfig, int>> tls_sections_;
};

Config parse(const std::string& text, const std::string& name)
{
    Config c;
    Parser parser(name);
    config::read_yaml(text, parser, [&](const YAML::Node& root) { c = parser.config(root); });
    return c;
}

} // namespace

Config ConfigLoader::load_file(const std::string& path)
{
    return parse(config::read_config_file(path), path);
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
