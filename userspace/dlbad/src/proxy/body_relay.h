#pragma once

#include <dlbad/body_framer.h>

#include <cstddef>
#include <string_view>

#include "proxy/byte_buffer.h"
#include "transport/transport.h"

namespace dlba::dlbad {

// A ByteSink appending to a ByteBuffer (beyond its capacity if need be: proxy-made bytes).
class BufferSink final : public ByteSink {
public:
    explicit BufferSink(ByteBuffer& buf) noexcept : buf_(buf) {}
    void put(std::string_view bytes) override { buf_.append(bytes); }

private:
    ByteBuffer& buf_;
};

// Outcome of one BodyRelay::pull().
struct PullResult {
    std::size_t bytes = 0;       // body bytes appended to the buffer
    bool done = false;           // the body is complete
    bool paused = false;         // stopped because the buffer is full (backpressure)
    bool extra = false;          // the source sent bytes beyond the body (dropped)
    IoStatus end = IoStatus::Ok; // Closed / Error when the source ended
    int framing_error = 0;       // BodyFramer's HTTP status for a malformed body
};

// Outcome of one BodyRelay::push().
struct PushResult {
    std::size_t bytes = 0;
    bool error = false;
};

// The streaming half of the proxy (WO 01/69890: "the reply is processed as it is read"): moves a
// message body from a source transport into a bounded buffer, as framed by the core's
// BodyFramer, and from the buffer to the sink transport.  The source is read only while the
// buffer has room, so a slow client stops the back-end instead of growing memory.  Readiness
// flags are edge-triggered: cleared here when an operation would block.  A framer set to
// ChunkedOutput::kPayload de-chunks in place: only the chunk data lands in the buffer (for an
// HTTP/1.0 client); kCanonical is not allowed here (its output can outgrow the bytes read).
class BodyRelay {
public:
    // `src_closed`: the source signalled EOF (EPOLLRDHUP): read until it shows.
    static PullResult pull(Transport& src, bool& src_readable, bool& src_writable, bool src_closed,
                           ByteBuffer& out, BodyFramer& framer);
    static PushResult push(Transport& dst, bool& dst_readable, bool& dst_writable, ByteBuffer& out);
};

// A request body on its way to the back-end, streamed (issue 10): the client's body bytes as they
// arrive, of which take() hands out what is not sent yet and sent() marks what went out.  At most
// `capacity` bytes are held: room() is what may be read from the client now (0: stop reading it,
// the back-end is slower).  Sent bytes are kept while the whole body so far fits, so a request
// can be replayed to another server (rewind()); once the body outgrows the buffer they are dropped
// and replayable() turns false for the rest of the request.  As a ByteSink it takes the body as
// BodyFramer re-emits it (canonical chunk framing).
class BodySpool final : public ByteSink {
public:
    explicit BodySpool(std::size_t capacity) : buf_(capacity) {}

    // Room for more body bytes (drops sent ones, ending replayability, if that makes room).
    [[nodiscard]] std::size_t room() noexcept;
    // Body bytes from the client; at most room() bytes of body data (proxy-made framing may
    // exceed it by a few bytes).
    void append(std::string_view bytes) { buf_.append(bytes); }
    void put(std::string_view bytes) override { buf_.append(bytes); }

    // The bytes not sent yet, in order.
    [[nodiscard]] std::string_view take() const noexcept { return buf_.view().substr(sent_); }
    void sent(std::size_t n) noexcept { sent_ += n; }
    [[nodiscard]] bool pending() const noexcept { return sent_ < buf_.size(); }

    // Every body byte so far is still held: the request may go again from its start.
    [[nodiscard]] bool replayable() const noexcept { return replayable_; }
    // Send again from the first body byte; false when that is no longer possible.
    bool rewind() noexcept;
    // Held bytes (sent or not).
    [[nodiscard]] std::size_t held() const noexcept { return buf_.size(); }
    [[nodiscard]] std::size_t capacity() const noexcept { return buf_.capacity(); }
    void set_capacity(std::size_t capacity) noexcept { buf_.set_capacity(capacity); }

    // Drop everything (next request); the memory goes too when `release`.
    void reset(bool release) noexcept;

private:
    ByteBuffer buf_;
    std::size_t sent_ = 0;
    bool replayable_ = true;
};

} // namespace dlba::dlbad
