#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <dlba/unique_fd.h>

#include <dlba/event/stream_session.h>
#include <dlba/monitor/monitor_server.h>

namespace dlba {

// What the HTTP port (MonitorKind::Metrics) answers.
struct MonitorHttp {
    std::function<std::string()> metrics;  // GET /metrics: Prometheus text
    std::function<std::string()> document; // GET /status: the JSON status document
    const MonitorPage* page = nullptr;     // GET / (and /stats): the status page, if any
};

// One monitoring client: the JSON document is written at once; an HTTP client first sends a
// request (GET /metrics, /status or /).  Bounded in time (5 s) and request size (8 KiB).
class MonitorSession final : public StreamSession {
public:
    MonitorSession(MonitorServer& server, UniqueFd fd, MonitorKind kind);

    void on_events(std::uint32_t events) override;

    // The HTTP answer to a request head on the HTTP port (exposed for tests).
    static std::string answer_http(std::string_view request, const MonitorHttp& content);

private:
    void read_request();
    void finished() override;

    MonitorServer& server_;
    MonitorKind kind_;
    std::string in_;
    bool responding_ = false;
};

} // namespace dlba
