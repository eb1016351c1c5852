#include "backend/backend_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include <dlba/event/event_loop.h>

namespace dlba::dlbad {

std::unique_ptr<BackendConnection> BackendConnection::open(EventLoop& loop,
                                                           const SocketAddress& addr,
                                                           std::shared_ptr<BackendStats> stats,
                                                           BackendEvents* owner, int& err)
{
    UniqueFd fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        err = errno;
        return nullptr;
    }
    if (::connect(fd.get(), addr.sockaddr_ptr(), addr.length()) < 0 && errno != EINPROGRESS) {
        err = errno;
        return nullptr;
    }
    err = 0;
    auto conn = std::unique_ptr<BackendConnection>(
        new BackendConnection(loop, std::move(fd), addr, std::move(stats), owner));
    conn->writable = true; // optimistic: the first write tells whether the connect completed
    return conn;
}

BackendConnection::BackendConnection(EventLoop& loop, UniqueFd fd, const SocketAddress& addr,
                                     std::shared_ptr<BackendStats> stats, BackendEvents* owner)
    : loop_(loop),
      fd_(std::move(fd)),
      addr_(addr),
      stats_(std::move(stats)),
      owner_(owner),
      transport_(fd_.get()),
      timer_([this] {
          if (owner_)
              owner_->on_backend_timeout(*this);
      })
{
    loop_.add(fd_.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
    stats_->open_conns.fetch_add(1, std::memory_order_relaxed);
}

BackendConnection::~BackendConnection()
{
    // Closing the fd (never duplicated) removes it from the epoll set: no EPOLL_CTL_DEL.
    stats_->open_conns.fetch_sub(1, std::memory_order_relaxed);
}

void BackendConnection::on_events(std::uint32_t events)
{
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        readable = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
        writable = true;
    if (events & (EPOLLHUP | EPOLLERR))
        hangup = true;
    if (events & (EPOLLRDHUP | EPOLLHUP))
        peer_closed = true;
    if (owner_)
        owner_->on_backend_events(*this, events);
}

void BackendConnection::arm(std::chrono::milliseconds delay)
{
    loop_.arm(timer_, delay);
}

void BackendConnection::no_delay() noexcept
{
    if (nodelay_)
        return;
    int one = 1;
    ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    nodelay_ = true;
}

bool BackendConnection::quiet() const noexcept
{
    for (;;) {
        char c;
        ssize_t n = ::recv(fd_.get(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n >= 0)
            return false; // unread bytes, or EOF
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

int BackendConnection::socket_error() const noexcept
{
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return errno;
    return err;
}

} // namespace dlba::dlbad
