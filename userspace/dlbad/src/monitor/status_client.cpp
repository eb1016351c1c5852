#include "monitor/status_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <dlba/unique_fd.h>

#include <dlba/net/socket_address.h>

namespace dlba::dlbad {

std::string StatusClient::fetch(const std::string& endpoint)
{
    UniqueFd fd;
    if (!endpoint.empty() && endpoint[0] != '/' && SocketAddress::parse(endpoint)) {
        auto addr = *SocketAddress::parse(endpoint);
        fd.reset(::socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd || ::connect(fd.get(), addr.sockaddr_ptr(), addr.length()) < 0)
            throw std::runtime_error("connect " + endpoint + ": " + std::strerror(errno));
    } else {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (endpoint.size() >= sizeof(sun.sun_path))
            throw std::runtime_error(endpoint + ": path too long");
        std::memcpy(sun.sun_path, endpoint.c_str(), endpoint.size() + 1);
        fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) < 0)
            throw std::runtime_error("connect " + endpoint + ": " + std::strerror(errno));
    }
    std::string out;
    char buf[16384];
    for (;;) {
        pollfd p{fd.get(), POLLIN, 0};
        int r = ::poll(&p, 1, 5000);
        if (r == 0)
            throw std::runtime_error(endpoint + ": timed out");
        if (r < 0 && errno == EINTR)
            continue;
        ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::runtime_error(endpoint + ": " + std::strerror(errno));
        }
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > (64u << 20))
            throw std::runtime_error(endpoint + ": answer too large");
    }
    return out;
}

} // namespace dlba::dlbad
