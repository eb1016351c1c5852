#include "net/listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "event/worker.h"
#include <dlba/process/logger.h>

namespace dlba::dlbad {

Listener::Listener(Worker& worker, std::shared_ptr<UniqueFd> socket,
                   std::shared_ptr<const VirtualService> service)
    : worker_(worker),
      socket_(std::move(socket)),
      service_(std::move(service))
{
    worker_.loop().add(socket_->get(), EPOLLIN | EPOLLET, this);
    pending_ = true; // connections may have queued before registration
}

Listener::~Listener()
{
    worker_.loop().remove(socket_->get());
}

void Listener::on_events(std::uint32_t)
{
    pending_ = true;
    accept_pending();
}

void Listener::accept_pending()
{
    while (pending_) {
        if (!worker_.can_accept())
            return; // stays pending: resumed when a connection closes
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        int fd = ::accept4(socket_->get(), reinterpret_cast<sockaddr*>(&ss), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                pending_ = false;
                return;
            }
            // EMFILE/ENFILE/ENOBUFS: keep pending, the worker retries shortly.
            DLBA_LOG(LogLevel::Warning, "accept on %s: %s",
                     service_->config().listen.to_string().c_str(), std::strerror(errno));
            worker_.retry_accept_later();
            return;
        }
        UniqueFd client(fd);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        worker_.accepted(std::move(client),
                         SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len),
                         service_);
    }
}

} // namespace dlba::dlbad
