#include "monitor_endpoint.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "event_loop.h"

namespace dlba::dlbad {

MonitorEndpoint::MonitorEndpoint(MonitorServer& server, UniqueFd fd, MonitorKind kind, std::string unix_path)
    : server_(server), fd_(std::move(fd)), kind_(kind), unix_path_(std::move(unix_path))
{
    server_.loop().add(fd_.get(), EPOLLIN, this);
}

MonitorEndpoint::~MonitorEndpoint()
{
    server_.loop().remove(fd_.get());
    if (!unix_path_.empty())
        ::unlink(unix_path_.c_str());
}

void MonitorEndpoint::onEvents(std::uint32_t)
{
    for (int i = 0; i < 16; ++i) {
        int fd = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; // EAGAIN or transient: level-triggered, we come back
        server_.startSession(UniqueFd(fd), kind_);
    }
}

} // namespace dlba::dlbad
