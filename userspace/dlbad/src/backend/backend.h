#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/config.h"
#include "monitor/backend_stats.h"

namespace dlba::dlbad {

// One back-end web server as seen by one configuration generation: its configuration (key,
// address, weight, enabled) and its shared live statistics and health state.
class Backend {
public:
    using Clock = std::chrono::steady_clock;

    Backend(ServerConfig config, std::shared_ptr<BackendStats> stats, std::size_t index)
        : config_(std::move(config)),
          stats_(std::move(stats)),
          index_(index)
    {}

    [[nodiscard]] const ServerConfig& config() const noexcept { return config_; }
    [[nodiscard]] BackendStats& stats() const noexcept { return *stats_; }
    [[nodiscard]] const std::shared_ptr<BackendStats>& stats_ptr() const noexcept { return stats_; }
    [[nodiscard]] std::uint32_t key() const noexcept { return config_.key; }
    [[nodiscard]] std::size_t index() const noexcept { return index_; }
    [[nodiscard]] const SocketAddress& address() const noexcept { return config_.addr; }

    // Usable for new requests: enabled, weight > 0 and not failed.
    [[nodiscard]] bool healthy() const noexcept;
    // May be chosen now: not failed, or failed but due for a retry.  New sessions also need the
    // server enabled with a weight above 0; an existing session (`persistent`: cookie, session
    // id) stays on a disabled / zero-weight server, which is how a server is drained.  A server
    // in maintenance (admin socket "maint") is never a candidate: its sessions move.
    [[nodiscard]] bool candidate(Clock::time_point now, bool persistent = false) const noexcept;
    // Called on the chosen server: true if not failed, or failed-but-due and this caller won the
    // retry (only one request probes a failed server per retry interval, whatever the number of
    // workers; the others choose again).
    [[nodiscard]] bool acquire(Clock::time_point now, const Health& health) const noexcept;

    // Passive health: `health.max_failures` consecutive failures mark the server failed.
    // A connect was refused, reset or timed out (counted in unable_to_connect).  Returns true if
    // this marked the server failed.
    bool record_connect_failure(Clock::time_point now, const Health& health) const noexcept;
    // The server failed a request after accepting the connection (counted in errors): reset or
    // closed it before the whole response, stayed silent past backend_response, or answered
    // something unparsable.  A server that accepts connections and then fails every request is
    // as unusable as one that refuses them.  Returns true if this marked the server failed.
    bool record_response_failure(Clock::time_point now, const Health& health) const noexcept;
    // A response came complete: clears the failure count and the failed mark.  A connect alone
    // does not: the failures above follow successful connects.
    void record_success() const noexcept;

private:
    bool count_failure(Clock::time_point now, const Health& health) const noexcept;

    ServerConfig config_;
    std::shared_ptr<BackendStats> stats_;
    std::size_t index_;
};

} // namespace dlba::dlbad
