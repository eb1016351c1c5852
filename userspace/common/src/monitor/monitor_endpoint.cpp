#include <dlba/monitor/monitor_endpoint.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <dlba/event/event_loop.h>
#include <dlba/process/logger.h>

namespace dlba {

MonitorEndpoint::MonitorEndpoint(MonitorServer& server, UniqueFd fd, MonitorKind kind,
                                 std::string unix_path)
    : server_(server),
      fd_(std::move(fd)),
      kind_(kind),
      unix_path_(std::move(unix_path)),
      retry_([this] { resume(); })
{
    server_.loop().add(fd_.get(), EPOLLIN, this);
}

MonitorEndpoint::~MonitorEndpoint()
{
    if (!paused_)
        server_.loop().remove(fd_.get());
    if (!unix_path_.empty())
        ::unlink(unix_path_.c_str());
}

void MonitorEndpoint::on_events(std::uint32_t)
{
    if (paused_)
        return; // an event of this batch, from before pause()
    for (int i = 0; i < 16; ++i) {
        int fd = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause();
            return; // EAGAIN: level-triggered, we come back
        }
        server_.start_session(UniqueFd(fd), kind_);
    }
}

// Out of descriptors or memory: the pending connection stays queued and the socket stays
// readable, so a level-triggered registration would wake the loop at once, forever.  Stop
// watching the socket and look again after kRetry, as the service listeners do.
void MonitorEndpoint::pause()
{
    DLBA_LOG(LogLevel::Warning, "monitor accept: %s (retrying in %lld ms)", std::strerror(errno),
             static_cast<long long>(kRetry.count()));
    server_.loop().remove(fd_.get());
    paused_ = true;
    server_.loop().arm(retry_, kRetry);
}

void MonitorEndpoint::resume()
{
    paused_ = false;
    server_.loop().add(fd_.get(), EPOLLIN, this);
}

} // namespace dlba
