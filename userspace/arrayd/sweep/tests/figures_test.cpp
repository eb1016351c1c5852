// The figures of a DLBA server's status document (Documentation/dlbad-status.md), and the HTTP
// status line of http checks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dlba/arrayd/sweep/figures.h"
#include "probe.h"

namespace dlba::arrayd {
namespace {

using nlohmann::json;

json document()
{
    return json::parse(R"({
      "format": 1,
      "dlbad": {"pid": 4242, "uptime_s": 3600.5, "workers": 2, "connections": 153,
                "loop_yields": 1870, "generation": 3, "config": "/etc/dlbad/dlbad.conf",
                "loaded_at": 1700000000},
      "services": [
        {"name": "shop-https", "service": "10.0.0.10:443/tcp", "family": "inet",
         "addr": "10.0.0.10", "port": 443, "proto": "tcp", "protocol": "https",
         "backend": "shop", "policy": "cookie",
         "stats": {"connections": 1200, "active_connections": 153, "requests": 52757}},
        {"name": "other", "service": "10.0.0.10:80/tcp", "family": "inet",
         "addr": "10.0.0.10", "port": 80, "proto": "tcp", "protocol": "http",
         "backend": "idle", "policy": "leastconn",
         "stats": {"connections": 0, "active_connections": 0, "requests": 0}}
      ],
      "servers": [
        {"backend": "shop", "services": ["shop-https"], "id": 0, "addr": "2.2.3.4",
         "port": 80, "weight": 100, "enabled": true, "failed": false,
         "stats": {"avg_resp_time_ms": 10.0, "hits": 30000, "open_conns": 145,
                   "unable_to_connect": 0, "responses": 30000}},
        {"backend": "shop", "services": ["shop-https"], "id": 1, "addr": "3.2.3.5",
         "port": 80, "weight": 90, "enabled": true, "failed": true,
         "stats": {"avg_resp_time_ms": 30.0, "hits": 10000, "open_conns": 5,
                   "unable_to_connect": 7, "responses": 10000}},
        {"backend": "idle", "services": ["other"], "id": 2, "addr": "4.2.3.6",
         "port": 8080, "weight": 1, "enabled": false, "failed": false,
         "stats": {"avg_resp_time_ms": 0.0, "hits": 0, "open_conns": 0,
                   "unable_to_connect": 0, "responses": 0}}
      ],
      "summary": []
    })");
}

TEST(Figures, ServerRowWithPerServiceAndPerBackendFigures)
{
    StatusFigures f = parse_status_document(document());
    // Fig. 5's row: open client connections, hits sent on, response-weighted average.
    EXPECT_EQ(f.open_conns, 153U);
    EXPECT_EQ(f.hits, 40000U);
    EXPECT_DOUBLE_EQ(f.avg_resp_time_ms, 15.0); // (10 * 30000 + 30 * 10000) / 40000
    EXPECT_EQ(f.generation, 3U);
    ASSERT_EQ(f.services.size(), 2U);
    EXPECT_EQ(f.services[0].name, "shop-https");
    EXPECT_EQ(f.services[0].service, "10.0.0.10:443/tcp");
    EXPECT_EQ(f.services[0].requests, 52757U);
    EXPECT_EQ(f.services[0].active_connections, 153U);
    EXPECT_DOUBLE_EQ(f.services[0].avg_resp_time_ms, 15.0);
    EXPECT_DOUBLE_EQ(f.services[1].avg_resp_time_ms, 0.0); // no responses: no average
    ASSERT_EQ(f.backends.size(), 3U);
    EXPECT_EQ(f.backends[1].addr, "3.2.3.5");
    EXPECT_EQ(f.backends[1].id, 1U);
    EXPECT_EQ(f.backends[1].unable_to_connect, 7U);
    EXPECT_TRUE(f.backends[1].failed);
    EXPECT_FALSE(f.backends[2].enabled);

    json out = figures_json(f);
    EXPECT_EQ(out["open_conns"], 153);
    EXPECT_EQ(out["servers"][0]["avg_resp_time_ms"], 10.0);
    EXPECT_EQ(out["services"][0]["requests"], 52757);
}

TEST(Figures, NotDlbadsDocumentIsRefused)
{
    EXPECT_THROW(parse_status_document(json::array()), std::runtime_error);
    EXPECT_THROW(parse_status_document(json::parse(R"({"format": 2})")), std::runtime_error);
    json d = document();
    d["servers"][0]["stats"].erase("hits");
    EXPECT_THROW(parse_status_document(d), std::runtime_error);
    d = document();
    d["dlbad"]["connections"] = "many";
    EXPECT_THROW(parse_status_document(d), std::runtime_error);
    d = document();
    d["servers"][0]["stats"]["avg_resp_time_ms"] = -1;
    EXPECT_THROW(parse_status_document(d), std::runtime_error);
    d = document();
    d["servers"][0]["port"] = 70000;
    EXPECT_THROW(parse_status_document(d), std::runtime_error);
    d = document();
    d.erase("services");
    EXPECT_THROW(parse_status_document(d), std::runtime_error);
}

TEST(StatusLine, ParsesOnlyHttp1StatusLines)
{
    EXPECT_EQ(parse_status_line("HTTP/1.1 200 OK"), 200U);
    EXPECT_EQ(parse_status_line("HTTP/1.0 503 Service Unavailable"), 503U);
    EXPECT_EQ(parse_status_line("HTTP/1.1 204"), 204U);
    EXPECT_FALSE(parse_status_line("HTTP/2 200"));
    EXPECT_FALSE(parse_status_line("HTTP/1.1 20x OK"));
    EXPECT_FALSE(parse_status_line("HTTP/1.1 2000 OK"));
    EXPECT_FALSE(parse_status_line("HTTP/1.1 099 OK"));
    EXPECT_FALSE(parse_status_line("garbage"));
    EXPECT_FALSE(parse_status_line(""));
}

} // namespace
} // namespace dlba::arrayd
