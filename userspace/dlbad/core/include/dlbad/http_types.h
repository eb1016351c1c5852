#pragma once

// Vocabulary types shared by the HTTP/1.1 parsers of dlbad's core.
//
// Everything here is a plain value type.  string_views point into the
// caller's buffer: they stay valid only while that buffer is neither
// modified nor moved.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dlba::dlbad {

// HTTP/1.x minor version.  "HTTP/1.2".."HTTP/1.9" are treated as 1.1
// (RFC 9110 section 6.2: a recipient uses the highest minor it implements).
enum class HttpVersion : std::uint8_t {
    kHttp10,
    kHttp11,
};

// One header field line.  name/value are views into the parsed buffer;
// value has leading and trailing whitespace (SP / HTAB) removed.
struct HeaderField {
    std::string_view name;
    std::string_view value;
};

// How the end of a message body is found (RFC 9112 section 6.3).
enum class BodyKind : std::uint8_t {
    kNone,          // no body at all (GET without framing, 204, 304, HEAD reply, 1xx)
    kContentLength, // exactly BodyFraming::length bytes follow the head
    kChunked,       // chunked transfer coding: feed a ChunkedDecoder
    kUntilClose,    // response only: the body ends when the server closes
    kTunnel,        // 101 Switching Protocols / 2xx to CONNECT: raw bytes both ways
};

struct BodyFraming {
    BodyKind kind = BodyKind::kNone;
    std::uint64_t length = 0; // only for kContentLength
};

enum class ParseStatus : std::uint8_t {
    kNeedMore, // not enough bytes yet: call again with more (same start)
    kComplete, // head parsed; ParseResult::length bytes form the head
    kError,    // malformed: answer ParseResult::http_status and close
};

// Result of one parse step.
//  kComplete: length = number of bytes of the head (including the empty line
//             that ends it and any ignored leading CRLFs); the body starts there.
//  kError:    http_status is the status to answer (400, 413, 414, 431, 501,
//             505 for requests; 502 for responses), reason a short static
//             human-readable text (safe to log; never points into input).
struct ParseResult {
    ParseStatus status = ParseStatus::kNeedMore;
    std::size_t length = 0;
    int http_status = 0;
    std::string_view reason;

    [[nodiscard]] bool complete() const noexcept { return status == ParseStatus::kComplete; }
    [[nodiscard]] bool need_more() const noexcept { return status == ParseStatus::kNeedMore; }
    [[nodiscard]] bool error() const noexcept { return status == ParseStatus::kError; }

    static constexpr ParseResult more() noexcept { return {}; }
    static constexpr ParseResult done(std::size_t len) noexcept
    {
        return {ParseStatus::kComplete, len, 0, {}};
    }
    static constexpr ParseResult fail(int http_status, std::string_view why) noexcept
    {
        return {ParseStatus::kError, 0, http_status, why};
    }
};

// Size limits applied by the parsers.  Defaults match common proxies
// (HAProxy tune.bufsize 16 KiB, 101 headers).
struct ParserLimits {
    // Longest request-line (method SP target SP version, without CRLF);
    // longer -> 414 URI Too Long.  Also bounds a response status-line (502).
    std::size_t max_request_line = 8192;
    // Largest head (start line + all header lines + final CRLF);
    // larger -> 431 (requests) / 502 (responses).
    std::size_t max_head_bytes = 16384;
    // Most header field lines; more -> 431 (requests) / 502 (responses).
    std::size_t max_header_count = 100;
    // Largest request body (Content-Length or sum of chunk sizes); larger ->
    // 413 Content Too Large.  0 = unlimited.  Not applied to responses.
    std::uint64_t max_body_bytes = 64ull << 20;
    // Longest chunk-size line including extensions (without CRLF); -> 400.
    std::size_t max_chunk_line = 4096;
    // Largest trailer section of a chunked body; -> 431 (requests) / 502.
    std::size_t max_trailer_bytes = 8192;
};

} // namespace dlba::dlbad
