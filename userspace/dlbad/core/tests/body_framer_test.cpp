#include <dlbad/body_framer.h>

#include <gtest/gtest.h>

namespace dlba::dlbad {
namespace {

TEST(BodyFramer, None)
{
    BodyFramer f({BodyKind::kNone, 0}, {}, true);
    EXPECT_TRUE(f.done());
    const auto r = f.feed("GET / HTTP/1.1");
    EXPECT_EQ(r.consumed, 0u);
    EXPECT_TRUE(r.done());
}

TEST(BodyFramer, ContentLengthAcrossReads)
{
    BodyFramer f({BodyKind::kContentLength, 7}, {}, true);
    EXPECT_FALSE(f.done());
    auto r = f.feed("abcd");
    EXPECT_EQ(r.consumed, 4u);
    EXPECT_FALSE(r.done());
    r = f.feed("efgNEXT");
    EXPECT_EQ(r.consumed, 3u);
    EXPECT_TRUE(r.done());
    EXPECT_EQ(f.consumed(), 7u);
    EXPECT_TRUE(f.finish_on_eof());
}

TEST(BodyFramer, ZeroContentLengthIsDone)
{
    BodyFramer f({BodyKind::kContentLength, 0}, {}, true);
    EXPECT_TRUE(f.done());
}

TEST(BodyFramer, TruncatedContentLengthOnEof)
{
    BodyFramer f({BodyKind::kContentLength, 10}, {}, false);
    f.feed("abc");
    EXPECT_FALSE(f.finish_on_eof());
}

TEST(BodyFramer, Chunked)
{
    BodyFramer f({BodyKind::kChunked, 0}, {}, true);
    auto r = f.feed("3\r\nabc\r\n");
    EXPECT_FALSE(r.done());
    r = f.feed("0\r\n\r\nXYZ");
    EXPECT_TRUE(r.done());
    EXPECT_EQ(r.consumed, 5u);
    EXPECT_EQ(f.consumed(), 13u);
}

TEST(BodyFramer, ChunkedErrorPropagates)
{
    BodyFramer f({BodyKind::kChunked, 0}, {}, true);
    const auto r = f.feed("zz\r\n");
    EXPECT_TRUE(r.error());
    EXPECT_EQ(r.http_status, 400);
    EXPECT_FALSE(f.finish_on_eof());
}

TEST(BodyFramer, UntilCloseEndsOnEof)
{
    BodyFramer f({BodyKind::kUntilClose, 0}, {}, false);
    const auto r = f.feed("anything at all");
    EXPECT_EQ(r.consumed, 15u);
    EXPECT_FALSE(r.done());
    EXPECT_TRUE(f.finish_on_eof());
    EXPECT_TRUE(f.done());
}

} // namespace
} // namespace dlba::dlbad
