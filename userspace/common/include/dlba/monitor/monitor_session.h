#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <dlba/unique_fd.h>

#include <dlba/event/event_handler.h>
#include <dlba/event/timer.h>
#include <dlba/monitor/monitor_server.h>

namespace dlba {

// One monitoring client: the JSON document is written at once; a metrics client first sends an
// HTTP request (GET /metrics).  Bounded in time (5 s) and request size (8 KiB).
class MonitorSession final : public EventHandler {
public:
    MonitorSession(MonitorServer& server, UniqueFd fd, MonitorKind kind);
    ~MonitorSession() override;

    void start();
    void on_events(std::uint32_t events) override;

    // The HTTP answer to a metrics request head (exposed for tests).
    static std::string answer_http(std::string_view request,
                                   const std::function<std::string()>& metrics);

private:
    void read_request();
    void flush();
    void finish();

    MonitorServer& server_;
    UniqueFd fd_;
    MonitorKind kind_;
    std::string in_;
    std::string out_;
    std::size_t sent_ = 0;
    bool responding_ = false;
    bool done_ = false;
    Timer timer_;
};

} // namespace dlba
