#include "transport/plain_transport.h"

#include <sys/socket.h>

#include <cerrno>

namespace dlba::dlbad {

IoResult PlainTransport::read(char* buf, std::size_t len)
{
    for (;;) {
        ssize_t n = ::recv(fd_, buf, len, 0);
        if (n > 0)
            return {IoStatus::Ok, static_cast<std::size_t>(n), false,
                    static_cast<std::size_t>(n) < len};
        if (n == 0)
            return {IoStatus::Closed, 0, false};
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return {IoStatus::WouldBlock, 0, false};
        return {IoStatus::Error, 0, false};
    }
}

IoResult PlainTransport::write(const char* buf, std::size_t len)
{
    for (;;) {
        ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return {IoStatus::Ok, static_cast<std::size_t>(n), false,
                    static_cast<std::size_t>(n) < len};
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return {IoStatus::WouldBlock, 0, true};
        return {IoStatus::Error, 0, false};
    }
}

void PlainTransport::shutdown_write()
{
    ::shutdown(fd_, SHUT_WR);
}

} // namespace dlba::dlbad
