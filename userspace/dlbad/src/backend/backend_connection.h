#pragma once

#include <chrono>
#include <memory>

#include <dlba/unique_fd.h>

#include "backend/backend_events.h"
#include "monitor/backend_stats.h"
#include "transport/plain_transport.h"
#include <dlba/event/event_handler.h>
#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>
#include <dlba/net/socket_address.h>

namespace dlba::dlbad {

// One TCP connection to a back-end server: owns the socket, counts itself in the server's open
// connections, forwards readiness to its current user and carries that user's timer.
class BackendConnection final : public EventHandler {
public:
    // Starts a non-blocking connect.  On immediate failure returns nullptr with `err` set.
    static std::unique_ptr<BackendConnection> open(EventLoop& loop, const SocketAddress& addr,
                                                   std::shared_ptr<BackendStats> stats,
                                                   BackendEvents* owner, int& err);
    ~BackendConnection();

    BackendConnection(const BackendConnection&) = delete;
    BackendConnection& operator=(const BackendConnection&) = delete;

    void on_events(std::uint32_t events) override;

    void set_owner(BackendEvents* owner) noexcept { owner_ = owner; }
    void arm(std::chrono::milliseconds delay);
    void disarm() noexcept { timer_.cancel(); }

    [[nodiscard]] Transport& transport() noexcept { return transport_; }
    [[nodiscard]] const SocketAddress& address() const noexcept { return addr_; }
    [[nodiscard]] const std::shared_ptr<BackendStats>& stats() const noexcept { return stats_; }
    // The pending error of a non-blocking connect (0 = connected).
    [[nodiscard]] int socket_error() const noexcept;
    // TCP_NODELAY, set before any write that follows a partial one.  A request that leaves in a
    // single write (almost all of them) never waits for Nagle: nothing is in flight when it goes,
    // and the response acknowledges it before the connection is reused; so the option costs a
    // system call only when a large body is written in pieces.
    void no_delay() noexcept;
    // Nothing to read and not closed: a recv(MSG_PEEK) would block.  A connection about to be
    // parked or reused must be quiet; unread bytes there are the rest of an over-long response
    // (or garbage) that would otherwise be read as the answer to the next request, and an EOF or
    // error means the server is gone.  Checked on the socket, not on the edge-triggered flags:
    // bytes that came in before the last read of the response, or in the same batch of events
    // as the request that reuses the connection, raise no event the pool could have seen.
    [[nodiscard]] bool quiet() const noexcept;

    // Edge-triggered readiness, cleared by the user when an operation would block.
    bool readable = false;
    bool writable = false;
    bool hangup = false;      // EPOLLERR / EPOLLHUP seen
    bool peer_closed = false; // EPOLLRDHUP / EPOLLHUP seen: read until EOF shows
    bool connected = false;

private:
    BackendConnection(EventLoop& loop, UniqueFd fd, const SocketAddress& addr,
                      std::shared_ptr<BackendStats> stats, BackendEvents* owner);

    EventLoop& loop_;
    UniqueFd fd_;
    SocketAddress addr_;
    std::shared_ptr<BackendStats> stats_;
    BackendEvents* owner_; // non-owning
    PlainTransport transport_;
    Timer timer_;
    bool nodelay_ = false;
};

} // namespace dlba::dlbad
