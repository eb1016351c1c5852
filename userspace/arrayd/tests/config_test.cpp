// array.yaml: the contract's example, defaults, and every problem at once at FILE:LINE:COL.
#include <gtest/gtest.h>

#include <sys/socket.h>

#include "config/config_loader.h"
#include <dlba/config/error.h>

namespace dlba::arrayd {
namespace {

constexpr const char* kExample = R"(node: n1
cluster:
  name: dlba
  token: 1000ms
  nodes:
    - {name: n1, id: 1, address: 10.77.0.1, priority: 100}
    - {name: n2, id: 2, address: 10.77.0.2, priority: 100}
    - {name: n3, id: 3, address: 10.77.0.3, priority: 50}
vips:
  - name: web
    interface: eth1
    addresses: [198.18.100.10/32, "2001:db8:100::10/128"]
    announce: {count: 5, interval: 200ms}
sweep:
  interval: 1s
  timeout: 500ms
  retries: 2
  fall: 1
  rise: 2
members:
  - service: 198.18.100.10:80/tcp
    server: 1
    status: 10.1.0.11:9101
  - service: 198.18.100.10:80/tcp
    server: 2
    check: {type: http, address: 10.1.0.12:80, path: /health, expect: 200}
status:
  unix: /run/dlba-arrayd/status.sock
  metrics: 127.0.0.1:9102
sync:
  batch: 20ms
)";

std::vector<std::string> errors(const std::string& text)
{
    try {
        ArrayConfigLoader::load_string(text, "array.yaml");
    } catch (const config::ConfigError& e) {
        return e.errors();
    }
    return {};
}

TEST(ArrayConfig, ContractExample)
{
    auto c = ArrayConfigLoader::load_string(kExample, "array.yaml");
    EXPECT_EQ(c.node, "n1");
    EXPECT_EQ(c.cluster.name, "dlba");
    EXPECT_EQ(c.cluster.token, Millis(1000));
    ASSERT_EQ(c.cluster.nodes.size(), 3u);
    EXPECT_EQ(c.cluster.nodes[2].name, "n3");
    EXPECT_EQ(c.cluster.nodes[2].id, 3u);
    EXPECT_EQ(c.cluster.nodes[2].priority, 50u);
    EXPECT_EQ(c.cluster.nodes[2].address_text, "10.77.0.3");
    EXPECT_EQ(c.self().id, 1u);
    ASSERT_EQ(c.vips.size(), 1u);
    EXPECT_EQ(c.vips[0].interface, "eth1");
    ASSERT_EQ(c.vips[0].addresses.size(), 2u);
    EXPECT_EQ(c.vips[0].addresses[0].prefix, 32u);
    EXPECT_EQ(c.vips[0].addresses[1].ip.family, AF_INET6);
    EXPECT_EQ(c.vips[0].addresses[1].prefix, 128u);
    EXPECT_EQ(c.vips[0].announce.count, 5u);
    EXPECT_EQ(c.vips[0].announce.interval, Millis(200));
    EXPECT_EQ(c.sweep.interval, Millis(1000));
    EXPECT_EQ(c.sweep.timeout, Millis(500));
    EXPECT_EQ(c.sweep.retries, 2u);
    EXPECT_EQ(c.sweep.fall, 1u);
    EXPECT_EQ(c.sweep.rise, 2u);
    EXPECT_EQ(c.sync.batch, Millis(20));
    ASSERT_EQ(c.members.size(), 2u);
    EXPECT_EQ(c.members[0].service, "198.18.100.10:80/tcp");
    EXPECT_EQ(c.members[0].server, 1u);
    EXPECT_EQ(c.members[0].kind, CheckKind::Status);
    EXPECT_EQ(c.members[0].address.to_string(), "10.1.0.11:9101");
    EXPECT_EQ(c.members[1].kind, CheckKind::Http);
    EXPECT_EQ(c.members[1].address.to_string(), "10.1.0.12:80");
    EXPECT_EQ(c.members[1].http_path, "/health");
    EXPECT_EQ(c.members[1].expect_status, 200u);
    EXPECT_EQ(c.status.unix_socket, "/run/dlba-arrayd/status.sock");
    ASSERT_TRUE(c.status.metrics);
    EXPECT_EQ(c.status.metrics->to_string(), "127.0.0.1:9102");
}

TEST(ArrayConfig, Defaults)
{
    auto c = ArrayConfigLoader::load_string("node: a\ncluster:\n  nodes:\n"
                                            "    - {name: a, id: 1, address: 10.0.0.1}\n",
                                            "array.yaml");
    EXPECT_EQ(c.cluster.name, "dlba");
    EXPECT_EQ(c.cluster.token, Millis(300));
    EXPECT_EQ(c.cluster.nodes[0].priority, 100u);
    EXPECT_TRUE(c.vips.empty());
    EXPECT_EQ(c.sweep.interval, Millis(1000));
    EXPECT_EQ(c.status.unix_socket, "/run/dlba-arrayd/status.sock");
    EXPECT_FALSE(c.status.metrics);
    EXPECT_EQ(c.sync.batch, Millis(20));
}

TEST(ArrayConfig, SyncBatchRange)
{
    const std::string head =
        "node: a\ncluster:\n  nodes:\n    - {name: a, id: 1, address: 10.0.0.1}\n";
    auto c = ArrayConfigLoader::load_string(head + "sync: {batch: 1ms}\n", "array.yaml");
    EXPECT_EQ(c.sync.batch, Millis(1));
    c = ArrayConfigLoader::load_string(head + "sync: {batch: 1s}\n", "array.yaml");
    EXPECT_EQ(c.sync.batch, Millis(1000));
    EXPECT_EQ(errors(head + "sync: {batch: 2s}\n").size(), 1u);
    EXPECT_EQ(errors(head + "sync: {batch: 0ms}\n").size(), 1u);
    auto e = errors(head + "sync: {bach: 20ms}\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_NE(e[0].find("did you mean 'batch'"), std::string::npos) << e[0];
}

TEST(ArrayConfig, EveryProblemAtOnceWithColumns)
{
    auto e = errors(R"(node: n4
cluster:
  tokn: 1s
  nodes:
    - {name: n1, id: 1, address: 10.77.0.1}
    - {name: n1, id: 2, address: 10.77.0.300}
vips:
  - name: web
    interface: eth1
    addresses: [198.18.100.10/33]
    announce: {count: 1000}
sweep: {intervall: 1s}
members:
  - {service: 198.18.100.10:80/sctp, server: 1, status: 10.1.0.11:9101}
  - {service: 198.18.100.10:80/tcp, server: 2}
  - {service: 198.18.100.10:80/tcp, server: 3, check: {type: ftp, address: 10.1.0.1:21}}
)");
    ASSERT_EQ(e.size(), 9u) << ::testing::PrintToString(e);
    EXPECT_EQ(e[0], "array.yaml:1:7: node 'n4' is not in cluster.nodes, did you mean 'n1'?");
    EXPECT_EQ(e[1], "array.yaml:3:3: unknown key 'tokn' in cluster, did you mean 'token'?");
    EXPECT_EQ(e[2], "array.yaml:6:34: address: '10.77.0.300' is not an IPv4 or IPv6 address");
    EXPECT_EQ(e[3], "array.yaml:10:17: addresses: '198.18.100.10/33': out of range [1, 32] "
                    "(ADDRESS/PREFIX)");
    EXPECT_EQ(e[4], "array.yaml:11:23: announce.count: 1000 out of range [0, 100]");
    EXPECT_EQ(e[5], "array.yaml:12:9: unknown key 'intervall' in sweep, did you mean 'interval'?");
    EXPECT_EQ(e[6], "array.yaml:14:15: service: '198.18.100.10:80/sctp': expected VIP:PORT/tcp or "
                    "VIP:PORT/udp");
    EXPECT_EQ(e[7], "array.yaml:15:5: members entry: 'status' (a DLBA server) or 'check' (a "
                    "plain server) is required");
    EXPECT_EQ(e[8], "array.yaml:16:62: check.type: unknown type 'ftp' (tcp, http or tls)");
}

TEST(ArrayConfig, NodeNamesIdsAndAddressesUnique)
{
    auto e = errors(R"(node: a
cluster:
  nodes:
    - {name: a, id: 1, address: 10.0.0.1}
    - {name: a, id: 1, address: 10.0.0.1}
    - {name: b, id: 1, address: 10.0.0.2}
    - {name: c, id: 3, address: 10.0.0.2}
    - {name: d, id: 4, address: "fd00::4"}
)");
    ASSERT_EQ(e.size(), 6u) << ::testing::PrintToString(e);
    EXPECT_EQ(e[0], "array.yaml:5:14: cluster.nodes: node 'a' named twice");
    EXPECT_EQ(e[1], "array.yaml:5:21: cluster.nodes: id 1 used twice");
    EXPECT_EQ(e[2], "array.yaml:5:33: cluster.nodes: address 10.0.0.1 used twice");
    EXPECT_EQ(e[3], "array.yaml:6:21: cluster.nodes: id 1 used twice");
    EXPECT_EQ(e[4], "array.yaml:7:33: cluster.nodes: address 10.0.0.2 used twice");
    EXPECT_EQ(e[5], "array.yaml:8:33: cluster.nodes: all addresses must be of one family (IPv4 "
                    "or IPv6)");
}

TEST(ArrayConfig, NodeMisspeltSuggestsTheNearest)
{
    auto e = errors("node: nodea\ncluster:\n  nodes:\n    - {name: node-a, id: 1, address: "
                    "10.0.0.1}\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0], "array.yaml:1:7: node 'nodea' is not in cluster.nodes, did you mean 'node-a'?");
}

TEST(ArrayConfig, ANodeWhoseEntryHasErrorsIsStillInTheCluster)
{
    // The entry's bad address is the one problem: the node it names is not also "not in
    // cluster.nodes".
    auto e = errors("node: n1\ncluster:\n  nodes:\n    - {name: n1, id: 1, address: "
                    "10.0.0.300}\n    - {name: n2, id: 2, address: 10.0.0.2}\n");
    EXPECT_EQ(e, std::vector<std::string>{"array.yaml:4:34: address: '10.0.0.300' is not an IPv4 "
                                          "or IPv6 address"});
}

TEST(ArrayConfig, ALongListIsReportedUpToTheLimit)
{
    std::string yaml = "node: n1\ncluster:\n  nodes:\n";
    for (int i = 1; i <= 25; ++i)
        yaml += "    - {name: n" + std::to_string(i) + ", id: " + std::to_string(i) +
                ", address: 10.0.0." + std::to_string(i) + ", priorty: 1}\n";
    try {
        ArrayConfigLoader::load_string(yaml, "array.yaml");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_EQ(e.diagnostics().size(), 25u);
        auto lines = e.report();
        ASSERT_EQ(lines.size(), config::ConfigError::kReportLimit + 1);
        EXPECT_EQ(lines.front(), "array.yaml:4:44: unknown key 'priorty' in cluster.nodes entry, "
                                 "did you mean 'priority'?");
        EXPECT_EQ(lines.back(), "array.yaml: 5 more errors");
    }
}

TEST(ArrayConfig, AMissingFileSaysWhy)
{
    try {
        ArrayConfigLoader::load_file("/nonexistent/array.yaml");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/array.yaml: cannot open: No such file or directory");
    }
    try {
        ArrayConfigLoader::load_file("/");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_STREQ(e.what(), "/: cannot open: Is a directory");
    }
}

TEST(ArrayConfig, CheckKeysFollowTheType)
{
    auto e = errors(R"(node: a
cluster: {nodes: [{name: a, id: 1, address: 10.0.0.1}]}
members:
  - {service: "[2001:db8::1]:443/tcp", server: 1, check: {type: tcp, address: 10.0.0.5:443, path: /x}}
  - {service: 10.0.0.1:443/tcp, server: 2, check: {type: tls, address: 10.0.0.6:443, sni: www.example.com, verify: yes}}
  - {service: 10.0.0.1:443/tcp, server: 3, status: 10.0.0.7:9101, check: {type: tcp, address: 10.0.0.7:443}}
)");
    ASSERT_EQ(e.size(), 2u) << ::testing::PrintToString(e);
    EXPECT_EQ(e[0].rfind("array.yaml:4:", 0), 0u);
    EXPECT_NE(e[0].find("'path' is for type http only"), std::string::npos);
    EXPECT_NE(e[1].find("not both"), std::string::npos);
}

TEST(ArrayConfig, EmptyAndBrokenFiles)
{
    EXPECT_EQ(errors(""), std::vector<std::string>{"array.yaml:1: empty configuration"});
    auto e = errors("node: [a\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].rfind("array.yaml:", 0), 0u);
    EXPECT_EQ(errors("- a\n"),
              std::vector<std::string>{"array.yaml:1:1: the configuration must be a mapping"});
}

} // namespace
} // namespace dlba::arrayd

namespace dlba::arrayd {
namespace {

constexpr const char* kMinimal = "node: a\ncluster:\n  nodes:\n"
                                 "    - {name: a, id: 1, address: 10.0.0.1}\n";

TEST(ArrayConfig, ConfigPushKeys)
{
    auto d = ArrayConfigLoader::load_string(kMinimal, "array.yaml");
    EXPECT_EQ(d.config.control_socket, "/run/dlba-arrayd/control.sock");
    EXPECT_EQ(d.config.state_dir, "/var/lib/dlba-arrayd");
    EXPECT_EQ(d.config.apply_wait, Millis(10000));
    auto c = ArrayConfigLoader::load_string(
        std::string(kMinimal) +
            "config: {control: /run/x/c.sock, state_dir: /srv/state, apply_wait: 3s}\n",
        "array.yaml");
    EXPECT_EQ(c.config.control_socket, "/run/x/c.sock");
    EXPECT_EQ(c.config.state_dir, "/srv/state");
    EXPECT_EQ(c.config.apply_wait, Millis(3000));
    auto e = errors(std::string(kMinimal) + "config:\n  control: run/c.sock\n  state_dir: \"\"\n" +
                    "  apply_wait: 1h\n  stat_dir: /x\n");
    ASSERT_EQ(e.size(), 4u) << ::testing::PrintToString(e);
    EXPECT_NE(e[0].find("array.yaml:6:"), std::string::npos) << e[0];
    EXPECT_NE(e[0].find("config.control"), std::string::npos) << e[0];
}

} // namespace
} // namespace dlba::arrayd
