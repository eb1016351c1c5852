#include "proxy/response_stream.h"

#include <dlbad/persistence_token.h>

#include <algorithm>
#include <string>

#include "backend/backend.h"
#include "backend/backend_connection.h"
#include "proxy/body_relay.h"
#include "proxy/response_rewriter.h"
#include "service/virtual_service.h"
#include <dlba/process/logger.h>

namespace dlba::dlbad {

ResponseStream::ResponseStream(const VirtualService& svc)
    : svc_(&svc),
      parser_(svc.response_limits()),
      in_(svc.config().limits.max_response_header_bytes + 4096)
{}

void ResponseStream::rebind(const VirtualService& svc) noexcept
{
    svc_ = &svc;
    parser_ = ResponseParser(svc.response_limits());
    in_.set_capacity(svc.config().limits.max_response_header_bytes + 4096);
}

void ResponseStream::begin(const Backend& server, Clock::time_point dispatched_at)
{
    server_ = &server;
    dispatched_at_ = dispatched_at;
    head_done_ = false;
    status_ = 0;
    any_bytes_ = false;
    in_.clear();
    parser_.reset();
    body_.reset();
    interim_held_ = false;
}

void ResponseStream::end()
{
    in_.shrink(); // only when drained
    body_.reset();
    head_done_ = false;
    any_bytes_ = false;
    interim_held_ = false;
}

ResponseStream::Step ResponseStream::read(BackendConnection& conn, ByteBuffer& out,
                                          const RequestFacts& facts, bool& progress)
{
    return head_done_ ? relay_body(conn, out, progress) : read_head(conn, out, facts, progress);
}

ResponseStream::Step ResponseStream::release_held(ByteBuffer& out, const RequestFacts& facts)
{
    interim_held_ = false;
    return parse_head(out, facts);
}

ResponseStream::Step ResponseStream::read_head(BackendConnection& conn, ByteBuffer& out,
                                               const RequestFacts& facts, bool& progress)
{
    if (interim_held_) {
        // Backpressure on interim responses (see parse_head()).
        pause(conn);
        return Step::kWait;
    }
    resume(conn);
    std::size_t len = 0;
    char* p = in_.writable_ptr(len);
    if (!p)
        return Step::kOverflow; // the parser enforces the head limit before this can fill
    auto r = conn.transport().read(p, len);
    if (r.status == IoStatus::Ok) {
        in_.commit(r.bytes);
        any_bytes_ = true;
        progress = true;
        if (r.drained && !conn.peer_closed)
            conn.readable = false;
        conn.arm(svc_->config().timeouts.backend_response);
        return parse_head(out, facts);
    }
    if (r.status == IoStatus::WouldBlock) {
        conn.readable = false;
        return Step::kWait;
    }
    return r.status == IoStatus::Closed ? Step::kEof : Step::kError;
}

ResponseStream::Step ResponseStream::relay_body(BackendConnection& conn, ByteBuffer& out,
                                                bool& progress)
{
    if (out.space() == 0) {
        // Backpressure: the client is not taking the response as fast as the server gives
        // it.  Stop reading the server until the client drains (client_send timeout applies).
        pause(conn);
        return Step::kWait;
    }
    resume(conn);
    auto step = BodyRelay::pull(conn.transport(), conn.readable, conn.writable, conn.peer_closed,
                                out, *body_);
    if (step.bytes) {
        count_out(step.bytes);
        progress = true;
        conn.arm(svc_->config().timeouts.backend_response);
    }
    if (step.extra)
        reusable_ = false; // bytes beyond the response: never reuse
    if (step.framing_error)
        return Step::kMalformedBody;
    if (step.done) {
        progress = true;
        return Step::kComplete;
    }
    if (step.end != IoStatus::Ok)
        return step.end == IoStatus::Closed ? Step::kEof : Step::kError;
    if (step.paused)
        return Step::kMore; // the next read pauses the back-end
    return Step::kWait;     // the back-end would block
}

ResponseStream::Step ResponseStream::parse_head(ByteBuffer& out, const RequestFacts& facts)
{
    for (;;) {
        auto r = parser_.parse(in_.view(), facts.method);
        if (r.need_more())
            return Step::kMore;
        if (r.error()) {
            DLBA_LOG(LogLevel::Info, "%s: bad response from %s: %.*s", svc_->name().c_str(),
                     server_->address().to_string().c_str(), static_cast<int>(r.reason.size()),
                     r.reason.data());
            return Step::kUnparsable;
        }
        const auto& head = parser_.head();
        if (!head.interim())
            return final_head(head, r.length, out, facts);
        // 1xx (103 Early Hints, 102, an unsolicited 100): forwarded ahead of the final response
        // (RFC 9110 15.2), never to an HTTP/1.0 client, and a 100 Continue not twice when dlbad
        // already answered the client's Expect itself.
        if (ResponseRewriter::forwards_interim(head.status(), facts.client_http10,
                                               facts.continue_sent)) {
            if (out.space() == 0) {
                // The client is not taking them: keep this one where it is and stop reading the
                // back-end (read_head()) until the client makes room; a back-end sending 1xx
                // after 1xx costs at most limits.buffer_bytes.
                interim_held_ = true;
                parser_.reset(); // parsed again from in_ then
                return Step::kMore;
            }
            thread_local std::string interim_out;
            interim_out.clear();
            ResponseRewriter::write_interim(interim_out, head);
            out.append(interim_out);
        }
        server_->stats().status_class[1].fetch_add(1, std::memory_order_relaxed);
        in_.consume(r.length);
        parser_.reset();
    }
}

ResponseStream::Step ResponseStream::final_head(const ResponseHead& head, std::size_t length,
                                                ByteBuffer& out, const RequestFacts& facts)
{
    if (head.framing().kind == BodyKind::kTunnel)
        return Step::kUnusable;
    // An HTTP/1.0 client never sees Transfer-Encoding (RFC 9112 6.1; the request went out as
    // HTTP/1.0, so a back-end sending one breaks that rule too): a chunked body reaches it
    // de-chunked and delimited by the close; any other transfer coding (gzip) could only reach it
    // undecoded and unannounced, so the answer is a 502, as for other responses dlbad cannot pass
    // on faithfully.
    bool dechunk = false;
    if (facts.client_http10) {
        switch (ResponseRewriter::http10_body(head)) {
        case Http10Body::kAsIs:
            break;
        case Http10Body::kDechunk:
            dechunk = true;
            break;
        case Http10Body::kRefuse:
            DLBA_LOG(LogLevel::Warning,
                     "%s: %s answered an HTTP/1.0 request with a transfer coding other than "
                     "chunked (502)",
                     svc_->name().c_str(), server_->address().to_string().c_str());
            return Step::kUnusable;
        }
    }
    auto& bs = server_->stats();
    auto elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - dispatched_at_);
    bs.record_response_time(static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed.count(), 1)));
    status_ = head.status();
    int cls = head.status() / 100;
    if (cls >= 1 && cls <= 5)
        bs.status_class[cls].fetch_add(1, std::memory_order_relaxed);

    auto framing = head.framing();
    // A response that comes before the whole request body: the connection closes after it (what
    // the client sends after it cannot be told apart from the rest of that body); the caller's
    // client_keep_alive says so.
    keep_alive_after_ =
        facts.client_keep_alive && framing.kind != BodyKind::kUntilClose && !dechunk;
    reusable_ =
        facts.backend_keep_alive && head.keep_alive() && framing.kind != BodyKind::kUntilClose;

    ResponseContext rc;
    rc.injector = svc_->injector();
    rc.codec = svc_->codec();
    rc.server_key = server_->key();
    rc.reissue = facts.reissue_cookie;
    rc.keep_alive = keep_alive_after_;
    rc.client_http10 = facts.client_http10;
    rc.now_unix = unix_now();
    thread_local std::string head_out;
    head_out.clear();
    if (ResponseRewriter::write(head_out, head, rc))
        bs.cookies_assigned.fetch_add(1, std::memory_order_relaxed);
    out.append(head_out);
    head_done_ = true;
    in_.consume(length);
    body_.emplace(framing, svc_->response_limits(), false);
    if (dechunk)
        body_->set_output(ChunkedOutput::kPayload);
    parser_.reset();
    if (!body_->done() && !in_.empty()) {
        // Body bytes that came with the head.
        BufferSink sink(out);
        auto res = body_->feed(in_.view(), &sink);
        count_out(res.consumed);
        if (res.consumed < in_.size())
            reusable_ = false;
        in_.clear();
        if (res.error())
            return Step::kMalformedBody;
    } else if (!in_.empty()) {
        reusable_ = false;
        in_.clear();
    }
    return body_->done() ? Step::kComplete : Step::kMore;
}

// Stop reading the back-end while the client is not taking the response: its response timer is
// off meanwhile (the client_send timeout applies instead).
void ResponseStream::pause(BackendConnection& conn)
{
    if (!paused_) {
        paused_ = true;
        conn.disarm();
    }
}

void ResponseStream::resume(BackendConnection& conn)
{
    if (paused_) {
        paused_ = false;
        conn.arm(svc_->config().timeouts.backend_response);
    }
}

void ResponseStream::count_out(std::size_t bytes) const noexcept
{
    server_->stats().bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    svc_->stats().bytes_out.fetch_add(bytes, std::memory_order_relaxed);
}

} // namespace dlba::dlbad
