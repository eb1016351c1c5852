#pragma once

#include <dlbad/body_framer.h>
#include <dlbad/request_head.h>
#include <dlbad/response_parser.h>

#include <chrono>
#include <optional>

#include "proxy/byte_buffer.h"

namespace dlba::dlbad {

class Backend;
class BackendConnection;
class VirtualService;

// The response to one request on its way from the back-end to the client (WO 01/69890 "DLBA
// Server Architecture": the reply is processed as it is read): the head read and parsed with the
// core parser, interim (1xx) responses forwarded, the final head rewritten (cookie injection,
// hop-by-hop fields, dlbad's Connection header), then the body framed by the core's BodyFramer and
// relayed into the client's output buffer.  The back-end is read only while that buffer has room
// (backpressure), and its response timer is off meanwhile.  Each step says what happened; what
// that means for the request and the two connections (retry, 502, close, the next request) is
// ClientConnection's to decide.
class ResponseStream {
public:
    using Clock = std::chrono::steady_clock;

    // What a step of the response did.
    enum class Step {
        kMore,          // progress: read on
        kWait,          // the back-end would block, or the client's buffer is full
        kComplete,      // the whole response is in the client's buffer
        kEof,           // the back-end closed (cleanly) before the response was complete
        kError,         // the back-end connection failed
        kOverflow,      // the head outgrew its buffer (the parser's limit should have caught it)
        kUnparsable,    // not an HTTP response (logged)
        kUnusable,      // a response dlbad cannot pass on faithfully (a tunnel, gzip to HTTP/1.0)
        kMalformedBody, // the body's framing broke after the head went out
    };

    // The request and client connection as the final head's rewrite needs them, when it comes.
    struct RequestFacts {
        Method method = Method::kGet;
        bool client_http10 = false;     // the client spoke HTTP/1.0: no 1xx, no Transfer-Encoding
        bool continue_sent = false;     // dlbad answered the request's Expect: 100-continue itself
        bool client_keep_alive = true;  // the client connection may stay open after this response
        bool backend_keep_alive = true; // the back-end connection may be reused after it
        bool reissue_cookie = false;    // the request's persistence cookie was forged or stale
    };

    explicit ResponseStream(const VirtualService& svc);
    // Between requests (after end()): the connection follows a reload to `svc`, another
    // generation's service; its limits and rules apply from the next response on.
    void rebind(const VirtualService& svc) noexcept;

    // A new attempt of the request, at `server`: nothing of an earlier attempt is kept.
    void begin(const Backend& server, Clock::time_point dispatched_at);
    // The request is over: an idle client connection holds no back-end input buffer.
    void end();

    // One read from the back-end: the head until it is complete, then the body.
    [[nodiscard]] Step read(BackendConnection& conn, ByteBuffer& out, const RequestFacts& facts,
                            bool& progress);
    // Whether a held interim response can go out now (the client made room).
    [[nodiscard]] bool held_ready(const ByteBuffer& out) const noexcept
    {
        return interim_held_ && out.space() > 0;
    }
    // The held interim response goes out, then what came after it.
    [[nodiscard]] Step release_held(ByteBuffer& out, const RequestFacts& facts);

    // The back-end connection is let go (parked or closed): no longer paused by this response.
    void released() noexcept { paused_ = false; }
    [[nodiscard]] bool paused() const noexcept { return paused_; }

    [[nodiscard]] bool head_done() const noexcept { return head_done_; }
    // The status of the final head (0 before it).
    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] bool any_bytes() const noexcept { return any_bytes_; }
    // A close-delimited body: the back-end's clean EOF completes it.
    [[nodiscard]] bool ends_on_eof() { return body_->finish_on_eof(); }

    // After the final head: whether the client connection stays open after the response, and
    // whether the back-end connection may be reused.
    [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_after_; }
    void close_after() noexcept { keep_alive_after_ = false; }
    [[nodiscard]] bool reusable() const noexcept { return reusable_; }
    void no_reuse() noexcept { reusable_ = false; }

private:
    Step read_head(BackendConnection& conn, ByteBuffer& out, const RequestFacts& facts,
                   bool& progress);
    Step relay_body(BackendConnection& conn, ByteBuffer& out, bool& progress);
    Step parse_head(ByteBuffer& out, const RequestFacts& facts);
    Step final_head(const ResponseHead& head, std::size_t length, ByteBuffer& out,
                    const RequestFacts& facts);
    void pause(BackendConnection& conn);
    void resume(BackendConnection& conn);
    void count_out(std::size_t bytes) const noexcept;

    const VirtualService* svc_; // never null; the connection's service (it outlives this)
    const Backend* server_ = nullptr;
    Clock::time_point dispatched_at_{};

    ResponseParser parser_;
    ByteBuffer in_; // back-end bytes not yet parsed (the head, what came with it)
    std::optional<BodyFramer> body_;
    bool head_done_ = false;
    int status_ = 0;
    bool any_bytes_ = false;    // the back-end answered something (no replay then)
    bool interim_held_ = false; // a 1xx waits in in_ for room in the client's buffer
    bool paused_ = false;       // the back-end is not read (the client's buffer is full)
    bool keep_alive_after_ = true;
    bool reusable_ = false;
};

} // namespace dlba::dlbad
