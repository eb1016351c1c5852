// dlbad.conf(5) parsing: defaults, inheritance, and errors that name FILE:LINE.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>

#include "config/config_loader.h"
#include "transport/tls_context.h"
#include <dlba/config/error.h>

namespace dlba::dlbad {
namespace {

constexpr const char* kMinimal = R"(backends:
  web:
    servers:
      - {key: 1, addr: 10.0.1.1:80}
services:
  - {name: web, listen: "10.0.0.10:80", backend: web}
)";

// Expects a ConfigError whose first problem is at `line` and contains `text`.
void expect_error(const std::string& yaml, int line, const std::string& text)
{
    try {
        ConfigLoader::load_string(yaml, "test.conf");
        ADD_FAILURE() << "accepted:\n" << yaml;
    } catch (const config::ConfigError& e) {
        ASSERT_FALSE(e.diagnostics().empty());
        auto first = e.diagnostics().front().str();
        EXPECT_EQ(e.line(), line) << first;
        EXPECT_NE(first.find(text), std::string::npos) << first;
        EXPECT_EQ(first.rfind("test.conf:" + std::to_string(line) + ":", 0), 0u) << first;
    }
}

// Every problem of the configuration, as printed.
std::vector<std::string> errors_of(const std::string& yaml)
{
    try {
        ConfigLoader::load_string(yaml, "test.conf");
    } catch (const config::ConfigError& e) {
        return e.errors();
    }
    return {};
}

// "backends: web:" with `servers` (lines of its list), then "services:" and `services` (lines).
std::string with_servers(const std::string& servers,
                         const std::string& services = "  - {name: web, listen: \"1.2.3.4:80\", "
                                                       "backend: web}\n")
{
    return "backends:\n  web:\n    servers:\n" + servers + "services:\n" + services;
}

// The service of kMinimal, for with_servers.
constexpr const char* kWeb = "  - {name: web, listen: \"10.0.0.10:80\", backend: web}\n";

// `head`, then service "web" over https on 10.0.0.10:443 with the `certificates` lines of its tls
// section (from line 11), its backend "web" of one server.
std::string https_web(const std::string& certificates, const std::string& head = "")
{
    return head + with_servers("      - {key: 1, addr: 10.0.1.1:80}\n",
                               "  - name: web\n    listen: 10.0.0.10:443\n    protocol: https\n"
                               "    tls:\n      certificates:\n" +
                                   certificates + "    backend: web\n");
}

TEST(ConfigLoader, MinimalConfigGetsDefaults)
{
    auto c = ConfigLoader::load_string(kMinimal, "test.conf");
    EXPECT_EQ(c.workers, 0u);
    EXPECT_EQ(c.cpu_affinity, CpuAffinity::None);
    ASSERT_EQ(c.backends.size(), 1u);
    ASSERT_EQ(c.backends[0].servers.size(), 1u);
    EXPECT_EQ(c.backends[0].servers[0].addr.to_string(), "10.0.1.1:80");
    EXPECT_EQ(c.backends[0].servers[0].weight, 1u);
    EXPECT_TRUE(c.backends[0].servers[0].enabled);
    EXPECT_FALSE(c.backends[0].keepalive);
    ASSERT_EQ(c.services.size(), 1u);
    const auto& s = c.services[0];
    EXPECT_EQ(s.listen.to_string(), "10.0.0.10:80");
    EXPECT_EQ(s.protocol, ListenProtocol::Http);
    EXPECT_EQ(s.policy, Policy::LeastConn);
    EXPECT_EQ(s.cookie.name, "SpServer");
    EXPECT_EQ(s.limits.max_header_bytes, 16384u);
    EXPECT_EQ(s.limits.request_buffer_bytes, 65536u);
    EXPECT_EQ(s.timeouts.backend_connect, Millis(3000));
    EXPECT_EQ(s.health.max_failures, 3u);
    EXPECT_EQ(s.line, 6);
    EXPECT_EQ(c.monitor.unix_socket, "/run/dlbad/status.sock");
}

// `yaml` with each "DIR/" replaced by a temporary directory holding empty files of these names:
// the loader checks that the certificates and keys named can be read (OpenSSL reads them later).
std::string with_files(std::string yaml, std::initializer_list<const char*> names)
{
    std::string dir = ::testing::TempDir() + "dlbad_config_files/";
    std::filesystem::create_directories(dir);
    for (const char* n : names)
        std::ofstream(dir + n) << "";
    for (auto at = yaml.find("DIR/"); at != std::string::npos; at = yaml.find("DIR/", at))
        yaml.replace(at, 4, dir);
    return yaml;
}

TEST(ConfigLoader, FullServiceAndDefaultsInheritance)
{
    auto c = ConfigLoader::load_string(with_files(R"(workers: 4
max_connections: 5000
drain_timeout: 3s
monitor:
  unix: /tmp/x.sock
  tcp: 127.0.0.1:9100
  metrics: "[::1]:9101"
defaults:
  limits: {max_header_bytes: 8k, max_body_bytes: 2m}
  timeouts: {backend_connect: 500ms, client_keepalive: 2m}
  health: {max_failures: 5, retry_interval: 30s}
backends:
  shop:
    keepalive: true
    servers:
      - {key: 10, addr: "10.0.1.1:8080", weight: 100}
      - {key: 11, addr: "[fd00::2]:8080", weight: 90, enabled: false}
services:
  - name: shop-https
    listen: 10.0.0.10:443
    protocol: https
    tls:
      certificates:
        - {cert: DIR/rsa.pem, key: DIR/rsa.key}
        - {cert: DIR/ec.pem, key: DIR/ec.key}
      session_tickets: false
      min_version: TLSv1.3
    backend: shop
    policy: cookie
    new_session_policy: least-response-time
    cookie: {session: JSESSIONID, name: SRV, max_age: 1h}
    limits: {max_headers: 20}
    timeouts: {backend_response: 5s}
  - name: cache
    listen: 10.0.0.10:8080
    backend: shop
    policy: url-hash
    url_hash: {load_factor: 1.25, query: false}
  - name: sess
    listen: 10.0.0.10:8081
    backend: shop
    policy: session-id
    session_id: ["path:jsessionid", "query:sid", "header:X-Session"]
)",
                                                  {"rsa.pem", "rsa.key", "ec.pem", "ec.key"}),
                                       "test.conf");
    EXPECT_EQ(c.workers, 4u);
    EXPECT_EQ(c.max_connections, 5000u);
    EXPECT_EQ(c.drain_timeout, Millis(3000));
    EXPECT_EQ(c.monitor.tcp->to_string(), "127.0.0.1:9100");
    EXPECT_EQ(c.monitor.metrics->to_string(), "[::1]:9101");
    EXPECT_TRUE(c.backends[0].keepalive);
    EXPECT_EQ(c.backends[0].servers[1].addr.to_string(), "[fd00::2]:8080");
    EXPECT_FALSE(c.backends[0].servers[1].enabled);
    const auto& s = c.services[0];
    EXPECT_EQ(s.protocol, ListenProtocol::Https);
    ASSERT_TRUE(s.tls);
    EXPECT_EQ(s.tls->certificates.size(), 2u);
    EXPECT_EQ(s.tls->certificates[1].line, 25);
    EXPECT_FALSE(s.tls->session_tickets);
    EXPECT_EQ(s.tls->min_version, "TLSv1.3");
    EXPECT_EQ(s.policy, Policy::Cookie);
    EXPECT_EQ(s.new_session_policy, Policy::LeastResponseTime);
    EXPECT_EQ(s.cookie.name, "SRV");
    EXPECT_EQ(s.cookie.max_age, std::chrono::seconds(3600));
    // Service values override defaults, the rest is inherited.
    EXPECT_EQ(s.limits.max_headers, 20u);
    EXPECT_EQ(s.limits.max_header_bytes, 8192u);
    EXPECT_EQ(s.limits.max_body_bytes, 2u << 20);
    EXPECT_EQ(s.timeouts.backend_response, Millis(5000));
    EXPECT_EQ(s.timeouts.backend_connect, Millis(500));
    EXPECT_EQ(s.timeouts.client_keepalive, Millis(120000));
    EXPECT_EQ(s.health.max_failures, 5u);
    EXPECT_EQ(c.services[1].policy, Policy::UrlHash);
    EXPECT_DOUBLE_EQ(c.services[1].url_hash.load_factor, 1.25);
    EXPECT_FALSE(c.services[1].url_hash.query);
    EXPECT_EQ(c.services[2].session_id.rules.size(), 3u);
}

// A server's state is spelled as on the admin socket and in dlbactl; enabled: false stays the
// alias of state: drain, and not beside it.
TEST(ConfigLoader, ServerStateIsTheAdminSocketsWord)
{
    auto c = ConfigLoader::load_string(
        with_servers("      - {key: 1, addr: 10.0.1.1:80, state: ready}\n"
                     "      - {key: 2, addr: 10.0.1.2:80, state: drain}\n"
                     "      - {key: 3, addr: 10.0.1.3:80, state: maint}\n"
                     "      - {key: 4, addr: 10.0.1.4:80, enabled: false}\n",
                     kWeb),
        "test.conf");
    const auto& s = c.backends.at(0).servers;
    ASSERT_EQ(s.size(), 4u);
    EXPECT_TRUE(s[0].enabled);
    EXPECT_FALSE(s[0].maintenance);
    EXPECT_FALSE(s[1].enabled);
    EXPECT_FALSE(s[1].maintenance);
    EXPECT_FALSE(s[2].enabled);
    EXPECT_TRUE(s[2].maintenance);
    EXPECT_FALSE(s[3].enabled);
    EXPECT_FALSE(s[3].maintenance);

    expect_error(with_servers("      - {key: 1, addr: 10.0.1.1:80, state: maitn}\n", kWeb), 4,
                 "state: 'maitn' is not ready, drain or maint (did you mean 'maint'?)");
    expect_error(
        with_servers("      - {key: 1, addr: 10.0.1.1:80, state: drain, enabled: false}\n", kWeb),
        4, "'enabled' and 'state' exclude each other");
}

// A server's number is spelled "id" as in dlba.conf(5) and the status document; "key" stays.
TEST(ConfigLoader, ServerIdIsTheKey)
{
    auto c = ConfigLoader::load_string(with_servers("      - {id: 1, addr: 10.0.1.1:80}\n"
                                                    "      - {key: 2, addr: 10.0.1.2:80}\n",
                                                    kWeb),
                                       "test.conf");
    const auto& s = c.backends.at(0).servers;
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].key, 1u);
    EXPECT_EQ(s[1].key, 2u);
    expect_error(with_servers("      - {id: 1, addr: 10.0.1.1:80}\n"
                              "      - {key: 1, addr: 10.0.1.2:80}\n",
                              kWeb),
                 5, "server key 1 used twice");
    expect_error(with_servers("      - {id: 1, key: 1, addr: 10.0.1.1:80}\n", kWeb), 4,
                 "'id' and 'key' are the same, give one");
    expect_error(with_servers("      - {addr: 10.0.1.1:80}\n", kWeb), 4,
                 "server: 'id' is required");
}

// Service "a" on 1.2.3.4:80 of backend "web", for with_servers.
constexpr const char* kServiceA = "  - name: a\n    listen: 1.2.3.4:80\n    backend: web\n";

// A service with one server and `extra` appended to the service (indented as its keys).
std::string with_service(const std::string& server, const std::string& extra)
{
    return with_servers("      - {key: 1, addr: 1.2.3.4:80" + server + "}\n", kServiceA + extra);
}

constexpr const char* kServer = "      - {key: 1, addr: 1.2.3.4:80}\n";

// A configuration dlbad refuses: its first problem is at `line` and says `text`.
struct BadConfig {
    const char* name;
    std::string yaml;
    int line;
    const char* text;
};

class ConfigLoaderRefuses : public testing::TestWithParam<BadConfig> {};

TEST_P(ConfigLoaderRefuses, NamingTheLine)
{
    expect_error(GetParam().yaml, GetParam().line, GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    ErrorsNameTheLine, ConfigLoaderRefuses,
    testing::Values(
        BadConfig{"UnknownServiceKey",
                  "backends: {web: {servers: [{key: 1, addr: 1.2.3.4:80}]}}\nservices:\n  - {name: "
                  "web, listen: \"1.2.3.4:80\", backend: web, polcy: cookie}\n",
                  3, "unknown key 'polcy' in service"},
        BadConfig{"AddrWithoutPort", with_servers("      - {key: 1, addr: 1.2.3.4}\n"), 4,
                  "addr: '1.2.3.4' is not ADDRESS:PORT"},
        BadConfig{"ServerKeyTwice",
                  with_servers(std::string(kServer) + "      - {key: 1, addr: 1.2.3.5:80}\n"), 5,
                  "server key 1 used twice"},
        BadConfig{"NegativeWeight",
                  with_servers("      - {key: 1, addr: 1.2.3.4:80, weight: -3}\n"), 4,
                  "weight: expected an unsigned integer"},
        BadConfig{"NoSuchBackend",
                  with_servers(kServer, "  - {name: web, listen: \"1.2.3.4:80\", backend: nope}\n"),
                  6, "no backend named 'nope'"},
        BadConfig{"ListenTwice",
                  with_servers(kServer, "  - {name: a, listen: \"1.2.3.4:80\", backend: web}\n"
                                        "  - {name: b, listen: \"1.2.3.4:80\", backend: web}\n"),
                  7, "listen address 1.2.3.4:80 used twice (first at line 6)"},
        BadConfig{"CookieWithoutSession", with_service("", "    policy: cookie\n"), 6,
                  "policy cookie needs cookie.session"},
        BadConfig{"HttpsWithoutTls",
                  with_servers(kServer,
                               "  - name: a\n    listen: 1.2.3.4:443\n    protocol: https\n"
                               "    backend: web\n"),
                  6, "protocol https needs a 'tls' section"},
        BadConfig{"DurationUnit",
                  with_service("", "    timeouts:\n      backend_connect: 3 seconds\n"), 10,
                  "backend_connect: unknown duration unit"},
        BadConfig{"SizeUnit", with_service("", "    limits: {max_header_bytes: 12q}\n"), 9,
                  "max_header_bytes: unknown size unit 'q'"},
        BadConfig{"SessionIdRule",
                  with_service(
                      "", "    policy: session-id\n    session_id: [\"path:\", \"query:sid\"]\n"),
                  10, "session_id rule 'path:'"},
        BadConfig{"UrlHashLoadFactor",
                  with_service("", "    policy: url-hash\n    url_hash: {load_factor: 0.9}\n"), 10,
                  "url_hash.load_factor: 0.9 out of range"},
        BadConfig{"NoServices",
                  "backends: {web: {servers: [{key: 1, addr: 1.2.3.4:80}]}}\nservices: []\n", 2,
                  "services must be a non-empty list"},
        BadConfig{"UnterminatedFlow",
                  "backends:\n  web:\n    servers:\n      - {key: 1, addr: 1.2.3.4:80\n", 5, ""},
        BadConfig{"MissingKeyFile",
                  "persistence_key_file: /nonexistent/key\nbackends: {}\nservices: []\n", 1,
                  "persistence_key_file: /nonexistent/key: No such file or directory"}),
    [](const testing::TestParamInfo<BadConfig>& info) { return std::string(info.param.name); });

// The hash ring takes weights up to 256: the loader says so, not the first reload.  Sizes: 2^34
// GiB is 2^64 bytes, which wrapped round to 0 (= unlimited).  Durations: above a day, or one that
// overflows the clock, is refused.  cookie.max_age is whole seconds: 500ms would truncate to 0,
// which means no limit.
INSTANTIATE_TEST_SUITE_P(
    NumericRangesAreCheckedWithTheLine, ConfigLoaderRefuses,
    testing::Values(
        BadConfig{"WeightAbove256", with_service(", weight: 300", ""), 4,
                  "weight: 300 out of range [0, 256]"},
        BadConfig{"WeightOverflow", with_service(", weight: 99999999999999999999999", ""), 4,
                  "weight: 99999999999999999999999 out of range"},
        BadConfig{"BodyOf2To64Bytes",
                  with_service("", "    limits: {max_body_bytes: 17179869184g}\n"), 9,
                  "max_body_bytes: 17179869184g out of range [0, 4294967296] bytes"},
        BadConfig{"BodyOfTeraBytes",
                  with_service("", "    limits: {max_body_bytes: 999999999999k}\n"), 9,
                  "out of range"},
        BadConfig{"BodyOf5g", with_service("", "    limits: {max_body_bytes: 5g}\n"), 9,
                  "out of range"},
        BadConfig{"BufferBytes", with_service("", "    limits: {buffer_bytes: 16384m}\n"), 9,
                  "buffer_bytes: 16384m out of range"},
        BadConfig{"RequestBufferTooSmall",
                  with_service("", "    limits: {request_buffer_bytes: 4095}\n"), 9,
                  "request_buffer_bytes: 4095 out of range"},
        BadConfig{"RequestBufferTooLarge",
                  with_service("", "    limits: {request_buffer_bytes: 17m}\n"), 9,
                  "request_buffer_bytes: 17m out of range"},
        BadConfig{"MaxHeaderBytes", with_service("", "    limits: {max_header_bytes: 1023}\n"), 9,
                  "max_header_bytes: 1023 out of range"},
        BadConfig{"MaxHeaders", with_service("", "    limits: {max_headers: 0}\n"), 9,
                  "max_headers: 0 out of range"},
        BadConfig{"DurationOverflow",
                  with_service("", "    timeouts: {backend_response: 999999999h}\n"), 9,
                  "backend_response: 999999999h out of range [1ms, 86400000ms]"},
        BadConfig{"DurationAboveADay", with_service("", "    timeouts: {client_request: 25h}\n"), 9,
                  "client_request: 25h out of range"},
        BadConfig{"RetryInterval", with_service("", "    health: {retry_interval: 1441m}\n"), 9,
                  "retry_interval: 1441m out of range"},
        BadConfig{"ZeroDuration", with_service("", "    timeouts: {tls_handshake: 0ms}\n"), 9,
                  "must be greater than zero"},
        BadConfig{"DrainTimeout", "drain_timeout: 2000000s\n" + with_service("", ""), 1,
                  "drain_timeout: 2000000s out of range"},
        BadConfig{
            "CookieMaxAgeBelowASecond",
            with_service("", "    policy: cookie\n    cookie: {session: S, max_age: 500ms}\n"), 10,
            "cookie.max_age: 500ms out of range [1000ms"},
        BadConfig{"UrlHashMaxUrls",
                  with_service("", "    policy: url-hash\n    url_hash: {max_urls: 16777217}\n"),
                  10, "url_hash.max_urls: 16777217 out of range [16, 16777216]"},
        BadConfig{"UrlHashLoadFactorAbove10",
                  with_service("", "    policy: url-hash\n    url_hash: {load_factor: 11}\n"), 10,
                  "url_hash.load_factor: 11 out of range [1.01, 10]"},
        BadConfig{"MaxAttempts", with_service("", "    health: {max_attempts: 101}\n"), 9,
                  "max_attempts: 101 out of range"},
        BadConfig{"Workers", "workers: 1025\n" + with_service("", ""), 1,
                  "workers: 1025 out of range [0, 1024]"},
        BadConfig{"MaxConnections", "max_connections: 0\n" + with_service("", ""), 1,
                  "max_connections: 0 out of range"},
        BadConfig{"Port0", with_servers("      - {key: 1, addr: 1.2.3.4:0}\n", kServiceA), 4,
                  "addr: '1.2.3.4:0': port 0 out of range"},
        BadConfig{"Port65536", with_servers("      - {key: 1, addr: 1.2.3.4:65536}\n", kServiceA),
                  4, "addr: '1.2.3.4:65536' is not ADDRESS:PORT"}),
    [](const testing::TestParamInfo<BadConfig>& info) { return std::string(info.param.name); });

// ... and the largest values in range are taken.
TEST(ConfigLoader, NumericRangesTakeTheirLimits)
{
    EXPECT_EQ(ConfigLoader::load_string(with_service(", weight: 256", ""), "test.conf")
                  .backends[0]
                  .servers[0]
                  .weight,
              256u);
    EXPECT_EQ(ConfigLoader::load_string(with_service("", "    limits: {max_body_bytes: 4g}\n"),
                                        "test.conf")
                  .services[0]
                  .limits.max_body_bytes,
              std::size_t(4) << 30);
    EXPECT_EQ(ConfigLoader::load_string(with_service("", "    limits: {max_body_bytes: 0}\n"),
                                        "test.conf")
                  .services[0]
                  .limits.max_body_bytes,
              0u);
    EXPECT_EQ(ConfigLoader::load_string(
                  with_service("", "    limits: {request_buffer_bytes: 1m}\n"), "test.conf")
                  .services[0]
                  .limits.request_buffer_bytes,
              std::size_t(1) << 20);
    EXPECT_EQ(ConfigLoader::load_string(with_service("", "    timeouts: {backend_response: 24h}\n"),
                                        "test.conf")
                  .services[0]
                  .timeouts.backend_response,
              Millis(86400000));
    EXPECT_EQ(ConfigLoader::load_string(
                  with_service("", "    policy: cookie\n    cookie: {session: S, max_age: 720h}\n"),
                  "test.conf")
                  .services[0]
                  .cookie.max_age,
              std::chrono::seconds(720 * 3600));
}

TEST(ConfigLoader, CookiePathAndDomain)
{
    auto c = ConfigLoader::load_string(
        with_service("", "    policy: cookie\n    cookie: {session: S}\n"), "test.conf");
    EXPECT_EQ(c.services[0].cookie.path, "/");
    EXPECT_EQ(c.services[0].cookie.domain, "");
    c = ConfigLoader::load_string(with_service("", "    policy: cookie\n    cookie: {session: S, "
                                                   "path: /shop, domain: shop.example.com}\n"),
                                  "test.conf");
    EXPECT_EQ(c.services[0].cookie.path, "/shop");
    EXPECT_EQ(c.services[0].cookie.domain, "shop.example.com");
    expect_error(
        with_service("", "    policy: cookie\n    cookie:\n      session: S\n      path: shop\n"),
        12, "cookie: cookie path must start with '/'");
    expect_error(
        with_service(
            "",
            "    policy: cookie\n    cookie:\n      session: S\n      domain: \"a.com; Secure\"\n"),
        12, "cookie: cookie domain is not a host name");
}

TEST(ConfigLoader, CpuAffinity)
{
    EXPECT_EQ(ConfigLoader::load_string(std::string("cpu_affinity: auto\n") + kMinimal, "test.conf")
                  .cpu_affinity,
              CpuAffinity::Auto);
    EXPECT_EQ(ConfigLoader::load_string(std::string("cpu_affinity: none\n") + kMinimal, "test.conf")
                  .cpu_affinity,
              CpuAffinity::None);
    expect_error(std::string("workers: 2\ncpu_affinity: 0-1\n") + kMinimal, 2,
                 "cpu_affinity must be 'auto' or 'none'");
    expect_error(std::string("cpu_affinity: [0, 1]\n") + kMinimal, 1,
                 "cpu_affinity must be a scalar");
}

TEST(ConfigLoader, PersistenceKeyFiles)
{
    char path[] = "/tmp/dlbad-key-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    {
        std::ofstream(path) << "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    }
    auto c = ConfigLoader::load_string(
        std::string("persistence_key_file: ") + path + "\n" + kMinimal, "test.conf");
    ASSERT_EQ(c.persistence_keys.size(), 1u);
    EXPECT_EQ(c.persistence_keys[0].secret.size(), 32u) << "hex is decoded";
    EXPECT_EQ(static_cast<unsigned char>(c.persistence_keys[0].secret[1]), 0x11);
    {
        std::ofstream(path) << "0011\n";
    }
    expect_error(std::string("persistence_key_file: ") + path + "\n" + kMinimal, 1,
                 "at least 32 bytes");
    std::remove(path);
}

TEST(ConfigLoader, HashKeyFile)
{
    char path[] = "/tmp/dlbad-hashkey-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    {
        std::ofstream(path) << "000102030405060708090a0b0c0d0e0f\n";
    }
    auto c = ConfigLoader::load_string(std::string("hash_key_file: ") + path + "\n" + kMinimal,
                                       "test.conf");
    ASSERT_EQ(c.hash_key.size(), 16u) << "hex is decoded";
    EXPECT_EQ(static_cast<unsigned char>(c.hash_key[15]), 0x0f);
    EXPECT_TRUE(ConfigLoader::load_string(kMinimal, "test.conf").hash_key.empty())
        << "default: random per process";
    {
        std::ofstream(path) << "00112233445566778899aabbccddeeff0011\n";
    }
    expect_error(std::string("workers: 1\nhash_key_file: ") + path + "\n" + kMinimal, 2,
                 "exactly 16 bytes");
    std::remove(path);
    expect_error(std::string("workers: 1\nhash_key_file: ") + path + "\n" + kMinimal, 2,
                 "hash_key_file: " + std::string(path) + ": No such file or directory");
}

TEST(ConfigLoader, TicketKeyFileAndLifetime)
{
    char path[] = "/tmp/dlbad-ticketkey-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    const std::string k1(160, 'a'), k2(160, 'b');
    {
        std::ofstream(path) << "# rotated 2026-12-01\n" << k1 << "\n\n" << k2 << "\n";
    }
    auto c = ConfigLoader::load_string(std::string("ticket_key_file: ") + path + "\n" + kMinimal,
                                       "test.conf");
    ASSERT_EQ(c.ticket_keys.size(), 2u) << "one key a line";
    EXPECT_EQ(static_cast<unsigned char>(c.ticket_keys[0][0]), 0xaa);
    EXPECT_EQ(static_cast<unsigned char>(c.ticket_keys[1][79]), 0xbb);
    EXPECT_EQ(c.ticket_lifetime, Millis(7200000)) << "default 2h";
    {
        std::ofstream(path, std::ios::binary) << std::string(80, '\x01') << std::string(80, '\x02');
    }
    c = ConfigLoader::load_string(std::string("ticket_key_file: ") + path + "\n" + kMinimal,
                                  "test.conf");
    ASSERT_EQ(c.ticket_keys.size(), 2u) << "raw binary, 80 bytes a key";
    EXPECT_EQ(c.ticket_keys[1], std::string(80, '\x02'));
    {
        std::ofstream(path, std::ios::binary) << std::string(81, '\x01');
    }
    expect_error(std::string("workers: 1\nticket_key_file: ") + path + "\n" + kMinimal, 2,
                 "not a multiple of 80");
    {
        std::ofstream(path) << k1 << "\n" << k2.substr(2) << "\n";
    }
    expect_error(std::string("ticket_key_file: ") + path + "\n" + kMinimal, 1,
                 "line 2: expected a key of 160 hex");
    {
        std::ofstream(path) << k1 << "\n" << k1 << "\n";
    }
    expect_error(std::string("ticket_key_file: ") + path + "\n" + kMinimal, 1, "the same name");
    {
        std::ofstream(path) << k1 << "\n";
    }
    expect_error(std::string("ticket_key_file: ") + path + "\nticket_key_rotation: 1h\n" + kMinimal,
                 2, "applies to generated keys only");
    std::remove(path);
    expect_error(std::string("ticket_key_file: ") + path + "\n" + kMinimal, 1,
                 "ticket_key_file: " + std::string(path) + ": No such file or directory");

    c = ConfigLoader::load_string(
        std::string("ticket_lifetime: 10m\nticket_key_rotation: 1m\n") + kMinimal, "test.conf");
    EXPECT_EQ(c.ticket_lifetime, Millis(600000));
    EXPECT_EQ(c.ticket_key_rotation, Millis(60000));
    EXPECT_TRUE(c.ticket_keys.empty()) << "no file: generated keys";
    expect_error(std::string("ticket_lifetime: 169h\n") + kMinimal, 1,
                 "ticket_lifetime: 169h out of range");
    expect_error(std::string("ticket_lifetime: 500ms\n") + kMinimal, 1, "out of range [1000ms");
    expect_error(std::string("ticket_lifetime: 2h\nticket_key_rotation: 7s\n") + kMinimal, 2,
                 "ticket_lifetime / ticket_key_rotation must be below 1000");
    EXPECT_NO_THROW(ConfigLoader::load_string(
        std::string("ticket_lifetime: 2h\nticket_key_rotation: 8s\n") + kMinimal, "test.conf"));
}

TEST(ConfigLoader, EveryProblemIsReportedWithItsColumn)
{
    auto errors = errors_of(R"(workers: many
backends:
  web:
    servers:
      - {key: 1, addr: 10.0.1.1:80, weigth: 5}
      - {key: 1, addr: 10.0.1.2}
services:
  - name: web
    listen: 10.0.0.10:80
    backend: web
    polcy: cookie
    timeouts: {client_request: 0s, backend_connect: soon}
  - name: web
    listen: 10.0.0.10:80
    backend: nowhere
)");
    EXPECT_THAT(
        errors,
        testing::ElementsAre(
            "test.conf:1:10: workers: expected an unsigned integer, got 'many'",
            "test.conf:5:37: unknown key 'weigth' in server, did you mean 'weight'?",
            "test.conf:6:15: server key 1 used twice in backend 'web'",
            "test.conf:6:24: addr: '10.0.1.2' is not ADDRESS:PORT (IPv6 as [ADDR]:PORT)",
            "test.conf:11:5: unknown key 'polcy' in service, did you mean 'policy'?",
            testing::HasSubstr("test.conf:12:32: client_request: must be greater than zero"),
            testing::HasSubstr("test.conf:12:53: backend_connect: expected a duration"),
            "test.conf:13:11: service name 'web' used twice (first at line 8)",
            "test.conf:14:13: listen address 10.0.0.10:80 used twice (first at line 8)",
            "test.conf:15:14: service 'web': no backend named 'nowhere'"));
}

TEST(ConfigLoader, UnknownKeysAreSuggestedOnlyWhenClose)
{
    EXPECT_THAT(errors_of(std::string("wokers: 2\n") + kMinimal),
                testing::ElementsAre(
                    "test.conf:1:1: unknown key 'wokers' in the configuration, did you mean "
                    "'workers'?"));
    EXPECT_THAT(errors_of(std::string("colour: blue\n") + kMinimal),
                testing::ElementsAre("test.conf:1:1: unknown key 'colour' in the configuration"));
}

TEST(ConfigLoader, ALongListIsReportedUpToTheLimit)
{
    std::string yaml = "backends:\n  web:\n    servers:\n";
    for (int i = 0; i < 30; ++i)
        yaml += "      - {key: " + std::to_string(i) + ", addr: 10.0.1." + std::to_string(i) +
                ":80, weight: 1000}\n";
    yaml += "services:\n  - {name: web, listen: \"10.0.0.10:80\", backend: web}\n";
    try {
        ConfigLoader::load_string(yaml, "test.conf");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_EQ(e.diagnostics().size(), 30u);
        EXPECT_STREQ(e.what(), "test.conf: 30 errors, nothing changed");
        auto lines = e.report();
        ASSERT_EQ(lines.size(), 21u);
        EXPECT_EQ(lines.back(), "test.conf: 10 more errors");
    }
}

TEST(ConfigLoader, MissingTlsFilesNameTheFileAndTheReason)
{
    auto errors = errors_of(https_web("        - cert: /nonexistent/dlbad/cert.pem\n"
                                      "          key: /nonexistent/dlbad/key.pem\n"));
    EXPECT_THAT(errors, testing::ElementsAre("test.conf:11:17: tls.certificates.cert: "
                                             "/nonexistent/dlbad/cert.pem: No such file or "
                                             "directory",
                                             "test.conf:12:16: tls.certificates.key: "
                                             "/nonexistent/dlbad/key.pem: No such file or "
                                             "directory"));
}

// What OpenSSL refuses is reported for every certificate and key of the section, not only the
// first: each as one line at its own position.
TEST(TlsContext, EveryCertificateAndKeyOpenSslRefusesIsReported)
{
    auto c = ConfigLoader::load_string(
        with_files(https_web("        - {cert: DIR/empty1.pem, key: DIR/empty1.key}\n"
                             "        - {cert: DIR/empty2.pem, key: DIR/empty2.key}\n"),
                   {"empty1.pem", "empty1.key", "empty2.pem", "empty2.key"}),
        "test.conf");
    ASSERT_TRUE(c.services.at(0).tls);
    try {
        TlsContext ctx(*c.services[0].tls, nullptr, Millis(1000), "test.conf", 6);
        FAIL();
    } catch (const config::ConfigError& e) {
        using testing::StartsWith;
        std::string dir = ::testing::TempDir() + "dlbad_config_files/";
        // The key's column follows the certificate's path: "{cert: PATH, key: ".
        auto key = ":" + std::to_string(18 + dir.size() + 10 + 7) + ": tls.certificates.key: ";
        EXPECT_THAT(
            e.errors(),
            testing::ElementsAre(
                StartsWith("test.conf:11:18: tls.certificates.cert: " + dir + "empty1.pem: "),
                StartsWith("test.conf:11" + key + dir + "empty1.key: "),
                StartsWith("test.conf:12:18: tls.certificates.cert: " + dir + "empty2.pem: "),
                StartsWith("test.conf:12" + key + dir + "empty2.key: ")));
        for (const auto& line : e.errors())
            EXPECT_EQ(line.find("error:"), std::string::npos) << line;
    }
}

// A file with other problems has OpenSSL's reasons in the same report (without them, the
// certificates are read once, when the services are built).
TEST(ConfigLoader, CertificatesOpenSslRefusesAreReportedWithTheOtherProblems)
{
    EXPECT_THAT(errors_of(with_files(https_web("        - cert: DIR/nopem.pem\n"
                                               "          key: /nonexistent/dlbad/key.pem\n",
                                               "wokers: 2\n"),
                                     {"nopem.pem"})),
                testing::ElementsAre(
                    "test.conf:1:1: unknown key 'wokers' in the configuration, did you mean "
                    "'workers'?",
                    testing::StartsWith("test.conf:12:17: tls.certificates.cert: " +
                                        ::testing::TempDir() + "dlbad_config_files/nopem.pem: "),
                    "test.conf:13:16: tls.certificates.key: /nonexistent/dlbad/key.pem: No such "
                    "file or directory"));
}

TEST(ConfigLoader, AMissingFileSaysWhy)
{
    try {
        ConfigLoader::load_file("/nonexistent/dlbad.conf");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/dlbad.conf: cannot open: No such file or directory");
    }
    try {
        ConfigLoader::load_file("/");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_STREQ(e.what(), "/: cannot open: Is a directory");
    }
}

} // namespace
} // namespace dlba::dlbad
