#include <dlba/monitor/monitor_session.h>

#include <sys/socket.h>

#include <dlba/http/error_response.h>

namespace dlba {

MonitorSession::MonitorSession(MonitorServer& server, UniqueFd fd, MonitorKind kind)
    : StreamSession(server.loop(), std::move(fd), std::chrono::seconds(5), Deadline::Total),
      server_(server),
      kind_(kind)
{
    if (kind_ == MonitorKind::Json) {
        out_ = server_.document();
        responding_ = true;
    }
}

namespace {

std::string http_ok(std::string_view method, std::string_view headers, const std::string& body)
{
    std::string out = "HTTP/1.1 200 OK\r\n";
    out += headers;
    out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n";
    if (method == "GET")
        out += body;
    return out;
}

} // namespace

std::string MonitorSession::answer_http(std::string_view request, const MonitorHttp& content)
{
    auto line_end = request.find("\r\n");
    auto line = request.substr(0, line_end);
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp1 == std::string_view::npos || sp2 == std::string_view::npos)
        return ErrorResponse::build(400, true);
    auto method = line.substr(0, sp1);
    auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (method != "GET" && method != "HEAD")
        return ErrorResponse::build(405, true);
    auto path = target.substr(0, target.find('?'));
    if (path == "/metrics")
        return http_ok(method, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
                       content.metrics());
    if (path == "/status")
        return http_ok(method, "Content-Type: application/json\r\n", content.document());
    if ((path == "/" || path == "/stats") && content.page) {
        std::string headers = "Content-Type: text/html; charset=utf-8\r\n"
                              "Content-Security-Policy: " +
                              content.page->content_security_policy +
                              "\r\nReferrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\n";
        return http_ok(method, headers, content.page->html);
    }
    return ErrorResponse::build(404, true);
}

void MonitorSession::read_request()
{
    for (;;) {
        auto got = receive(in_);
        if (got == Received::Data) {
            if (responding_)
                in_.clear(); // read-only endpoint / request already answered: discard
            else if (in_.find("\r\n\r\n") != std::string::npos ||
                     in_.find("\n\n") != std::string::npos) {
                out_ = answer_http(in_, {[this] { return server_.metrics(); },
                                         [this] { return server_.document(); }, server_.page()});
                responding_ = true;
            } else if (in_.size() > 8192) {
                out_ = ErrorResponse::build(431, true);
                responding_ = true;
            }
            continue;
        }
        if (got == Received::Closed && !responding_)
            finish(); // closed before asking
        return;
    }
}

void MonitorSession::on_events(std::uint32_t)
{
    if (done())
        return;
    read_request();
    if (done() || !responding_)
        return;
    if (flush()) {
        ::shutdown(fd(), SHUT_WR);
        finish();
    }
}

void MonitorSession::finished()
{
    server_.session_done(*this);
}

} // namespace dlba
