#include <dlba/net/listen_socket.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace dlba {

UniqueFd ListenSocket::open(const SocketAddress& addr, bool reuseport, int backlog)
{
    UniqueFd fd(::socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "socket for " + addr.to_string());
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reuseport && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
        throw std::system_error(errno, std::generic_category(),
                                "SO_REUSEPORT on " + addr.to_string());
    if (addr.family() == AF_INET6) {
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
    } else {
        ::setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
    }
    if (::bind(fd.get(), addr.sockaddr_ptr(), addr.length()) < 0)
        throw std::system_error(errno, std::generic_category(), "bind " + addr.to_string());
    if (::listen(fd.get(), backlog) < 0)
        throw std::system_error(errno, std::generic_category(), "listen " + addr.to_string());
    return fd;
}

UniqueFd ListenSocket::open_unix(const std::string& path)
{
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof(sun.sun_path))
        throw std::system_error(ENAMETOOLONG, std::generic_category(), path);
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "socket for " + path);
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
        // The runtime directory (/run/dlbad, say) when not started by systemd, whose unit creates it:
        // one level only.
        auto dir = path.substr(0, slash);
        ::mkdir(dir.c_str(), 0755);
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
        ::unlink(path.c_str());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) < 0)
        throw std::system_error(errno, std::generic_category(), "bind " + path);
    ::chmod(path.c_str(), 0660);
    if (::listen(fd.get(), 64) < 0)
        throw std::system_error(errno, std::generic_category(), "listen " + path);
    return fd;
}

} // namespace dlba
