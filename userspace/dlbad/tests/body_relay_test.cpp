// Streaming and backpressure of response bodies (BodyRelay) against fake transports.
#include <gtest/gtest.h>

#include <dlbad/body_framer.h>

#include "fake_transport.h"
#include "proxy/body_relay.h"

namespace dlba::dlbad {
namespace {

using test::FakeTransport;

BodyFraming content_length(std::uint64_t n)
{
    return BodyFraming{BodyKind::kContentLength, n};
}

TEST(BodyRelay, StopsReadingTheSourceWhenTheBufferIsFull)
{
    FakeTransport backend, client;
    const std::string body(1 << 20, 'x'); // 1 MiB reply
    for (std::size_t i = 0; i < body.size(); i += 16384)
        backend.feed(body.substr(i, 16384));
    ByteBuffer out(64 * 1024);
    BodyFramer framer(content_length(body.size()), ParserLimits{}, false);
    bool br = true, bw = true, cr = true, cw = true;

    client.set_write_budget(0); // the client reads nothing
    auto r = BodyRelay::pull(backend, br, bw, false, out, framer);
    EXPECT_TRUE(r.paused);
    EXPECT_FALSE(r.done);
    EXPECT_EQ(out.size(), 64u * 1024);
    EXPECT_EQ(backend.bytes_read, 64u * 1024) << "read no more than the buffer holds";
    EXPECT_TRUE(br) << "still readable: the relay stopped by choice, not on EAGAIN";
    auto p = BodyRelay::push(client, cr, cw, out);
    EXPECT_EQ(p.bytes, 0u);
    EXPECT_FALSE(cw);

    // Pulling again while the client is stuck reads nothing more.
    auto calls = backend.read_calls;
    r = BodyRelay::pull(backend, br, bw, false, out, framer);
    EXPECT_TRUE(r.paused);
    EXPECT_EQ(backend.read_calls, calls);

    // The client drains 10 KiB: exactly that much more is read from the back-end.
    cw = true;
    client.set_write_budget(10 * 1024);
    p = BodyRelay::push(client, cr, cw, out);
    EXPECT_EQ(p.bytes, 10u * 1024);
    r = BodyRelay::pull(backend, br, bw, false, out, framer);
    EXPECT_TRUE(r.paused);
    EXPECT_EQ(backend.bytes_read, 74u * 1024);

    // A fast client from now on: everything arrives, in order, and the body ends.
    client.set_write_budget(static_cast<std::size_t>(-1));
    cw = true;
    bool done = false;
    for (int i = 0; i < 1000 && !done; ++i) {
        BodyRelay::push(client, cr, cw, out);
        r = BodyRelay::pull(backend, br, bw, false, out, framer);
        done = r.done;
    }
    BodyRelay::push(client, cr, cw, out);
    EXPECT_TRUE(done);
    EXPECT_EQ(client.written, body);
    EXPECT_TRUE(out.empty());
}

TEST(BodyRelay, BytesBeyondTheBodyAreDroppedAndFlagged)
{
    FakeTransport backend;
    backend.feed("hello"
                 "EXTRA BYTES");
    ByteBuffer out(1024);
    BodyFramer framer(content_length(5), ParserLimits{}, false);
    bool br = true, bw = true;
    auto r = BodyRelay::pull(backend, br, bw, false, out, framer);
    EXPECT_TRUE(r.done);
    EXPECT_TRUE(r.extra);
    EXPECT_EQ(out.view(), "hello");
}

TEST(BodyRelay, ChunkedBodyEndsAtTheLastChunk)
{
    FakeTransport backend;
    const std::string wire = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    for (char c : wire)
        backend.feed(std::string(1, c)); // one byte at a time
    ByteBuffer out(1024);
    BodyFramer framer(BodyFraming{BodyKind::kChunked, 0}, ParserLimits{}, false);
    bool br = true, bw = true;
    auto r = BodyRelay::pull(backend, br, bw, false, out, framer);
    EXPECT_TRUE(r.done);
    EXPECT_FALSE(r.extra);
    EXPECT_EQ(out.view(), wire) << "chunked framing is forwarded as received";
}

TEST(BodyRelay, DechunkingFramerLeavesOnlyThePayloadInTheBuffer)
{
    // For an HTTP/1.0 client: the chunk data, nothing of the framing, whatever the read sizes.
    for (std::size_t piece : {1, 3, 8, 4096}) {
        FakeTransport backend;
        const std::string wire = "5;ext=1\r\nhello\r\n00006\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";
        for (std::size_t i = 0; i < wire.size(); i += piece)
            backend.feed(wire.substr(i, piece));
        ByteBuffer out(1024);
        BodyFramer framer(BodyFraming{BodyKind::kChunked, 0}, ParserLimits{}, false);
        framer.set_output(ChunkedOutput::kPayload);
        bool br = true, bw = true;
        PullResult r;
        for (int i = 0; i < 100 && !r.done; ++i)
            r = BodyRelay::pull(backend, br, bw, false, out, framer);
        EXPECT_TRUE(r.done) << piece;
        EXPECT_EQ(framer.consumed(), wire.size()) << piece;
        EXPECT_EQ(out.view(), "hello world") << piece;
    }
}

TEST(BodySpool, TakesTheCanonicalChunkFramingAsItsBytes)
{
    BodySpool spool(64);
    BodyFramer framer(BodyFraming{BodyKind::kChunked, 0}, ParserLimits{}, true);
    framer.set_output(ChunkedOutput::kCanonical);
    auto r = framer.feed("0005;a=b\r\nhello\r\n0;x\r\nT: 1\r\n\r\n", &spool);
    EXPECT_TRUE(r.done());
    EXPECT_EQ(spool.take(), "5\r\nhello\r\n0\r\n\r\n");
    EXPECT_TRUE(spool.replayable());
}

TEST(BodyRelay, MalformedChunkIsAFramingError)
{
    FakeTransport backend;
    backend.feed("zz\r\nhello\r\n");
    ByteBuffer out(1024);
    BodyFramer framer(BodyFraming{BodyKind::kChunked, 0}, ParserLimits{}, false);
    bool br = true, bw = true;
    auto r = BodyRelay::pull(backend, br, bw, false, out, framer);
    EXPECT_NE(r.framing_error, 0);
    EXPECT_FALSE(r.done);
}

TEST(BodyRelay, EarlyEofIsReportedNotDone)
{
    FakeTransport backend;
    backend.feed("hel");
    backend.end_with(IoStatus::Closed); // the FIN came with the data: EPOLLRDHUP was reported
    ByteBuffer out(1024);
    BodyFramer framer(content_length(5), ParserLimits{}, false);
    bool br = true, bw = true;
    auto r = BodyRelay::pull(backend, br, bw, true, out, framer);
    EXPECT_EQ(r.end, IoStatus::Closed);
    EXPECT_FALSE(r.done);
    EXPECT_EQ(r.bytes, 3u);
    EXPECT_FALSE(framer.finish_on_eof()) << "truncated";
}

TEST(BodyRelay, ShortReadSkipsTheEagainReadUnlessThePeerClosed)
{
    FakeTransport backend;
    backend.feed("part");
    ByteBuffer out(1024);
    BodyFramer framer(content_length(10), ParserLimits{}, false);
    bool br = true, bw = true;
    auto r = BodyRelay::pull(backend, br, bw, false, out, framer);
    EXPECT_EQ(r.bytes, 4u);
    EXPECT_FALSE(br) << "drained: wait for the next edge";
    EXPECT_EQ(backend.read_calls, 1u);

    // Same, but EPOLLRDHUP was seen: keep reading so that the EOF is noticed now.
    FakeTransport closing;
    closing.feed("part");
    closing.end_with(IoStatus::Closed);
    BodyFramer f2(content_length(10), ParserLimits{}, false);
    ByteBuffer out2(1024);
    br = true;
    r = BodyRelay::pull(closing, br, bw, true, out2, f2);
    EXPECT_EQ(r.end, IoStatus::Closed);
    EXPECT_EQ(closing.read_calls, 2u);
}

TEST(BodyRelay, CloseDelimitedBodyEndsOnEof)
{
    FakeTransport backend;
    backend.feed("all of it");
    backend.end_with(IoStatus::Closed);
    ByteBuffer out(1024);
    BodyFramer framer(BodyFraming{BodyKind::kUntilClose, 0}, ParserLimits{}, false);
    bool br = true, bw = true;
    auto r = BodyRelay::pull(backend, br, bw, true, out, framer);
    EXPECT_EQ(r.end, IoStatus::Closed);
    EXPECT_TRUE(framer.finish_on_eof());
    EXPECT_EQ(out.view(), "all of it");
}

TEST(BodyRelay, WouldBlockClearsTheRightReadinessFlag)
{
    FakeTransport tls;
    tls.set_read_wants_write(true); // e.g. a TLS read that must first write
    ByteBuffer out(1024);
    BodyFramer framer(content_length(5), ParserLimits{}, false);
    bool readable = true, writable = true;
    BodyRelay::pull(tls, readable, writable, false, out, framer);
    EXPECT_TRUE(readable);
    EXPECT_FALSE(writable);

    FakeTransport plain;
    writable = true;
    BodyRelay::pull(plain, readable, writable, false, out, framer);
    EXPECT_FALSE(readable);
    EXPECT_TRUE(writable);
}

TEST(ByteBuffer, SoftCapacity)
{
    ByteBuffer b(8);
    std::size_t len = 100;
    char* p = b.writable_ptr(len);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(len, 8u) << "reads never exceed the capacity";
    std::copy_n("abcdefgh", 8, p);
    b.commit(8);
    EXPECT_TRUE(b.full());
    len = 0;
    EXPECT_EQ(b.writable_ptr(len), nullptr);
    b.append("ij"); // proxy-made data may exceed it
    EXPECT_EQ(b.view(), "abcdefghij");
    b.consume(4);
    EXPECT_EQ(b.view(), "efghij");
    EXPECT_EQ(b.space(), 2u);
    b.consume(6);
    EXPECT_TRUE(b.empty());
}

TEST(BodySpool, HandsOutUnsentBytesAndKeepsASmallBodyForReplay)
{
    BodySpool spool(16);
    EXPECT_EQ(spool.room(), 16u);
    spool.append("hello ");
    EXPECT_EQ(spool.take(), "hello ");
    spool.sent(4);
    EXPECT_EQ(spool.take(), "o ");
    spool.append("world");
    EXPECT_EQ(spool.take(), "o world");
    spool.sent(7);
    EXPECT_FALSE(spool.pending());
    EXPECT_EQ(spool.room(), 5u) << "sent bytes are kept while the body fits";
    EXPECT_TRUE(spool.replayable());
    ASSERT_TRUE(spool.rewind());
    EXPECT_EQ(spool.take(), "hello world") << "a replay sends the body from its start";
}

TEST(BodySpool, ABodyLargerThanTheSpoolIsStreamedAndNoLongerReplayable)
{
    BodySpool spool(8);
    spool.append("abcdefgh");
    EXPECT_EQ(spool.room(), 0u) << "full of unsent bytes: stop reading the client";
    EXPECT_TRUE(spool.replayable());
    spool.sent(3);
    EXPECT_EQ(spool.room(), 3u) << "sent bytes make room once the spool is full";
    EXPECT_FALSE(spool.replayable());
    EXPECT_FALSE(spool.rewind());
    EXPECT_EQ(spool.take(), "defgh");
    spool.append("ijk");
    EXPECT_EQ(spool.take(), "defghijk");
    EXPECT_LE(spool.held(), spool.capacity());
    spool.reset(true);
    EXPECT_TRUE(spool.replayable());
    EXPECT_EQ(spool.held(), 0u);
}

} // namespace
} // namespace dlba::dlbad
