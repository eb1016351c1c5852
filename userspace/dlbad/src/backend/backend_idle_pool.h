#pragma once

#include <chrono>
#include <cstddef>
#include <dlba/event/event_loop.h>
#include <map>
#include <memory>
#include <unordered_set>
#include <vector>

#include "backend/backend_connection.h"
#include "backend/backend_events.h"

namespace dlba::dlbad {

// Idle keep-alive connections to back-end servers, per worker thread (optional back-end
// connection reuse).  A connection the server closes or writes to while idle is dropped; so is
// one idle longer than its timeout, and the oldest beyond the per-server maximum.  Whatever the
// events said, a connection is parked and handed out only if its socket is quiet (nothing unread,
// no EOF): one that is not is closed and counted in its server's idle_discarded.
class BackendIdlePool final : public BackendEvents {
public:
    explicit BackendIdlePool(EventLoop& loop) : loop_(loop) {}
    ~BackendIdlePool();

    // Never fails: without memory to park it, or with bytes left unread past the response, the
    // connection is closed instead.
    void put(std::unique_ptr<BackendConnection> conn, std::size_t max_idle,
             std::chrono::milliseconds timeout) noexcept;
    // Most recently used quiet idle connection to this server, or nullptr.
    std::unique_ptr<BackendConnection> take(const BackendStats* server);
    [[nodiscard]] std::size_t size() const noexcept;
    // A configuration generation was installed: only connections to these servers (those that
    // take new sessions in it) may be parked and handed out from now on.  Parked connections to
    // any other server (removed, disabled, weight 0) close now, and one to such a server that a
    // request of the previous generation releases later is closed, not parked.  Until the first
    // call every server is allowed.
    void retain(std::unordered_set<const BackendStats*> servers) noexcept;

    void on_backend_events(BackendConnection& conn, std::uint32_t events) override;
    void on_backend_timeout(BackendConnection& conn) override;

private:
    void drop(BackendConnection& conn);
    // Closes a connection found not quiet, and counts it.
    void discard(std::unique_ptr<BackendConnection> conn) noexcept;

    EventLoop& loop_;
    std::map<const BackendStats*, std::vector<std::unique_ptr<BackendConnection>>> idle_;
    std::unordered_set<const BackendStats*> allowed_;
    bool restricted_ = false;
};

} // namespace dlba::dlbad
