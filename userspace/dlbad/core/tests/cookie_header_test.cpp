#include <dlbad/cookie_header.h>

#include <gtest/gtest.h>

#include <vector>

namespace dlba::dlbad {
namespace {

TEST(CookieHeader, IteratesPairs)
{
    CookieIterator it(" a=1; b = 2 ;junk; c=\"q\"; =x; d=");
    std::vector<std::pair<std::string, std::string>> got;
    CookiePair p;
    while (it.next(p))
        got.emplace_back(p.name, p.value);
    const std::vector<std::pair<std::string, std::string>> want = {
        {"a", "1"}, {"b", "2"}, {"c", "\"q\""}, {"d", ""}};
    EXPECT_EQ(got, want);
}

TEST(CookieHeader, FindIsCaseSensitiveAndFirstWins)
{
    EXPECT_EQ(find_cookie("SpServer=x; spserver=y; SpServer=z", "SpServer"), "x");
    EXPECT_EQ(find_cookie("spserver=y", "SpServer"), std::nullopt);
    EXPECT_EQ(find_cookie("XSpServer=y", "SpServer"), std::nullopt);
}

TEST(CookieHeader, FindAcrossHeaders)
{
    const HeaderField h[] = {{"Host", "a"}, {"cookie", "a=1"}, {"Cookie", "SpServer=tok; b=2"}};
    EXPECT_EQ(find_cookie(h, "SpServer"), "tok");
    EXPECT_EQ(find_cookie(h, "a"), "1");
    EXPECT_EQ(find_cookie(h, "zz"), std::nullopt);
}

} // namespace
} // namespace dlba::dlbad
