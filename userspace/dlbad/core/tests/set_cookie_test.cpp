#include <dlbad/set_cookie.h>

#include <gtest/gtest.h>

namespace dlba::dlbad {
namespace {

TEST(SetCookie, NameValueOnly)
{
    const auto sc = SetCookie::parse("JSESSIONID=abc123");
    ASSERT_TRUE(sc);
    EXPECT_EQ(sc->name(), "JSESSIONID");
    EXPECT_EQ(sc->value(), "abc123");
    EXPECT_EQ(sc->attributes_text(), "");
    EXPECT_TRUE(sc->attributes().empty());
    EXPECT_FALSE(sc->secure());
    EXPECT_FALSE(sc->max_age());
}

TEST(SetCookie, AllKnownAttributes)
{
    const std::string v =
        "sid = \"q v\" ; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=3600; "
        "path=/shop; DOMAIN=.example.com; secure; HttpOnly; SameSite=Lax; Partitioned";
    const auto sc = SetCookie::parse(v);
    ASSERT_TRUE(sc);
    EXPECT_EQ(sc->name(), "sid");
    EXPECT_EQ(sc->value(), "\"q v\"");
    EXPECT_EQ(sc->expires(), "Wed, 21 Oct 2037 07:28:00 GMT");
    EXPECT_EQ(sc->max_age(), 3600);
    EXPECT_EQ(sc->path(), "/shop");
    EXPECT_EQ(sc->domain(), ".example.com");
    EXPECT_TRUE(sc->secure());
    EXPECT_TRUE(sc->http_only());
    EXPECT_EQ(sc->same_site(), "Lax");
    ASSERT_EQ(sc->attributes().size(), 8u);
    EXPECT_EQ(sc->attributes().back().name, "Partitioned");
    EXPECT_FALSE(sc->attributes().back().has_value);
    EXPECT_EQ(sc->attributes_text(), v.substr(v.find(';')));
}

TEST(SetCookie, LastAttributeWinsAndMaxAgeVariants)
{
    const auto sc = SetCookie::parse("a=b; Max-Age=10; Max-Age=-5; Path=/x; Path=/y");
    ASSERT_TRUE(sc);
    EXPECT_EQ(sc->max_age(), -5);
    EXPECT_EQ(sc->path(), "/y");
    EXPECT_FALSE(SetCookie::parse("a=b; Max-Age=1x")->max_age());
    EXPECT_FALSE(SetCookie::parse("a=b; Max-Age=")->max_age());
    EXPECT_EQ(SetCookie::parse("a=b; Max-Age=99999999999999999999999")->max_age(), INT64_MAX);
}

TEST(SetCookie, EmptyValueAndEmptyAttributes)
{
    const auto sc = SetCookie::parse("a=; ; Path=/;;");
    ASSERT_TRUE(sc);
    EXPECT_EQ(sc->value(), "");
    ASSERT_EQ(sc->attributes().size(), 1u);
    EXPECT_EQ(sc->path(), "/");
}

TEST(SetCookie, Invalid)
{
    EXPECT_FALSE(SetCookie::parse(""));
    EXPECT_FALSE(SetCookie::parse("novalue"));
    EXPECT_FALSE(SetCookie::parse("=value"));
    EXPECT_FALSE(SetCookie::parse(" =value; Path=/"));
    EXPECT_FALSE(SetCookie::parse("novalue; a=b"));
}

} // namespace
} // namespace dlba::dlbad
