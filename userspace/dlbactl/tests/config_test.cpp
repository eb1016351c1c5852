#include "dlba/config/error.h"
#include "dlba/ctl/config_parser.h"
#include "dlba/ctl/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/dlba.h>

#include <fstream>

namespace dlba::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> errors_of(const std::string& text)
{
    try {
        ConfigParser("lb.yaml").parse(text);
    } catch (const config::ConfigError& e) {
        return e.errors();
    }
    return {};
}

constexpr const char* kGood = R"(# two services
services:
  - service: 10.0.0.10:80/tcp
    buckets: 1024
    timeout: 60
    servers:
      - id: 1
        addr: 10.0.1.1
        mac: 02:00:00:00:01:01
      - id: 2
        addr: 10.0.1.2
        method: nat
        port: 8080
        weight: 3
        enabled: false
        failed: true
  - service: "[fd00::10]:53/udp"
    servers:
      - {id: 5, addr: "fd00::1:5", method: tun}
)";

TEST(Config, GoodFileWithDefaults)
{
    Config c = ConfigParser("lb.yaml").parse(kGood);
    ASSERT_EQ(c.services.size(), 2u);
    const auto& a = c.services[0];
    EXPECT_EQ(format_service(a.key), "10.0.0.10:80/tcp");
    EXPECT_EQ(a.buckets, 1024u);
    EXPECT_EQ(a.timeout, 60u);
    EXPECT_EQ(a.mode, DLBA_MODE_FORWARD);
    EXPECT_EQ(a.line, 3);
    ASSERT_EQ(a.servers.size(), 2u);
    EXPECT_EQ(a.servers[0].config.method, DLBA_FWD_DR);
    EXPECT_EQ(a.servers[0].config.weight, 1u);
    EXPECT_TRUE(a.servers[0].config.enabled);
    EXPECT_FALSE(a.servers[0].failed_given);
    EXPECT_EQ(a.servers[0].line, 7);
    EXPECT_EQ(format_mac(*a.servers[0].config.mac), "02:00:00:00:01:01");
    const auto& s2 = a.servers[1].config;
    EXPECT_EQ(s2.method, DLBA_FWD_NAT);
    EXPECT_EQ(s2.port, 8080);
    EXPECT_EQ(s2.weight, 3u);
    EXPECT_FALSE(s2.enabled);
    EXPECT_TRUE(s2.failed);
    EXPECT_TRUE(a.servers[1].failed_given);
    const auto& b = c.services[1];
    EXPECT_EQ(b.buckets, DLBA_BUCKETS_DEFAULT);
    EXPECT_EQ(b.timeout, DLBA_TIMEOUT_DEFAULT);
    EXPECT_EQ(b.servers[0].config.method, DLBA_FWD_TUN);
}

// state: ready|drain|maint sets both kernel flags (so failed is given); enabled and failed
// remain its aliases but not beside it.
TEST(Config, StateNamesBothFlags)
{
    Config c = ConfigParser("lb.yaml").parse(R"(services:
  - service: 10.0.0.10:80/tcp
    servers:
      - {id: 1, addr: 10.0.1.1, state: ready}
      - {id: 2, addr: 10.0.1.2, state: drain}
      - {id: 3, addr: 10.0.1.3, state: maint}
)");
    const auto& s = c.services.at(0).servers;
    ASSERT_EQ(s.size(), 3u);
    EXPECT_TRUE(s[0].config.enabled);
    EXPECT_FALSE(s[0].config.failed);
    EXPECT_TRUE(s[0].failed_given);
    EXPECT_FALSE(s[1].config.enabled);
    EXPECT_FALSE(s[1].config.failed);
    EXPECT_TRUE(s[1].failed_given);
    EXPECT_FALSE(s[2].config.enabled);
    EXPECT_TRUE(s[2].config.failed);
    EXPECT_TRUE(s[2].failed_given);

    EXPECT_THAT(errors_of(R"(services:
  - service: 10.0.0.10:80/tcp
    servers:
      - {id: 1, addr: 10.0.1.1, state: up}
      - {id: 2, addr: 10.0.1.2, state: drain, enabled: true}
)"),
                ElementsAre(HasSubstr("lb.yaml:4:40: invalid server state 'up'"),
                            HasSubstr("lb.yaml:5:47: 'state' and 'enabled' exclude each other")));
}

TEST(Config, EmptyServiceListIsValid)
{
    EXPECT_TRUE(ConfigParser("x").parse("services: []\n").services.empty());
}

TEST(Config, EveryErrorNamesItsLineAndColumn)
{
    auto errors = errors_of(R"(services:
  - service: 10.0.0.10:80/tcp
    buckets: 1000
    timeout: 0
    color: blue
    servers:
      - id: 0
        addr: 10.0.1.1
        mac: 02:00:00:00:01:01
      - id: 2
        addr: fd00::2
        mac: 02:00:00:00:01:02
      - id: 3
        addr: 10.0.1.3
        mac: 01:00:5e:00:00:01
        weight: 70000
      - id: 4
        addr: 10.0.1.4
        method: masq
      - id: 5
        addr: 10.0.1.5
      - id: 6
        addr: 10.0.1.6
        method: tun
        port: 80
        enabled: perhaps
)");
    EXPECT_THAT(
        errors,
        ElementsAre(
            "lb.yaml:3:14: buckets must be a power of two from 16 to 4194304, not 1000",
            "lb.yaml:4:14: timeout must be 1..604800 seconds, not 0",
            "lb.yaml:5:5: unknown key 'color' in service (expected one of: service, buckets, "
            "timeout, mode, hash_key, servers)",
            "lb.yaml:7:13: server id must be 1..65535, not 0",
            "lb.yaml:11:15: server address fd00::2 is inet6 but the service is inet",
            "lb.yaml:15:14: MAC address 01:00:5e:00:00:01 is a multicast address",
            "lb.yaml:16:17: weight must be 0..65535, not 70000",
            HasSubstr("lb.yaml:19:17: invalid forwarding method 'masq'"),
            "lb.yaml:25:15: 'port' is only used by method nat",
            "lb.yaml:26:18: invalid enabled 'perhaps': expected true or false"));
}

TEST(Config, DuplicatesNameTheFirstOccurrence)
{
    auto errors = errors_of(R"(services:
  - service: 10.0.0.10:80/tcp
    servers:
      - {id: 1, addr: 10.0.1.1, mac: "02:00:00:00:01:01"}
      - {id: 1, addr: 10.0.1.2, mac: "02:00:00:00:01:02"}
      - {id: 3, addr: 10.0.1.1, mac: "02:00:00:00:01:03"}
  - service: 10.0.0.10:80/tcp
    timeout: 5
    timeout: 6
)");
    EXPECT_THAT(
        errors,
        ElementsAre("lb.yaml:5:10: duplicate server id 1 (first at line 4)",
                    "lb.yaml:6:10: server address 10.0.1.1 is already used by the server at line 4",
                    "lb.yaml:7:5: duplicate service 10.0.0.10:80/tcp (first at line 2)",
                    "lb.yaml:9:5: duplicate key 'timeout' (first at line 8)"));
}

TEST(Config, NatServersMustNotShareAReplySource)
{
    auto errors = errors_of(R"(services:
  - service: 10.0.0.10:80/tcp
    servers:
      - {id: 1, addr: 10.0.1.1, method: nat, port: 8080}
  - service: 10.0.0.11:8080/tcp
    servers:
      - {id: 1, addr: 10.0.1.1, method: nat}
  - service: 10.0.0.11:8080/udp
    servers:
      - {id: 1, addr: 10.0.1.1, method: nat}
)");
    EXPECT_THAT(errors,
                ElementsAre("lb.yaml:7:10: nat server 10.0.1.1 port 8080/tcp is already used by "
                            "10.0.0.10:80/tcp id 1 (line 4)"));
}

TEST(Config, StructureErrors)
{
    EXPECT_THAT(errors_of(""), ElementsAre(HasSubstr("lb.yaml:1: empty configuration")));
    EXPECT_THAT(errors_of("- a\n- b\n"),
                ElementsAre(HasSubstr("lb.yaml:1:1: the top level must be a mapping")));
    EXPECT_THAT(errors_of("services: {}\n"),
                ElementsAre(HasSubstr("lb.yaml:1:11: 'services' must be a list")));
    EXPECT_THAT(
        errors_of("servces: []\n"),
        ElementsAre(
            "lb.yaml:1:1: unknown key 'servces' in the top level, did you mean 'services'?"));
    EXPECT_THAT(errors_of("services:\n  - 10.0.0.10:80/tcp\n"),
                ElementsAre(HasSubstr("lb.yaml:2:5: each entry of 'services' must be a mapping")));
    EXPECT_THAT(errors_of("services:\n  - buckets: 16\n"),
                ElementsAre("lb.yaml:2:5: service entry without 'service: ADDR:PORT/PROTO'"));
    EXPECT_THAT(
        errors_of("services:\n  - service: 10.0.0.10:80/tcp\n    servers:\n      - id: 1\n"),
        ElementsAre("lb.yaml:4:9: server without 'addr'"));
    EXPECT_THAT(errors_of("services:\n  - service: 10.0.0.10:80/tcp\n    mode: divert\n"),
                ElementsAre("lb.yaml:3:11: mode 'divert' is not supported yet (only forward)"));
    EXPECT_THAT(errors_of("services:\n  - service: 10.0.0.10:80/tcp\n    timeout: [1, 2]\n"),
                ElementsAre("lb.yaml:3:14: 'timeout' must be a single value"));
}

TEST(Config, YamlSyntaxErrorsHaveALineAndAnIpv6Hint)
{
    auto errors = errors_of("services:\n  - service: [fd00::10]:80/tcp\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_THAT(errors[0], HasSubstr("lb.yaml:2:24: YAML syntax error"));
    EXPECT_THAT(errors[0], HasSubstr("quote IPv6 services"));
    errors = errors_of("services:\n  - service: 10.0.0.10:80/tcp\n    servers: [\n");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_THAT(errors[0], HasSubstr("lb.yaml:4:1: YAML syntax error"));
}

TEST(Config, BadServiceStringIsReported)
{
    EXPECT_THAT(errors_of("services:\n  - service: 10.0.0.10:80\n"),
                ElementsAre(HasSubstr(
                    "lb.yaml:2:14: invalid service '10.0.0.10:80': missing /tcp or /udp")));
    EXPECT_THAT(errors_of("services:\n  - service: fd00::10:80/tcp\n"),
                ElementsAre(HasSubstr("IPv6 addresses must be written in brackets")));
}

TEST(Config, MisspeltKeysSuggestTheNearestValidKey)
{
    EXPECT_THAT(
        errors_of("services:\n  - service: 10.0.0.10:80/tcp\n    timout: 5\n    servers:\n"
                  "      - {id: 1, addr: 10.0.1.1, wieght: 2}\n"),
        ElementsAre("lb.yaml:3:5: unknown key 'timout' in service, did you mean 'timeout'?",
                    "lb.yaml:5:33: unknown key 'wieght' in server, did you mean 'weight'?"));
    // Nothing close: the valid keys are listed instead.
    EXPECT_THAT(errors_of("services:\n  - service: 10.0.0.10:80/tcp\n    colour: blue\n"),
                ElementsAre("lb.yaml:3:5: unknown key 'colour' in service (expected one of: "
                            "service, buckets, timeout, mode, hash_key, servers)"));
}

TEST(Config, ALongListIsReportedUpToTheLimit)
{
    std::string text = "services:\n  - service: 10.0.0.10:80/tcp\n    servers:\n";
    for (int i = 1; i <= 25; ++i)
        text += "      - {id: " + std::to_string(i) + ", addr: 10.0.1." + std::to_string(i) +
                ", weight: 70000}\n";
    try {
        ConfigParser("lb.yaml").parse(text);
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_EQ(e.errors().size(), 25u);
        EXPECT_STREQ(e.what(), "lb.yaml: 25 errors, nothing changed");
        auto report = e.report();
        ASSERT_EQ(report.size(), config::ConfigError::kReportLimit + 1);
        EXPECT_EQ(report.front(), "lb.yaml:4:41: weight must be 0..65535, not 70000");
        EXPECT_EQ(report.back(), "lb.yaml: 5 more errors");
    }
}

TEST(Config, LoadReportsADirectory)
{
    try {
        ConfigParser::load("/");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_THAT(e.errors(), ElementsAre("/: cannot open: Is a directory"));
    }
}

TEST(Config, LoadReportsAMissingFile)
{
    try {
        ConfigParser::load("/nonexistent/dlba.yaml");
        FAIL();
    } catch (const config::ConfigError& e) {
        EXPECT_THAT(e.errors(),
                    ElementsAre("/nonexistent/dlba.yaml: cannot open: No such file or directory"));
    }
}

TEST(Config, LoadReadsAFile)
{
    std::string path = ::testing::TempDir() + "dlba_config_test.yaml";
    std::ofstream(path) << kGood;
    EXPECT_EQ(ConfigParser::load(path).services.size(), 2u);
}

} // namespace
} // namespace dlba::ctl
