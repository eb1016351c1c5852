#pragma once

#include <chrono>
#include <string>

#include <dlba/unique_fd.h>

#include <dlba/event/event_handler.h>
#include <dlba/event/timer.h>
#include <dlba/monitor/monitor_server.h>

namespace dlba {

// One listening socket of the MonitorServer.
class MonitorEndpoint final : public EventHandler {
public:
    MonitorEndpoint(MonitorServer& server, UniqueFd fd, MonitorKind kind,
                    std::string unix_path = {});
    ~MonitorEndpoint() override;

    void on_events(std::uint32_t events) override;

    // Back-off when accept() fails for want of descriptors (EMFILE, ENFILE) or memory.
    static constexpr std::chrono::milliseconds kRetry{100};

private:
    void pause();
    void resume();

    MonitorServer& server_;
    UniqueFd fd_;
    MonitorKind kind_;
    std::string unix_path_; // removed on close
    Timer retry_;
    bool paused_ = false; // not registered with the loop; retry_ re-adds it
};

} // namespace dlba
