// The access log (issue 16): format parsing and rendering, its dlbad.conf(5) block (errors at
// FILE:LINE), and the writer: batches reach the file, a failing file drops and counts.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "accesslog/access_log.h"
#include "config/config_loader.h"
#include <dlba/config/error.h>

namespace dlba::dlbad {
namespace {

constexpr const char* kBase = R"(backends:
  web:
    servers:
      - {key: 1, addr: 10.0.1.1:80}
services:
  - {name: web, listen: "10.0.0.10:80", backend: web}
)";

AccessRecord sample_record(const SocketAddress& client, const SocketAddress& server)
{
    AccessRecord r;
    // 2026-12-07T15:08:14.123Z
    r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1796656094123LL));
    r.client = &client;
    r.service = "web";
    r.backend = "pool";
    r.has_server = true;
    r.server_key = 7;
    r.server_addr = &server;
    r.method = "GET";
    r.target = "/a?b=1";
    r.tq = 0;
    r.tw = 1;
    r.tc = 2;
    r.tr = 30;
    r.tt = 33;
    r.status = 200;
    r.bytes_out = 1234;
    r.bytes_in = 78;
    r.persistence = "cookie-hit";
    return r;
}

std::string render(const AccessLogFormat& f, const AccessRecord& r)
{
    std::string out;
    f.render(r, out);
    return out;
}

TEST(AccessLogFormat, DefaultIsTheFullLine)
{
    const auto client = *SocketAddress::parse("192.0.2.1:40000");
    const auto server = *SocketAddress::parse("10.0.1.1:80");
    auto r = sample_record(client, server);
    EXPECT_EQ(render(AccessLogFormat(), r),
              "2026-12-07T15:08:14.123Z 192.0.2.1:40000 web pool/7 10.0.1.1:80 0/1/2/30/33 200 "
              "1234 -- cookie-hit \"GET /a?b=1\"");
    r.tls = true;
    r.has_server = false;
    r.status = 0;
    r.tc = r.tr = -1;
    r.termination[0] = 'S';
    r.termination[1] = 'Q';
    r.persistence = "none";
    EXPECT_EQ(render(AccessLogFormat(), r),
              "2026-12-07T15:08:14.123Z 192.0.2.1:40000 web~ pool/- - 0/1/-1/-1/33 - 1234 SQ "
              "none \"GET /a?b=1\"");
}

TEST(AccessLogFormat, EveryVariable)
{
    const auto client = *SocketAddress::parse("[2001:db8::1]:5");
    const auto server = *SocketAddress::parse("10.0.1.1:80");
    const auto r = sample_record(client, server);
    auto f = AccessLogFormat::parse(
        "%ci|%cp|%ca|%f|%ft|%b|%s|%sa|%Tq|%Tw|%Tc|%Tr|%Tt|%st|%B|%U|%ts|%ps|%HM|%HU|%r|%%|x");
    EXPECT_TRUE(f.needs_request_line());
    EXPECT_EQ(render(f, r), "2001:db8::1|5|[2001:db8::1]:5|web|web|pool|7|10.0.1.1:80|0|1|2|30|33|"
                            "200|1234|78|--|cookie-hit|GET|/a?b=1|GET /a?b=1|%|x");
    EXPECT_FALSE(AccessLogFormat::parse("%st %B").needs_request_line());
}

TEST(AccessLogFormat, ClientTextIsEscaped)
{
    const auto client = *SocketAddress::parse("192.0.2.1:1");
    auto r = sample_record(client, client);
    r.target = "/a\"b\\c\x01\xff";
    EXPECT_EQ(render(AccessLogFormat::parse("%HU"), r), "/a\\x22b\\x5cc\\x01\\xff");
    r.method = "";
    r.target = "";
    EXPECT_EQ(render(AccessLogFormat::parse("%r"), r), "- -");
}

TEST(AccessLogFormat, BadFormatsSayWhere)
{
    auto offset_of = [](const char* spec) -> long {
        try {
            (void)AccessLogFormat::parse(spec);
        } catch (const AccessLogFormatError& e) {
            return static_cast<long>(e.offset());
        }
        return -1;
    };
    EXPECT_EQ(offset_of("%t %zz"), 3);
    EXPECT_EQ(offset_of("abc %"), 4);
    EXPECT_EQ(offset_of("a\nb"), 1);
    EXPECT_EQ(offset_of(""), 0);
    EXPECT_EQ(offset_of("%T"), 0); // %T alone is not a timer
    EXPECT_EQ(offset_of("100%% %st"), -1);
    try {
        (void)AccessLogFormat::parse("%t %zz");
    } catch (const AccessLogFormatError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown variable '%zz'"), std::string::npos)
            << e.what();
    }
}

// Expects a ConfigError whose first problem is at `line` and contains `text`.
void expect_error(const std::string& yaml, int line, const std::string& text)
{
    try {
        (void)ConfigLoader::load_string(yaml, "test.conf");
        ADD_FAILURE() << "accepted:\n" << yaml;
    } catch (const config::ConfigError& e) {
        ASSERT_FALSE(e.diagnostics().empty());
        auto first = e.diagnostics().front().str();
        EXPECT_EQ(first.rfind("test.conf:" + std::to_string(line) + ":", 0), 0u) << first;
        EXPECT_NE(first.find(text), std::string::npos) << first;
    }
}

TEST(AccessLogConfig, OffByDefault)
{
    auto c = ConfigLoader::load_string(kBase, "test.conf");
    EXPECT_FALSE(c.access_log.enabled);
}

TEST(AccessLogConfig, Read)
{
    auto c = ConfigLoader::load_string(std::string(kBase) + R"(access_log:
  target: /var/log/dlbad/access.log
  format: "%st %B"
  sample: 100
  buffer_bytes: 64k
)",
                                       "test.conf");
    EXPECT_TRUE(c.access_log.enabled);
    EXPECT_FALSE(c.access_log.syslog);
    EXPECT_EQ(c.access_log.file, "/var/log/dlbad/access.log");
    EXPECT_EQ(c.access_log.format.spec(), "%st %B");
    EXPECT_EQ(c.access_log.sample, 100u);
    EXPECT_EQ(c.access_log.buffer_bytes, 64u * 1024);
    auto s = ConfigLoader::load_string(std::string(kBase) + "access_log: {target: syslog}\n",
                                       "test.conf");
    EXPECT_TRUE(s.access_log.syslog);
    EXPECT_EQ(s.access_log.format.spec(), AccessLogFormat::kDefault);
    auto off = ConfigLoader::load_string(
        std::string(kBase) + "access_log: {target: syslog, enabled: false}\n", "test.conf");
    EXPECT_FALSE(off.access_log.enabled);
}

TEST(AccessLogConfig, ErrorsNameTheLine)
{
    const std::string b = kBase;
    expect_error(b + "access_log:\n  target: syslog\n  format: \"%t %Tx\"\n", 9,
                 "access_log.format: unknown variable '%Tx'");
    expect_error(b + "access_log:\n  target: syslog\n  format: \"%st %\"\n", 9, "lone '%'");
    expect_error(b + "access_log:\n  target: access.log\n", 8, "absolute path");
    expect_error(b + "access_log:\n  format: \"%st\"\n", 8, "'target' is required");
    expect_error(b + "access_log:\n  target: syslog\n  sample: 0\n", 9, "access_log.sample");
    expect_error(b + "access_log:\n  target: syslog\n  smaple: 2\n", 9, "sample");
}

std::string slurp(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

template <class F>
bool eventually(F&& f)
{
    for (int i = 0; i < 200; ++i) {
        if (f())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

TEST(AccessLogWriter, WritesLinesAndReopens)
{
    const auto dir =
        std::filesystem::temp_directory_path() / ("dlbad-accesslog-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = (dir / "access.log").string();
    AccessLogConfig cfg;
    cfg.enabled = true;
    cfg.file = path;
    cfg.format = AccessLogFormat::parse("%st %B");
    AccessLog log(2);
    log.configure(cfg);
    log.start();
    const auto client = *SocketAddress::parse("192.0.2.1:1");
    auto r = sample_record(client, client);
    log.channel(0).log(cfg.format, r, cfg.buffer_bytes);
    r.status = 404;
    log.channel(1).log(cfg.format, r, cfg.buffer_bytes);
    EXPECT_TRUE(eventually([&] { return log.counters().lines == 2; }));
    auto text = slurp(path);
    EXPECT_NE(text.find("200 1234\n"), std::string::npos) << text;
    EXPECT_NE(text.find("404 1234\n"), std::string::npos) << text;

    // logrotate: moved away, then a reconfigure (SIGHUP) opens a new file.
    std::filesystem::rename(path, path + ".1");
    log.configure(cfg);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r.status = 503;
    log.channel(0).log(cfg.format, r, cfg.buffer_bytes);
    EXPECT_TRUE(eventually([&] { return log.counters().lines == 3; }));
    EXPECT_EQ(slurp(path), "503 1234\n");
    log.stop();
    EXPECT_EQ(log.counters().dropped, 0u);
    std::filesystem::remove_all(dir);
}

TEST(AccessLogWriter, FailingFileDropsAndCounts)
{
    AccessLogConfig cfg;
    cfg.enabled = true;
    cfg.file = "/dev/full"; // every write: ENOSPC
    cfg.format = AccessLogFormat::parse("%st");
    AccessLog log(1);
    log.configure(cfg);
    log.start();
    const auto client = *SocketAddress::parse("192.0.2.1:1");
    const auto r = sample_record(client, client);
    for (int i = 0; i < 5; ++i)
        log.channel(0).log(cfg.format, r, cfg.buffer_bytes);
    EXPECT_TRUE(eventually([&] { return log.counters().dropped == 5; }));
    EXPECT_EQ(log.counters().lines, 0u);
}

TEST(AccessLogWriter, FullBufferDropsInsteadOfBlocking)
{
    AccessLogConfig cfg;
    cfg.enabled = true;
    cfg.file = "/dev/null";
    cfg.format = AccessLogFormat::parse("%st");
    AccessLog log(1); // not started: nothing takes the buffer
    log.configure(cfg);
    const auto client = *SocketAddress::parse("192.0.2.1:1");
    const auto r = sample_record(client, client);
    for (int i = 0; i < 10; ++i)
        log.channel(0).log(cfg.format, r, 16); // "200\n" x4 fills 16 bytes
    EXPECT_EQ(log.counters().dropped, 6u);
    log.start();
    EXPECT_TRUE(eventually([&] { return log.counters().lines == 4; }));
}

TEST(AccessLogWriter, Sampling)
{
    AccessLog log(1);
    auto& ch = log.channel(0);
    int taken = 0;
    for (int i = 0; i < 1000; ++i)
        taken += ch.sample(10) ? 1 : 0;
    EXPECT_EQ(taken, 100);
    EXPECT_TRUE(ch.sample(1));
}

} // namespace
} // namespace dlba::dlbad
