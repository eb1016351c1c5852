#pragma once

// Incremental validator for a chunked message body (RFC 9112 7.1).
//
// It consumes bytes, validates the chunk framing, and tells where the body
// (last-chunk + trailer section + final CRLF) ends.  Without a sink it copies
// nothing.  With a ByteSink and an output mode it also re-emits the body:
//
//   kCanonical: the same chunks in the one spelling every reader agrees on:
//               lower-case hex sizes without leading zeros, no chunk
//               extensions, "0\r\n", no trailer fields, "\r\n".  The
//               trailer section is dropped (RFC 9110 6.5.1 lets a recipient
//               discard trailer fields; what a back-end would make of
//               request trailers is exactly what smuggling plays on).
//               Emitted bytes never outrun the consumed ones by more than
//               one chunk-size line (the line goes out at its LF).
//   kPayload:   the chunk data only (the chunked coding removed, trailers
//               dropped), for a peer that cannot read chunks.  Emitted bytes
//               are a subsequence of the input, never ahead of it, so a
//               caller may decode in place.
//
//   ChunkedDecoder d(limits, /*is_request=*/true);
//   auto r = d.feed(bytes);      // r.consumed bytes belong to the body
//   if (r.error()) ...           // answer r.http_status (400/413/431 or 502)
//   if (r.done())  ...           // body ended after r.consumed bytes; any
//                                // remaining bytes are the next message
//   else forward bytes[0, r.consumed) and feed the next read.
//
// Strict: chunk-size is 1*HEXDIG (no sign, no "0x", no whitespace before
// it), at most 15 significant hex digits (< 2^60, so sums cannot overflow);
// chunk extensions (";name" or ";name=token|quoted-string", BWS allowed
// around ';' and '=') are accepted but their line is bounded by
// max_chunk_line; chunk data must be followed by exactly CRLF; bare LF and
// bare CR are rejected; trailer fields follow header-field syntax and are
// bounded by max_trailer_bytes.  For requests the sum of chunk sizes is
// bounded by max_body_bytes (413).

#include <dlbad/http_types.h>

#include <cstdint>
#include <string_view>

namespace dlba::dlbad {

// Receives bytes re-emitted by ChunkedDecoder / BodyFramer.
class ByteSink {
public:
    virtual void put(std::string_view bytes) = 0;

protected:
    ~ByteSink() = default;
};

enum class ChunkedOutput : std::uint8_t {
    kNone,      // validate only: nothing goes to the sink
    kCanonical, // re-framed chunks (see above)
    kPayload,   // chunk data only
};

class ChunkedDecoder {
public:
    struct Result {
        std::size_t consumed = 0;
        bool finished = false;
        int http_status = 0; // non-zero on error
        std::string_view reason;

        [[nodiscard]] bool done() const noexcept { return finished; }
        [[nodiscard]] bool error() const noexcept { return http_status != 0; }
    };

    explicit ChunkedDecoder(const ParserLimits& limits = {}, bool is_request = true) noexcept
        : limits_(limits),
          is_request_(is_request)
    {}

    // Consume as much of `data` as belongs to the body.  After done() or
    // error(), further calls consume nothing and repeat the outcome.
    // With `out` and an output mode other than kNone, the re-emitted bytes of
    // what was consumed go to `out` (put() may throw; then the decoder state is
    // unspecified and the message must be abandoned).
    Result feed(std::string_view data, ByteSink* out = nullptr);

    void set_output(ChunkedOutput mode) noexcept { output_ = mode; }
    [[nodiscard]] ChunkedOutput output() const noexcept { return output_; }

    // Sum of chunk sizes seen so far (decoded payload length).
    [[nodiscard]] std::uint64_t payload_bytes() const noexcept { return payload_; }

    void reset() noexcept;

private:
    enum class State : std::uint8_t {
        kSize,      // reading hex digits of chunk-size
        kSizeBws,   // whitespace after the size: only ';' may follow
        kExt,       // inside chunk-ext (validated loosely, bounded)
        kExtQuoted, // inside a quoted-string of a chunk-ext value
        kExtQuotedEscape,
        kSizeLf,       // saw CR after chunk line, need LF
        kData,         // chunk-data bytes remaining
        kDataCr,       // need CR after chunk-data
        kDataLf,       // need LF after chunk-data
        kTrailerStart, // at the start of a trailer line (or final CRLF)
        kTrailerLine,  // inside a trailer field line
        kTrailerLf,    // saw CR of a trailer line, need LF
        kFinalLf,      // saw CR of the final empty line, need LF
        kDone,
        kError,
    };

    Result fail(std::size_t consumed, int status, std::string_view reason) noexcept;
    void emit_size_line(ByteSink& out, std::uint64_t size);

    ParserLimits limits_;
    bool is_request_;
    ChunkedOutput output_ = ChunkedOutput::kNone;
    State state_ = State::kSize;
    std::uint64_t chunk_size_ = 0;
    std::uint64_t remaining_ = 0;
    std::uint64_t payload_ = 0;
    std::size_t size_digits_ = 0;
    std::size_t line_len_ = 0;
    std::size_t trailer_bytes_ = 0;
    // Trailer line syntax tracking (no buffering): 0 = in name, 1 = in value.
    std::uint8_t trailer_phase_ = 0;
    bool saw_digit_ = false;
    int err_status_ = 0;
    std::string_view err_reason_;
};

} // namespace dlba::dlbad
