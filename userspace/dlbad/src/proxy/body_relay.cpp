#include "proxy/body_relay.h"

#include <cstring>
#include <string_view>

namespace dlba::dlbad {

namespace {

// Writes the de-chunked payload over the raw bytes just read, from their start: each piece lies
// at or after the write position (the payload is a subsequence of the input), so memmove is safe.
class InPlaceSink final : public ByteSink {
public:
    explicit InPlaceSink(char* base) noexcept : base_(base) {}
    void put(std::string_view bytes) override
    {
        std::memmove(base_ + written_, bytes.data(), bytes.size());
        written_ += bytes.size();
    }
    [[nodiscard]] std::size_t written() const noexcept { return written_; }

private:
    char* base_;
    std::size_t written_ = 0;
};

} // namespace

PullResult BodyRelay::pull(Transport& src, bool& src_readable, bool& src_writable, bool src_closed,
                           ByteBuffer& out, BodyFramer& framer)
{
    PullResult r;
    while (src_readable) {
        if (framer.done()) {
            r.done = true;
            return r;
        }
        std::size_t len = 0;
        char* p = out.writable_ptr(len);
        if (!p) {
            r.paused = true;
            return r;
        }
        auto io = src.read(p, len);
        if (io.status == IoStatus::WouldBlock) {
            if (io.want_write)
                src_writable = false;
            else
                src_readable = false;
            return r;
        }
        if (io.status != IoStatus::Ok) {
            r.end = io.status;
            return r;
        }
        BodyFramer::Result fed;
        if (framer.reframes()) {
            InPlaceSink sink(p);
            fed = framer.feed(std::string_view(p, io.bytes), &sink);
            out.commit(sink.written());
        } else {
            fed = framer.feed(std::string_view(p, io.bytes));
            out.commit(fed.consumed);
        }
        r.bytes += fed.consumed;
        if (fed.error()) {
            r.framing_error = fed.http_status;
            return r;
        }
        if (fed.consumed < io.bytes)
            r.extra = true;
        if (fed.done()) {
            r.done = true;
            return r;
        }
        if (io.drained && !src_closed)
            src_readable = false; // the next read would only say EAGAIN
    }
    r.done = framer.done();
    return r;
}

PushResult BodyRelay::push(Transport& dst, bool& dst_readable, bool& dst_writable, ByteBuffer& out)
{
    PushResult r;
    while (dst_writable && !out.empty()) {
        auto io = dst.write(out.data(), out.size());
        if (io.status == IoStatus::Ok) {
            out.consume(io.bytes);
            r.bytes += io.bytes;
            if (io.drained && !out.empty())
                dst_writable = false; // socket buffer full: wait for EPOLLOUT
            continue;
        }
        if (io.status == IoStatus::WouldBlock) {
            if (io.want_write)
                dst_writable = false;
            else
                dst_readable = false;
            break;
        }
        r.error = true;
        break;
    }
    return r;
}

std::size_t BodySpool::room() noexcept
{
    if (buf_.space() == 0 && sent_ > 0) {
        // Full with sent bytes at its head: forget them; this body can no longer be replayed.
        buf_.consume(sent_);
        sent_ = 0;
        replayable_ = false;
    }
    return buf_.space();
}

bool BodySpool::rewind() noexcept
{
    if (!replayable_)
        return false;
    sent_ = 0;
    return true;
}

void BodySpool::reset(bool release) noexcept
{
    buf_.clear();
    if (release)
        buf_.shrink();
    sent_ = 0;
    replayable_ = true;
}

} // namespace dlba::dlbad
