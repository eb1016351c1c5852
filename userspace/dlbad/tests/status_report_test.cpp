// The status document (Documentation/dlbad-status.md) and its Prometheus / table renderings.
#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "monitor/stats_registry.h"
#include "monitor/status_report.h"
#include "process/runtime.h"

namespace dlba::dlbad {
namespace {

constexpr const char* kConf = R"(backends:
  shop:
    servers:
      - {key: 0, addr: 2.2.3.4:80, weight: 100}
      - {key: 1, addr: 3.2.3.5:80, weight: 90}
  caches:
    servers:
      - {key: 7, addr: 2.2.3.4:80, weight: 50, enabled: false}
services:
  - {name: shop, listen: "10.0.0.10:80", backend: shop, policy: cookie, cookie: {session: JSESSIONID}}
  - {name: cache, listen: "[fd00::10]:8080", backend: caches, policy: url-hash}
)";

struct Fixture : ::testing::Test {
    Fixture()
        : runtime(ConfigLoader::load_string(kConf, "t.conf"), 3, 2, Secrets::random(), registry)
    {
        auto& s0 = runtime.pools()[0]->servers()[0].stats();
        s0.hits = 41523;
        s0.open_conns = 145;
        s0.cookies_assigned = 294;
        s0.responses = 100;
        s0.resp_time_ewma_us = 10000;
        s0.status_class[2] = 99;
        s0.status_class[5] = 1;
        auto& s1 = runtime.pools()[0]->servers()[1].stats();
        s1.hits = 11234;
        s1.unable_to_connect = 4;
        s1.idle_discarded = 8;
        s1.failed = true;
        auto& c = runtime.pools()[1]->servers()[0].stats();
        c.hits = 7;
        c.open_conns = 1;
        c.responses = 300;
        c.resp_time_ewma_us = 2000;
        runtime.services()[0]->stats().requests = 52757;
        runtime.services()[0]->stats().internal_errors = 6;
        runtime.services()[0]->stats().bad_requests = 3;
        runtime.services()[0]->stats().generated[4] = 2;
        runtime.services()[0]->stats().generated[5] = 1;
        DaemonInfo info{1234, 12.5, 2, 9};
        doc = StatusReport::build(runtime, info);
    }
    StatsRegistry registry;
    Runtime runtime;
    nlohmann::json doc;
};

TEST_F(Fixture, DocumentShape)
{
    EXPECT_EQ(doc["format"], 1);
    EXPECT_EQ(doc["dlbad"]["pid"], 1234);
    EXPECT_EQ(doc["dlbad"]["generation"], 3);
    EXPECT_EQ(doc["dlbad"]["workers"], 2);
    EXPECT_EQ(doc["dlbad"]["connections"], 9);
    EXPECT_EQ(doc["dlbad"]["config"], "t.conf");

    ASSERT_EQ(doc["services"].size(), 2u);
    const auto& s = doc["services"][0];
    EXPECT_EQ(s["name"], "shop");
    EXPECT_EQ(s["service"], "10.0.0.10:80/tcp") << "the scheduler's SVC naming";
    EXPECT_EQ(s["family"], "inet");
    EXPECT_EQ(s["addr"], "10.0.0.10");
    EXPECT_EQ(s["port"], 80);
    EXPECT_EQ(s["proto"], "tcp");
    EXPECT_EQ(s["protocol"], "http");
    EXPECT_EQ(s["policy"], "cookie");
    EXPECT_EQ(s["stats"]["requests"], 52757);
    EXPECT_EQ(s["stats"]["internal_errors"], 6);
    EXPECT_EQ(s["stats"]["generated"]["4xx"], 2);
    EXPECT_EQ(s["stats"]["generated"]["5xx"], 1);
    EXPECT_EQ(doc["services"][1]["service"], "[fd00::10]:8080/tcp");
    EXPECT_EQ(doc["services"][1]["family"], "inet6");

    ASSERT_EQ(doc["servers"].size(), 3u);
    const auto& a = doc["servers"][0]; // Fig. 7 row 0
    EXPECT_EQ(a["backend"], "shop");
    EXPECT_EQ(a["services"], nlohmann::json::array({"shop"}));
    EXPECT_EQ(a["id"], 0);
    EXPECT_EQ(a["addr"], "2.2.3.4");
    EXPECT_EQ(a["port"], 80);
    EXPECT_EQ(a["weight"], 100);
    EXPECT_EQ(a["state"], "ready");
    EXPECT_EQ(a["enabled"], true);
    EXPECT_EQ(a["failed"], false);
    EXPECT_DOUBLE_EQ(a["stats"]["avg_resp_time_ms"].get<double>(), 10.0);
    EXPECT_EQ(a["stats"]["hits"], 41523);
    EXPECT_EQ(a["stats"]["open_conns"], 145);
    EXPECT_EQ(a["stats"]["cookies_assigned"], 294);
    EXPECT_EQ(a["stats"]["status"]["2xx"], 99);
    EXPECT_EQ(a["stats"]["status"]["5xx"], 1);
    const auto& b = doc["servers"][1];
    EXPECT_EQ(b["failed"], true);
    EXPECT_EQ(b["stats"]["unable_to_connect"], 4);
    EXPECT_EQ(b["stats"]["idle_discarded"], 8);
    EXPECT_EQ(doc["servers"][2]["enabled"], false);
    EXPECT_EQ(doc["servers"][2]["state"], "drain");
}

TEST_F(Fixture, SummaryAggregatesPerPhysicalAddress)
{
    // 2.2.3.4:80 is in both back-end groups: one Fig. 8 row.
    ASSERT_EQ(doc["summary"].size(), 2u);
    const auto& r = doc["summary"][0];
    EXPECT_EQ(r["addr"], "2.2.3.4");
    EXPECT_EQ(r["hits"], 41523 + 7);
    EXPECT_EQ(r["open_conns"], 146);
    EXPECT_EQ(r["cookies_assigned"], 294);
    EXPECT_EQ(r["enabled"], true) << "enabled in at least one group";
    EXPECT_EQ(r["weight"], 100);
    // Response time weighted by responses: (10 ms x 100 + 2 ms x 300) / 400 = 4 ms.
    EXPECT_DOUBLE_EQ(r["avg_resp_time_ms"].get<double>(), 4.0);
    EXPECT_EQ(doc["summary"][1]["failed"], true);
}

TEST_F(Fixture, PrometheusShowsTheSameFigures)
{
    auto text = StatusReport::prometheus(doc);
    EXPECT_NE(text.find("# TYPE dlbad_server_hits_total counter\n"), std::string::npos);
    EXPECT_NE(
        text.find("dlbad_server_hits_total{backend=\"shop\",id=\"0\",addr=\"2.2.3.4:80\"} 41523\n"),
        std::string::npos);
    EXPECT_NE(text.find("dlbad_server_avg_response_time_seconds{backend=\"shop\",id=\"0\",addr=\"2."
                        "2.3.4:80\"} 0.01\n"),
              std::string::npos);
    EXPECT_NE(text.find("dlbad_server_failed{backend=\"shop\",id=\"1\",addr=\"3.2.3.5:80\"} 1\n"),
              std::string::npos);
    EXPECT_NE(
        text.find(
            "dlbad_server_idle_discarded_total{backend=\"shop\",id=\"1\",addr=\"3.2.3.5:80\"} 8\n"),
        std::string::npos);
    EXPECT_NE(
        text.find("dlbad_server_enabled{backend=\"caches\",id=\"7\",addr=\"2.2.3.4:80\"} 0\n"),
        std::string::npos);
    EXPECT_NE(
        text.find(
            "dlbad_service_requests_total{service=\"shop\",listen=\"10.0.0.10:80/tcp\"} 52757\n"),
        std::string::npos);
    EXPECT_NE(text.find("# TYPE dlbad_service_internal_errors_total counter\n"), std::string::npos);
    EXPECT_NE(text.find("dlbad_service_internal_errors_total{service=\"shop\",listen=\"10.0.0.10:"
                        "80/tcp\"} 6\n"),
              std::string::npos);
    EXPECT_NE(text.find("dlbad_server_responses_by_class_total{backend=\"shop\",id=\"0\",addr=\"2."
                        "2.3.4:80\",class=\"5xx\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("dlbad_service_generated_responses_total{service=\"shop\",listen=\"10.0.0."
                        "10:80/tcp\",class=\"5xx\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("dlbad_config_generation 3\n"), std::string::npos);
    EXPECT_NE(text.find("(WO 01/69890 Fig. 7 # Hits)"), std::string::npos);
}

TEST_F(Fixture, TablesShowFig7AndFig8)
{
    auto t = StatusReport::tables(doc);
    EXPECT_NE(t.find("Web Server Status Table"), std::string::npos);
    EXPECT_NE(t.find("Summary Web Server Status Table"), std::string::npos);
    EXPECT_NE(t.find("2.2.3.4:80"), std::string::npos);
    EXPECT_NE(t.find("41523"), std::string::npos);
    EXPECT_NE(t.find("10.00ms"), std::string::npos);
    EXPECT_NE(t.find("Web Server Status Table (WO 01/69890 Fig. 7)"), std::string::npos);
    EXPECT_NE(t.find("Summary Web Server Status Table (WO 01/69890 Fig. 8)"), std::string::npos);
}

// Issue 16: the tables show what each server answered, by class, on its Fig. 7 row, and apart
// from it the error responses dlbad made itself, on the service's row (its 501 is a 5xx there).
TEST_F(Fixture, TablesShowServerClassesAndDlbadsOwnAnswers)
{
    auto t = StatusReport::tables(doc);
    auto row = [&](const std::string& start) {
        auto at = t.find(start);
        return at == std::string::npos ? std::string() : t.substr(at, t.find('\n', at) - at);
    };
    auto header = row("Backend ");
    EXPECT_NE(header.find("Weight      1xx        2xx      3xx      4xx      5xx"),
              std::string::npos)
        << header;
    auto server0 = row("shop              0 2.2.3.4:80");
    EXPECT_NE(server0.find("   100        0         99        0        0        1"),
              std::string::npos)
        << server0;
    EXPECT_NE(row("Name ").find("Active  Own 4xx  Own 5xx Rerouted"), std::string::npos) << t;
    auto service = row("shop ");
    EXPECT_NE(service.find("   52757        0        2        1        0"), std::string::npos)
        << service;
}

TEST(StatsRegistry, FiguresSurviveAReloadOnlyForWhatStays)
{
    StatsRegistry reg;
    auto a = reg.backend("shop", "1.1.1.1:80");
    a->hits = 5;
    EXPECT_EQ(reg.backend("shop", "1.1.1.1:80").get(), a.get())
        << "same group + address: same figures";
    EXPECT_NE(reg.backend("other", "1.1.1.1:80").get(), a.get());
    a.reset();
    EXPECT_EQ(reg.backend("shop", "1.1.1.1:80")->hits, 0u) << "forgotten once nothing uses it";
}

} // namespace
} // namespace dlba::dlbad
