#pragma once

#include <dlbad/body_framer.h>
#include <dlbad/request_parser.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <dlba/unique_fd.h>

#include "accesslog/request_log.h"
#include "backend/backend_connection.h"
#include "backend/backend_events.h"
#include "proxy/body_relay.h"
#include "proxy/byte_buffer.h"
#include "proxy/response_stream.h"
#include "service/service_scheduler.h"
#include "service/virtual_service.h"
#include "transport/transport.h"
#include <dlba/event/event_handler.h>
#include <dlba/event/timer.h>
#include <dlba/net/socket_address.h>

namespace dlba::dlbad {

class WorkerContext;

// One client connection of a virtual service, and the back-end connection of its current request
// (WO 01/69890 "DLBA Server Architecture"):
//   * (TLS handshake), then per request: read the head with the core parser; rejects answer
//     400/413/414/431/501/505 and close;
//   * choose a server by the service's policy, connect; a refused/reset/timed-out connect is
//     counted and the request goes to another server; a request already sent is replayed only if
//     idempotent and nothing came back;
//   * stream the body (Content-Length or chunked, framed by the core's BodyFramer) to the server
//     as it arrives, through a spool of limits.request_buffer_bytes: the client is read only while
//     the spool has room (backpressure); a request whose body outgrew the spool is not replayed;
//   * stream the response to the client as it is read (ResponseStream: head rewritten with
//     cookie injection and hop-by-hop fields, body framed by the core's BodyFramer, the back-end
//     read only while the client's output buffer has room);
//   * close the back-end connection (or park it for reuse), then the next pipelined request.
// Each request runs under one configuration generation: before it starts, the connection moves to
// the worker's current generation (follow_generation(); a reload never changes a request in
// flight).  A TLS session stays the one negotiated at accept.
// Sockets are edge-triggered: readiness flags are kept here and cleared on EAGAIN.
class ClientConnection final : public EventHandler, public BackendEvents {
public:
    using Clock = std::chrono::steady_clock;

    ClientConnection(WorkerContext& worker, UniqueFd fd, const SocketAddress& peer,
                     std::shared_ptr<const VirtualService> service);
    ~ClientConnection() override;

    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    // Registers with the loop and starts the handshake / first read.
    void start();
    void on_events(std::uint32_t events) override;
    void on_backend_events(BackendConnection& conn, std::uint32_t events) override;
    void on_backend_timeout(BackendConnection& conn) override;

    // The daemon is stopping: close now if between requests, else after the current response.
    void drain();
    // The worker installed a new configuration generation: an idle connection follows it now (or
    // closes, if its service is gone), a busy one when its current request ends (and that
    // request's response is its last if its service is gone).
    void reloaded();
    [[nodiscard]] bool closed() const noexcept { return state_ == State::Closed; }

private:
    // The body of a request is read in Connecting / Exchanging (body_pending_), alongside.
    enum class State { Handshake, ReadHead, Connecting, Exchanging, Closing, Closed };
    enum class ClientTimer { None, Handshake, Idle, Request, Body, Send, Linger };
    // What a step of exchange() did: nothing, something, or handed the request or the connection
    // on (exchange() returns at once).
    enum class Step { Idle, Progress, Stop };
    // After one read of the response: read again, wait for the back-end or the client, or stop.
    enum class Read { More, Wait, Stop };

    template <class F>
    void contained(F&& f) noexcept;
    void internal_error(const char* what) noexcept;

    void drive();
    bool handshake();
    bool read_client();
    bool process_input();
    bool exchange();
    Step finish_connect();
    Step send_request(bool& progress);
    Step read_response(bool& progress);
    Read after_response(ResponseStream::Step step);
    [[nodiscard]] ResponseStream::RequestFacts response_facts() const;
    bool write_client();
    bool linger();

    void head_complete(std::size_t head_length);
    void request_start();
    bool move_body(bool& progress);
    void body_error(int status);
    [[nodiscard]] bool request_sent() const noexcept;
    void dispatch();
    void on_connected();
    void connect_failed(bool timeout);
    void backend_dropped(bool clean_eof);
    void response_complete();
    // The server failed this request after the connect (reset, cut short, silent, garbage):
    // counted in its errors and toward passive health's max_failures.
    void server_failed(const char* what);
    void release_backend(bool reusable);
    void fail_request(int status);

    void send_error(int status, bool close);
    void begin_close();
    void abort();
    void update_client_timer();
    void on_client_timer();
    void backend_timeout(BackendConnection& conn);
    void reset_request();
    // Between requests: the worker's current generation's service takes over (buffers and parsers
    // follow its limits), or the connection closes (false) if there is none.
    bool follow_generation();
    [[nodiscard]] bool wants_client_input() const;

    // Access log (dlbad.conf(5) access_log): a sampled request is noted as it goes and logged once
    // when it ends.  log_cause() notes a failure (the last one noted names an abnormal end).
    void log_start();
    void log_cause(char who, char phase) noexcept;
    void log_end(int status, char who) noexcept;
    [[nodiscard]] char log_phase() const noexcept;
    [[nodiscard]] const char* log_persistence(bool persistent) const noexcept;

    WorkerContext& worker_;
    UniqueFd fd_;
    SocketAddress peer_;
    std::shared_ptr<const VirtualService> svc_; // the generation of the current/next request
    std::uint64_t generation_ = 0; // the worker generation svc_ was last checked against
    // TLS: the service whose context made this session, kept alive as long as the session.
    std::shared_ptr<const VirtualService> tls_svc_;
    std::unique_ptr<Transport> transport_;
    std::shared_ptr<bool> alive_; // for EventLoop::later() callbacks
    bool heavy_queued_ = false;   // drive() waits in the loop's heavy queue (handshake)
    bool heavy_granted_ = false;  // drive() runs from it

    State state_ = State::Handshake;
    bool readable_ = false;
    bool writable_ = true;
    bool client_eof_ = false;
    bool peer_closed_ = false; // EPOLLRDHUP seen
    bool draining_ = false;

    ByteBuffer in_;  // client bytes not yet consumed (current head/body, pipelined requests)
    ByteBuffer out_; // bytes for the client (bounded: backpressure on the back-end)
    bool in_dirty_ = false;

    // Current request
    RequestParser parser_;
    std::optional<BodyFramer> req_body_;
    std::string req_out_; // head (and a body that came whole with it) as sent to the back-end
    std::size_t req_sent_ = 0;
    BodySpool spool_;              // the rest of the body, streamed (bounded: request_buffer_bytes)
    bool body_pending_ = false;    // the request body is still being read from the client
    bool body_discard_ = false;    // the back-end stopped taking it: the rest is read and dropped
    bool backend_waiting_ = false; // the back-end's timer is off: dlbad waits for the client's body
    Method method_ = Method::kGet;
    bool idempotent_ = false;
    bool keep_alive_ = true; // the client allows keep-alive
    bool http10_ = false;
    bool expect_continue_ = false;
    bool continue_sent_ = false; // dlbad answered the request's Expect: 100-continue itself
    bool request_started_ = false;
    ScheduleKeys keys_;
    bool had_persistence_cookie_ = false;
    bool reissue_cookie_ = false;
    std::vector<bool> tried_;
    unsigned attempts_ = 0;
    std::optional<std::size_t> server_; // index in the pool
    bool active_counted_ = false;
    bool reused_backend_ = false;

    // Current response
    std::unique_ptr<BackendConnection> backend_;
    ResponseStream response_;

    Timer client_timer_;
    ClientTimer timer_kind_ = ClientTimer::None;
    bool write_progress_ = false;
    bool body_progress_ = false; // request body bytes came in (restarts client_body_idle)

    RequestLog log_;
    std::uint64_t client_written_ = 0; // bytes written to the client, whole connection
};

} // namespace dlba::dlbad
