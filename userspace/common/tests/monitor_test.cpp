// The metrics endpoint's HTTP handling (MonitorSession::answer_http).
#include <gtest/gtest.h>

#include <dlba/monitor/monitor_session.h>

namespace dlba {
namespace {

TEST(MonitorSession, MetricsEndpoint)
{
    auto metrics = [] { return std::string("dlbad_workers 2\n"); };
    auto ok = MonitorSession::answer_http("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", metrics);
    EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(ok.find("Content-Length: 16\r\n\r\ndlbad_workers 2\n"), std::string::npos);
    auto head = MonitorSession::answer_http("HEAD /metrics?x=1 HTTP/1.1\r\n\r\n", metrics);
    EXPECT_EQ(head.find("dlbad_workers"), std::string::npos);
    EXPECT_EQ(
        MonitorSession::answer_http("GET / HTTP/1.1\r\n\r\n", metrics).rfind("HTTP/1.1 404", 0),
        0u);
    EXPECT_EQ(MonitorSession::answer_http("POST /metrics HTTP/1.1\r\n\r\n", metrics)
                  .rfind("HTTP/1.1 405", 0),
              0u);
    EXPECT_EQ(MonitorSession::answer_http("garbage\r\n\r\n", metrics).rfind("HTTP/1.1 400", 0), 0u);
}

} // namespace
} // namespace dlba
