#include <dlbad/body_framer.h>
#include <dlbad/request_parser.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dlba::dlbad {
namespace {

using namespace std::string_literals;

ParseResult parse_once(std::string_view in, const ParserLimits& limits = {})
{
    RequestParser p(limits);
    return p.parse(in);
}

TEST(RequestParser, SimpleGet)
{
    const std::string in =
        "GET /index.html?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n";
    RequestParser p;
    const ParseResult r = p.parse(in);
    ASSERT_TRUE(r.complete()) << r.reason;
    EXPECT_EQ(r.length, in.size());
    const RequestHead& h = p.head();
    EXPECT_EQ(h.method(), "GET");
    EXPECT_EQ(h.method_kind(), Method::kGet);
    EXPECT_EQ(h.target(), "/index.html?x=1&y=2");
    EXPECT_EQ(h.path(), "/index.html");
    EXPECT_EQ(h.query(), "x=1&y=2");
    EXPECT_EQ(h.version(), HttpVersion::kHttp11);
    EXPECT_EQ(h.host(), "example.com");
    ASSERT_EQ(h.headers().size(), 2u);
    EXPECT_EQ(h.headers()[1].name, "User-Agent");
    EXPECT_EQ(h.header("user-agent"), "t");
    EXPECT_EQ(h.framing().kind, BodyKind::kNone);
    EXPECT_TRUE(h.keep_alive());
    EXPECT_TRUE(h.idempotent());
    EXPECT_FALSE(h.expect_continue());
}

TEST(RequestParser, ValueWhitespaceTrimmedAndEmptyValueAllowed)
{
    RequestParser p;
    ASSERT_TRUE(p.parse("GET / HTTP/1.1\r\nHost:\t example.com \t\r\nX-Empty:\r\n\r\n").complete());
    EXPECT_EQ(p.head().host(), "example.com");
    EXPECT_EQ(p.head().header("X-Empty"), "");
}

TEST(RequestParser, PostContentLength)
{
    RequestParser p;
    const std::string in =
        "POST /cart HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world";
    const ParseResult r = p.parse(in);
    ASSERT_TRUE(r.complete());
    EXPECT_EQ(in.substr(r.length), "hello world");
    EXPECT_EQ(p.head().framing().kind, BodyKind::kContentLength);
    EXPECT_EQ(p.head().framing().length, 11u);
    EXPECT_FALSE(p.head().idempotent());
}

TEST(RequestParser, LeadingZerosInContentLengthAreDigits)
{
    RequestParser p;
    ASSERT_TRUE(p.parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n").complete());
    EXPECT_EQ(p.head().framing().length, 7u);
}

TEST(RequestParser, Chunked)
{
    RequestParser p;
    ASSERT_TRUE(
        p.parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n").complete());
    EXPECT_EQ(p.head().framing().kind, BodyKind::kChunked);
}

TEST(RequestParser, KeepAliveSemantics)
{
    struct Case {
        std::string version;
        std::string connection;
        bool keep_alive;
    };
    const std::vector<Case> cases = {
        {"HTTP/1.1", "", true},
        {"HTTP/1.1", "Connection: close\r\n", false},
        {"HTTP/1.1", "Connection: Keep-Alive, CLOSE\r\n", false},
        {"HTTP/1.1", "Connection: keep-alive\r\n", true},
        {"HTTP/1.0", "", false},
        {"HTTP/1.0", "Connection: keep-alive\r\n", true},
        {"HTTP/1.0", "Connection: Keep-Alive\r\n", true},
        {"HTTP/1.0", "Connection: close\r\n", false},
        {"HTTP/1.0", "Connection: foo\r\nConnection: keep-alive\r\n", true},
    };
    for (const Case& c : cases) {
        RequestParser p;
        const std::string in = "GET / " + c.version + "\r\nHost: a\r\n" + c.connection + "\r\n";
        ASSERT_TRUE(p.parse(in).complete()) << in;
        EXPECT_EQ(p.head().keep_alive(), c.keep_alive) << in;
    }
}

TEST(RequestParser, Http10WithoutHostAndHigherMinorIs11)
{
    RequestParser p;
    ASSERT_TRUE(p.parse("GET / HTTP/1.0\r\n\r\n").complete());
    EXPECT_EQ(p.head().version(), HttpVersion::kHttp10);
    RequestParser q;
    ASSERT_TRUE(q.parse("GET / HTTP/1.7\r\nHost: a\r\n\r\n").complete());
    EXPECT_EQ(q.head().version(), HttpVersion::kHttp11);
}

TEST(RequestParser, ExpectContinue)
{
    RequestParser p;
    ASSERT_TRUE(
        p.parse("PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n")
            .complete());
    EXPECT_TRUE(p.head().expect_continue());
    RequestParser q; // HTTP/1.0 clients cannot expect 100 (RFC 9110 10.1.1)
    ASSERT_TRUE(
        q.parse("PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").complete());
    EXPECT_FALSE(q.head().expect_continue());
}

TEST(RequestParser, TargetForms)
{
    {
        RequestParser p;
        ASSERT_TRUE(p.parse("GET http://Example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: other\r\n\r\n")
                        .complete());
        EXPECT_EQ(p.head().host(), "Example.com:8080"); // authority wins (RFC 9112 3.2.2)
        EXPECT_EQ(p.head().path(), "/a/b");
        EXPECT_EQ(p.head().query(), "q=1");
    }
    {
        RequestParser p;
        ASSERT_TRUE(p.parse("GET https://h HTTP/1.1\r\nHost: h\r\n\r\n").complete());
        EXPECT_EQ(p.head().path(), "/");
    }
    {
        RequestParser p;
        ASSERT_TRUE(p.parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").complete());
        EXPECT_EQ(p.head().target(), "*");
    }
    {
        RequestParser p;
        ASSERT_TRUE(
            p.parse("CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n").complete());
        EXPECT_EQ(p.head().method_kind(), Method::kConnect);
        EXPECT_EQ(p.head().host(), "h.example:443");
    }
    {
        RequestParser p;
        ASSERT_TRUE(p.parse("PROPFIND /dav HTTP/1.1\r\nHost: h\r\n\r\n").complete());
        EXPECT_EQ(p.head().method_kind(), Method::kOther);
        EXPECT_EQ(p.head().method(), "PROPFIND");
    }
}

TEST(RequestParser, IncrementalByteByByteMatchesOneShot)
{
    const std::string in = "\r\nPOST /x;jsessionid=1 HTTP/1.1\r\nHost: a\r\nCookie: "
                           "a=b\r\nContent-Length: 2\r\n\r\nok";
    RequestParser p;
    std::string buf;
    ParseResult r;
    for (char c : in) {
        buf.push_back(c);
        r = p.parse(buf);
        if (!r.need_more())
            break;
    }
    ASSERT_TRUE(r.complete()) << r.reason;
    EXPECT_EQ(r.length, in.size() - 2); // head ends before "ok"
    EXPECT_EQ(p.head().path(), "/x;jsessionid=1");
    EXPECT_EQ(p.head().framing().length, 2u);
}

TEST(RequestParser, BufferMayMoveBetweenCalls)
{
    RequestParser p;
    std::string a = "GET / HTTP/1.1\r\nHo";
    ASSERT_TRUE(p.parse(a).need_more());
    std::string b = a + "st: x\r\n\r\n"; // different storage, same bytes
    a.assign(100, 'z');
    ASSERT_TRUE(p.parse(b).complete());
    EXPECT_EQ(p.head().host(), "x");
}

TEST(RequestParser, PipelinedRequestsInOneBuffer)
{
    const std::string in =
        "GET /a.html HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /b.gif HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        "PUT /c.gif HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        "\r\nGET /d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    std::string_view rest = in;
    std::vector<std::string> paths;
    RequestParser p;
    bool last_keep_alive = true;
    while (!rest.empty()) {
        p.reset();
        const ParseResult r = p.parse(rest);
        ASSERT_TRUE(r.complete()) << r.reason;
        paths.emplace_back(p.head().path());
        last_keep_alive = p.head().keep_alive();
        rest.remove_prefix(r.length);
        BodyFramer body(p.head().framing(), p.limits(), true);
        const auto b = body.feed(rest);
        ASSERT_FALSE(b.error());
        ASSERT_TRUE(body.done());
        rest.remove_prefix(b.consumed);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/a.html", "/b.gif", "/c.gif", "/d"}));
    EXPECT_FALSE(last_keep_alive);
}

TEST(RequestParser, ResultIsStickyUntilReset)
{
    RequestParser p;
    const ParseResult r = p.parse("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
    ASSERT_TRUE(r.error());
    EXPECT_EQ(p.parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").http_status, 400);
    p.reset();
    EXPECT_TRUE(p.parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").complete());
}

// --- request smuggling and malformed input ---------------------------------

struct BadRequest {
    const char* name;
    std::string input;
    int status;
};

void PrintTo(const BadRequest& b, std::ostream* os)
{
    *os << b.name;
}

class RequestParserRejects : public ::testing::TestWithParam<BadRequest> {};

TEST_P(RequestParserRejects, WithStatus)
{
    const BadRequest& b = GetParam();
    const ParseResult r = parse_once(b.input);
    ASSERT_TRUE(r.error()) << b.name;
    EXPECT_EQ(r.http_status, b.status) << b.name << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty());
    // The same bytes fed one at a time are rejected the same way (never
    // accepted because a prefix looked fine).
    RequestParser p;
    std::string buf;
    ParseResult inc;
    for (char c : b.input) {
        buf.push_back(c);
        inc = p.parse(buf);
        if (!inc.need_more())
            break;
    }
    EXPECT_TRUE(inc.error()) << b.name;
    EXPECT_EQ(inc.http_status, b.status) << b.name;
}

std::string repeat(std::string_view s, int n)
{
    std::string out;
    for (int i = 0; i < n; ++i)
        out += s;
    return out;
}

const std::string kGet = "GET / HTTP/1.1\r\nHost: a\r\n";
const std::string kPost = "POST / HTTP/1.1\r\nHost: a\r\n";

INSTANTIATE_TEST_SUITE_P(
    Smuggling, RequestParserRejects,
    ::testing::Values(
        BadRequest{"CL_and_TE", kPost + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                   400},
        BadRequest{"TE_and_CL", kPost + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                   400},
        BadRequest{"CL_duplicate_same", kPost + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n",
                   400},
        BadRequest{"CL_duplicate_differ", kPost + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
                   400},
        BadRequest{"CL_list", kPost + "Content-Length: 5, 5\r\n\r\n", 400},
        BadRequest{"CL_plus", kPost + "Content-Length: +5\r\n\r\n", 400},
        BadRequest{"CL_minus", kPost + "Content-Length: -1\r\n\r\n", 400},
        BadRequest{"CL_hex", kPost + "Content-Length: 0x5\r\n\r\n", 400},
        BadRequest{"CL_trailing_garbage", kPost + "Content-Length: 5a\r\n\r\n", 400},
        BadRequest{"CL_inner_space", kPost + "Content-Length: 5 0\r\n\r\n", 400},
        BadRequest{"CL_empty", kPost + "Content-Length:\r\n\r\n", 400},
        BadRequest{"CL_overflow", kPost + "Content-Length: 18446744073709551616\r\n\r\n", 400},
        BadRequest{"CL_huge_overflow", kPost + "Content-Length: 99999999999999999999999999\r\n\r\n",
                   400},
        BadRequest{"TE_chunked_twice", kPost + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400},
        BadRequest{"TE_chunked_not_last", kPost + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
        BadRequest{"TE_split_chunked_not_last",
                   kPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
                   400},
        BadRequest{"TE_identity", kPost + "Transfer-Encoding: identity\r\n\r\n", 400},
        BadRequest{"TE_xchunked", kPost + "Transfer-Encoding: xchunked\r\n\r\n", 400},
        BadRequest{"TE_chunked_param", kPost + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400},
        BadRequest{"TE_quoted", kPost + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400},
        BadRequest{"TE_empty", kPost + "Transfer-Encoding:\r\n\r\n", 400},
        BadRequest{"TE_comma_only", kPost + "Transfer-Encoding: ,\r\n\r\n", 400},
        BadRequest{"TE_vertical_tab", kPost + "Transfer-Encoding: \vchunked\r\n\r\n", 400},
        BadRequest{"TE_space_before_colon", kPost + "Transfer-Encoding : chunked\r\n\r\n", 400},
        BadRequest{"TE_tab_before_colon", kPost + "Transfer-Encoding\t: chunked\r\n\r\n", 400},
        BadRequest{"TE_in_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        BadRequest{"TE_gzip_chunked_unsupported",
                   kPost + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501},
        BadRequest{"obs_fold", kGet + "X-Foo: a\r\n b\r\n\r\n", 400},
        BadRequest{"obs_fold_tab", kGet + "X-Foo: a\r\n\tb\r\n\r\n", 400},
        BadRequest{"obs_fold_TE", kPost + "Transfer-Encoding:\r\n chunked\r\n\r\n", 400},
        BadRequest{"leading_ws_first_field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
        BadRequest{"bare_LF_everywhere", "GET / HTTP/1.1\nHost: a\n\n", 400},
        BadRequest{"bare_LF_request_line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
        BadRequest{"bare_LF_in_field", kGet + "X: a\nY: b\r\n\r\n", 400},
        BadRequest{"bare_LF_end_of_head", kGet + "X: a\r\n\n", 400},
        BadRequest{"bare_LF_before_request", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"bare_CR_in_value", kGet + "X: a\rb\r\n\r\n", 400},
        BadRequest{"bare_CR_before_request", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"NUL_in_value", kGet + "X: a"s + '\0' + "b\r\n\r\n", 400},
        BadRequest{"DEL_in_value", kGet + "X: a\x7f\r\n\r\n", 400},
        BadRequest{"CTL_in_value", kGet + "X: a\x01\r\n\r\n", 400},
        BadRequest{"NUL_in_target", "GET /a"s + '\0' + " HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"space_in_name", kGet + "X Foo: a\r\n\r\n", 400},
        BadRequest{"bad_char_in_name", kGet + "X@Foo: a\r\n\r\n", 400},
        BadRequest{"empty_name", kGet + ": a\r\n\r\n", 400},
        BadRequest{"no_colon", kGet + "XFoo\r\n\r\n", 400},
        BadRequest{"double_space_request_line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"tab_request_line", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"trailing_space_version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
        BadRequest{"lowercase_version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"http09", "GET /\r\n\r\n", 400},
        BadRequest{"version_two_digits", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
        BadRequest{"http2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
        BadRequest{"http0", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
        BadRequest{"bad_method", "G(ET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"empty_method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"fragment_in_target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"non_ascii_target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"relative_target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"ftp_scheme", "GET ftp://h/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"userinfo_in_authority", "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        BadRequest{"asterisk_for_get", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
        BadRequest{"connect_without_port", "CONNECT h HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        BadRequest{"connect_origin_form", "CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        BadRequest{"missing_host_11", "GET / HTTP/1.1\r\n\r\n", 400},
        BadRequest{"duplicate_host", kGet + "Host: b\r\n\r\n", 400},
        BadRequest{"host_with_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
        BadRequest{"host_with_slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
        BadRequest{"too_many_empty_lines", repeat("\r\n", 9) + kGet + "\r\n", 400}),
    [](const ::testing::TestParamInfo<BadRequest>& i) { return std::string(i.param.name); });

// --- limits ---------------------------------------------------------------

TEST(RequestParser, RequestLineTooLong414)
{
    ParserLimits l;
    l.max_request_line = 64;
    const std::string target(100, 'a');
    // Complete...
    EXPECT_EQ(parse_once("GET /" + target + " HTTP/1.1\r\nHost: a\r\n\r\n", l).http_status, 414);
    // ...and as soon as the partial line exceeds the limit.
    RequestParser p(l);
    const ParseResult r = p.parse("GET /" + target);
    ASSERT_TRUE(r.error());
    EXPECT_EQ(r.http_status, 414);
    // Exactly at the limit is fine.
    const std::string line = "GET /" + std::string(64 - 14, 'b') + " HTTP/1.1";
    ASSERT_EQ(line.size(), 64u);
    EXPECT_TRUE(parse_once(line + "\r\nHost: a\r\n\r\n", l).complete());
}

TEST(RequestParser, HeaderSectionTooLarge431)
{
    ParserLimits l;
    l.max_head_bytes = 256;
    const std::string big = kGet + "X-Big: " + std::string(300, 'v') + "\r\n\r\n";
    EXPECT_EQ(parse_once(big, l).http_status, 431);
    // Rejected before the end of the head arrives.
    RequestParser p(l);
    const ParseResult r = p.parse(kGet + "X-Big: " + std::string(300, 'v'));
    EXPECT_EQ(r.http_status, 431);
    // A head of exactly the limit passes.
    std::string exact = kGet + "X: ";
    exact += std::string(256 - exact.size() - 4, 'v') + "\r\n\r\n";
    ASSERT_EQ(exact.size(), 256u);
    EXPECT_TRUE(parse_once(exact, l).complete());
}

TEST(RequestParser, TooManyHeaders431)
{
    ParserLimits l;
    l.max_header_count = 10;
    auto with_fields = [](int extra) {
        std::string in = "GET / HTTP/1.1\r\nHost: a\r\n";
        for (int i = 0; i < extra; ++i)
            in += "H" + std::to_string(i) + ": v\r\n";
        return in + "\r\n";
    };
    EXPECT_TRUE(parse_once(with_fields(9), l).complete());
    EXPECT_EQ(parse_once(with_fields(10), l).http_status, 431);
}

TEST(RequestParser, BodyLimit413)
{
    ParserLimits l;
    l.max_body_bytes = 1000;
    EXPECT_TRUE(parse_once(kPost + "Content-Length: 1000\r\n\r\n", l).complete());
    EXPECT_EQ(parse_once(kPost + "Content-Length: 1001\r\n\r\n", l).http_status, 413);
}

TEST(RequestParser, EveryForbiddenValueOctetAtEveryPosition)
{
    // The value check works 8 bytes at a time; make sure no position or
    // octet slips through and HTAB / obs-text are still accepted.
    const std::string base(40, 'v');
    for (std::size_t pos = 0; pos < base.size(); ++pos) {
        for (int c = 0; c < 256; ++c) {
            if (c == '\r' || c == '\n')
                continue; // line structure, covered elsewhere
            std::string value = base;
            value[pos] = static_cast<char>(c);
            const bool allowed = c == '\t' || (c >= 0x20 && c != 0x7f);
            const ParseResult r = parse_once(kGet + "X: " + value + "\r\n\r\n");
            ASSERT_EQ(r.complete(), allowed) << "octet " << c << " at " << pos;
            if (!allowed) {
                ASSERT_EQ(r.http_status, 400);
            }
        }
    }
}

TEST(RequestParser, EarlyRejectionOfBareLF)
{
    RequestParser p;
    EXPECT_EQ(p.parse("GET / HTTP/1.1\nHos").http_status, 400);
}

} // namespace
} // namespace dlba::dlbad
