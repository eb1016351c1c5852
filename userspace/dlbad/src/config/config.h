#pragma once

// Plain data describing one parsed dlbad configuration (dlbad.conf(5)).  ConfigLoader fills it and
// validates every field; Runtime turns it into live objects.  Durations are milliseconds.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <dlba/monitor/monitor_server.h>
#include <dlba/net/socket_address.h>

#include "accesslog/access_log.h"
#include "admin/admin_config.h"

namespace dlba::dlbad {

using Millis = std::chrono::milliseconds;

enum class Policy { Cookie, SessionId, UrlHash, LeastConn, LeastResponseTime };
enum class ListenProtocol { Http, Https };

struct Limits {
    std::size_t max_header_bytes = 16 * 1024; // request line + headers
    std::size_t max_headers = 100;
    std::size_t max_body_bytes = 8 * 1024 * 1024; // request body, after de-chunking
    std::size_t max_response_header_bytes = 64 * 1024;
    std::size_t buffer_bytes = 64 * 1024;         // back-end -> client buffering per connection
    std::size_t max_pipelined_bytes = 64 * 1024;  // read-ahead of pipelined requests
    std::size_t request_buffer_bytes = 64 * 1024; // client -> back-end request body buffering
};

struct Timeouts {
    Millis client_request{15000};   // from the first byte of a request to the end of its head
    Millis client_body_idle{15000}; // no request body byte for this long (while dlbad reads it)
    Millis client_keepalive{60000}; // idle client between requests
    Millis client_send{30000};      // client not reading its response
    Millis tls_handshake{10000};
    Millis backend_connect{3000};
    Millis backend_response{30000}; // back-end silent (first byte or between reads)
};

struct Health {
    unsigned max_failures = 3;    // consecutive failures before a server is marked failed
    Millis retry_interval{10000}; // a failed server is tried again after this
    unsigned max_attempts = 3;    // servers tried for one request before 502/503
};

struct ServerConfig {
    std::uint32_t key = 0; // WO 01/69890: "each server can have a unique integer key"
    SocketAddress addr;
    std::uint32_t weight = 1;
    bool enabled = true;
    bool maintenance = false; // state maint (file or admin socket): no requests at all
    int line = 0;
};

struct BackendConfig {
    std::string name;
    std::vector<ServerConfig> servers;
    bool keepalive = false; // reuse back-end connections (off: one connection per request)
    std::size_t keepalive_idle_max = 32; // idle connections kept per server and worker
    Millis keepalive_idle_timeout{15000};
    int line = 0;
};

struct CertificateConfig {
    std::string cert;
    std::string key;
    int line = 0; // of the {cert, key} entry
    int column = 0;
    int cert_line = 0; // of each path, for messages about that file
    int cert_column = 0;
    int key_line = 0;
    int key_column = 0;
};

struct TlsConfig {
    std::vector<CertificateConfig> certificates;
    std::string min_version = "TLSv1.2";
    std::string max_version = "TLSv1.3";
    bool session_tickets = true;
    std::string ciphers;      // TLS 1.2 cipher list (OpenSSL syntax); empty = ECDHE + AEAD only
    std::string ciphersuites; // TLS 1.3 suites; empty = OpenSSL default
};

struct CookieConfig {
    std::string session;             // the back-end's session cookie that starts a session
    std::string name = "SpServer";   // the injected persistence cookie
    bool nocache = true;             // responses carrying it get Cache-Control: private
    bool strip = true;               // remove it from requests sent to back-ends
    std::chrono::seconds max_age{0}; // persistence tokens older than this are stale (0 = no limit)
    std::string path = "/";          // Path of a re-issued persistence cookie (the session's)
    std::string domain;              // Domain of a re-issued one; empty = host-only
};

struct SessionIdConfig {
    // Rules in core syntax, tried in order: "path:jsessionid", "query:sid",
    // "header:X-Session-Id", "cookie:sid".
    std::vector<std::string> rules;
};

struct PersistenceKey {
    unsigned id = 0;    // carried in every token: which key signed it
    std::string secret; // raw bytes, at least 32
};

struct UrlHashConfig {
    double load_factor = 1.05;    // bounded load: no server above factor x mean
    bool query = true;            // include the query string in the hashed URL
    std::size_t max_urls = 65536; // URLs remembered per worker thread (LRU beyond)
};

struct ServiceConfig {
    std::string name;
    SocketAddress listen;
    ListenProtocol protocol = ListenProtocol::Http;
    std::optional<TlsConfig> tls;
    std::string backend;
    Policy policy = Policy::LeastConn;
    Policy new_session_policy =
        Policy::LeastConn; // for cookie/session-id requests without a mapping
    CookieConfig cookie;
    SessionIdConfig session_id;
    UrlHashConfig url_hash;
    Limits limits;
    Timeouts timeouts;
    Health health;
    bool trust_forwarded = false; // keep client-supplied X-Forwarded-*/Forwarded
    int line = 0;
};

// monitor: the endpoints of the status document and metrics (dlba::MonitorServer).
using MonitorConfig = dlba::MonitorConfig;

// cpu_affinity: None leaves the workers to the kernel's scheduler; Auto binds worker i to the
// i-th CPU of the process's affinity mask (HAProxy's cpu-map, nginx's worker_cpu_affinity auto).
enum class CpuAffinity { None, Auto };

struct Config {
    std::string path;
    unsigned workers = 0; // 0 = one per online CPU
    CpuAffinity cpu_affinity = CpuAffinity::None;
    std::size_t max_connections = 100000; // client connections, whole daemon
    Millis drain_timeout{10000};          // on SIGTERM: time given to open connections to finish
    // HMAC keys of persistence cookies shared by every DLBA server of the array; the first signs,
    // all verify (rotation).  Empty = a random key per process (cookies then only work with this
    // one daemon, until it restarts).
    std::vector<PersistenceKey> persistence_keys;
    // TLS session ticket keys (80 bytes each) from ticket_key_file, the first encrypts, all decrypt.
    // Empty = keys made in-process, a new one every ticket_key_rotation (kept across reloads).
    std::vector<std::string> ticket_keys;
    Millis ticket_key_rotation{3600000}; // generated keys only
    Millis ticket_lifetime{7200000};     // a session (ticket) resumes this long after it was made
    // SipHash-2-4 key (raw 16 bytes) of URL and session-id hashing: every DLBA server of an array
    // must share it to agree on placement.  Empty = random per process (kept across reloads).
    std::string hash_key;
    MonitorConfig monitor{"/run/dlbad/status.sock", {}, {}};
    AdminConfig admin;          // the runtime API's socket; off unless configured
    AccessLogConfig access_log; // off unless the file has an access_log block
    std::vector<BackendConfig> backends;
    std::vector<ServiceConfig> services;
};

[[nodiscard]] const char* policy_name(Policy p) noexcept;

} // namespace dlba::dlbad
