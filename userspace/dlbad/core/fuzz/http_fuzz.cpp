// libFuzzer target for dlbad's hand-written hot-path parsers: the request and
// response head parsers, the chunked body decoder / body framer, the
// Set-Cookie, Cookie and Cache-Control parsers and the URI helpers.
//
// Besides memory safety (ASan/UBSan in the fuzz build) it checks properties:
//  * feeding the input in arbitrary pieces gives the same result as feeding
//    it at once (no prefix is accepted that the whole would reject);
//  * a completed head, re-serialised with write_head(), parses again to the
//    same fields;
//  * views returned by the parsers lie inside the input.
// Any violation aborts.  Built by fuzz/run.sh (clang, -fsanitize=fuzzer) and,
// with any compiler, linked to replay_main.cpp as a ctest over the corpus.

#include <dlbad/body_framer.h>
#include <dlbad/cache_control.h>
#include <dlbad/chunked_decoder.h>
#include <dlbad/cookie_header.h>
#include <dlbad/cookie_injector.h>
#include <dlbad/head_writer.h>
#include <dlbad/request_parser.h>
#include <dlbad/response_parser.h>
#include <dlbad/set_cookie.h>
#include <dlbad/uri_util.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace dlba::dlbad;

namespace {

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what)
{
    if (!ok)
        fail(what);
}

bool inside(std::string_view v, std::string_view buf)
{
    return v.empty() || (v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size());
}

bool same(const ParseResult& a, const ParseResult& b)
{
    return a.status == b.status && a.length == b.length && a.http_status == b.http_status;
}

ParserLimits small_limits(std::uint8_t knob)
{
    ParserLimits l;
    // Small limits make the limit paths reachable with short inputs.
    if (knob & 1) {
        l.max_request_line = 32;
        l.max_head_bytes = 128;
        l.max_header_count = 4;
        l.max_body_bytes = 64;
        l.max_chunk_line = 16;
        l.max_trailer_bytes = 32;
    }
    return l;
}

// Feeds `in` growing by `step` bytes each call, as a socket would.
template <class Parser, class... Extra>
ParseResult incremental(Parser& p, std::string_view in, std::size_t step, Extra... extra)
{
    ParseResult r;
    std::size_t have = 0;
    do {
        have = std::min(in.size(), have + step);
        r = p.parse(in.substr(0, have), extra...);
    } while (r.need_more() && have < in.size());
    return r;
}

void fields_roundtrip(std::string_view start_line, std::span<const HeaderField> headers,
                      bool request, Method m)
{
    std::string out;
    write_head(out, start_line, headers, HeaderEdit{});
    ParserLimits big;
    big.max_head_bytes = out.size() + 16;
    big.max_request_line = out.size();
    big.max_header_count = headers.size() + 1;
    big.max_body_bytes = 0;
    if (request) {
        RequestParser p(big);
        const ParseResult r = p.parse(out);
        check(r.complete(), "re-serialised request head parses");
        check(r.length == out.size(), "re-serialised request length");
        check(p.head().headers().size() == headers.size(), "re-serialised request field count");
        for (std::size_t i = 0; i < headers.size(); ++i) {
            check(p.head().headers()[i].name == headers[i].name, "field name round-trip");
            check(p.head().headers()[i].value == headers[i].value, "field value round-trip");
        }
    } else {
        ResponseParser p(big);
        const ParseResult r = p.parse(out, m);
        check(r.complete(), "re-serialised response head parses");
        check(p.head().headers().size() == headers.size(), "re-serialised response field count");
    }
}

void fuzz_requests(std::string_view in, std::uint8_t knob)
{
    const ParserLimits limits = small_limits(knob);
    RequestParser once(limits);
    const ParseResult a = once.parse(in);
    RequestParser inc(limits);
    const ParseResult b = incremental(inc, in, 1 + (knob >> 4));
    // Same bytes, same verdict, however they were split.
    check(same(a, b), "incremental request parse == one-shot");

    // Walk pipelined requests like the proxy does.
    std::string_view rest = in;
    RequestParser p(limits);
    for (int n = 0; n < 16 && !rest.empty(); ++n) {
        p.reset();
        const ParseResult r = p.parse(rest);
        if (!r.complete())
            break;
        check(r.length <= rest.size(), "head length within buffer");
        const RequestHead& h = p.head();
        check(inside(h.method(), rest) && inside(h.target(), rest) && inside(h.query(), rest),
              "request views inside buffer");
        for (const HeaderField& f : h.headers())
            check(inside(f.name, rest) && inside(f.value, rest), "field views inside buffer");
        (void)find_path_param(h.path(), "jsessionid");
        (void)find_query_param(h.query(), "sid");
        (void)find_cookie(h.headers(), "SpServer");
        (void)private_cache_control(h.headers());
        const std::string start = std::string(h.method()) + " " + std::string(h.target()) +
                                  (h.version() == HttpVersion::kHttp10 ? " HTTP/1.0" : " HTTP/1.1");
        fields_roundtrip(start, h.headers(), true, Method::kGet);

        rest.remove_prefix(r.length);
        BodyFramer body(h.framing(), limits, true);
        const auto br = body.feed(rest);
        check(br.consumed <= rest.size(), "body consumed within buffer");
        if (br.error() || !body.done())
            break;
        rest.remove_prefix(br.consumed);
    }
}

void fuzz_responses(std::string_view in, std::uint8_t knob)
{
    const ParserLimits limits = small_limits(knob);
    const Method m = static_cast<Method>(knob % (static_cast<int>(Method::kOther) + 1));
    ResponseParser once(limits);
    const ParseResult a = once.parse(in, m);
    ResponseParser inc(limits);
    const ParseResult b = incremental(inc, in, 1 + (knob >> 3), m);
    check(same(a, b), "incremental response parse == one-shot");
    if (a.complete()) {
        const ResponseHead& h = once.head();
        check(h.status() >= 100 && h.status() <= 599, "status range");
        for (const HeaderField& f : h.headers()) {
            check(inside(f.name, in) && inside(f.value, in), "response views inside buffer");
            if (f.name == "Set-Cookie" || f.name == "set-cookie") {
                if (auto sc = SetCookie::parse(f.value)) {
                    (void)sc->max_age();
                    (void)sc->same_site();
                }
            }
        }
        fields_roundtrip(h.status_line(), h.headers(), false, m);
        const CookieInjector inj({"JSESSIONID", "SpServer", true});
        if (auto idx = inj.session_set_cookie(h.headers())) {
            HeaderEdit e;
            inj.inject(h.headers(), *idx, "token", e);
            std::string out;
            write_head(out, h.status_line(), h.headers(), e);
            ParserLimits big;
            big.max_head_bytes = out.size() + 16;
            big.max_request_line = out.size();
            big.max_header_count = h.headers().size() + 8;
            ResponseParser again(big);
            check(again.parse(out, m).complete(), "injected response parses");
        }
        BodyFramer body(h.framing(), limits, false);
        const auto br = body.feed(in.substr(a.length));
        check(br.consumed <= in.size() - a.length, "response body consumed within buffer");
    }
}

void fuzz_chunked(std::string_view in, std::uint8_t knob)
{
    const ParserLimits limits = small_limits(knob);
    const bool request = knob & 2;
    ChunkedDecoder once(limits, request);
    const auto a = once.feed(in);
    ChunkedDecoder pieces(limits, request);
    const std::size_t step = 1 + (knob >> 5);
    std::size_t consumed = 0;
    ChunkedDecoder::Result b;
    for (std::size_t off = 0; off < in.size(); off += step) {
        b = pieces.feed(in.substr(off, step));
        consumed += b.consumed;
        check(b.consumed <= step, "chunked consumed within piece");
        if (b.done() || b.error())
            break;
        check(b.consumed == std::min(step, in.size() - off), "chunked consumes all while running");
    }
    check(a.done() == b.done() && a.error() == b.error(), "chunked incremental == one-shot");
    if (a.done())
        check(a.consumed == consumed, "chunked body end identical");
    if (a.error())
        check(a.http_status == b.http_status, "chunked error status identical");
}

void fuzz_values(std::string_view in)
{
    if (auto sc = SetCookie::parse(in)) {
        check(inside(sc->name(), in) && inside(sc->value(), in) &&
                  inside(sc->attributes_text(), in),
              "set-cookie views inside");
        (void)sc->expires();
        (void)sc->max_age();
        (void)sc->secure();
    }
    CookieIterator it(in);
    CookiePair p;
    while (it.next(p))
        check(inside(p.name, in) && inside(p.value, in), "cookie views inside");
    const HeaderField cc[] = {{"Cache-Control", in}};
    (void)private_cache_control(cc);
    (void)find_path_param(in, "jsessionid");
    (void)find_query_param(in, "sid");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t knob = data[0];
    const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
    fuzz_requests(in, knob);
    fuzz_responses(in, knob);
    fuzz_chunked(in, knob);
    fuzz_values(in);
    return 0;
}
