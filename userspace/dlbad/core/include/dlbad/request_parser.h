#pragma once

// Strict, incremental HTTP/1.1 request-head parser (RFC 9112).
//
// Usage (one parser per client connection):
//   RequestParser p(limits);
//   // buf holds the bytes received so far, starting at the first byte of
//   // this request (the previous request's head and body already consumed).
//   ParseResult r = p.parse(buf);
//   if (r.need_more())  -> read more, append to buf, call parse(buf) again
//   if (r.error())      -> answer r.http_status, close the connection
//   if (r.complete())   -> p.head() is valid; the body starts at buf[r.length]
//                          and is framed by p.head().framing()
//   p.reset() before parsing the next (pipelined) request.
//
// parse() remembers how far it has scanned, so repeated calls on a growing
// buffer cost O(new bytes); it never allocates per byte (the header vector
// keeps its capacity across reset()).  The buffer may be moved/reallocated
// between calls that return kNeedMore, but it must begin at the same byte.
//
// Rejected (400 unless noted): bad method token; target with CTL, SP, '#',
// or bytes >= 0x7F; target form not matching the method; bad HTTP-version
// (HTTP/2+ -> 505); request-line over the limit (414); whitespace before a
// field colon; obs-fold; bare CR or bare LF anywhere in the head; NUL and
// other CTLs in values; empty/invalid field names; missing or repeated Host in
// HTTP/1.1; Content-Length that is not 1*DIGIT, overflows, or is repeated;
// Content-Length together with Transfer-Encoding; Transfer-Encoding in an
// HTTP/1.0 request; Transfer-Encoding whose final coding is not chunked, or
// with chunked twice; other codings before chunked (501); head over the byte
// or field-count limit (431); Content-Length over the body limit (413).
// Up to 8 empty lines before the request-line are ignored (RFC 9112 2.2).

#include <dlbad/detail/head_scanner.h>
#include <dlbad/http_types.h>
#include <dlbad/request_head.h>

#include <string_view>

namespace dlba::dlbad {

class RequestParser {
public:
    explicit RequestParser(const ParserLimits& limits = {}) noexcept : limits_(limits) {}

    // See the file comment.  After kComplete or kError, further calls return
    // the same result until reset().
    ParseResult parse(std::string_view buf);

    // Valid after parse() returned kComplete.
    [[nodiscard]] const RequestHead& head() const noexcept { return head_; }

    // Forget the current message (keeps allocated capacity).
    void reset() noexcept;

    [[nodiscard]] const ParserLimits& limits() const noexcept { return limits_; }

private:
    ParseResult parse_head(std::string_view head);
    ParseResult parse_request_line(std::string_view line);

    ParserLimits limits_;
    RequestHead head_;
    detail::HeadScanner scanner_;
    ParseResult result_;
};

} // namespace dlba::dlbad
