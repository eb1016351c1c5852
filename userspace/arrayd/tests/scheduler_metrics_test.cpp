// The local scheduler's figures in dlba-arrayd's Prometheus text and status JSON, read from
// dlbactl's fake dlba.ko.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "dlba/ctl/parse.h"
#include "fake_backend.h"
#include "status/scheduler_metrics.h"
#include <dlba/nl/error.h>

namespace dlba::arrayd {
namespace {

using ctl::parse_address;
using ctl::parse_service;

// The text exposition format as Prometheus parses it, strictly enough for what arrayd writes:
// HELP and TYPE once per family, before its samples; a family's samples together; counters
// named *_total; label values escaped; numeric values; no series twice.  Returns the problems.
std::vector<std::string> check_exposition(const std::string& text)
{
    std::vector<std::string> bad;
    static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
    static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge))");
    static const std::regex kSample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+))");
    std::set<std::string> helped, typed, finished, series;
    std::map<std::string, std::string> types;
    std::string current;
    std::istringstream in(text);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        std::string family;
        if (std::regex_match(line, m, kHelp)) {
            family = m[1];
            if (!helped.insert(family).second)
                bad.push_back("HELP twice: " + line);
        } else if (std::regex_match(line, m, kType)) {
            family = m[1];
            if (!typed.insert(family).second)
                bad.push_back("TYPE twice: " + line);
            types[family] = m[2];
            if (m[2] == "counter" && !family.ends_with("_total"))
                bad.push_back("counter without _total: " + line);
        } else if (std::regex_match(line, m, kSample)) {
            family = m[1];
            if (!typed.contains(family) || !helped.contains(family))
                bad.push_back("sample before HELP/TYPE: " + line);
            if (!series.insert(m[1].str() + "{" + m[3].str() + "}").second)
                bad.push_back("series twice: " + line);
            const std::string value = m[4];
            try {
                size_t used = 0;
                (void)std::stod(value, &used);
                if (used != value.size())
                    bad.push_back("bad value: " + line);
            } catch (const std::exception&) {
                bad.push_back("bad value: " + line);
            }
        } else {
            bad.push_back("unparsable: " + line);
            continue;
        }
        if (family != current) {
            if (finished.contains(family))
                bad.push_back("family split: " + line);
            if (!current.empty())
                finished.insert(current);
            current = family;
        }
    }
    if (!text.empty() && text.back() != '\n')
        bad.push_back("no final newline");
    return bad;
}

class SchedulerMetricsTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ctl::ServiceConfig c;
        c.key = parse_service("10.0.0.10:80/tcp");
        c.buckets = 16;
        c.timeout = 60;
        kernel.add_service(c);
        c.key = parse_service("[2001:db8::1]:443/udp");
        kernel.add_service(c);
        ctl::ServerConfig s;
        s.id = 1;
        s.addr = parse_address("192.168.1.1");
        kernel.add_server(parse_service("10.0.0.10:80/tcp"), s);
        s.id = 2;
        s.addr = parse_address("192.168.1.2");
        s.weight = 3;
        kernel.add_server(parse_service("10.0.0.10:80/tcp"), s);
        s.id = 7;
        s.addr = parse_address("2001:db8::7");
        s.enabled = false;
        kernel.add_server(parse_service("[2001:db8::1]:443/udp"), s);

        auto& web = kernel.state.at(parse_service("10.0.0.10:80/tcp"));
        web.table.assign = {1, 1, 2, 2, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
        web.table.idle_ms = {0, 70000, 10, 59999, 60000, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
        web.table.version = 42;
        web.info.version = 42;
        web.info.stats.packets = 100;
        web.info.stats.bytes = 6400;
        web.info.stats.new_assign = 5;
        web.servers.at(1).buckets = 3;
        web.servers.at(1).stats.packets = 60;
        web.servers.at(2).buckets = 3;
        web.servers.at(2).failed = true;
    }

    SchedulerMetrics metrics(std::chrono::seconds every = std::chrono::seconds(60))
    {
        return SchedulerMetrics(
            [this] { return std::make_unique<ctl::test::BackendProxy>(kernel); }, every);
    }

    static bool has(const std::string& text, const std::string& line)
    {
        return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
    }

    ctl::test::FakeBackend kernel;
};

TEST_F(SchedulerMetricsTest, ExportsTheTables)
{
    auto m = metrics();
    (void)m.read(); // counts the first service's active buckets, the next scrape the second's
    const std::string text = scheduler_prometheus(m.read());
    EXPECT_TRUE(check_exposition(text).empty())
        << ::testing::PrintToString(check_exposition(text)) << "\n"
        << text;
    EXPECT_TRUE(has(text, "dlba_scheduler_up 1"));
    EXPECT_TRUE(has(text, "dlba_scheduler_services 2"));
    EXPECT_TRUE(has(text, "dlba_scheduler_packets_total 10"));
    EXPECT_TRUE(has(text, "dlba_scheduler_no_server_total 1"));
    const std::string web = R"(service="10.0.0.10:80/tcp")";
    const std::string v6 = R"(service="[2001:db8::1]:443/udp")";
    EXPECT_TRUE(has(text, "dlba_scheduler_service_packets_total{" + web + "} 100"));
    EXPECT_TRUE(has(text, "dlba_scheduler_service_new_assignments_total{" + web + "} 5"));
    EXPECT_TRUE(has(text, "dlba_scheduler_service_buckets{" + web + "} 16"));
    EXPECT_TRUE(has(text, "dlba_scheduler_service_assigned_buckets{" + web + "} 6"));
    EXPECT_TRUE(has(text, "dlba_scheduler_service_assigned_buckets{" + v6 + "} 0"));
    EXPECT_TRUE(has(text, "dlba_scheduler_service_table_version{" + web + "} 42"));
    EXPECT_TRUE(has(text, "dlba_scheduler_service_timeout_seconds{" + web + "} 60"));
    EXPECT_NE(text.find("\ndlba_scheduler_service_active_buckets_age_seconds{" + web + "} "),
              std::string::npos);
    EXPECT_TRUE(has(text, "dlba_scheduler_service_active_buckets_age_seconds{" + v6 + "} 0"));
    const std::string s1 = web + R"(,id="1",addr="192.168.1.1:80")";
    const std::string s2 = web + R"(,id="2",addr="192.168.1.2:80")";
    const std::string s7 = v6 + R"(,id="7",addr="[2001:db8::7]:443")";
    EXPECT_TRUE(has(text, "dlba_scheduler_server_packets_total{" + s1 + "} 60"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_buckets{" + s1 + "} 3"));
    // Idle below the 60 s timeout: server 1 has buckets 0 and 7, server 2 buckets 2 and 3.
    EXPECT_TRUE(has(text, "dlba_scheduler_server_active_buckets{" + s1 + "} 2"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_active_buckets{" + s2 + "} 2"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_active_buckets{" + s7 + "} 0"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_weight{" + s2 + "} 3"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_enabled{" + s1 + "} 1"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_enabled{" + s7 + "} 0"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_failed{" + s2 + "} 1"));
    EXPECT_TRUE(has(text, "dlba_scheduler_server_failed{" + s1 + "} 0"));
    // Counters dlba.ko does not report for a server are left out, not shown as 0.
    EXPECT_EQ(text.find("dlba_scheduler_server_packets_total{" + s2), std::string::npos);
}

TEST_F(SchedulerMetricsTest, ReadsOneTablePerScrapeAtMostOncePerInterval)
{
    auto dumps = [this] {
        return std::count_if(kernel.requests.begin(), kernel.requests.end(),
                             [](const std::string& r) { return r.starts_with("buckets "); });
    };
    auto m = metrics(std::chrono::seconds(3600));
    auto first = m.read();
    EXPECT_EQ(dumps(), 1);
    ASSERT_EQ(first.services.size(), 2u);
    EXPECT_TRUE(first.services[0].active.has_value());
    EXPECT_FALSE(first.services[1].active.has_value());
    auto second = m.read();
    EXPECT_EQ(dumps(), 2);
    EXPECT_TRUE(second.services[1].active.has_value());
    (void)m.read();
    (void)m.read();
    EXPECT_EQ(dumps(), 2); // both counted, neither an hour old

    auto every = metrics(std::chrono::seconds(0));
    for (int i = 0; i < 4; ++i)
        (void)every.read();
    EXPECT_EQ(dumps(), 6); // one per scrape, the stalest
}

TEST_F(SchedulerMetricsTest, DownWhenTheModuleIsNotThere)
{
    SchedulerMetrics absent([]() -> std::unique_ptr<ctl::Backend> {
        throw nl::Error(ENOENT, "generic netlink family \"dlba\" not found (is dlba.ko loaded?)");
    });
    auto snap = absent.read();
    EXPECT_FALSE(snap.up);
    EXPECT_EQ(scheduler_prometheus(snap), "# HELP dlba_scheduler_up 1 if the local dlba.ko "
                                          "answered this scrape, 0 if it is not loaded or "
                                          "failed.\n# TYPE dlba_scheduler_up gauge\n"
                                          "dlba_scheduler_up 0\n");
    auto j = scheduler_status_json(snap);
    EXPECT_EQ(j["up"], false);
    EXPECT_NE(j["error"].get<std::string>().find("not found"), std::string::npos);

    // A failure in the middle of a scrape: up 0, and the next scrape opens dlba.ko again.
    auto m = metrics();
    kernel.refuse("servers", EIO, "boom");
    auto text = scheduler_prometheus(m.read());
    EXPECT_TRUE(has(text, "dlba_scheduler_up 0"));
    EXPECT_EQ(text.find("dlba_scheduler_service"), std::string::npos);
    EXPECT_TRUE(has(scheduler_prometheus(m.read()), "dlba_scheduler_up 1"));
    // On the backend kept from that scrape (as after a module reload): tried again at once.
    kernel.refuse("stats", ENOENT, "gone");
    EXPECT_TRUE(has(scheduler_prometheus(m.read()), "dlba_scheduler_up 1"));
    kernel.refuse("stats", ENOENT, "gone");
    kernel.refuse("stats", ENOENT, "gone");
    EXPECT_TRUE(has(scheduler_prometheus(m.read()), "dlba_scheduler_up 0"));
}

TEST(SchedulerPrometheus, EscapesLabelValues)
{
    SchedulerSnapshot s;
    s.up = true;
    ctl::ServerInfo srv;
    srv.service = parse_service("10.0.0.10:80/tcp");
    srv.id = 1;
    srv.addr = parse_address("10.1.1.1");
    srv.port = 8080;
    s.servers.push_back(srv);
    const std::string text = scheduler_prometheus(s);
    EXPECT_TRUE(check_exposition(text).empty()) << text;
    EXPECT_NE(
        text.find(
            R"(dlba_scheduler_server_weight{service="10.0.0.10:80/tcp",id="1",addr="10.1.1.1:8080"} 0)"),
        std::string::npos)
        << text;
    // The checker itself: an unescaped quote or newline in a label value is refused, an escaped
    // one accepted.
    EXPECT_FALSE(check_exposition("# HELP a x\n# TYPE a gauge\na{l=\"q\"q\"} 1\n").empty());
    EXPECT_TRUE(check_exposition("# HELP a x\n# TYPE a gauge\na{l=\"q\\\"q\\\\\\n\"} 1\n").empty());
    EXPECT_FALSE(check_exposition("# HELP a_total x\n# TYPE a_total counter\na_total 1\n"
                                  "# HELP b x\n# TYPE b gauge\nb 1\na_total{x=\"1\"} 2\n")
                     .empty());
}

TEST_F(SchedulerMetricsTest, StatusJson)
{
    auto m = metrics();
    auto j = scheduler_status_json(m.read());
    EXPECT_EQ(j["up"], true);
    EXPECT_EQ(j["stats"]["services"], 2);
    ASSERT_EQ(j["services"].size(), 2u);
    const auto& web = j["services"][0];
    EXPECT_EQ(web["service"], "10.0.0.10:80/tcp");
    EXPECT_EQ(web["assigned"], 6);
    EXPECT_EQ(web["active"]["1"], 2);
    EXPECT_EQ(web["servers"].size(), 2u);
    EXPECT_FALSE(web.contains("hash_key"));
    // The table read for the active count, as the status page draws it: 16 buckets, 16 cells.
    const auto& pic = web["picture"];
    EXPECT_EQ(pic["per_cell"], 1);
    EXPECT_EQ(pic["cells"], 16);
    EXPECT_EQ(pic["owner"], nlohmann::json({1, 1, 2, 2, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(pic["idle_s"][1], 70);
    EXPECT_EQ(pic["idle_s"][3], 59);
    EXPECT_TRUE(pic["idle_s"][5].is_null());
    // The second service's table is read at the next scrape only.
    EXPECT_FALSE(j["services"][1].contains("picture"));
}

TEST(BucketPicture, CellsOfSeveralBuckets)
{
    ctl::BucketTable t;
    t.count = 10;
    t.assign = {3, 3, 5, 0, 0, 0, 5, 5, 3, 9};
    t.idle_ms = {9000, 1500, 700, 0, 0, 0, 4000, 4000, 2000, 123456};
    // 4 cells at most: 3 buckets each, the last one 1.
    auto p = bucket_picture(t, 4);
    EXPECT_EQ(p.per_cell, 3u);
    EXPECT_EQ(p.owner, (std::vector<std::uint32_t>{3, 0, 5, 9}));
    ASSERT_EQ(p.idle_s.size(), 4u);
    EXPECT_EQ(p.idle_s[0], 0u); // 700 ms: the least idle of the cell
    EXPECT_EQ(p.idle_s[1], std::nullopt);
    EXPECT_EQ(p.idle_s[2], 2u);
    EXPECT_EQ(p.idle_s[3], 123u);
    // A tie goes to the first server seen; without idle times, no idle_s.
    t.assign = {4, 6, 6, 4};
    t.idle_ms.clear();
    p = bucket_picture(t, 2);
    EXPECT_EQ(p.owner, (std::vector<std::uint32_t>{4, 6}));
    EXPECT_TRUE(p.idle_s.empty());
    // Up to max_cells buckets: one a cell.  An empty table: no cells.
    EXPECT_EQ(bucket_picture(t).owner.size(), 4u);
    EXPECT_EQ(bucket_picture(ctl::BucketTable{}).owner.size(), 0u);
}

} // namespace
} // namespace dlba::arrayd
