// Request heads as back-ends see them; response heads as clients see them (cookie injection).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <dlbad/cookie_injector.h>
#include <dlbad/persistence_token.h>
#include <dlbad/request_parser.h>
#include <dlbad/response_parser.h>

#include "proxy/request_rewriter.h"
#include "proxy/response_rewriter.h"
#include <dlba/http/error_response.h>

namespace dlba::dlbad {
namespace {

std::string rewrite_request(const std::string& raw, ForwardContext ctx,
                            const char* client = "192.0.2.7:5555")
{
    RequestParser p;
    auto r = p.parse(raw);
    EXPECT_TRUE(r.complete()) << raw;
    auto addr = SocketAddress::parse(client);
    ctx.client = &*addr;
    std::string out;
    RequestRewriter::write(out, p.head(), ctx);
    return out;
}

TEST(RequestRewriter, AddsForwardingHeadersAndClosesTheBackend)
{
    auto out =
        rewrite_request("GET /a?b=1 HTTP/1.1\r\nHost: shop.example\r\nConnection: keep-alive\r\n"
                        "Keep-Alive: timeout=5\r\nUser-Agent: t\r\n\r\n",
                        ForwardContext{});
    EXPECT_EQ(out,
              "GET /a?b=1 HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: t\r\nConnection: close\r\n"
              "X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-Proto: http\r\n"
              "Forwarded: for=192.0.2.7;host=\"shop.example\";proto=http\r\n\r\n");
}

TEST(RequestRewriter, UntrustedForwardingHeadersAreReplaced)
{
    ForwardContext c;
    c.secure = true;
    auto out = rewrite_request(
        "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n"
        "X-Forwarded-Proto: http\r\n\r\n",
        c, "[2001:db8::1]:443");
    EXPECT_EQ(out.find("6.6.6.6"), std::string::npos) << out;
    EXPECT_NE(out.find("X-Forwarded-For: 2001:db8::1\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("X-Forwarded-Proto: https\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Forwarded: for=\"[2001:db8::1]\";host=\"h\";proto=https\r\n"),
              std::string::npos)
        << out;
}

TEST(RequestRewriter, TrustedForwardingHeadersAreExtended)
{
    ForwardContext c;
    c.trust_forwarded = true;
    auto out = rewrite_request(
        "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.1.1.1\r\nForwarded: for=10.1.1.1\r\n"
        "X-Forwarded-Proto: https\r\n\r\n",
        c);
    EXPECT_NE(out.find("X-Forwarded-For: 10.1.1.1, 192.0.2.7\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Forwarded: for=10.1.1.1, for=192.0.2.7;"), std::string::npos) << out;
    EXPECT_NE(out.find("X-Forwarded-Proto: https\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("X-Forwarded-Proto: http\r\n"), std::string::npos) << out;
}

TEST(RequestRewriter, PersistenceCookieStrippedOthersKept)
{
    ForwardContext c;
    c.strip_cookie = "SpServer";
    auto out = rewrite_request(
        "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; SpServer=tok; JSESSIONID=x\r\n\r\n", c);
    EXPECT_NE(out.find("Cookie: a=1; JSESSIONID=x\r\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("SpServer"), std::string::npos) << out;
    out = rewrite_request("GET / HTTP/1.1\r\nHost: h\r\nCookie: SpServer=tok\r\n\r\n", c);
    EXPECT_EQ(out.find("Cookie"), std::string::npos) << "an emptied Cookie header goes: " << out;
}

TEST(RequestRewriter, Http10KeepsItsVersionAndExpectIsConsumed)
{
    ForwardContext c;
    c.backend_keepalive = true;
    auto out = rewrite_request(
        "POST /u HTTP/1.0\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n", c);
    EXPECT_EQ(out.rfind("POST /u HTTP/1.0\r\n", 0), 0u)
        << "a 1.0 client's back-end never chunks: " << out;
    EXPECT_NE(out.find("Content-Length: 3\r\n"), std::string::npos);
    EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
    EXPECT_EQ(out.find("Expect"), std::string::npos);
}

TEST(RequestRewriter, ConnectionListedHeadersAreHopByHop)
{
    auto out = rewrite_request(
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Secret, close\r\nX-Secret: 1\r\n"
        "TE: trailers\r\nUpgrade: websocket\r\n\r\n",
        ForwardContext{});
    EXPECT_EQ(out.find("X-Secret"), std::string::npos) << out;
    EXPECT_EQ(out.find("Upgrade"), std::string::npos) << out;
    EXPECT_EQ(out.find("TE:"), std::string::npos) << out;
}

TEST(RequestRewriter, ConnectionCannotStripHostOrTheTrustedChain)
{
    ForwardContext c;
    c.trust_forwarded = true;
    auto out = rewrite_request(
        "GET / HTTP/1.1\r\nHost: h\r\nConnection: Host, X-Forwarded-For, Forwarded, Cookie\r\n"
        "X-Forwarded-For: 10.1.1.1\r\nForwarded: for=10.1.1.1\r\nCookie: a=1\r\n\r\n",
        c);
    EXPECT_NE(out.find("\r\nHost: h\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("X-Forwarded-For: 10.1.1.1, 192.0.2.7\r\n"), std::string::npos) << out;
    EXPECT_NE(out.find("Forwarded: for=10.1.1.1, for=192.0.2.7;"), std::string::npos) << out;
    EXPECT_NE(out.find("\r\nCookie: a=1\r\n"), std::string::npos) << out;
}

TEST(RequestRewriter, AbsoluteFormGoesOutInOriginFormWithItsAuthorityAsHost)
{
    auto out = rewrite_request(
        "GET http://shop.example:8080/a/b?c=1 HTTP/1.1\r\nHost: other.example\r\n\r\n",
        ForwardContext{});
    EXPECT_EQ(out.rfind("GET /a/b?c=1 HTTP/1.1\r\n", 0), 0u) << out;
    EXPECT_EQ(out.find("other.example"), std::string::npos) << out;
    EXPECT_NE(out.find("\r\nHost: shop.example:8080\r\n"), std::string::npos) << out;
    out = rewrite_request("OPTIONS http://shop.example HTTP/1.1\r\nHost: shop.example\r\n\r\n",
                          ForwardContext{});
    EXPECT_EQ(out.rfind("OPTIONS / HTTP/1.1\r\n", 0), 0u) << out;
    out = rewrite_request("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", ForwardContext{});
    EXPECT_EQ(out.rfind("GET /a HTTP/1.1\r\nHost: h\r\n", 0), 0u) << out;
}

TEST(RequestRewriter, TransferEncodingIsSentInOneSpelling)
{
    for (const char* te : {"Transfer-Encoding: chunked,", "Transfer-Encoding: , Chunked",
                           "transfer-encoding: CHUNKED", "Transfer-Encoding: chunked, ,"}) {
        auto out = rewrite_request(std::string("POST / HTTP/1.1\r\nHost: h\r\n") + te + "\r\n\r\n",
                                   ForwardContext{});
        EXPECT_NE(out.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << out;
        EXPECT_EQ(out.find("ransfer-encoding"), std::string::npos) << out;
        EXPECT_EQ(out.find("CHUNKED"), std::string::npos) << out;
        EXPECT_EQ(out.find("hunked,"), std::string::npos) << out;
        EXPECT_EQ(out.find("Transfer-Encoding", out.find("Transfer-Encoding") + 1),
                  std::string::npos)
            << out;
    }
}

TEST(RequestRewriter, NoTrailerAnnouncedForAReframedChunkedBody)
{
    auto out = rewrite_request(
        "POST / HTTP/1.1\r\nHost: h\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n",
        ForwardContext{});
    EXPECT_EQ(out.find("Trailer"), std::string::npos) << out;
    out =
        rewrite_request("POST / HTTP/1.1\r\nHost: h\r\nTrailer: X-Sum\r\nContent-Length: 0\r\n\r\n",
                        ForwardContext{});
    EXPECT_NE(out.find("\r\nTrailer: X-Sum\r\n"), std::string::npos) << "not chunked: left alone\n"
                                                                     << out;
}

struct Injection : ::testing::Test {
    Injection()
        : injector(CookieInjectionConfig{"JSESSIONID", "SpServer", true}),
          codec(std::vector<TokenKey>{TokenKey{1, std::vector<std::uint8_t>(32, 7)}})
    {}
    std::string respond(const std::string& raw, ResponseContext rc, Method m = Method::kGet)
    {
        ResponseParser p;
        auto r = p.parse(raw, m);
        EXPECT_TRUE(r.complete()) << raw;
        rc.injector = &injector;
        rc.codec = &codec;
        std::string out;
        injected = ResponseRewriter::write(out, p.head(), rc);
        return out;
    }
    std::string token(const std::string& out)
    {
        auto pos = out.find("Set-Cookie: SpServer=");
        if (pos == std::string::npos)
            return {};
        return out.substr(pos + 21, PersistenceTokenCodec::kTokenLength);
    }
    CookieInjector injector;
    PersistenceTokenCodec codec;
    bool injected = false;
};

TEST_F(Injection, SessionStartGetsAPersistenceCookieWithItsAttributes)
{
    ResponseContext rc;
    // A key whose decimal form cannot turn up by chance in the random token (42 did, once in
    // about a hundred runs).
    rc.server_key = 4242424242u;
    rc.now_unix = 1700000000;
    auto out = respond(
        "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=abc; Path=/shop; Domain=example.com; Secure; "
        "HttpOnly; SameSite=Strict; Max-Age=600\r\nContent-Length: 0\r\nConnection: "
        "keep-alive\r\n\r\n",
        rc);
    EXPECT_TRUE(injected);
    EXPECT_NE(out.find("Set-Cookie: JSESSIONID=abc; Path=/shop;"), std::string::npos) << out;
    EXPECT_NE(
        out.find(
            "; Path=/shop; Domain=example.com; Secure; HttpOnly; SameSite=Strict; Max-Age=600\r\n",
            out.find("Set-Cookie: SpServer=")),
        std::string::npos)
        << out;
    EXPECT_EQ(codec.verify(token(out), rc.now_unix), 4242424242u)
        << "the value names the server, authenticated";
    EXPECT_EQ(out.find("4242424242"), std::string::npos) << "without revealing its key";
    EXPECT_EQ(out.find("fcde41b2"), std::string::npos) << "not even in hex";
    EXPECT_NE(out.find("Cache-Control: private, no-cache=\"set-cookie\"\r\n"), std::string::npos)
        << out;
    EXPECT_EQ(out.find("Connection: keep-alive"), std::string::npos) << "hop-by-hop removed";
}

TEST_F(Injection, NoSessionCookieNoInjection)
{
    ResponseContext rc;
    auto out = respond("HTTP/1.1 200 OK\r\nSet-Cookie: other=1\r\nContent-Length: 0\r\n\r\n", rc);
    EXPECT_FALSE(injected);
    EXPECT_EQ(out.find("SpServer"), std::string::npos);
    EXPECT_EQ(out.find("Cache-Control"), std::string::npos);
}

TEST_F(Injection, StaleCookieIsReissuedSessionScoped)
{
    ResponseContext rc;
    rc.server_key = 3;
    rc.reissue = true;
    rc.now_unix = 1700000000;
    auto out = respond(
        "HTTP/1.1 200 OK\r\nCache-Control: public, max-age=60\r\nContent-Length: 0\r\n\r\n", rc);
    EXPECT_TRUE(injected);
    EXPECT_NE(out.find("; Path=/\r\n"), std::string::npos) << out;
    EXPECT_EQ(codec.verify(token(out), rc.now_unix), 3u);
    EXPECT_NE(out.find("Cache-Control: private, no-cache=\"set-cookie\", max-age=60\r\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("public"), std::string::npos) << out;
}

TEST(Reissue, KeepsTheSessionsPathAndDomain)
{
    const CookieInjector injector(CookieInjectionConfig{"JSESSIONID", "SpServer", true},
                                  CookieScope{"/shop", "example.com"});
    const PersistenceTokenCodec codec(
        std::vector<TokenKey>{TokenKey{1, std::vector<std::uint8_t>(32, 7)}});
    ResponseParser p;
    const std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(p.parse(raw, Method::kGet).complete());
    ResponseContext rc;
    rc.injector = &injector;
    rc.codec = &codec;
    rc.server_key = 5;
    rc.reissue = true;
    std::string out;
    EXPECT_TRUE(ResponseRewriter::write(out, p.head(), rc));
    const auto pos = out.find("Set-Cookie: SpServer=");
    ASSERT_NE(pos, std::string::npos) << out;
    EXPECT_EQ(out.substr(pos + 21 + PersistenceTokenCodec::kTokenLength, 34),
              "; Path=/shop; Domain=example.com\r\n")
        << out;
}

TEST_F(Injection, ConnectionHeaderFollowsTheClientConnection)
{
    ResponseContext rc;
    rc.keep_alive = false;
    auto out = respond("HTTP/1.1 204 No Content\r\n\r\n", rc);
    EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos) << out;
    rc.keep_alive = true;
    rc.client_http10 = true;
    out = respond("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", rc);
    EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
    EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos) << out;
}

// RFC 9112 6.1: Transfer-Encoding never reaches an HTTP/1.0 client; what its body can be.
TEST(Http10Client, NoTransferEncodingAndTheBodyDecision)
{
    std::vector<std::unique_ptr<std::string>> raws; // the heads are views into these
    auto parse = [&raws](ResponseParser& p, const char* raw, Method m = Method::kGet) {
        raws.push_back(std::make_unique<std::string>(raw));
        EXPECT_TRUE(p.parse(*raws.back(), m).complete()) << raw;
        return &p.head();
    };
    ResponseContext rc;
    rc.keep_alive = false;
    rc.client_http10 = true;
    ResponseParser p;
    const auto* head =
        parse(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n"
                 "Content-Type: text/plain\r\n\r\n");
    EXPECT_EQ(ResponseRewriter::http10_body(*head), Http10Body::kDechunk);
    std::string out;
    ResponseRewriter::write(out, *head, rc);
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n");

    ResponseParser g;
    head = parse(g, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    EXPECT_EQ(ResponseRewriter::http10_body(*head), Http10Body::kRefuse);
    ResponseParser gc;
    head = parse(
        gc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");
    EXPECT_EQ(ResponseRewriter::http10_body(*head), Http10Body::kRefuse)
        << "gzip would stay on the body";
    ResponseParser cc;
    head = parse(cc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n");
    EXPECT_EQ(ResponseRewriter::http10_body(*head), Http10Body::kDechunk);
    ResponseParser cl;
    head = parse(cl, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
    EXPECT_EQ(ResponseRewriter::http10_body(*head), Http10Body::kAsIs);
    ResponseParser h;
    head = parse(h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", Method::kHead);
    EXPECT_EQ(ResponseRewriter::http10_body(*head), Http10Body::kAsIs)
        << "no body: only the field goes";
    out.clear();
    ResponseRewriter::write(out, *head, rc);
    EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos) << out;

    // HTTP/1.1 clients keep the back-end's field.
    rc.client_http10 = false;
    out.clear();
    ResponseRewriter::write(out, g.head(), rc);
    EXPECT_NE(out.find("Transfer-Encoding: gzip\r\n"), std::string::npos) << out;
}

TEST(InterimResponse, EarlyHintsForwardedWithoutHopByHopFields)
{
    const std::string raw =
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n"
        "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    ResponseParser p;
    auto r = p.parse(raw, Method::kGet);
    ASSERT_TRUE(r.complete());
    ASSERT_TRUE(p.head().interim());
    std::string out;
    ResponseRewriter::write_interim(out, p.head());
    EXPECT_EQ(out, "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n");
    // The final response follows in the same buffer.
    p.reset();
    r = p.parse(std::string_view(raw).substr(r.length), Method::kGet);
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(p.head().status(), 200);
    EXPECT_FALSE(p.head().interim());
}

TEST(InterimResponse, WhichInterimResponsesReachTheClient)
{
    EXPECT_TRUE(ResponseRewriter::forwards_interim(103, false, false));
    EXPECT_TRUE(ResponseRewriter::forwards_interim(103, false, true));
    EXPECT_TRUE(ResponseRewriter::forwards_interim(102, false, false));
    EXPECT_TRUE(ResponseRewriter::forwards_interim(100, false, false))
        << "unsolicited 100 from the server";
    EXPECT_FALSE(ResponseRewriter::forwards_interim(100, false, true))
        << "dlbad already sent 100 Continue";
    EXPECT_FALSE(ResponseRewriter::forwards_interim(103, true, false))
        << "never to an HTTP/1.0 client";
    EXPECT_FALSE(ResponseRewriter::forwards_interim(100, true, false));
}

TEST(ErrorResponse, CompleteResponses)
{
    auto r = ErrorResponse::build(503, false);
    EXPECT_EQ(r, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nCache-Control: "
                 "no-store\r\n"
                 "Content-Length: 24\r\n\r\n503 Service Unavailable\n");
    EXPECT_NE(ErrorResponse::build(431, true).find("Connection: close\r\n"), std::string::npos);
}

} // namespace
} // namespace dlba::dlbad
