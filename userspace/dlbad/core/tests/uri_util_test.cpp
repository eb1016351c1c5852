#include <dlbad/uri_util.h>

#include <gtest/gtest.h>

namespace dlba::dlbad {
namespace {

TEST(UriUtil, OriginForm)
{
    std::string st;
    EXPECT_EQ(origin_form("/a/b?c=1", st), "/a/b?c=1");
    EXPECT_EQ(origin_form("http://shop.example/a/b?c=1", st), "/a/b?c=1");
    EXPECT_EQ(origin_form("HTTPS://shop.example:8443/a", st), "/a");
    EXPECT_EQ(origin_form("http://shop.example", st), "/");
    EXPECT_EQ(origin_form("http://shop.example?x=1", st), "/?x=1");
    EXPECT_EQ(origin_form("http://[::1]:80/p?q", st), "/p?q");
    EXPECT_EQ(origin_form("*", st), "*");
    EXPECT_EQ(origin_form("shop.example:443", st), "shop.example:443");
}

TEST(UriUtil, QueryParams)
{
    EXPECT_EQ(find_query_param("a=1&sid=XYZ&b=2", "sid"), "XYZ");
    EXPECT_EQ(find_query_param("sid=first&sid=second", "sid"), "first");
    EXPECT_EQ(find_query_param("flag&x=1", "flag"), "");
    EXPECT_EQ(find_query_param("xsid=1", "sid"), std::nullopt);
    EXPECT_EQ(find_query_param("SID=1", "sid"), std::nullopt);
    EXPECT_EQ(find_query_param("", "sid"), std::nullopt);
    EXPECT_EQ(find_query_param("a=1&&sid=%41", "sid"), "%41");
    EXPECT_EQ(find_query_param("=1", ""), std::nullopt);
}

TEST(UriUtil, PathParams)
{
    EXPECT_EQ(find_path_param("/cart;jsessionid=ABC123", "jsessionid"), "ABC123");
    EXPECT_EQ(find_path_param("/shop;jsessionid=ABC/view", "jsessionid"), "ABC");
    EXPECT_EQ(find_path_param("/a;x=1;JSESSIONID=Q;y=2/b", "jsessionid"), "Q");
    EXPECT_EQ(find_path_param("/a;jsessionid=Z?jsessionid=W", "jsessionid"), "Z");
    EXPECT_EQ(find_path_param("/a?;jsessionid=W", "jsessionid"), std::nullopt);
    EXPECT_EQ(find_path_param("/a;jsessionidx=1", "jsessionid"), std::nullopt);
    EXPECT_EQ(find_path_param("/a;jsessionid", "jsessionid"), std::nullopt);
    EXPECT_EQ(find_path_param("/plain/path", "jsessionid"), std::nullopt);
}

} // namespace
} // namespace dlba::dlbad
