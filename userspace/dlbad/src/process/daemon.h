#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <dlba/unique_fd.h>

#include "accesslog/access_log.h"
#include "admin/admin_api.h"
#include "admin/admin_socket.h"
#include "event/worker.h"
#include "monitor/stats_registry.h"
#include "process/options.h"
#include "process/runtime.h"
#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>
#include <dlba/monitor/monitor_server.h>
#include <dlba/process/signal_watcher.h>

namespace dlba::dlbad {

// The dlbad process: loads the configuration, opens one SO_REUSEPORT socket per virtual service
// and worker, runs the workers, the monitoring endpoints and the signal handling on its main
// loop.  SIGHUP builds a new configuration generation beside the running one and publishes it
// only if it is entirely valid (sockets kept for unchanged addresses; established connections
// finish under the generation they started with).  SIGTERM/SIGINT drain, then stop.  The admin
// socket's changes are published the same way: "the file plus the runtime changes" as a new
// generation (AdminHost).
class Daemon final : private AdminHost {
public:
    explicit Daemon(Options options);
    ~Daemon();

    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Returns the process exit status.
    int run();

private:
    using SocketMap = std::map<std::string, std::vector<std::shared_ptr<UniqueFd>>>;

    SocketMap open_sockets(const Runtime& runtime, const SocketMap& existing) const;
    void publish();
    void reload();
    void begin_shutdown();
    void check_drained();
    void on_signal(int signo);
    nlohmann::json snapshot() const;
    [[nodiscard]] std::size_t per_worker_limit(const Config& config) const;
    void configure_admin(const AdminConfig& config);

    // AdminHost
    [[nodiscard]] const Runtime& runtime() const override { return *runtime_; }
    [[nodiscard]] const Config& file_config() const override { return file_config_; }
    [[nodiscard]] const ServerOverrides& overrides() const override { return overrides_; }
    [[nodiscard]] AdminInfo info() const override;
    void apply_overrides(ServerOverrides next) override;

    Options options_;
    EventLoop loop_;
    StatsRegistry registry_;
    Secrets secrets_;
    std::shared_ptr<const Runtime> runtime_;
    SocketMap sockets_;
    std::unique_ptr<AccessLog> access_log_; // outlives the workers, which hold its channels
    std::vector<std::unique_ptr<Worker>> workers_;
    std::unique_ptr<MonitorServer> monitor_;
    Config file_config_;        // as the file says: runtime_ is this plus overrides_
    ServerOverrides overrides_; // changes made through the admin socket
    AdminApi admin_api_{*this};
    std::unique_ptr<AdminSocket> admin_;
    std::unique_ptr<SignalWatcher> signals_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point drain_deadline_{};
    bool stopping_ = false;
    Timer drain_timer_;
};

} // namespace dlba::dlbad
