#include <dlbad/chunked_decoder.h>

#include <gtest/gtest.h>

#include <string>

namespace dlba::dlbad {
namespace {

using namespace std::string_literals;

ChunkedDecoder::Result feed_all(std::string_view in, const ParserLimits& l = {},
                                bool request = true)
{
    ChunkedDecoder d(l, request);
    return d.feed(in);
}

// Feeds one byte at a time; returns total consumed and final result.
ChunkedDecoder::Result feed_bytewise(std::string_view in, std::size_t& total,
                                     const ParserLimits& l = {})
{
    ChunkedDecoder d(l, true);
    total = 0;
    ChunkedDecoder::Result r;
    for (char c : in) {
        r = d.feed(std::string_view(&c, 1));
        total += r.consumed;
        if (r.done() || r.error())
            break;
    }
    return r;
}

TEST(ChunkedDecoder, SimpleBody)
{
    const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    ChunkedDecoder d;
    const auto r = d.feed(body);
    EXPECT_TRUE(r.done());
    EXPECT_FALSE(r.error());
    EXPECT_EQ(r.consumed, body.size());
    EXPECT_EQ(d.payload_bytes(), 11u);
    // Done is sticky and consumes nothing more.
    const auto again = d.feed("GET");
    EXPECT_TRUE(again.done());
    EXPECT_EQ(again.consumed, 0u);
}

TEST(ChunkedDecoder, StopsAtEndOfBodyInPipelinedBuffer)
{
    const std::string body = "3\r\nabc\r\n0\r\n\r\n";
    const std::string in = body + "GET / HTTP/1.1\r\n";
    const auto r = feed_all(in);
    EXPECT_TRUE(r.done());
    EXPECT_EQ(r.consumed, body.size());
}

TEST(ChunkedDecoder, ByteByByte)
{
    const std::string body = "A;ext=\"v;\\\"x\"\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n";
    std::size_t total = 0;
    const auto r = feed_bytewise(body + "NEXT", total);
    EXPECT_TRUE(r.done()) << r.reason;
    EXPECT_EQ(total, body.size());
}

TEST(ChunkedDecoder, AcceptedVariants)
{
    for (
        const std::string& body : std::initializer_list<std::string>{
            "0\r\n\r\n"s,
            "0000\r\n\r\n"s,
            "00000000000000000000000000001\r\nx\r\n0\r\n\r\n"s, // leading zeros are not significant
            "fF\r\n"s + std::string(255, 'x') + "\r\n0\r\n\r\n",
            "1;a\r\nx\r\n0\r\n\r\n"s,
            "1 ; a = b ; c\r\nx\r\n0\r\n\r\n"s,
            "1;a=\"quoted \\\" string\"\r\nx\r\n0;last\r\n\r\n"s,
            "0\r\nA: 1\r\nB:\r\nC: x y\t\r\n\r\n"s,
        }) {
        const auto r = feed_all(body);
        EXPECT_TRUE(r.done()) << body << ": " << r.reason;
        EXPECT_EQ(r.consumed, body.size()) << body;
    }
}

TEST(ChunkedDecoder, NeedsMoreUntilFinalCrlf)
{
    ChunkedDecoder d;
    auto r = d.feed("5\r\nhel");
    EXPECT_FALSE(r.done());
    EXPECT_FALSE(r.error());
    EXPECT_EQ(r.consumed, 6u);
    r = d.feed("lo\r\n0\r\n");
    EXPECT_FALSE(r.done());
    r = d.feed("\r");
    EXPECT_FALSE(r.done());
    r = d.feed("\n");
    EXPECT_TRUE(r.done());
    EXPECT_EQ(r.consumed, 1u);
}

struct BadChunk {
    const char* name;
    std::string input;
    int status;
};

class ChunkedRejects : public ::testing::TestWithParam<BadChunk> {};

TEST_P(ChunkedRejects, WithStatus)
{
    const BadChunk& b = GetParam();
    const auto r = feed_all(b.input);
    ASSERT_TRUE(r.error()) << b.name;
    EXPECT_EQ(r.http_status, b.status) << b.name << ": " << r.reason;
    std::size_t total = 0;
    const auto inc = feed_bytewise(b.input, total);
    EXPECT_TRUE(inc.error()) << b.name;
    EXPECT_EQ(inc.http_status, b.status);
    // In a response the same error is a 502 (413/431 only apply to requests).
    ChunkedDecoder resp({}, false);
    const auto rr = resp.feed(b.input);
    if (b.status == 400) {
        EXPECT_EQ(rr.http_status, 502);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Smuggling, ChunkedRejects,
    ::testing::Values(
        BadChunk{"empty_size", "\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"non_hex", "g\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"negative", "-1\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"plus", "+1\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"hex_prefix", "0x1\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"leading_space", " 1\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"trailing_space_no_ext", "1 \r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"overflow_64bit", "10000000000000001\r\n", 400},
        BadChunk{"too_many_digits", "1000000000000000\r\n", 400},
        BadChunk{"bare_LF_after_size", "1\nx\r\n0\r\n\r\n", 400},
        BadChunk{"bare_CR_after_size", "1\rx\r\n0\r\n\r\n", 400},
        BadChunk{"data_too_long", "1\r\nxy\r\n0\r\n\r\n", 400},
        BadChunk{"data_bare_LF", "1\r\nx\n0\r\n\r\n", 400},
        BadChunk{"data_no_crlf", "1\r\nx0\r\n\r\n", 400},
        BadChunk{"ext_ctl", "1;a\x01\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"ext_bare_LF", "1;a\nx\r\n0\r\n\r\n", 400},
        BadChunk{"ext_quoted_LF", "1;a=\"\n\"\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"ext_too_long", "1;" + std::string(5000, 'a') + "\r\nx\r\n0\r\n\r\n", 400},
        BadChunk{"trailer_obs_fold", "0\r\nA: 1\r\n  b\r\n\r\n", 400},
        BadChunk{"trailer_no_colon", "0\r\nAbc\r\n\r\n", 400},
        BadChunk{"trailer_space_before_colon", "0\r\nA : 1\r\n\r\n", 400},
        BadChunk{"trailer_bare_LF", "0\r\nA: 1\n\r\n", 400},
        BadChunk{"trailer_NUL", "0\r\nA: \0\r\n\r\n"s, 400},
        BadChunk{"final_bare_LF", "0\r\n\n", 400}, BadChunk{"final_bare_CR", "0\r\n\rX", 400},
        BadChunk{"trailer_too_large", "0\r\nA: " + std::string(9000, 'v') + "\r\n\r\n", 431},
        BadChunk{"body_too_large", "4000001\r\n", 413}),
    [](const ::testing::TestParamInfo<BadChunk>& i) { return std::string(i.param.name); });

TEST(ChunkedDecoder, BodyLimitCountsSumOfChunks)
{
    ParserLimits l;
    l.max_body_bytes = 10;
    const auto ok = feed_all("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", l);
    EXPECT_TRUE(ok.done());
    const auto bad = feed_all("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", l);
    EXPECT_EQ(bad.http_status, 413);
    // Responses are not limited.
    ChunkedDecoder resp(l, false);
    EXPECT_TRUE(resp.feed("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n").done());
}

TEST(ChunkedDecoder, ErrorIsStickyAndResetRecovers)
{
    ChunkedDecoder d;
    EXPECT_TRUE(d.feed("z").error());
    const auto again = d.feed("0\r\n\r\n");
    EXPECT_TRUE(again.error());
    EXPECT_EQ(again.consumed, 0u);
    d.reset();
    EXPECT_TRUE(d.feed("0\r\n\r\n").done());
}

// Collects what a decoder re-emits.
struct StringSink final : ByteSink {
    std::string bytes;
    void put(std::string_view b) override { bytes.append(b); }
};

// Re-emits `in` in `mode`, fed `step` bytes at a time (0: all at once).
std::string reemit(std::string_view in, ChunkedOutput mode, std::size_t step,
                   ChunkedDecoder::Result& last)
{
    ChunkedDecoder d;
    d.set_output(mode);
    StringSink sink;
    std::size_t off = 0;
    do {
        const auto piece = in.substr(off, step ? step : in.size());
        last = d.feed(piece, &sink);
        off += last.consumed;
        if (last.done() || last.error() || last.consumed < piece.size())
            break;
    } while (off < in.size());
    return sink.bytes;
}

// Leading zeros, upper-case hex, extensions (with a quoted value holding ';' and CRLF-like text),
// BWS before them, and a trailer section: the canonical form keeps the chunks and nothing else.
const std::string kOddWire = "0005;name=value\r\nhello\r\n"
                             "00A ; q=\"a;b\\\"0\\r\\n\" ;flag\r\n0123456789\r\n"
                             "1b\r\nabcdefghijklmnopqrstuvwxyz!\r\n"
                             "000;last=1\r\nX-Checksum: abc\r\nContent-Length: 5\r\n\r\n";

TEST(ChunkedDecoder, CanonicalOutputDropsExtensionsLeadingZerosAndTrailers)
{
    for (std::size_t step : {0, 1, 2, 3, 7, 64}) {
        ChunkedDecoder::Result r;
        const auto out = reemit(kOddWire + "NEXT", ChunkedOutput::kCanonical, step, r);
        EXPECT_TRUE(r.done()) << "step " << step;
        EXPECT_EQ(out,
                  "5\r\nhello\r\na\r\n0123456789\r\n1b\r\nabcdefghijklmnopqrstuvwxyz!\r\n0\r\n\r\n")
            << "step " << step;
    }
}

TEST(ChunkedDecoder, CanonicalOutputOfACanonicalBodyIsTheSameBytes)
{
    const std::string wire = "5\r\nhello\r\nfff\r\n" + std::string(0xfff, 'x') + "\r\n0\r\n\r\n";
    ChunkedDecoder::Result r;
    EXPECT_EQ(reemit(wire, ChunkedOutput::kCanonical, 0, r), wire);
    EXPECT_TRUE(r.done());
    EXPECT_EQ(reemit(wire, ChunkedOutput::kCanonical, 5, r), wire);
}

TEST(ChunkedDecoder, CanonicalOutputNeverOutrunsTheInputByMoreThanASizeLine)
{
    // The caller bounds its buffer by the bytes it consumed: the re-framed bytes may only lead
    // by the size line that goes out at its LF.
    ChunkedDecoder d;
    d.set_output(ChunkedOutput::kCanonical);
    StringSink sink;
    std::size_t in = 0;
    for (char c : kOddWire) {
        in += d.feed(std::string_view(&c, 1), &sink).consumed;
        EXPECT_LE(sink.bytes.size(), in + 17) << "after " << in << " bytes";
    }
    EXPECT_LE(sink.bytes.size(), in);
}

TEST(ChunkedDecoder, PayloadOutputIsTheChunkDataOnly)
{
    for (std::size_t step : {0, 1, 4, 13}) {
        ChunkedDecoder::Result r;
        EXPECT_EQ(reemit(kOddWire, ChunkedOutput::kPayload, step, r),
                  "hello0123456789abcdefghijklmnopqrstuvwxyz!")
            << "step " << step;
        EXPECT_TRUE(r.done());
    }
}

TEST(ChunkedDecoder, NoOutputModeEmitsNothingAndResetKeepsTheMode)
{
    ChunkedDecoder d;
    StringSink sink;
    EXPECT_TRUE(d.feed("5\r\nhello\r\n0\r\n\r\n", &sink).done());
    EXPECT_EQ(sink.bytes, "");
    d.set_output(ChunkedOutput::kPayload);
    d.reset();
    EXPECT_TRUE(d.feed("5\r\nhello\r\n0\r\n\r\n", &sink).done());
    EXPECT_EQ(sink.bytes, "hello");
}

TEST(ChunkedDecoder, OutputStopsAtAFramingError)
{
    ChunkedDecoder::Result r;
    const auto out = reemit("5\r\nhello\r\nzz\r\n", ChunkedOutput::kCanonical, 0, r);
    EXPECT_TRUE(r.error());
    EXPECT_EQ(out, "5\r\nhello\r\n");
}

} // namespace
} // namespace dlba::dlbad
