#pragma once

// Finds the end of a message body of any framing, fed incrementally, and
// optionally hands the body bytes to a ByteSink: as received, or for a
// chunked body re-framed (set_output(): ChunkedDecoder's kCanonical / kPayload).
//
//   BodyFramer f(head.framing(), limits, /*is_request=*/true);
//   auto r = f.feed(bytes);   // r.consumed bytes are body; forward them
//   r.done()  -> body complete (remaining bytes: next pipelined message)
//   r.error() -> malformed chunked body: answer r.http_status and close
//
// kNone: done immediately.  kContentLength: done after `length` bytes.
// kChunked: ChunkedDecoder.  kUntilClose / kTunnel: consumes everything and
// is never done; the caller ends it on EOF (finish_on_eof()).

#include <dlbad/chunked_decoder.h>
#include <dlbad/http_types.h>

#include <cstdint>
#include <string_view>

namespace dlba::dlbad {

class BodyFramer {
public:
    using Result = ChunkedDecoder::Result;

    BodyFramer(BodyFraming framing, const ParserLimits& limits, bool is_request) noexcept
        : framing_(framing),
          remaining_(framing.length),
          chunked_(limits, is_request)
    {}

    // With `out`, the body bytes of what was consumed go there: raw for every
    // framing, except a chunked body with an output mode (re-emitted).
    Result feed(std::string_view data, ByteSink* out = nullptr);

    // How a chunked body is re-emitted to the sink (ignored for other framings).
    void set_output(ChunkedOutput mode) noexcept { chunked_.set_output(mode); }
    // The sink gets something other than the consumed bytes.
    [[nodiscard]] bool reframes() const noexcept
    {
        return framing_.kind == BodyKind::kChunked && chunked_.output() != ChunkedOutput::kNone;
    }

    // True when the body is complete without more bytes (kNone, zero length).
    [[nodiscard]] bool done() const noexcept
    {
        return done_ || framing_.kind == BodyKind::kNone ||
               (framing_.kind == BodyKind::kContentLength && framing_.length == 0);
    }

    // On EOF from the peer: true when that legitimately ends the body
    // (kUntilClose / kTunnel, or already done); false means truncated.
    [[nodiscard]] bool finish_on_eof() noexcept;

    [[nodiscard]] BodyFraming framing() const noexcept { return framing_; }
    // Body bytes consumed so far (raw, including chunk framing).
    [[nodiscard]] std::uint64_t consumed() const noexcept { return consumed_; }

private:
    BodyFraming framing_;
    std::uint64_t remaining_;
    std::uint64_t consumed_ = 0;
    bool done_ = false;
    ChunkedDecoder chunked_;
};

} // namespace dlba::dlbad
