// libFuzzer target for the chunked body decoder (ChunkedDecoder) on its own: it frames
// request bodies from clients and response bodies from back-ends, so a mistake in it is
// request smuggling or response splitting.
//
// Input: byte 0 selects request/response, the limits and the mode; byte 1 seeds the split
// sizes; the rest is either a body as received (mode bit clear) or a recipe from which a
// well-formed chunked body is built (mode bit set).  Properties, besides ASan/UBSan:
//  * feeding the bytes in random pieces (empty ones included) gives the verdict of feeding
//    them at once: same end, same error status, same payload length; while the body runs
//    every byte of a piece is consumed;
//  * after done() or error() further input is not consumed and the outcome repeats; after
//    reset() the same input gives the same outcome;
//  * errors are 400/413/431 for requests, 502 for responses;
//  * a body that ends: the decoded payload is smaller than the bytes it was framed in, and
//    the consumed prefix alone ends at the same place (what follows is not the body's);
//  * a well-formed body (lower/upper-case sizes, leading zeros, extensions, trailers)
//    ends exactly where it was built to end with the payload length it was built with, or is
//    refused only by the small limits.
// Built by fuzz/run.sh (TARGET=chunked); its seed corpus fuzz/corpus_chunked is replayed by
// the dlbad_core_chunked_replay ctest with any compiler.

#include "fuzz_util.h"

#include <dlbad/chunked_decoder.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace dlba::dlbad;
using dlba::dlbad::fuzz::check;
using dlba::dlbad::fuzz::Splitter;

namespace {

struct Outcome {
    std::size_t consumed = 0;
    bool done = false;
    int status = 0;
    std::uint64_t payload = 0;
};

Outcome in_pieces(const ParserLimits& limits, bool request, std::string_view in, std::uint8_t seed)
{
    ChunkedDecoder d(limits, request);
    Splitter split(seed, 40);
    Outcome o;
    std::size_t off = 0;
    // Until the end of the input, or earlier the end of the body / an error.  The guard only
    // bounds a run of empty pieces.
    int guard = 0;
    do {
        const std::string_view piece = in.substr(off, split.next());
        const auto r = d.feed(piece);
        check(r.consumed <= piece.size(), "consumed within piece");
        check(!(r.done() && r.error()), "done and error at once");
        o.consumed += r.consumed;
        if (r.done() || r.error()) {
            o.done = r.done();
            o.status = r.http_status;
            break;
        }
        check(r.consumed == piece.size(), "all of a piece consumed while the body runs");
        off += piece.size();
    } while (off < in.size() && ++guard < 1 << 20);
    o.payload = d.payload_bytes();
    return o;
}

// A well-formed chunked body from a recipe: each recipe byte makes one chunk of that many
// bytes (0 ends the chunks), spelled in varying ways, then trailers when asked.
std::string build_body(std::string_view recipe, std::uint64_t& payload)
{
    static constexpr const char* kLower = "0123456789abcdef";
    static constexpr const char* kUpper = "0123456789ABCDEF";
    std::string body;
    payload = 0;
    std::size_t i = 0;
    for (; i < recipe.size() && i < 64; ++i) {
        const auto n = static_cast<unsigned char>(recipe[i]);
        if (n == 0)
            break;
        const char* hex = (n & 8) ? kUpper : kLower;
        if (n % 3 == 0)
            body += "00"; // leading zeros are not significant
        if (n >= 16)
            body += hex[n >> 4];
        body += hex[n & 15];
        if (n % 5 == 0)
            body += ";ext=\"q\\\"v\"";
        else if (n % 7 == 0)
            body += " ; name";
        else if (n % 11 == 0)
            body += ";a=b;c";
        body += "\r\n";
        body.append(n, static_cast<char>('a' + n % 26));
        body += "\r\n";
        payload += n;
    }
    body += "0\r\n";
    if (i + 1 < recipe.size() && (recipe[i + 1] & 1))
        body += "X-Trailer: v\r\nX-Other:\r\n";
    body += "\r\n";
    return body;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::uint8_t knob = data[0];
    const std::uint8_t seed = data[1];
    const bool request = knob & 1;
    const bool small = knob & 2;
    const bool wellformed = knob & 4;
    ParserLimits limits;
    if (small) {
        limits.max_body_bytes = 300;
        limits.max_chunk_line = 16;
        limits.max_trailer_bytes = 20;
    }
    const std::string_view raw(reinterpret_cast<const char*>(data + 2), size - 2);

    static constexpr std::string_view kNext = "GET /next HTTP/1.1\r\n";
    std::uint64_t built_payload = 0;
    std::string built;
    if (wellformed)
        built = build_body(raw, built_payload) + std::string(kNext);
    const std::string_view in = wellformed ? std::string_view(built) : raw;

    ChunkedDecoder d(limits, request);
    const auto a = d.feed(in);
    check(a.consumed <= in.size(), "consumed within input");
    check(!(a.done() && a.error()), "done and error at once");
    if (!a.done() && !a.error())
        check(a.consumed == in.size(), "all input consumed while the body runs");

    const Outcome b = in_pieces(limits, request, in, seed);
    check(a.done() == b.done && a.http_status == b.status, "in pieces == at once");
    check(a.consumed == b.consumed, "same end however split");
    check(d.payload_bytes() == b.payload, "same payload length however split");

    if (a.error())
        check(request ? (a.http_status == 400 || a.http_status == 413 || a.http_status == 431)
                      : a.http_status == 502,
              "error status is 400/413/431 (request) or 502 (response)");
    if (a.error() && !request)
        check(a.http_status == 502, "responses fail with 502");

    if (a.done() || a.error()) {
        const auto again = d.feed(in.substr(a.consumed));
        check(again.consumed == 0 && again.done() == a.done() && again.http_status == a.http_status,
              "outcome repeats, nothing more consumed");
    }
    if (a.done()) {
        // "0\r\n\r\n" at least frames the payload, so it is strictly smaller.
        check(d.payload_bytes() + 5 <= a.consumed, "decoded payload smaller than its framing");
        ChunkedDecoder alone(limits, request);
        const auto p = alone.feed(in.substr(0, a.consumed));
        check(p.done() && p.consumed == a.consumed, "the body alone ends at the same place");
        if (a.consumed > 0) {
            ChunkedDecoder shorter(limits, request);
            const auto s = shorter.feed(in.substr(0, a.consumed - 1));
            check(!s.done() && !s.error(), "a body without its last byte is unfinished, not wrong");
        }
    }

    d.reset();
    const auto r = d.feed(in);
    check(r.consumed == a.consumed && r.done() == a.done() && r.http_status == a.http_status,
          "same outcome after reset()");

    if (wellformed) {
        if (a.error()) {
            check(small, "a well-formed body refused only under the small limits");
        } else {
            check(a.done(), "a well-formed body ends");
            check(in.substr(a.consumed) == kNext, "a well-formed body ends where it was built to");
            check(d.payload_bytes() == built_payload, "payload length as built");
        }
    }
    return 0;
}
