#include <dlba/monitor/monitor_server.h>

#include <dlba/event/event_loop.h>
#include <dlba/monitor/monitor_endpoint.h>
#include <dlba/monitor/monitor_session.h>
#include <dlba/net/listen_socket.h>

namespace dlba {

MonitorServer::MonitorServer(EventLoop& loop, Render document, Render metrics,
                             std::optional<MonitorPage> page)
    : loop_(loop),
      document_(std::move(document)),
      metrics_text_(std::move(metrics)),
      page_(std::move(page)),
      sessions_(loop, kMaxSessions)
{}

MonitorServer::~MonitorServer()
{
    sessions_.clear();
    close();
}

void MonitorServer::close()
{
    unix_.reset();
    tcp_.reset();
    metrics_.reset();
    current_.reset();
}

void MonitorServer::configure(const MonitorConfig& config)
{
    // Open everything new first, so a failure changes nothing.
    std::unique_ptr<MonitorEndpoint> unix_ep, tcp_ep, metrics_ep;
    bool same_unix = current_ && current_->unix_socket == config.unix_socket;
    bool same_tcp = current_ && current_->tcp == config.tcp;
    bool same_metrics = current_ && current_->metrics == config.metrics;
    if (!same_unix && !config.unix_socket.empty()) {
        unix_ep =
            std::make_unique<MonitorEndpoint>(*this, ListenSocket::open_unix(config.unix_socket),
                                              MonitorKind::Json, config.unix_socket);
    }
    if (!same_tcp && config.tcp)
        tcp_ep = std::make_unique<MonitorEndpoint>(
            *this, ListenSocket::open(*config.tcp, false, 64), MonitorKind::Json);
    if (!same_metrics && config.metrics)
        metrics_ep = std::make_unique<MonitorEndpoint>(
            *this, ListenSocket::open(*config.metrics, false, 64), MonitorKind::Metrics);
    if (!same_unix)
        unix_ = std::move(unix_ep);
    if (!same_tcp)
        tcp_ = std::move(tcp_ep);
    if (!same_metrics)
        metrics_ = std::move(metrics_ep);
    current_ = config;
}

void MonitorServer::start_session(UniqueFd fd, MonitorKind kind)
{
    if (sessions_.full())
        return; // fd closes: busy
    sessions_.start(std::make_unique<MonitorSession>(*this, std::move(fd), kind));
}

void MonitorServer::session_done(MonitorSession& session)
{
    sessions_.done(session);
}

} // namespace dlba
