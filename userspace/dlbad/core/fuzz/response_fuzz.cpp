// libFuzzer target for the response head parser (ResponseParser) on its own, so the whole
// budget goes to what back-ends send: dlbad parses whatever a back-end (or something posing
// as one) answers, and a parser that can be talked into a different framing than the client
// sees is response splitting.
//
// Input: byte 0 selects the request method (HEAD and CONNECT change framing) and the
// limits; byte 1 seeds the split sizes; the rest is what the back-end sent.  Properties,
// besides ASan/UBSan:
//  * feeding the bytes in random pieces (growing buffer, as the proxy re-parses) gives the
//    verdict of feeding them at once, and so does parsing again after reset();
//  * errors are always 502;
//  * a complete head: starts at the first byte, ends with CRLF CRLF, status 100..599, every
//    view inside the input, framing consistent with RFC 9112 6.3 (no body for HEAD, 1xx,
//    204, 304; tunnel only for 101 or a 2xx to CONNECT; a length only with Content-Length;
//    close-delimited bodies never keep-alive);
//  * the head re-serialised with write_head() parses again to the same status, fields,
//    framing and keep-alive;
//  * interim (1xx) heads are walked like the proxy does: the next response starts right
//    after, and is checked the same way.
// Built by fuzz/run.sh (TARGET=response); its seed corpus fuzz/corpus_response is replayed
// by the dlbad_core_response_replay ctest with any compiler.

#include "fuzz_util.h"

#include <dlbad/body_framer.h>
#include <dlbad/head_writer.h>
#include <dlbad/request_head.h>
#include <dlbad/response_parser.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace dlba::dlbad;
using dlba::dlbad::fuzz::check;
using dlba::dlbad::fuzz::inside;
using dlba::dlbad::fuzz::Splitter;

namespace {

bool same(const ParseResult& a, const ParseResult& b)
{
    return a.status == b.status && a.length == b.length && a.http_status == b.http_status;
}

ParseResult in_pieces(const ParserLimits& limits, std::string_view in, Method m, std::uint8_t seed)
{
    ResponseParser p(limits);
    Splitter split(seed, 48);
    ParseResult r;
    std::size_t have = 0;
    do {
        have = std::min(in.size(), have + split.next());
        r = p.parse(in.substr(0, have), m);
    } while (r.need_more() && have < in.size());
    return r;
}

void round_trip(const ResponseHead& h, Method m)
{
    std::string out;
    write_head(out, h.status_line(), h.headers(), HeaderEdit{});
    ParserLimits big;
    big.max_head_bytes = out.size() + 16;
    big.max_request_line = out.size();
    big.max_header_count = h.headers().size() + 1;
    ResponseParser again(big);
    const ParseResult c = again.parse(out, m);
    check(c.complete() && c.length == out.size(), "re-serialised response head parses whole");
    const ResponseHead& g = again.head();
    check(g.status() == h.status() && g.version() == h.version() && g.reason() == h.reason(),
          "status line round-trip");
    check(g.headers().size() == h.headers().size(), "field count round-trip");
    for (std::size_t i = 0; i < h.headers().size(); ++i)
        check(g.headers()[i].name == h.headers()[i].name &&
                  g.headers()[i].value == h.headers()[i].value,
              "field round-trip");
    check(g.framing().kind == h.framing().kind && g.framing().length == h.framing().length,
          "framing round-trip");
    check(g.keep_alive() == h.keep_alive(), "keep-alive round-trip");
}

// Checks one response starting at in[0]; returns the head length when it is complete and
// interim (the caller walks on), 0 otherwise.
std::size_t check_one(const ParserLimits& limits, std::string_view in, Method m, std::uint8_t seed)
{
    ResponseParser once(limits);
    const ParseResult a = once.parse(in, m);
    check(same(a, in_pieces(limits, in, m, seed)), "response parse in pieces == at once");
    // A finished parser repeats its verdict; after reset() it gives it again.
    check(same(a, once.parse(in, m)) || a.need_more(), "verdict repeats");
    once.reset();
    check(same(a, once.parse(in, m)), "same verdict after reset()");

    if (a.error()) {
        check(a.http_status == 502, "response errors are 502");
        check(!a.reason.empty() && !inside(a.reason, in), "error reason is static text");
        return 0;
    }
    if (!a.complete())
        return 0;
    check(a.length >= 4 && a.length <= in.size(), "head length within input");
    check(in.substr(a.length - 4, 4) == "\r\n\r\n", "head ends with CRLF CRLF");
    const ResponseHead& h = once.head();
    const int st = h.status();
    check(st >= 100 && st <= 599, "status range");
    check(h.status_line().data() == in.data() && h.status_line().size() < a.length,
          "status line starts the input");
    check(inside(h.reason(), in), "reason inside input");
    for (const HeaderField& f : h.headers())
        check(!f.name.empty() && inside(f.name, in.substr(0, a.length)) &&
                  inside(f.value, in.substr(0, a.length)),
              "field views inside the head");

    const BodyFraming fr = h.framing();
    const bool no_body =
        m == Method::kHead || (st >= 100 && st < 200 && st != 101) || st == 204 || st == 304;
    if (no_body)
        check(fr.kind == BodyKind::kNone, "no body for HEAD, 1xx, 204, 304");
    else
        check(fr.kind != BodyKind::kNone, "a response that may have a body has framing");
    if (fr.kind == BodyKind::kTunnel)
        check(st == 101 || (m == Method::kConnect && st >= 200 && st < 300),
              "tunnel only for 101 or 2xx to CONNECT");
    if (fr.kind != BodyKind::kContentLength)
        check(fr.length == 0, "a length only with Content-Length framing");
    if (fr.kind == BodyKind::kUntilClose || fr.kind == BodyKind::kTunnel)
        check(!h.keep_alive(), "close-delimited responses are not keep-alive");
    if (fr.kind == BodyKind::kChunked)
        check(h.version() == HttpVersion::kHttp11, "chunked only in HTTP/1.1");

    round_trip(h, m);

    // The body, as the proxy frames it, stays inside what it was given.
    const std::string_view rest = in.substr(a.length);
    BodyFramer body(fr, limits, false);
    const auto br = body.feed(rest);
    check(br.consumed <= rest.size(), "body consumed within input");
    return h.interim() ? a.length : 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::uint8_t knob = data[0];
    const std::uint8_t seed = data[1];
    std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);

    static constexpr Method kMethods[] = {Method::kGet, Method::kHead, Method::kPost,
                                          Method::kOther};
    Method m = kMethods[knob & 3];
    if (knob & 4)
        m = Method::kConnect;
    ParserLimits limits;
    if (knob & 8) {
        // Small limits make the limit paths reachable with short inputs.
        limits.max_request_line = 24;
        limits.max_head_bytes = 96;
        limits.max_header_count = 3;
        limits.max_chunk_line = 16;
        limits.max_trailer_bytes = 20;
    }

    // 100 Continue, 103 Early Hints...: the proxy forwards each interim head and parses the
    // next response from the bytes after it.
    for (int n = 0; n < 8 && !in.empty(); ++n) {
        const std::size_t used = check_one(limits, in, m, static_cast<std::uint8_t>(seed + n));
        if (used == 0)
            break;
        in.remove_prefix(used);
    }
    return 0;
}
