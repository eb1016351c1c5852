#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <dlba/event/event_handler.h>
#include <dlba/event/timer.h>
#include <dlba/unique_fd.h>

#include "dlba/arrayd/sweep/config.h"
#include "dlba/arrayd/sweep/figures.h"

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
};
struct SslFree {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// The client contexts of tls checks, made on first use: one that verifies the chain (system
// store) and one that does not.
class TlsContexts {
public:
    // Throws std::runtime_error when OpenSSL cannot make one.
    SSL_CTX* get(bool verify);

private:
    SslCtxPtr verify_;
    SslCtxPtr no_verify_;
};

// The result of one attempt.
struct ProbeOutcome {
    bool good = false;
    std::string error;                    // why not good
    std::chrono::microseconds latency{0}; // connect start to the answer's end
    std::optional<StatusFigures> figures; // status checks
};

// One check attempt of one member: a non-blocking connection on the sweeper's loop, bounded by
// `timeout`, closed when it ends.  `done` is called once (not from start()'s caller's stack
// frame only: also from an event or the timer); after it the probe ignores events and may be
// handed to EventLoop::retire().
class Probe : public EventHandler {
public:
    using Done = std::function<void(ProbeOutcome)>;

    Probe(EventLoop& loop, const Member& member, std::chrono::milliseconds timeout,
          TlsContexts& tls, Done done);
    ~Probe() override;
    Probe(const Probe&) = delete;
    Probe& operator=(const Probe&) = delete;

    void start();
    // Ends the attempt without calling `done` (the sweeper stopping).
    void abort() noexcept;
    void on_events(std::uint32_t events) override;
    [[nodiscard]] bool open() const noexcept { return fd_.valid(); }

private:
    enum class Phase { Connecting, Writing, Reading, Handshake, Done };

    void connected();
    void write_request();
    void read_answer();
    void handshake();
    void answer_complete();
    void finish(bool good, std::string error, std::optional<StatusFigures> figures = {});
    void close_socket() noexcept;

    EventLoop& loop_;
    const Member& member_;
    std::chrono::milliseconds timeout_;
    TlsContexts& tls_;
    Done done_;
    UniqueFd fd_;
    SslPtr ssl_;
    Timer timer_;
    Phase phase_ = Phase::Connecting;
    bool registered_ = false;
    std::string out_;
    std::size_t out_pos_ = 0;
    std::string in_;
    std::chrono::steady_clock::time_point began_{};
};

// "HTTP/1.x NNN ..." -> NNN; nullopt for anything else.  The line without its CRLF.
std::optional<unsigned> parse_status_line(std::string_view line);

} // namespace dlba::arrayd
