#pragma once

#include <cstddef>

namespace dlba::dlbad {

enum class IoStatus {
    Ok,         // `bytes` transferred (> 0)
    WouldBlock, // try again when the fd is readable (or writable if want_write)
    Closed,     // orderly end of stream
    Error,      // reset, TLS alert, protocol error: close the connection
};

struct IoResult {
    IoStatus status = IoStatus::Ok;
    std::size_t bytes = 0;
    bool want_write = false; // with WouldBlock: the operation waits for writability
    // With Ok: the socket gave less than asked, so it is drained for now (plain TCP only).
    // Edge-triggered readers may then skip the read that would return EAGAIN, unless the peer
    // has already closed (EPOLLRDHUP): its EOF would otherwise go unseen.
    bool drained = false;
};

// A byte stream over a non-blocking socket: plain TCP or TLS.  The proxy logic talks to this
// interface only, so tests drive it with in-memory fakes.
class Transport {
public:
    virtual ~Transport() = default;

    // Completes the TLS handshake (plain: nothing to do, Ok immediately).
    virtual IoResult handshake() = 0;
    virtual IoResult read(char* buf, std::size_t len) = 0;
    virtual IoResult write(const char* buf, std::size_t len) = 0;
    // Best effort, non-blocking: TLS close_notify / TCP FIN after pending data.
    virtual void shutdown_write() = 0;
    // Bytes already decrypted and waiting inside the transport (epoll will not report them).
    [[nodiscard]] virtual std::size_t pending() const = 0;
    [[nodiscard]] virtual bool secure() const = 0;
    // TLS: the handshake resumed a session (ticket).
    [[nodiscard]] virtual bool resumed() const = 0;
    // The next handshake() may do the expensive step: the server's first flight, with its key
    // exchange and signature, has not been computed yet (plain: never).
    [[nodiscard]] virtual bool handshake_starting() const { return false; }
};

} // namespace dlba::dlbad
