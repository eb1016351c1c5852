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

struct StringSink final : ByteSink {
    std::string bytes;
    void put(std::string_view b) override { bytes.append(b); }
};

TEST(BodyFramer, SinkGetsTheBodyBytesOfEveryFraming)
{
    StringSink cl;
    BodyFramer f(BodyFraming{BodyKind::kContentLength, 5}, ParserLimits{}, true);
    EXPECT_TRUE(f.feed("helloGET /", &cl).done());
    EXPECT_EQ(cl.bytes, "hello");

    StringSink raw;
    BodyFramer c(BodyFraming{BodyKind::kChunked, 0}, ParserLimits{}, true);
    EXPECT_FALSE(c.reframes());
    EXPECT_TRUE(c.feed("05;x\r\nhello\r\n0\r\n\r\nGET", &raw).done());
    EXPECT_EQ(raw.bytes, "05;x\r\nhello\r\n0\r\n\r\n") << "no output mode: as received";

    StringSink canon;
    BodyFramer k(BodyFraming{BodyKind::kChunked, 0}, ParserLimits{}, true);
    k.set_output(ChunkedOutput::kCanonical);
    EXPECT_TRUE(k.reframes());
    EXPECT_TRUE(k.feed("05;x\r\nhello\r\n0\r\nT: v\r\n\r\nGET", &canon).done());
    EXPECT_EQ(canon.bytes, "5\r\nhello\r\n0\r\n\r\n");
    EXPECT_EQ(k.consumed(), 24u) << "consumed() counts the raw bytes";

    StringSink close;
    BodyFramer u(BodyFraming{BodyKind::kUntilClose, 0}, ParserLimits{}, false);
    u.set_output(ChunkedOutput::kPayload); // not chunked: ignored
    EXPECT_FALSE(u.reframes());
    u.feed("abc", &close);
    EXPECT_EQ(close.bytes, "abc");
}

} // namespace
} // namespace dlba::dlbad
