#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <dlba/event/event_loop.h>
#include <dlba/event/stream_session.h>
#include <dlba/net/socket_address.h>
#include <dlba/unique_fd.h>

namespace dlba {

class MonitorEndpoint;
class MonitorSession;

// Where a daemon's monitoring endpoints listen (each one optional: an empty path, no address).
struct MonitorConfig {
    std::string unix_socket;              // the JSON status document
    std::optional<SocketAddress> tcp;     // the same, read-only, over TCP
    std::optional<SocketAddress> metrics; // HTTP: GET /metrics, /status, and the daemon's page

    friend bool operator==(const MonitorConfig&, const MonitorConfig&) = default;
};

enum class MonitorKind {
    Json,    // connect, receive the status document, connection closed (read-only)
    Metrics, // HTTP: GET /metrics -> Prometheus text, GET /status -> the JSON document, GET / ->
             // the daemon's status page (MonitorPage)
};

// A daemon's status web page (HAProxy's stats page): one self-contained HTML document, served
// read-only at GET / on the HTTP port with this Content-Security-Policy.  It renders what it
// fetches from GET /status.
struct MonitorPage {
    std::string html;
    std::string content_security_policy;
};

// The monitoring endpoints of WO 01/69890 "Monitoring" (a socket dumping the status tables): a unix
// socket and an optional TCP port serving the JSON status document, and an optional HTTP port
// serving the same figures as Prometheus text, the document itself, and the daemon's status page
// (WO 01/69890: the monitoring daemon "can be connected to a user-interface").  Runs on the daemon's main loop.  What is served
// comes from the daemon: `document` renders the status document (JSON text), `metrics` the
// Prometheus text; dlbad and dlba-arrayd each pass their own.
class MonitorServer {
public:
    using Render = std::function<std::string()>;
    static constexpr std::size_t kMaxSessions = 64;

    MonitorServer(EventLoop& loop, Render document, Render metrics,
                  std::optional<MonitorPage> page = std::nullopt);
    ~MonitorServer();

    // (Re)opens the endpoints whose address changed.  Throws std::system_error; on error the
    // endpoints that were open stay open.
    void configure(const MonitorConfig& config);
    void close();

    // For endpoints and sessions.
    void start_session(UniqueFd fd, MonitorKind kind);
    void session_done(MonitorSession& session);
    [[nodiscard]] std::string document() const { return document_(); }
    [[nodiscard]] std::string metrics() const { return metrics_text_(); }
    [[nodiscard]] const MonitorPage* page() const noexcept { return page_ ? &*page_ : nullptr; }
    [[nodiscard]] EventLoop& loop() noexcept { return loop_; }

private:
    EventLoop& loop_;
    Render document_;
    Render metrics_text_;
    std::optional<MonitorPage> page_;
    std::optional<MonitorConfig> current_;
    std::unique_ptr<MonitorEndpoint> unix_;
    std::unique_ptr<MonitorEndpoint> tcp_;
    std::unique_ptr<MonitorEndpoint> metrics_;
    StreamSessions sessions_;
};

} // namespace dlba
