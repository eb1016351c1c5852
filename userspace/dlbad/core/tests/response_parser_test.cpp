#include <dlbad/response_parser.h>

#include <gtest/gtest.h>

#include <string>

namespace dlba::dlbad {
namespace {

struct Parsed {
    ParseResult r;
    BodyFraming framing;
    bool keep_alive = false;
    int status = 0;
};

Parsed parse(std::string_view in, Method m = Method::kGet)
{
    ResponseParser p;
    Parsed out;
    out.r = p.parse(in, m);
    if (out.r.complete()) {
        out.framing = p.head().framing();
        out.keep_alive = p.head().keep_alive();
        out.status = p.head().status();
    }
    return out;
}

TEST(ResponseParser, OkWithContentLength)
{
    const std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=b\r\n\r\nhello";
    ResponseParser p;
    const ParseResult r = p.parse(in);
    ASSERT_TRUE(r.complete()) << r.reason;
    EXPECT_EQ(in.substr(r.length), "hello");
    EXPECT_EQ(p.head().status(), 200);
    EXPECT_EQ(p.head().reason(), "OK");
    EXPECT_EQ(p.head().status_line(), "HTTP/1.1 200 OK");
    EXPECT_EQ(p.head().framing().kind, BodyKind::kContentLength);
    EXPECT_EQ(p.head().framing().length, 5u);
    EXPECT_TRUE(p.head().keep_alive());
    EXPECT_EQ(p.head().header("set-cookie"), "a=b");
}

TEST(ResponseParser, FramingRules)
{
    EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").framing.kind,
              BodyKind::kChunked);
    const Parsed close = parse("HTTP/1.1 200 OK\r\n\r\n");
    EXPECT_EQ(close.framing.kind, BodyKind::kUntilClose);
    EXPECT_FALSE(close.keep_alive);
    const Parsed gzip = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    EXPECT_EQ(gzip.framing.kind, BodyKind::kUntilClose);
    EXPECT_FALSE(gzip.keep_alive);
    EXPECT_EQ(parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n").framing.kind,
              BodyKind::kNone);
    EXPECT_EQ(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\n").framing.kind,
              BodyKind::kNone);
    EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", Method::kHead).framing.kind,
              BodyKind::kNone);
    EXPECT_EQ(
        parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method::kHead).framing.kind,
        BodyKind::kNone);
    EXPECT_EQ(parse("HTTP/1.1 200 OK\r\n\r\n", Method::kConnect).framing.kind, BodyKind::kTunnel);
    EXPECT_EQ(
        parse("HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n", Method::kConnect).framing.kind,
        BodyKind::kContentLength);
    const Parsed sw = parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
    EXPECT_EQ(sw.framing.kind, BodyKind::kTunnel);
}

TEST(ResponseParser, InterimResponses)
{
    const std::string in =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    ResponseParser p;
    ParseResult r = p.parse(in);
    ASSERT_TRUE(r.complete());
    EXPECT_TRUE(p.head().interim());
    EXPECT_EQ(p.head().framing().kind, BodyKind::kNone);
    std::string_view rest = std::string_view(in).substr(r.length);
    p.reset();
    r = p.parse(rest);
    ASSERT_TRUE(r.complete());
    EXPECT_FALSE(p.head().interim());
    EXPECT_EQ(p.head().status(), 200);
    EXPECT_EQ(r.length, rest.size());
}

TEST(ResponseParser, KeepAlive)
{
    EXPECT_FALSE(
        parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
    EXPECT_FALSE(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
    EXPECT_TRUE(
        parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keep_alive);
}

TEST(ResponseParser, EmptyReasonPhrase)
{
    const Parsed a = parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(a.r.complete()) << a.r.reason;
    EXPECT_EQ(a.status, 200);
    EXPECT_TRUE(parse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n").r.complete());
}

TEST(ResponseParser, IncrementalByteByByte)
{
    const std::string in = "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n";
    ResponseParser p;
    std::string buf;
    ParseResult r;
    for (char c : in) {
        buf.push_back(c);
        r = p.parse(buf);
        if (!r.need_more())
            break;
    }
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(r.length, in.size());
    EXPECT_EQ(p.head().header("Location"), "/x");
}

TEST(ResponseParser, RejectsWith502)
{
    for (const std::string& in : std::initializer_list<std::string>{
             "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
             "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
             "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
             "HTTP/1.1 20 OK\r\n\r\n",
             "HTTP/1.1 2000 OK\r\n\r\n",
             "HTTP/1.1 099 Low\r\n\r\n",
             "HTTP/1.1 600 High\r\n\r\n",
             "HTTP/1.1 200OK\r\n\r\n",
             "HTTP/2 200 OK\r\n\r\n",
             "http/1.1 200 OK\r\n\r\n",
             "HTTP/1.1 200 OK\x01\r\n\r\n",
             "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
             "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
             "\r\nHTTP/1.1 200 OK\r\n\r\n",
         }) {
        const Parsed p = parse(in);
        EXPECT_TRUE(p.r.error()) << in;
        EXPECT_EQ(p.r.http_status, 502) << in;
    }
}

TEST(ResponseParser, HeadTooLarge)
{
    ParserLimits l;
    l.max_head_bytes = 128;
    ResponseParser p(l);
    const ParseResult r = p.parse("HTTP/1.1 200 OK\r\nX: " + std::string(200, 'x'));
    EXPECT_EQ(r.http_status, 502);
}

} // namespace
} // namespace dlba::dlbad
