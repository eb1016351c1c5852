#include "proxy/client_connection.h"

#include <dlbad/cookie_header.h>
#include <dlbad/persistence_token.h>
#include <dlbad/uri_util.h>

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "accesslog/access_log.h"
#include "backend/backend_idle_pool.h"
#include "event/worker_context.h"
#include "proxy/body_relay.h"
#include "proxy/request_rewriter.h"
#include "proxy/response_rewriter.h"
#include "transport/plain_transport.h"
#include "transport/tls_transport.h"
#include <dlba/event/event_loop.h>
#include <dlba/http/error_response.h>
#include <dlba/process/logger.h>

namespace dlba::dlbad {

namespace {

constexpr std::chrono::milliseconds kLinger{2000};
constexpr int kMaxRoundsPerWakeup = 64;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::size_t input_capacity(const Limits& l)
{
    return std::max(l.max_header_bytes + 4096, l.max_pipelined_bytes);
}

bool is_smuggling(std::string_view reason)
{
    for (std::string_view k :
         {"Content-Length", "Transfer-Encoding", "chunk", "obs-fold", "bare", "LF", "CR"})
        if (reason.find(k) != std::string_view::npos)
            return true;
    return false;
}

} // namespace

ClientConnection::ClientConnection(WorkerContext& worker, UniqueFd fd, const SocketAddress& peer,
                                   std::shared_ptr<const VirtualService> service)
    : worker_(worker),
      fd_(std::move(fd)),
      peer_(peer),
      svc_(std::move(service)),
      alive_(std::make_shared<bool>(true)),
      in_(input_capacity(svc_->config().limits)),
      out_(svc_->config().limits.buffer_bytes),
      parser_(svc_->request_limits()),
      spool_(svc_->config().limits.request_buffer_bytes),
      response_(*svc_),
      client_timer_([this] { contained([this] { on_client_timer(); }); })
{
    if (svc_->tls()) {
        transport_ = std::make_unique<TlsTransport>(svc_->tls()->get(), fd_.get());
        tls_svc_ = svc_;
    } else
        transport_ = std::make_unique<PlainTransport>(fd_.get());
    auto& st = svc_->stats();
    st.connections.fetch_add(1, std::memory_order_relaxed);
    st.active_connections.fetch_add(1, std::memory_order_relaxed);
}

ClientConnection::~ClientConnection()
{
    *alive_ = false;
    if (state_ != State::Closed) {
        // Destroyed while open (worker shutdown): account as closed.
        if (active_counted_ && server_)
            svc_->pool().servers()[*server_].stats().active_requests.fetch_sub(
                1, std::memory_order_relaxed);
        svc_->stats().active_connections.fetch_sub(1, std::memory_order_relaxed);
    }
}

// Every way into a connection (its events, its back-end's, its timers, the loop's later/heavy
// queues, start, drain) runs through here: a failure of dlbad itself while serving it (out of
// memory, epoll_ctl refusing a socket, SSL_new failing) closes this connection and is counted,
// and the worker carries on with the others.  Nothing can be said to the client at that point
// (the failure may be in the middle of writing to it), so the connection just closes.
template <class F>
void ClientConnection::contained(F&& f) noexcept
{
    try {
        f();
    } catch (const std::exception& e) {
        internal_error(e.what());
    } catch (...) {
        internal_error("unknown exception");
    }
}

void ClientConnection::internal_error(const char* what) noexcept
{
    svc_->stats().internal_errors.fetch_add(1, std::memory_order_relaxed);
    DLBA_LOG(LogLevel::Warning, "%s: connection closed on an internal error: %s",
             svc_->name().c_str(), what);
    log_cause('I', log_phase());
    abort(); // allocates nothing, cannot fail
}

void ClientConnection::start()
{
    contained([this] {
        worker_.loop().add(fd_.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
        state_ = svc_->tls() ? State::Handshake : State::ReadHead;
        readable_ = true; // data may already be queued (the client spoke first)
        drive();
    });
}

void ClientConnection::on_events(std::uint32_t events)
{
    if (state_ == State::Closed)
        return;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        readable_ = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
        writable_ = true;
    if (events & (EPOLLRDHUP | EPOLLHUP))
        peer_closed_ = true;
    contained([this] { drive(); });
}

void ClientConnection::on_backend_events(BackendConnection&, std::uint32_t)
{
    if (state_ == State::Closed)
        return;
    contained([this] { drive(); });
}

void ClientConnection::drive()
{
    // The step of a TLS handshake that computes the server's first flight waits in the loop's
    // heavy queue, so that it runs after the events of this worker's other connections.
    if (state_ == State::Handshake && !heavy_granted_ && transport_->handshake_starting()) {
        if (!heavy_queued_) {
            heavy_queued_ = true;
            worker_.loop().heavy([this, alive = std::weak_ptr<bool>(alive_)] {
                auto a = alive.lock();
                if (!a || !*a)
                    return;
                heavy_queued_ = false;
                heavy_granted_ = true;
                contained([this] { drive(); });
                heavy_granted_ = false;
            });
        }
        return;
    }
    for (int round = 0; round < kMaxRoundsPerWakeup; ++round) {
        if (state_ == State::Closed)
            return;
        bool progress = false;
        write_progress_ = false;
        if (state_ == State::Handshake) {
            progress = handshake();
        } else {
            progress |= read_client();
            if (state_ == State::Closed)
                return;
            progress |= process_input();
            if (state_ == State::Closed)
                return;
            if (backend_ && (state_ == State::Connecting || state_ == State::Exchanging))
                progress |= exchange();
            if (state_ == State::Closed)
                return;
            progress |= write_client();
            if (state_ == State::Closing)
                progress |= linger();
        }
        if (state_ == State::Closed)
            return;
        if (!progress) {
            update_client_timer();
            return;
        }
    }
    // Still able to move data: yield to the other connections of this worker, come back next
    // loop iteration (edge-triggered readiness would not wake us again).
    update_client_timer();
    worker_.loop().later([this, alive = std::weak_ptr<bool>(alive_)] {
        if (auto a = alive.lock(); a && *a)
            contained([this] { drive(); });
    });
}

bool ClientConnection::handshake()
{
    auto r = transport_->handshake();
    switch (r.status) {
    case IoStatus::Ok: {
        auto& st = svc_->stats();
        st.tls_handshakes.fetch_add(1, std::memory_order_relaxed);
        if (transport_->resumed())
            st.tls_resumed.fetch_add(1, std::memory_order_relaxed);
        state_ = State::ReadHead;
        readable_ = true; // the first request may already sit in the TLS buffers
        client_timer_.cancel();
        timer_kind_ = ClientTimer::None;
        return true;
    }
    case IoStatus::WouldBlock:
        if (r.want_write)
            writable_ = false;
        else
            readable_ = false;
        return false;
    default:
        // Malformed record or handshake: only this connection goes.
        svc_->stats().tls_failures.fetch_add(1, std::memory_order_relaxed);
        abort();
        return false;
    }
}

bool ClientConnection::wants_client_input() const
{
    if (client_eof_ || state_ == State::Closed || state_ == State::Handshake)
        return false;
    return in_.space() > 0;
}

bool ClientConnection::read_client()
{
    if (state_ == State::Closing)
        return false; // linger() drains
    bool progress = false;
    while (readable_ && wants_client_input()) {
        std::size_t len = 0;
        char* p = in_.writable_ptr(len);
        auto r = transport_->read(p, len);
        if (r.status == IoStatus::Ok) {
            in_.commit(r.bytes);
            in_dirty_ = true;
            svc_->stats().bytes_in.fetch_add(r.bytes, std::memory_order_relaxed);
            progress = true;
            if (r.drained && !peer_closed_)
                readable_ = false; // saves the read that would say EAGAIN
            continue;
        }
        if (r.status == IoStatus::WouldBlock) {
            if (r.want_write)
                writable_ = false;
            else
                readable_ = false;
            break;
        }
        if (r.status == IoStatus::Closed) {
            client_eof_ = true;
            progress = true;
            break;
        }
        // Reset or TLS error: nothing more can be said to this client.
        if (transport_->secure())
            svc_->stats().tls_failures.fetch_add(1, std::memory_order_relaxed);
        abort();
        return false;
    }
    return progress;
}

bool ClientConnection::process_input()
{
    if (state_ == State::ReadHead) {
        // A new request (or the wait for one) runs under the current configuration generation.
        if (!request_started_ && generation_ != worker_.generation() && !follow_generation())
            return true; // its service was removed: closing
        if (in_.empty()) {
            if (client_eof_ || draining_) {
                // Between requests: a clean end of the connection.
                begin_close();
                return true;
            }
            return false;
        }
        if (!request_started_) {
            request_started_ = true;
            timer_kind_ = ClientTimer::None; // re-armed as Request below
            log_start();
        }
        if (!in_dirty_)
            return false;
        in_dirty_ = false;
        auto r = parser_.parse(in_.view());
        if (r.need_more()) {
            if (in_.full()) {
                svc_->stats().bad_requests.fetch_add(1, std::memory_order_relaxed);
                send_error(431, true);
                return true;
            }
            if (client_eof_) {
                abort(); // half a request, then EOF: nobody to answer
                return false;
            }
            return false;
        }
        if (r.error()) {
            auto& st = svc_->stats();
            st.bad_requests.fetch_add(1, std::memory_order_relaxed);
            if (r.http_status == 400 && is_smuggling(r.reason))
                st.rejected_smuggling.fetch_add(1, std::memory_order_relaxed);
            DLBA_LOG(LogLevel::Debug, "%s: %s: rejected request (%d): %.*s", svc_->name().c_str(),
                     peer_.to_string().c_str(), r.http_status, static_cast<int>(r.reason.size()),
                     r.reason.data());
            send_error(r.http_status, true);
            return true;
        }
        if (parser_.head().method_kind() == Method::kConnect) {
            // dlbad is a reverse proxy: it opens no tunnels to arbitrary authorities.
            svc_->stats().bad_requests.fetch_add(1, std::memory_order_relaxed);
            DLBA_LOG(LogLevel::Debug, "%s: %s: CONNECT refused (501)", svc_->name().c_str(),
                     peer_.to_string().c_str());
            send_error(501, true);
            return true;
        }
        head_complete(r.length);
        return true;
    }
    if (body_pending_ && (state_ == State::Connecting || state_ == State::Exchanging)) {
        bool progress = false;
        if (!move_body(progress))
            return true;
        if (body_pending_ && client_eof_ && in_.empty()) {
            abort(); // the body was cut short: nobody to answer
            return false;
        }
        return progress;
    }
    return false;
}

bool ClientConnection::move_body(bool& progress)
{
    while (body_pending_ && !in_.empty()) {
        const std::size_t room = body_discard_ ? in_.size() : spool_.room();
        if (room == 0)
            break; // the back-end is slower than the client: stop here (backpressure)
        // The spool gets the body as it goes to the back-end: a chunked one re-framed
        // canonically (head_complete), so the back-end never parses the client's spelling.
        auto res = req_body_->feed(in_.view().substr(0, room), body_discard_ ? nullptr : &spool_);
        in_.consume(res.consumed);
        log_.bytes_in += res.consumed;
        if (res.consumed) {
            progress = true;
            body_progress_ = true;
        }
        if (res.error()) {
            body_error(res.http_status);
            return false;
        }
        if (req_body_->done())
            body_pending_ = false;
        else if (res.consumed == 0)
            break;
    }
    return true;
}

void ClientConnection::body_error(int status)
{
    auto& st = svc_->stats();
    st.bad_requests.fetch_add(1, std::memory_order_relaxed);
    if (status == 400)
        st.rejected_smuggling.fetch_add(1, std::memory_order_relaxed);
    body_pending_ = false;
    log_cause('P', log_phase());
    if (response_.head_done()) {
        // A response is under way: the cut connection is the only signal left.
        response_.close_after();
        begin_close();
        return;
    }
    send_error(status, true);
}

bool ClientConnection::request_sent() const noexcept
{
    return req_sent_ >= req_out_.size() && !body_pending_ && !spool_.pending();
}

void ClientConnection::head_complete(std::size_t head_length)
{
    const auto& head = parser_.head();
    const auto& cfg = svc_->config();
    method_ = head.method_kind();
    idempotent_ = head.idempotent();
    keep_alive_ = head.keep_alive();
    http10_ = head.version() == HttpVersion::kHttp10;
    expect_continue_ = head.expect_continue();
    if (log_.active) {
        log_.head_end = worker_.loop().now();
        log_.bytes_in = head_length;
        if (auto use = worker_.access_log();
            use.config && use.config->format.needs_request_line()) {
            log_.method.assign(head.method());
            log_.target.assign(head.target());
        }
    }

    // Persistence / placement keys, copied out before the buffer moves.
    keys_ = {};
    had_persistence_cookie_ = false;
    if (cfg.policy == Policy::Cookie && svc_->codec()) {
        // The first occurrence that verifies decides (several Cookie headers or pairs).
        const auto pc =
            find_persistence_cookie(head.headers(), cfg.cookie.name, *svc_->codec(), unix_now());
        had_persistence_cookie_ = pc.present;
        keys_.cookie_key = pc.server_key;
        if (pc.present && !pc.server_key)
            svc_->stats().persistence_invalid.fetch_add(1, std::memory_order_relaxed);
    }
    if (svc_->session_ids()) {
        if (auto id = svc_->session_ids()->extract(head))
            keys_.session_hash = svc_->hash(*id);
    }
    if (cfg.policy == Policy::UrlHash) {
        // "http://host/a?b" and "/a?b" are one URL (the parser took the path out of either form).
        std::string storage;
        keys_.url_hash =
            svc_->hash(cfg.url_hash.query ? origin_form(head.target(), storage) : head.path());
    }

    ForwardContext fc;
    fc.client = &peer_;
    fc.secure = transport_->secure();
    fc.trust_forwarded = cfg.trust_forwarded;
    if (cfg.policy == Policy::Cookie && cfg.cookie.strip)
        fc.strip_cookie = cfg.cookie.name;
    fc.backend_keepalive = svc_->pool().config().keepalive && idempotent_;
    req_out_.clear();
    req_sent_ = 0;
    RequestRewriter::write(req_out_, head, fc);

    req_body_.emplace(head.framing(), svc_->request_limits(), true);
    // Chunk sizes, extensions and trailers go out in one canonical spelling (issue 10): what
    // the back-end reads as the body is what dlbad validated, whatever parser it runs.
    req_body_->set_output(ChunkedOutput::kCanonical);
    in_.consume(head_length);
    in_dirty_ = true;
    spool_.reset(false);
    body_pending_ = !req_body_->done();
    body_discard_ = false;
    backend_waiting_ = false;
    // Expect is not forwarded (the back-end may never answer it, and the body streams to it
    // anyway), so the client's "may I send the body?" is answered here, at once: no 1 s
    // client-side wait.
    continue_sent_ = expect_continue_ && !http10_ && body_pending_ && in_.empty();
    if (continue_sent_)
        out_.append(kContinue);
    // Body bytes that came with the head.
    bool progress = false;
    if (!move_body(progress))
        return; // malformed: answered
    if (!body_pending_ && spool_.held()) {
        // The whole body came with the head (most requests): it leaves with it, in one write.
        req_out_.append(spool_.take());
        spool_.reset(false);
    }
    request_start();
}

void ClientConnection::request_start()
{
    svc_->stats().requests.fetch_add(1, std::memory_order_relaxed);
    request_started_ = false;
    tried_.assign(svc_->pool().servers().size(), false);
    attempts_ = 0;
    reissue_cookie_ = false;
    // The head deadline (client_request) ends here; the body has its inactivity timeout.
    client_timer_.cancel();
    timer_kind_ = ClientTimer::None;
    // The server is chosen now; the body streams to it as it comes.
    dispatch();
}

void ClientConnection::dispatch()
{
    const auto& health = svc_->config().health;
    auto& loop = worker_.loop();
    while (true) {
        if (!spool_.rewind()) {
            // Part of the body went out and is no longer held: it cannot go to another server.
            if (!log_.who)
                log_cause('S', 'C');
            fail_request(502);
            return;
        }
        if (attempts_ >= health.max_attempts) {
            if (!log_.who)
                log_cause('S', 'C');
            fail_request(503);
            return;
        }
        auto decision = svc_->scheduler().pick(keys_, worker_.worker_index(), tried_, loop.now());
        if (!decision) {
            if (!log_.who)
                log_cause('S', 'Q'); // no server could take it (else: why the last one failed)
            fail_request(503);
            return;
        }
        const auto& server = svc_->pool().servers()[decision->server];
        if (attempts_ == 0 && decision->persistent)
            svc_->stats().persistence_hits.fetch_add(1, std::memory_order_relaxed);
        // A persistence cookie that did not decide the server (forged, stale, or its server is
        // down, possibly found so just now): the answer carries a fresh one.
        reissue_cookie_ = had_persistence_cookie_ && !decision->persistent;
        tried_[decision->server] = true;
        ++attempts_;
        server_ = decision->server;
        if (log_.active) {
            log_.server = decision->server;
            log_.persistence = log_persistence(decision->persistent);
            log_.connect_start = loop.now();
            log_.connected.reset();
        }
        server.stats().active_requests.fetch_add(1, std::memory_order_relaxed);
        active_counted_ = true;
        response_.begin(server, loop.now());
        req_sent_ = 0;

        reused_backend_ = false;
        if (svc_->pool().config().keepalive && idempotent_) {
            backend_ = worker_.idle_pool().take(server.stats_ptr().get());
            if (backend_) {
                backend_->set_owner(this);
                reused_backend_ = true;
                if (log_.active)
                    log_.connected = log_.connect_start;
                server.stats().hits.fetch_add(1, std::memory_order_relaxed);
                state_ = State::Exchanging;
                backend_->arm(svc_->config().timeouts.backend_response);
                return;
            }
        }
        int err = 0;
        backend_ = BackendConnection::open(loop, server.address(), server.stats_ptr(), this, err);
        if (!backend_) {
            // Immediate failure (no route, no memory...): counted like a refused connect.
            DLBA_LOG(LogLevel::Info, "%s: connect %s: %s", svc_->name().c_str(),
                     server.address().to_string().c_str(), std::strerror(err));
            if (server.record_connect_failure(loop.now(), health))
                DLBA_LOG(LogLevel::Warning, "%s: server %s marked failed",
                         svc_->pool().name().c_str(), server.address().to_string().c_str());
            server.stats().active_requests.fetch_sub(1, std::memory_order_relaxed);
            active_counted_ = false;
            log_cause('S', 'C');
            svc_->stats().rerouted.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        state_ = State::Connecting;
        backend_->arm(svc_->config().timeouts.backend_connect);
        return;
    }
}

// The back-end side of a request, in steps: finish the connect (sending the head with it), send
// the request, read the response head, relay the response body.  A step that hands the request
// or the connection on (a failed connect, a dropped back-end, an error response) stops the rest.
bool ClientConnection::exchange()
{
    bool progress = false;
    if (state_ == State::Connecting) {
        const Step step = finish_connect();
        if (step != Step::Progress)
            return step == Step::Stop;
        progress = true;
    }
    if (state_ != State::Exchanging || !backend_)
        return progress;
    if (send_request(progress) == Step::Stop || read_response(progress) == Step::Stop)
        return true;
    if (backend_ && response_.paused() && out_.space() > 0 && backend_->readable)
        progress = true;
    return progress;
}

// Connecting: the first write of the request tells whether the connect succeeded.
ClientConnection::Step ClientConnection::finish_connect()
{
    auto& b = *backend_;
    if (b.hangup) {
        int err = b.socket_error();
        DLBA_LOG(LogLevel::Info, "%s: connect %s: %s", svc_->name().c_str(),
                 b.address().to_string().c_str(), std::strerror(err ? err : ECONNRESET));
        connect_failed(false);
        return Step::Stop;
    }
    if (!b.writable)
        return Step::Idle;
    // Optimistic: on a LAN (and always on loopback) the handshake is often done by the time
    // connect() returns, so send the request now rather than after an EPOLLOUT round trip.
    // EAGAIN means still connecting; an error means the connect failed.
    auto r = b.transport().write(req_out_.data(), req_out_.size());
    if (r.status == IoStatus::WouldBlock) {
        b.writable = false;
        return Step::Idle;
    }
    if (r.status != IoStatus::Ok) {
        int err = b.socket_error();
        DLBA_LOG(LogLevel::Info, "%s: connect %s: %s", svc_->name().c_str(),
                 b.address().to_string().c_str(), std::strerror(err ? err : ECONNREFUSED));
        connect_failed(false);
        return Step::Stop;
    }
    on_connected();
    req_sent_ = r.bytes;
    if (r.drained)
        b.writable = false;
    return Step::Progress;
}

// Request out: the head, then the body as the client sends it.
ClientConnection::Step ClientConnection::send_request(bool& progress)
{
    const auto& timeouts = svc_->config().timeouts;
    if (backend_waiting_ && spool_.pending()) {
        backend_waiting_ = false;
        backend_->arm(timeouts.backend_response);
    }
    while (backend_ && backend_->writable && !request_sent()) {
        const bool in_head = req_sent_ < req_out_.size();
        std::string_view bytes =
            in_head ? std::string_view(req_out_).substr(req_sent_) : spool_.take();
        if (bytes.empty())
            break; // waiting for the client's body
        if (req_sent_ > 0)
            backend_->no_delay(); // the rest of a request that did not leave in one write
        auto r = backend_->transport().write(bytes.data(), bytes.size());
        if (r.status == IoStatus::Ok) {
            if (in_head)
                req_sent_ += r.bytes;
            else
                spool_.sent(r.bytes);
            progress = true;
            backend_->arm(timeouts.backend_response);
            if (r.drained && r.bytes < bytes.size())
                backend_->writable = false;
        } else if (r.status == IoStatus::WouldBlock) {
            backend_->writable = false;
        } else {
            if (response_.head_done()) {
                // The server answered early and stopped reading (e.g. 413): keep the answer, read
                // and drop the rest of the body.
                req_sent_ = req_out_.size();
                spool_.reset(false);
                body_discard_ = true;
                response_.no_reuse();
                progress = true;
            } else {
                backend_dropped(false);
                return Step::Stop;
            }
        }
    }
    if (backend_ && !response_.any_bytes() && !backend_waiting_ && req_sent_ >= req_out_.size() &&
        body_pending_ && !spool_.pending()) {
        // Everything so far is out and the client is slow with the rest: that is the client's
        // timeout, not the back-end's.
        backend_waiting_ = true;
        backend_->disarm();
    }
    return progress ? Step::Progress : Step::Idle;
}

// Response in: the head, then the body relayed to the client while it has room.
ClientConnection::Step ClientConnection::read_response(bool& progress)
{
    if (response_.held_ready(out_)) {
        // The client made room: the held interim response goes out, then what follows it.
        const Read next = after_response(response_.release_held(out_, response_facts()));
        progress = true;
        if (next == Read::Stop || state_ != State::Exchanging || !backend_)
            return Step::Stop;
    }
    while (backend_ && state_ == State::Exchanging && backend_->readable) {
        const Read next =
            after_response(response_.read(*backend_, out_, response_facts(), progress));
        if (next == Read::Stop)
            return Step::Stop;
        if (next == Read::Wait)
            break;
    }
    return progress ? Step::Progress : Step::Idle;
}

// What a step of the response means for the request and the two connections.
ClientConnection::Read ClientConnection::after_response(ResponseStream::Step step)
{
    using S = ResponseStream::Step;
    if (log_.active && !log_.response && response_.head_done())
        log_.response = worker_.loop().now();
    switch (step) {
    case S::kMore:
        return Read::More;
    case S::kWait:
        return Read::Wait;
    case S::kComplete:
        response_complete();
        return Read::More;
    case S::kEof:
    case S::kError:
        backend_dropped(step == S::kEof);
        return Read::Stop;
    case S::kOverflow:
        log_cause('P', 'H');
        fail_request(502);
        return Read::Stop;
    case S::kUnparsable:
    case S::kUnusable:
        server_failed(step == S::kUnparsable ? "an unparsable response" : "an unusable response");
        log_cause('S', 'H');
        release_backend(false);
        fail_request(502);
        return Read::Stop;
    case S::kMalformedBody:
        server_failed("a malformed response body");
        log_cause('S', 'D');
        response_.close_after();
        release_backend(false);
        begin_close(); // what was relayed goes out, then the client sees the cut
        return Read::Stop;
    }
    return Read::Stop;
}

// A response that comes before the whole request body closes the connection after it (what the
// client sends after it cannot be told apart from the rest of that body).
ResponseStream::RequestFacts ClientConnection::response_facts() const
{
    ResponseStream::RequestFacts f;
    f.method = method_;
    f.client_http10 = http10_;
    f.continue_sent = continue_sent_;
    f.client_keep_alive =
        keep_alive_ && !client_eof_ && !draining_ && !worker_.draining() && !body_pending_;
    f.backend_keep_alive = svc_->pool().config().keepalive && !body_discard_;
    f.reissue_cookie = reissue_cookie_;
    return f;
}

void ClientConnection::on_connected()
{
    const auto& server = svc_->pool().servers()[*server_];
    server.stats().hits.fetch_add(1, std::memory_order_relaxed);
    backend_->connected = true;
    if (log_.active)
        log_.connected = worker_.loop().now();
    state_ = State::Exchanging;
    backend_->arm(svc_->config().timeouts.backend_response);
}

void ClientConnection::connect_failed(bool timeout)
{
    const auto& server = svc_->pool().servers()[*server_];
    auto& loop = worker_.loop();
    if (server.record_connect_failure(loop.now(), svc_->config().health))
        DLBA_LOG(LogLevel::Warning, "%s: server %s marked failed after %s",
                 svc_->pool().name().c_str(), server.address().to_string().c_str(),
                 timeout ? "a connect timeout" : "a refused connect");
    release_backend(false);
    server.stats().active_requests.fetch_sub(1, std::memory_order_relaxed);
    active_counted_ = false;
    log_cause(timeout ? 's' : 'S', 'C');
    // Nothing was sent: the request goes to another server, the client sees no error.
    svc_->stats().rerouted.fetch_add(1, std::memory_order_relaxed);
    if (timeout && attempts_ >= svc_->config().health.max_attempts) {
        fail_request(504);
        return;
    }
    dispatch();
}

void ClientConnection::backend_dropped(bool clean_eof)
{
    const auto& server = svc_->pool().servers()[*server_];
    if (response_.head_done()) {
        release_backend(false);
        if (clean_eof && response_.ends_on_eof()) {
            // A close-delimited body ends here (the client connection closes after it).
            response_.close_after();
            response_complete();
            return;
        }
        server_failed("a response cut short");
        log_cause('S', 'D');
        response_.close_after();
        if (active_counted_) {
            server.stats().active_requests.fetch_sub(1, std::memory_order_relaxed);
            active_counted_ = false;
        }
        begin_close(); // truncated response: the client sees the connection end
        return;
    }
    bool reused = reused_backend_;
    release_backend(false);
    if (active_counted_) {
        server.stats().active_requests.fetch_sub(1, std::memory_order_relaxed);
        active_counted_ = false;
    }
    if (reused && !response_.any_bytes()) {
        // A parked connection the server had closed meanwhile: not the server's fault; try a
        // fresh connection (the request is idempotent: only those use parked connections).
        tried_[*server_] = false;
        dispatch();
        return;
    }
    server_failed(response_.any_bytes() ? "a response cut short" : "a request dropped unanswered");
    if (!response_.any_bytes() && idempotent_ && spool_.replayable()) {
        // Sent, nothing came back: safe to replay an idempotent request elsewhere.
        log_cause('S', 'H');
        svc_->stats().replayed.fetch_add(1, std::memory_order_relaxed);
        dispatch();
        return;
    }
    log_cause('S', 'H');
    fail_request(502);
}

void ClientConnection::response_complete()
{
    log_end(response_.status(), '-');
    if (server_) {
        const auto& server = svc_->pool().servers()[*server_];
        // Passive health: only a whole response clears the failure streak (and the failed mark).
        server.record_success();
        if (active_counted_) {
            server.stats().active_requests.fetch_sub(1, std::memory_order_relaxed);
            active_counted_ = false;
        }
    }
    release_backend(response_.reusable() && request_sent());
    if (!response_.keep_alive()) {
        begin_close();
        return;
    }
    reset_request();
}

void ClientConnection::release_backend(bool reusable)
{
    if (!backend_)
        return;
    response_.released();
    if (reusable && backend_->connected) {
        const auto& b = svc_->pool().config();
        worker_.idle_pool().put(std::move(backend_), b.keepalive_idle_max,
                                b.keepalive_idle_timeout);
        return;
    }
    backend_->set_owner(nullptr);
    backend_->disarm();
    worker_.loop().retire(std::move(backend_));
}

void ClientConnection::server_failed(const char* what)
{
    const auto& server = svc_->pool().servers()[*server_];
    if (server.record_response_failure(worker_.loop().now(), svc_->config().health))
        DLBA_LOG(LogLevel::Warning, "%s: server %s marked failed after %s",
                 svc_->pool().name().c_str(), server.address().to_string().c_str(), what);
}

void ClientConnection::fail_request(int status)
{
    if (active_counted_ && server_) {
        svc_->pool().servers()[*server_].stats().active_requests.fetch_sub(
            1, std::memory_order_relaxed);
        active_counted_ = false;
    }
    release_backend(false);
    if (response_.head_done()) {
        // Part of a response already went out: the connection is the only way to signal (no
        // error response, so none counted: the server's status class has what it answered).
        begin_close();
        return;
    }
    auto& st = svc_->stats();
    if (status == 502)
        st.bad_gateway.fetch_add(1, std::memory_order_relaxed);
    else if (status == 503)
        st.no_server.fetch_add(1, std::memory_order_relaxed);
    else if (status == 504)
        st.gateway_timeout.fetch_add(1, std::memory_order_relaxed);
    // The request was read to its end, so the connection is still in step: keep it if allowed.
    send_error(status,
               !keep_alive_ || body_pending_ || client_eof_ || draining_ || worker_.draining());
}

void ClientConnection::send_error(int status, bool close)
{
    // dlbad's own answer: the service counts it by class, apart from the servers' answers (a 501
    // of dlbad's is a 5xx here, never a server's).
    const int cls = status / 100;
    if (cls == 4 || cls == 5)
        svc_->stats().generated[cls].fetch_add(1, std::memory_order_relaxed);
    out_.append(ErrorResponse::build(status, close));
    log_end(status, 'P');
    if (close) {
        begin_close();
        return;
    }
    reset_request();
}

void ClientConnection::reset_request()
{
    parser_.reset();
    req_body_.reset();
    req_out_.clear();
    req_sent_ = 0;
    spool_.reset(true);
    body_pending_ = false;
    body_discard_ = false;
    backend_waiting_ = false;
    response_.end();
    server_.reset();
    request_started_ = false;
    continue_sent_ = false;
    in_dirty_ = !in_.empty();
    state_ = State::ReadHead;
    timer_kind_ = ClientTimer::None;
    if (req_out_.capacity() > 64 * 1024)
        std::string().swap(req_out_); // a large upload: give the memory back
}

bool ClientConnection::write_client()
{
    auto r = BodyRelay::push(*transport_, readable_, writable_, out_);
    if (r.error) {
        abort();
        return false;
    }
    client_written_ += r.bytes;
    if (r.bytes)
        write_progress_ = true;
    if (out_.empty() && in_.empty() && state_ == State::ReadHead) {
        // Idle keep-alive connection: hold no buffer memory until the next request.
        out_.shrink();
        in_.shrink();
    }
    return r.bytes > 0;
}

void ClientConnection::begin_close()
{
    if (state_ == State::Closing || state_ == State::Closed)
        return;
    log_end(response_.status(), 'S');
    if (backend_)
        release_backend(false);
    if (active_counted_ && server_) {
        svc_->pool().servers()[*server_].stats().active_requests.fetch_sub(
            1, std::memory_order_relaxed);
        active_counted_ = false;
    }
    body_pending_ = false; // linger() reads and drops what is left
    state_ = State::Closing;
    timer_kind_ = ClientTimer::None;
}

bool ClientConnection::linger()
{
    if (!out_.empty())
        return false;
    if (!client_timer_.armed() || timer_kind_ != ClientTimer::Linger) {
        // Everything is out: send our FIN / close_notify, then read and discard until the client
        // closes, so unread pipelined bytes do not turn our close into a reset that could destroy
        // the response in flight.
        transport_->shutdown_write();
        timer_kind_ = ClientTimer::Linger;
        worker_.loop().arm(client_timer_, kLinger);
    }
    char sink[4096];
    while (readable_) {
        auto r = transport_->read(sink, sizeof(sink));
        if (r.status == IoStatus::Ok)
            continue;
        if (r.status == IoStatus::WouldBlock) {
            if (r.want_write)
                writable_ = false;
            else
                readable_ = false;
            return false;
        }
        abort(); // EOF or error: done
        return false;
    }
    return false;
}

void ClientConnection::abort()
{
    if (state_ == State::Closed)
        return;
    log_end(response_.status(), 'C');
    client_timer_.cancel();
    if (backend_)
        release_backend(false);
    if (active_counted_ && server_) {
        svc_->pool().servers()[*server_].stats().active_requests.fetch_sub(
            1, std::memory_order_relaxed);
        active_counted_ = false;
    }
    state_ = State::Closed;
    *alive_ = false;
    svc_->stats().active_connections.fetch_sub(1, std::memory_order_relaxed);
    fd_.reset(); // also leaves the epoll set
    worker_.connection_closed(*this);
}

void ClientConnection::drain()
{
    draining_ = true;
    if (state_ == State::ReadHead && in_.empty() && !backend_) {
        begin_close();
        contained([this] { drive(); });
    }
}

void ClientConnection::reloaded()
{
    contained([this] {
        if (state_ == State::ReadHead && !request_started_ && !backend_) {
            drive(); // between requests: follows (or closes) now
            return;
        }
        // Busy (or still in the TLS handshake): it follows at its next request.  If there is
        // nothing to follow, the response in progress says Connection: close (if its head has
        // not gone out yet) and the connection closes after it, as when draining.
        if (state_ != State::Handshake && state_ != State::Closing && state_ != State::Closed &&
            !worker_.successor(*svc_))
            draining_ = true;
    });
}

bool ClientConnection::follow_generation()
{
    generation_ = worker_.generation();
    auto next = worker_.successor(*svc_);
    if (!next) {
        DLBA_LOG(LogLevel::Debug, "%s: %s: service removed by a reload: connection closed",
                 svc_->name().c_str(), peer_.to_string().c_str());
        begin_close();
        return false;
    }
    if (next == svc_)
        return true;
    // Every counter stays balanced: the open connection moves from one service object to the
    // other (they share their statistics when the name is the same, so this nets to nothing).
    svc_->stats().active_connections.fetch_sub(1, std::memory_order_relaxed);
    next->stats().active_connections.fetch_add(1, std::memory_order_relaxed);
    svc_ = std::move(next);
    // The new limits bound what is read from now on; bytes already held stay.
    const auto& l = svc_->config().limits;
    in_.set_capacity(input_capacity(l));
    out_.set_capacity(l.buffer_bytes);
    spool_.set_capacity(l.request_buffer_bytes);
    parser_ = RequestParser(svc_->request_limits());
    response_.rebind(*svc_);
    in_dirty_ = !in_.empty();
    return true;
}

void ClientConnection::update_client_timer()
{
    if (state_ == State::Closed)
        return;
    const auto& t = svc_->config().timeouts;
    auto& loop = worker_.loop();
    if (state_ == State::Closing) {
        // linger() owns the timer once the output is out; until then the client must read.
        if (!out_.empty() &&
            (timer_kind_ != ClientTimer::Send || write_progress_ || !client_timer_.armed())) {
            loop.arm(client_timer_, t.client_send);
            timer_kind_ = ClientTimer::Send;
        }
        return;
    }
    ClientTimer want = ClientTimer::None;
    std::chrono::milliseconds delay{0};
    if (state_ == State::Handshake) {
        want = ClientTimer::Handshake;
        delay = t.tls_handshake;
    } else if (!out_.empty() && !writable_) {
        want = ClientTimer::Send;
        delay = t.client_send;
    } else if (body_pending_) {
        // Inactivity while dlbad waits for body bytes (a steady slow upload is fine); none while
        // the back-end holds the body up (input waiting: the back-end's timeout applies).
        if (in_.empty()) {
            want = ClientTimer::Body;
            delay = t.client_body_idle;
        }
    } else if (state_ == State::ReadHead && !in_.empty()) {
        want = ClientTimer::Request;
        delay = t.client_request;
    } else if (state_ == State::ReadHead) {
        want = ClientTimer::Idle;
        delay = t.client_keepalive;
    }
    if (want == ClientTimer::None) {
        client_timer_.cancel();
        timer_kind_ = want;
        return;
    }
    // Handshake, Request and Idle deadlines run from when the state began; Send restarts on
    // every byte the client accepts, Body on every body byte it sends.
    const bool restart = (want == ClientTimer::Send && write_progress_) ||
                         (want == ClientTimer::Body && body_progress_);
    body_progress_ = false;
    if (want != timer_kind_ || !client_timer_.armed() || restart) {
        loop.arm(client_timer_, delay);
        timer_kind_ = want;
    }
}

void ClientConnection::on_client_timer()
{
    if (state_ == State::Closed)
        return;
    switch (timer_kind_) {
    case ClientTimer::Request:
        svc_->stats().client_timeouts.fetch_add(1, std::memory_order_relaxed);
        log_cause('c', 'R');
        if (state_ == State::ReadHead) {
            send_error(408, true);
            drive();
            return;
        }
        break;
    case ClientTimer::Body:
        svc_->stats().client_timeouts.fetch_add(1, std::memory_order_relaxed);
        log_cause('c', log_phase());
        if (body_pending_ && !response_.head_done()) {
            body_pending_ = false;
            send_error(408, true);
            drive();
            return;
        }
        break;
    case ClientTimer::Send:
    case ClientTimer::Handshake:
        svc_->stats().client_timeouts.fetch_add(1, std::memory_order_relaxed);
        log_cause('c', log_phase());
        break;
    case ClientTimer::Idle:
    case ClientTimer::Linger:
    case ClientTimer::None:
        break;
    }
    abort();
}

void ClientConnection::on_backend_timeout(BackendConnection& conn)
{
    if (state_ == State::Closed)
        return;
    contained([this, &conn] { backend_timeout(conn); });
}

void ClientConnection::backend_timeout(BackendConnection&)
{
    if (state_ == State::Connecting) {
        DLBA_LOG(LogLevel::Info, "%s: connect %s: timed out", svc_->name().c_str(),
                 backend_->address().to_string().c_str());
        connect_failed(true);
    } else if (state_ == State::Exchanging) {
        DLBA_LOG(LogLevel::Info, "%s: %s: no response within the timeout", svc_->name().c_str(),
                 backend_->address().to_string().c_str());
        server_failed("a response timeout");
        log_cause('s', log_phase());
        fail_request(504);
    }
    drive();
}

// ---- access log ------------------------------------------------------------------------------

void ClientConnection::log_start()
{
    log_ = {};
    const auto use = worker_.access_log();
    if (!use.channel || !use.channel->sample(use.config->sample))
        return;
    log_.active = true;
    log_.wall = std::chrono::system_clock::now();
    log_.start = worker_.loop().now();
    log_.out_base = client_written_ + out_.size();
}

void ClientConnection::log_cause(char who, char phase) noexcept
{
    if (log_.active) {
        log_.who = who;
        log_.phase = phase;
    }
}

char ClientConnection::log_phase() const noexcept
{
    if (response_.head_done() || state_ == State::Closing)
        return 'D';
    if (state_ == State::Exchanging)
        return 'H';
    if (state_ == State::Connecting)
        return 'C';
    return 'R';
}

const char* ClientConnection::log_persistence(bool persistent) const noexcept
{
    switch (svc_->config().policy) {
    case Policy::Cookie:
        if (persistent)
            return "cookie-hit";
        if (had_persistence_cookie_)
            return keys_.cookie_key ? "cookie-moved" : "cookie-rejected";
        return "cookie-new";
    case Policy::SessionId:
        if (persistent)
            return "session-hit";
        return keys_.session_hash ? "session-moved" : "session-new";
    case Policy::UrlHash:
        return "url-hash";
    case Policy::LeastConn:
    case Policy::LeastResponseTime:
        break;
    }
    return "none";
}

// Logs the current request once (a normal end when `who` is '-', else an abnormal one: the last
// cause noted by log_cause(), or `who` in the current phase).  Never fails: a line that cannot be made is
// lost.
void ClientConnection::log_end(int status, char who) noexcept
{
    if (!log_.active)
        return;
    log_.active = false;
    try {
        const auto use = worker_.access_log();
        if (!use.channel)
            return;
        const auto now = worker_.loop().now();
        AccessRecord r;
        r.time = log_.wall;
        r.client = &peer_;
        r.service = svc_->name();
        r.backend = svc_->pool().name();
        r.tls = transport_->secure();
        if (log_.server && *log_.server < svc_->pool().servers().size()) {
            const auto& server = svc_->pool().servers()[*log_.server];
            r.has_server = true;
            r.server_key = server.key();
            r.server_addr = &server.address();
        }
        r.method = log_.method;
        r.target = log_.target;
        const std::optional<RequestLog::Clock::time_point> start = log_.start;
        r.tq = RequestLog::ms(start, log_.head_end);
        r.tw = RequestLog::ms(log_.head_end, log_.connect_start);
        r.tc = RequestLog::ms(log_.connect_start, log_.connected);
        r.tr = RequestLog::ms(log_.connected, log_.response);
        r.tt = RequestLog::ms(start, now);
        r.status = status;
        const bool aborted = who == 'C' && !log_.who;
        // An aborted connection delivered what was written; otherwise what was queued counts.
        const auto sent = client_written_ + (aborted || state_ == State::Closed ? 0 : out_.size());
        r.bytes_out = sent > log_.out_base ? sent - log_.out_base : 0;
        r.bytes_in = log_.bytes_in;
        if (who == '-') {
            r.termination[0] = '-';
            r.termination[1] = '-';
        } else if (log_.who) {
            r.termination[0] = log_.who;
            r.termination[1] = log_.phase;
        } else {
            r.termination[0] = who;
            r.termination[1] = log_phase();
        }
        r.persistence = log_.persistence;
        use.channel->log(use.config->format, r, use.config->buffer_bytes);
    } catch (...) {
        // Out of memory while rendering: the line is lost, the request is not.
    }
}

} // namespace dlba::dlbad
