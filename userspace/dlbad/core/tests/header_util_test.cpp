#include <dlbad/header_util.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dlba::dlbad {
namespace {

TEST(HeaderUtil, Iequals)
{
    EXPECT_TRUE(iequals("Content-Length", "content-length"));
    EXPECT_FALSE(iequals("Content-Length", "content-lengt"));
    EXPECT_FALSE(iequals("a", "\xc1")); // no locale folding of high bytes
}

TEST(HeaderUtil, Tokens)
{
    EXPECT_TRUE(is_token("X-Foo_1.2~!#$%&'*+^`|"));
    EXPECT_FALSE(is_token(""));
    EXPECT_FALSE(is_token("a b"));
    EXPECT_FALSE(is_token("a:b"));
    EXPECT_FALSE(is_token("a\"b"));
    EXPECT_FALSE(is_token("\x80"));
}

TEST(HeaderUtil, ListIterator)
{
    ListIterator it(" a , ,b,\"c,d\" ,  e ;q=1,");
    std::vector<std::string> got;
    std::string_view e;
    while (it.next(e))
        got.emplace_back(e);
    EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "\"c,d\"", "e ;q=1"}));
}

TEST(HeaderUtil, FindAndHopByHop)
{
    const HeaderField h[] = {{"Host", "a"},
                             {"Connection", "keep-alive, X-Secret"},
                             {"X-Secret", "1"},
                             {"connection", "Upgrade"},
                             {"Transfer-Encoding", "chunked"}};
    EXPECT_EQ(find_header(h, "CONNECTION"), "keep-alive, X-Secret");
    EXPECT_EQ(count_headers(h, "connection"), 2u);
    EXPECT_TRUE(has_token(h, "Connection", "upgrade"));
    EXPECT_FALSE(has_token(h, "Connection", "close"));
    EXPECT_TRUE(is_hop_by_hop(h, "x-secret"));
    EXPECT_TRUE(is_hop_by_hop(h, "Keep-Alive"));
    EXPECT_TRUE(is_hop_by_hop(h, "Connection"));
    EXPECT_FALSE(is_hop_by_hop(h, "Host"));
    EXPECT_FALSE(is_hop_by_hop(h, "Transfer-Encoding"));
    const HeaderField sneaky[] = {{"Connection", "Content-Length, Transfer-Encoding"}};
    EXPECT_FALSE(is_hop_by_hop(sneaky, "Content-Length"));
}

TEST(HeaderUtil, ConnectionCannotStripEndToEndFieldsDlbadNeeds)
{
    const HeaderField h[] = {
        {"Connection", "Host, x-forwarded-for, X-Forwarded-Proto, Forwarded"},
        {"Connection", "Cookie, X-Forwarded-Host, X-Forwarded-Port, Transfer-Encoding"},
        {"Connection", "Set-Cookie, Cache-Control, X-Other"}};
    for (const char* name : {"Host", "HOST", "X-Forwarded-For", "X-Forwarded-Proto", "Forwarded",
                             "Cookie", "X-Forwarded-Host", "X-Forwarded-Port", "Transfer-Encoding",
                             "Set-Cookie", "Cache-Control"})
        EXPECT_FALSE(is_hop_by_hop(h, name)) << name;
    EXPECT_TRUE(is_hop_by_hop(h, "X-Other"));
    EXPECT_TRUE(is_hop_by_hop(h, "Connection"));
}

} // namespace
} // namespace dlba::dlbad
