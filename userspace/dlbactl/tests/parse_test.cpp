#include "dlba/ctl/parse.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/dlba.h>
#include <netinet/in.h>

namespace dlba::ctl {
namespace {

TEST(ParseService, Ipv4Tcp)
{
    ServiceKey k = parse_service("10.0.0.10:80/tcp");
    EXPECT_EQ(k.addr.family, AF_INET);
    EXPECT_EQ(k.port, 80);
    EXPECT_EQ(k.proto, IPPROTO_TCP);
    EXPECT_EQ(format_address(k.addr), "10.0.0.10");
    EXPECT_EQ(format_service(k), "10.0.0.10:80/tcp");
}

TEST(ParseService, Ipv6UdpUppercaseProto)
{
    ServiceKey k = parse_service("[fd00::1]:443/UDP");
    EXPECT_EQ(k.addr.family, AF_INET6);
    EXPECT_EQ(k.port, 443);
    EXPECT_EQ(k.proto, IPPROTO_UDP);
    EXPECT_EQ(format_service(k), "[fd00::1]:443/udp");
}

TEST(ParseService, RoundTripsThroughFormat)
{
    for (const char* s :
         {"10.0.0.10:53/udp", "[fd00::10]:80/tcp", "[::ffff:10.0.0.1]:8080/tcp", "0.0.0.0:1/tcp"})
        EXPECT_EQ(format_service(parse_service(s)), s);
}

class BadService : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(BadService, RejectedWithReason)
{
    auto [text, reason] = GetParam();
    try {
        parse_service(text);
        FAIL() << text << " accepted";
    } catch (const ParseError& e) {
        EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
}

std::string case_name(const ::testing::TestParamInfo<std::pair<const char*, const char*>>& info)
{
    return "case" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(
    Parse, BadService,
    ::testing::Values(std::pair{"10.0.0.10:80", "missing /tcp or /udp"},
                      std::pair{"10.0.0.10:80/sctp", "protocol must be tcp or udp"},
                      std::pair{"10.0.0.10/tcp", "missing port"},
                      std::pair{"10.0.0.10:/tcp", "missing port"},
                      std::pair{"10.0.0.10:0/tcp", "port must be 1..65535"},
                      std::pair{"10.0.0.10:65536/tcp", "port must be 1..65535"},
                      std::pair{"10.0.0.10:8x/tcp", "port must be 1..65535"},
                      std::pair{"10.0.0.10:-1/tcp", "port must be 1..65535"},
                      std::pair{"10.0.0.256:80/tcp", "invalid IPv4 address"},
                      std::pair{"010.0.0.1:80/tcp", "invalid IPv4 address"},
                      std::pair{"fd00::1:80/tcp", "IPv6 addresses must be written in brackets"},
                      std::pair{"[fd00::1:80/tcp", "invalid IPv6 address"},
                      std::pair{"[10.0.0.1]:80/tcp", "invalid IPv6 address"},
                      std::pair{"[fd00::g]:80/tcp", "invalid IPv6 address"},
                      std::pair{"", "missing /tcp or /udp"}),
    case_name);

TEST(ParseAddress, FamiliesAndBrackets)
{
    EXPECT_EQ(parse_address("10.0.1.1").family, AF_INET);
    EXPECT_EQ(parse_address("fd00::2").family, AF_INET6);
    EXPECT_EQ(parse_address("[fd00::2]"), parse_address("fd00::2"));
    EXPECT_THROW(parse_address("10.0.1"), ParseError);
    EXPECT_THROW(parse_address("[10.0.1.1]"), ParseError);
    EXPECT_THROW(parse_address("host.example"), ParseError);
    EXPECT_THROW(parse_address(""), ParseError);
}

TEST(ParseMac, GoodForms)
{
    Mac m = parse_mac("02:00:00:00:01:0A");
    EXPECT_EQ(m, (Mac{0x02, 0, 0, 0, 0x01, 0x0a}));
    EXPECT_EQ(parse_mac("02-00-00-00-01-0a"), m);
    EXPECT_EQ(format_mac(m), "02:00:00:00:01:0a");
}

TEST(ParseMac, BadForms)
{
    for (const char* s :
         {"02:00:00:00:01", "02:00:00:00:01:01:01", "2:0:0:0:1:1", "02:00:00:00:01:0g",
          "02:00-00:00:01:01", "0200.0000.0101", "", "02:00:00:00:01:+1", "02:00:00:00:01:-1"})
        EXPECT_THROW(parse_mac(s), ParseError) << s;
}

TEST(ParseMac, UnicastCheck)
{
    EXPECT_TRUE(check_unicast_mac(parse_mac("02:00:00:00:01:01")).empty());
    EXPECT_NE(check_unicast_mac(parse_mac("00:00:00:00:00:00")), "");
    EXPECT_NE(check_unicast_mac(parse_mac("01:00:5e:00:00:01")).find("multicast"),
              std::string::npos);
    EXPECT_NE(check_unicast_mac(parse_mac("ff:ff:ff:ff:ff:ff")), "");
}

TEST(ParseNames, MethodsAndModes)
{
    EXPECT_EQ(parse_method("dr"), DLBA_FWD_DR);
    EXPECT_EQ(parse_method("NAT"), DLBA_FWD_NAT);
    EXPECT_EQ(parse_method("tun"), DLBA_FWD_TUN);
    EXPECT_THROW(parse_method("masq"), ParseError);
    EXPECT_EQ(method_name(DLBA_FWD_TUN), "tun");
    EXPECT_EQ(method_name(9), "method9");
    EXPECT_EQ(parse_mode("forward"), DLBA_MODE_FORWARD);
    EXPECT_THROW(parse_mode("fwd"), ParseError);
    EXPECT_EQ(mode_name(DLBA_MODE_FORWARD), "forward");
}

TEST(ParseUint, StrictDecimal)
{
    EXPECT_EQ(parse_uint("0", 10, "x"), 0u);
    EXPECT_EQ(parse_uint("65535", 65535, "port"), 65535u);
    EXPECT_EQ(parse_uint("18446744073709551615", UINT64_MAX, "x"), UINT64_MAX);
    for (const char* s : {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "12a"})
        EXPECT_THROW(parse_uint(s, 100, "x"), ParseError) << s;
    EXPECT_THROW(parse_uint("65536", 65535, "port"), ParseError);
    EXPECT_THROW(parse_uint("18446744073709551616", UINT64_MAX, "x"), ParseError);
    try {
        parse_uint("70000", 65535, "port");
    } catch (const ParseError& e) {
        EXPECT_STREQ(e.what(), "invalid port '70000': out of range [0, 65535]");
    }
}

TEST(ParseBool, Words)
{
    EXPECT_TRUE(parse_bool("true", "x"));
    EXPECT_TRUE(parse_bool("Yes", "x"));
    EXPECT_FALSE(parse_bool("off", "x"));
    EXPECT_FALSE(parse_bool("0", "x"));
    EXPECT_THROW(parse_bool("maybe", "x"), ParseError);
}

TEST(Ranges, MatchUapiLimits)
{
    EXPECT_TRUE(check_buckets(DLBA_BUCKETS_MIN).empty());
    EXPECT_TRUE(check_buckets(65536).empty());
    EXPECT_TRUE(check_buckets(DLBA_BUCKETS_MAX).empty());
    EXPECT_FALSE(check_buckets(0).empty());
    EXPECT_FALSE(check_buckets(DLBA_BUCKETS_MIN / 2).empty());
    EXPECT_FALSE(check_buckets(1000).empty());
    EXPECT_FALSE(check_buckets(uint64_t(DLBA_BUCKETS_MAX) * 2).empty());
    EXPECT_TRUE(check_timeout(1).empty());
    EXPECT_TRUE(check_timeout(DLBA_TIMEOUT_MAX).empty());
    EXPECT_FALSE(check_timeout(0).empty());
    EXPECT_FALSE(check_timeout(DLBA_TIMEOUT_MAX + 1).empty());
    EXPECT_TRUE(check_server_id(1).empty());
    EXPECT_TRUE(check_server_id(DLBA_SERVER_ID_MAX).empty());
    EXPECT_FALSE(check_server_id(0).empty());
    EXPECT_FALSE(check_server_id(DLBA_SERVER_ID_MAX + 1).empty());
    EXPECT_TRUE(check_weight(0).empty());
    EXPECT_TRUE(check_weight(DLBA_WEIGHT_MAX).empty());
    EXPECT_FALSE(check_weight(DLBA_WEIGHT_MAX + 1).empty());
}

} // namespace
} // namespace dlba::ctl
