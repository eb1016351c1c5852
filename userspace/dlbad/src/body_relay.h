#pragma once

#include <dlbad/body_framer.h>

#include <cstddef>

#include "byte_buffer.h"
#include "transport.h"

namespace dlba::dlbad {

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
// flags are edge-triggered: cleared here when an operation would block.
class BodyRelay {
public:
    // `src_closed`: the source signalled EOF (EPOLLRDHUP): read until it shows.
    static PullResult pull(Transport& src, bool& src_readable, bool& src_writable, bool src_closed, ByteBuffer& out,
                           BodyFramer& framer);
    static PushResult push(Transport& dst, bool& dst_readable, bool& dst_writable, ByteBuffer& out);
};

} // namespace dlba::dlbad
