#include <dlbad/hash.h>
#include <dlbad/hash_ring.h>
#include <dlbad/request_parser.h>
#include <dlbad/session_id_extractor.h>

#include <gtest/gtest.h>

#include <string>

namespace dlba::dlbad {
namespace {

class SessionId : public ::testing::Test {
protected:
    RequestParser parser;
    const RequestHead& parse(const std::string& in)
    {
        parser.reset();
        stored = in;
        EXPECT_TRUE(parser.parse(stored).complete());
        return parser.head();
    }
    std::string stored;
};

TEST_F(SessionId, PathQueryHeaderCookie)
{
    const SessionIdExtractor path({{SessionIdSource::kPathParam, "jsessionid"}});
    EXPECT_EQ(
        path.extract(parse("GET /shop/cart.jsp;jsessionid=ABC?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")),
        "ABC");
    const SessionIdExtractor query({{SessionIdSource::kQuery, "sid"}});
    EXPECT_EQ(query.extract(parse("GET /a?x=1&sid=Q1 HTTP/1.1\r\nHost: h\r\n\r\n")), "Q1");
    const SessionIdExtractor header({{SessionIdSource::kHeader, "X-Session"}});
    EXPECT_EQ(header.extract(parse("GET / HTTP/1.1\r\nHost: h\r\nx-session: H9\r\n\r\n")), "H9");
    const SessionIdExtractor cookie({{SessionIdSource::kCookie, "sid"}});
    EXPECT_EQ(cookie.extract(parse("GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; sid=C3\r\n\r\n")),
              "C3");
    EXPECT_EQ(cookie.extract(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n")), std::nullopt);
}

TEST_F(SessionId, RulesInOrderAndEmptySkipped)
{
    const SessionIdExtractor e(
        {{SessionIdSource::kPathParam, "jsessionid"}, {SessionIdSource::kQuery, "sid"}});
    EXPECT_EQ(e.extract(parse("GET /a;jsessionid=P?sid=Q HTTP/1.1\r\nHost: h\r\n\r\n")), "P");
    EXPECT_EQ(e.extract(parse("GET /a;jsessionid=?sid=Q HTTP/1.1\r\nHost: h\r\n\r\n")), "Q");
    EXPECT_EQ(e.extract(parse("GET /a HTTP/1.1\r\nHost: h\r\n\r\n")), std::nullopt);
}

TEST_F(SessionId, SameSessionSameServerUntilItFails)
{
    const std::vector<HashNode> nodes = {{1, 1}, {2, 1}, {3, 1}, {4, 1}};
    const HashRing ring(nodes);
    const SessionIdExtractor e({{SessionIdSource::kQuery, "sid"}});
    std::vector<bool> up = {true, true, true, true};
    auto route = [&](const std::string& target) {
        const auto id = e.extract(parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n"));
        return ring.nodes()[*ring.walk(hash64(*id), [&](std::size_t i) { return bool(up[i]); })].id;
    };
    const std::uint32_t home = route("/a?sid=S1");
    EXPECT_EQ(route("/b?sid=S1"), home);
    EXPECT_EQ(route("/c?x=2&sid=S1"), home);
    up[home - 1] = false;
    const std::uint32_t moved = route("/a?sid=S1");
    EXPECT_NE(moved, home);
    EXPECT_EQ(route("/z?sid=S1"), moved);
}

TEST(SessionIdRule, ParseConfigSyntax)
{
    EXPECT_EQ(SessionIdExtractor::parse_rule("path:jsessionid").source,
              SessionIdSource::kPathParam);
    EXPECT_EQ(SessionIdExtractor::parse_rule("query:sid").name, "sid");
    EXPECT_EQ(SessionIdExtractor::parse_rule("header:X-Session-Id").source,
              SessionIdSource::kHeader);
    EXPECT_EQ(SessionIdExtractor::parse_rule("cookie:sid").source, SessionIdSource::kCookie);
    EXPECT_THROW(SessionIdExtractor::parse_rule("body:x"), std::invalid_argument);
    EXPECT_THROW(SessionIdExtractor::parse_rule("query:"), std::invalid_argument);
    EXPECT_THROW(SessionIdExtractor::parse_rule("sid"), std::invalid_argument);
    EXPECT_THROW(SessionIdExtractor::parse_rule("header:Bad Name"), std::invalid_argument);
    EXPECT_THROW(SessionIdExtractor({{SessionIdSource::kQuery, ""}}), std::invalid_argument);
}

} // namespace
} // namespace dlba::dlbad
