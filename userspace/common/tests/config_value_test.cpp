#include "dlba/config/error.h"
#include "dlba/config/value.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/socket.h>

#include <limits>

namespace dlba::config {
namespace {

using std::chrono::milliseconds;
using testing::HasSubstr;

// The reason parse(text) rejected the text with.
template <typename Parse>
std::string reason(Parse parse)
{
    try {
        parse();
    } catch (const ValueError& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(ConfigValue, Bool)
{
    for (const char* yes : {"true", "yes", "on", "1", "TRUE", "Yes"})
        EXPECT_TRUE(parse_bool(yes)) << yes;
    for (const char* no : {"false", "no", "off", "0", "Off"})
        EXPECT_FALSE(parse_bool(no)) << no;
    EXPECT_EQ(reason([] { parse_bool("perhaps"); }), "expected true or false, got 'perhaps'");
    EXPECT_EQ(reason([] { parse_bool(""); }), "expected true or false, got ''");
}

TEST(ConfigValue, Uint)
{
    EXPECT_EQ(parse_uint("0", 0, 10), 0U);
    EXPECT_EQ(parse_uint("18446744073709551615", 0, std::numeric_limits<std::uint64_t>::max()),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(reason([] { parse_uint("-1", 0, 10); }), "expected an unsigned integer, got '-1'");
    EXPECT_EQ(reason([] { parse_uint("1x", 0, 10); }), "expected an unsigned integer, got '1x'");
    EXPECT_EQ(reason([] { parse_uint("", 0, 10); }), "expected an unsigned integer, got ''");
    EXPECT_EQ(reason([] { parse_uint(" 1", 0, 10); }), "expected an unsigned integer, got ' 1'");
    EXPECT_EQ(reason([] { parse_uint("11", 0, 10); }), "11 out of range [0, 10]");
    EXPECT_EQ(reason([] { parse_uint("0", 1, 10); }), "0 out of range [1, 10]");
    EXPECT_EQ(reason([] {
                  parse_uint("18446744073709551616", 0, std::numeric_limits<std::uint64_t>::max());
              }),
              "18446744073709551616 out of range [0, 18446744073709551615]");
    EXPECT_EQ(reason([] { parse_uint("99999999999999999999999", 0, 10); }),
              "99999999999999999999999 out of range [0, 10]");
}

TEST(ConfigValue, Number)
{
    EXPECT_DOUBLE_EQ(parse_number("1.25", 1.01, 10), 1.25);
    EXPECT_EQ(reason([] { parse_number("11", 1.01, 10); }), "11 out of range [1.01, 10]");
    for (const char* bad : {"", "abc", "nan", "inf", "0x10", " 1", "1.5x"})
        EXPECT_THAT(reason([&] { parse_number(bad, 0, 100); }), HasSubstr("expected a number"))
            << bad;
}

TEST(ConfigValue, Duration)
{
    const milliseconds day{24 * 3600 * 1000};
    EXPECT_EQ(parse_duration("250ms", milliseconds(1), day), milliseconds(250));
    EXPECT_EQ(parse_duration("30", milliseconds(1), day), milliseconds(30000));
    EXPECT_EQ(parse_duration("30s", milliseconds(1), day), milliseconds(30000));
    EXPECT_EQ(parse_duration("2m", milliseconds(1), day), milliseconds(120000));
    EXPECT_EQ(parse_duration("1h", milliseconds(1), day), milliseconds(3600000));
    EXPECT_EQ(reason([&] { parse_duration("5 s", milliseconds(1), day); }),
              "unknown duration unit ' s' (ms, s, m, h)");
    EXPECT_EQ(reason([&] { parse_duration("s", milliseconds(1), day); }),
              "expected a duration like 500ms, 30s, 2m, got 's'");
    EXPECT_EQ(reason([&] { parse_duration("1234567890s", milliseconds(1), day); }),
              "expected a duration like 500ms, 30s, 2m, got '1234567890s'");
    EXPECT_EQ(reason([&] { parse_duration("0ms", milliseconds(1), day); }),
              "must be greater than zero");
    EXPECT_EQ(reason([&] { parse_duration("25h", milliseconds(1), day); }),
              "25h out of range [1ms, 86400000ms]");
    EXPECT_EQ(reason([&] { parse_duration("500ms", milliseconds(1000), day); }),
              "500ms out of range [1000ms, 86400000ms]");
}

TEST(ConfigValue, Size)
{
    EXPECT_EQ(parse_size("4096", 0, 1 << 20), 4096U);
    EXPECT_EQ(parse_size("16k", 0, 1 << 20), 16384U);
    EXPECT_EQ(parse_size("1MiB", 0, 1 << 20), 1U << 20);
    EXPECT_EQ(parse_size("0", 0, 1 << 20), 0U);
    EXPECT_EQ(reason([] { parse_size("9q", 0, 1 << 20); }), "unknown size unit 'q' (k, m, g)");
    EXPECT_EQ(reason([] { parse_size("k", 0, 1 << 20); }), "expected a size like 16k, 8m, got 'k'");
    EXPECT_EQ(reason([] { parse_size("17179869184g", 0, std::uint64_t(1) << 32); }),
              "17179869184g out of range [0, 4294967296] bytes");
    EXPECT_EQ(reason([] { parse_size("1023", 1024, 1 << 20); }),
              "1023 out of range [1024, 1048576] bytes");
}

TEST(ConfigValue, Ip)
{
    EXPECT_EQ(parse_ip("10.0.0.1").family, AF_INET);
    EXPECT_EQ(parse_ip("10.0.0.1").bytes[3], 1);
    EXPECT_EQ(parse_ip("fd00::1").family, AF_INET6);
    EXPECT_EQ(parse_ip("[fd00::1]").bytes[15], 1);
    for (const char* bad : {"", "10.0.0.256", "[10.0.0.1]", "fd00::1]", "host", "10.0.0.1:80"})
        EXPECT_THAT(reason([&] { parse_ip(bad); }), HasSubstr("is not an IPv4 or IPv6 address"))
            << bad;
    EXPECT_THAT(reason([] { parse_ip(std::string_view("10.0.0.1\0x", 10)); }),
                HasSubstr("10.0.0.1\\x00x' is not an IPv4"));
}

TEST(ConfigValue, Endpoint)
{
    auto v4 = parse_endpoint("127.0.0.1:8080");
    EXPECT_EQ(v4.ip.family, AF_INET);
    EXPECT_EQ(v4.port, 8080);
    auto v6 = parse_endpoint("[::1]:443");
    EXPECT_EQ(v6.ip.family, AF_INET6);
    EXPECT_EQ(v6.port, 443);
    EXPECT_EQ(parse_endpoint("1.2.3.4:0").port, 0);
    for (const char* bad : {"", "127.0.0.21", "::1:80", "[::1]", "[::1]80", "1.2.3.4:65536",
                            "1.2.3.4:", "[1.2.3.4]:80", "1.2.3.4:8x", "[::1:80"})
        EXPECT_THAT(reason([&] { parse_endpoint(bad); }), HasSubstr("is not ADDRESS:PORT")) << bad;
}

TEST(ConfigValue, ReasonLeavesTheTextOut)
{
    try {
        parse_uint("300", 0, 256);
        FAIL() << "accepted";
    } catch (const ValueError& e) {
        EXPECT_EQ(e.reason(), "out of range [0, 256]");
    }
    try {
        parse_bool("perhaps");
        FAIL() << "accepted";
    } catch (const ValueError& e) {
        EXPECT_EQ(e.reason(), "expected true or false");
    }
}

TEST(ConfigError, OneDiagnostic)
{
    ConfigError e("dlbad.conf", 6, "addr: '1.2.3.4' is not ADDRESS:PORT");
    EXPECT_STREQ(e.what(), "dlbad.conf:6: addr: '1.2.3.4' is not ADDRESS:PORT");
    EXPECT_EQ(e.line(), 6);
    ConfigError whole("dlbad.conf", 0, "cannot open the configuration file");
    EXPECT_STREQ(whole.what(), "dlbad.conf: cannot open the configuration file");
}

TEST(ConfigError, ManyDiagnostics)
{
    ConfigError e("lb.yaml", {{"lb.yaml", 2, "a"}, {"lb.yaml", 9, "b"}});
    EXPECT_STREQ(e.what(), "lb.yaml: 2 errors, nothing changed");
    EXPECT_THAT(e.errors(), testing::ElementsAre("lb.yaml:2: a", "lb.yaml:9: b"));
    EXPECT_EQ(e.line(), 2);
    ConfigError one("lb.yaml", {{"lb.yaml", 0, "cannot open: No such file"}});
    EXPECT_STREQ(one.what(), "lb.yaml: 1 error, nothing changed");
}

} // namespace
} // namespace dlba::config
