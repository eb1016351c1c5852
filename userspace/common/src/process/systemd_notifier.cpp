#include <dlba/process/systemd_notifier.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <dlba/unique_fd.h>

namespace dlba {

void SystemdNotifier::notify(const std::string& state)
{
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return;
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::size_t len = std::strlen(path);
    if (len >= sizeof(sun.sun_path))
        return;
    std::memcpy(sun.sun_path, path, len);
    if (sun.sun_path[0] == '@')
        sun.sun_path[0] = '\0'; // abstract namespace
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return;
    auto addrlen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&sun),
             addrlen);
}

} // namespace dlba
