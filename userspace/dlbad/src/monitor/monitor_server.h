#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <unordered_map>

#include <dlba/event/event_loop.h>
#include <dlba/unique_fd.h>

#include "config/config.h"

namespace dlba::dlbad {

class MonitorEndpoint;
class MonitorSession;

enum class MonitorKind {
    Json,    // connect, receive the status document, connection closed (read-only)
    Metrics, // HTTP: GET /metrics -> Prometheus text
};

// The monitoring endpoints of WO 01/69890 "Monitoring" (a socket dumping the status tables): a unix
// socket and an optional TCP port serving the JSON status document, and an optional HTTP port
// serving the same figures as Prometheus text.  Runs on the daemon's main loop; reads the
// statistics the workers update (atomics), never blocks them.
class MonitorServer {
public:
    using Snapshot = std::function<nlohmann::json()>;
    static constexpr std::size_t kMaxSessions = 64;

    MonitorServer(EventLoop& loop, Snapshot snapshot);
    ~MonitorServer();

    // (Re)opens the endpoints whose address changed.  Throws std::system_error; on error the
    // endpoints that were open stay open.
    void configure(const MonitorConfig& config);
    void close();

    // For endpoints and sessions.
    void start_session(UniqueFd fd, MonitorKind kind);
    void session_done(MonitorSession& session);
    [[nodiscard]] nlohmann::json snapshot() const { return snapshot_(); }
    [[nodiscard]] EventLoop& loop() noexcept { return loop_; }

private:
    EventLoop& loop_;
    Snapshot snapshot_;
    std::optional<MonitorConfig> current_;
    std::unique_ptr<MonitorEndpoint> unix_;
    std::unique_ptr<MonitorEndpoint> tcp_;
    std::unique_ptr<MonitorEndpoint> metrics_;
    std::unordered_map<MonitorSession*, std::unique_ptr<MonitorSession>> sessions_;
};

} // namespace dlba::dlbad
