// The HTTP port's answers (MonitorSession::answer_http): /metrics, /status and the status page.
#include <gtest/gtest.h>

#include <dlba/monitor/monitor_session.h>

namespace dlba {
namespace {

MonitorHttp content(const MonitorPage* page = nullptr)
{
    return {[] { return std::string("dlbad_workers 2\n"); },
            [] { return std::string("{\"format\": 1}\n"); }, page};
}

bool starts(const std::string& s, std::string_view prefix)
{
    return s.rfind(prefix, 0) == 0;
}

TEST(MonitorSession, MetricsEndpoint)
{
    auto c = content();
    auto ok = MonitorSession::answer_http("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", c);
    EXPECT_TRUE(starts(ok, "HTTP/1.1 200 OK\r\n"));
    EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(ok.find("Content-Length: 16\r\n\r\ndlbad_workers 2\n"), std::string::npos);
    auto head = MonitorSession::answer_http("HEAD /metrics?x=1 HTTP/1.1\r\n\r\n", c);
    EXPECT_EQ(head.find("dlbad_workers"), std::string::npos);
    EXPECT_TRUE(
        starts(MonitorSession::answer_http("GET /nope HTTP/1.1\r\n\r\n", c), "HTTP/1.1 404"));
    EXPECT_TRUE(
        starts(MonitorSession::answer_http("POST /metrics HTTP/1.1\r\n\r\n", c), "HTTP/1.1 405"));
    EXPECT_TRUE(starts(MonitorSession::answer_http("garbage\r\n\r\n", c), "HTTP/1.1 400"));
}

TEST(MonitorSession, StatusDocumentOverHttp)
{
    auto ok = MonitorSession::answer_http("GET /status HTTP/1.1\r\n\r\n", content());
    EXPECT_TRUE(starts(ok, "HTTP/1.1 200 OK\r\n"));
    EXPECT_NE(ok.find("Content-Type: application/json\r\n"), std::string::npos);
    EXPECT_NE(ok.find("Cache-Control: no-store\r\n"), std::string::npos);
    EXPECT_NE(ok.find("\r\n\r\n{\"format\": 1}\n"), std::string::npos);
}

TEST(MonitorSession, StatusPage)
{
    // Without a page (dlba-arrayd), / is not found.
    EXPECT_TRUE(
        starts(MonitorSession::answer_http("GET / HTTP/1.1\r\n\r\n", content()), "HTTP/1.1 404"));
    MonitorPage page{"<!DOCTYPE html><p>x</p>", "default-src 'none'"};
    for (const char* target : {"/", "/?refresh=5", "/stats"}) {
        auto ok = MonitorSession::answer_http(std::string("GET ") + target + " HTTP/1.1\r\n\r\n",
                                              content(&page));
        EXPECT_TRUE(starts(ok, "HTTP/1.1 200 OK\r\n")) << target;
        EXPECT_NE(ok.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
        EXPECT_NE(ok.find("Content-Security-Policy: default-src 'none'\r\n"), std::string::npos);
        EXPECT_NE(ok.find("Cache-Control: no-store\r\n"), std::string::npos);
        EXPECT_NE(ok.find("\r\n\r\n<!DOCTYPE html><p>x</p>"), std::string::npos);
    }
    auto head = MonitorSession::answer_http("HEAD / HTTP/1.1\r\n\r\n", content(&page));
    EXPECT_EQ(head.find("<p>"), std::string::npos);
    EXPECT_TRUE(starts(MonitorSession::answer_http("POST / HTTP/1.1\r\n\r\n", content(&page)),
                       "HTTP/1.1 405"));
}

} // namespace
} // namespace dlba
