#include <dlbad/cache_control.h>

#include <gtest/gtest.h>

#include <vector>

namespace dlba::dlbad {
namespace {

std::optional<std::string> rule(std::vector<HeaderField> h)
{
    return private_cache_control(h);
}

TEST(CacheControl, NoCacheControlBecomesPrivate)
{
    EXPECT_EQ(rule({{"Content-Type", "text/html"}}), "private, no-cache=\"set-cookie\"");
}

TEST(CacheControl, AlreadyPrivateOrNoStoreUnchanged)
{
    EXPECT_EQ(rule({{"Cache-Control", "private"}}), std::nullopt);
    EXPECT_EQ(rule({{"Cache-Control", "max-age=60, PRIVATE"}}), std::nullopt);
    EXPECT_EQ(rule({{"Cache-Control", "no-store"}}), std::nullopt);
    EXPECT_EQ(rule({{"cache-control", "public"}, {"Cache-Control", "no-store"}}), std::nullopt);
}

TEST(CacheControl, PublicAndSharedOnlyDirectivesDropped)
{
    EXPECT_EQ(rule({{"Cache-Control", "public, max-age=3600, s-maxage=7200, must-revalidate"}}),
              "private, no-cache=\"set-cookie\", max-age=3600, must-revalidate");
}

TEST(CacheControl, QualifiedPrivateIsNotEnough)
{
    EXPECT_EQ(rule({{"Cache-Control", "private=\"X-Foo\", max-age=5"}}),
              "private, no-cache=\"set-cookie\", max-age=5");
}

TEST(CacheControl, NoCacheMerged)
{
    EXPECT_EQ(
        rule({{"Cache-Control", "no-cache=\"X-A, Set-Cookie\""}, {"Cache-Control", "max-age=1"}}),
        "private, no-cache=\"set-cookie, X-A\", max-age=1");
    EXPECT_EQ(rule({{"Cache-Control", "no-cache"}}), "private, no-cache");
}

TEST(CacheControl, UnknownDirectivesKept)
{
    EXPECT_EQ(rule({{"Cache-Control", "stale-while-revalidate=30, ext=\"a,b\""}}),
              "private, no-cache=\"set-cookie\", stale-while-revalidate=30, ext=\"a,b\"");
}

} // namespace
} // namespace dlba::dlbad
