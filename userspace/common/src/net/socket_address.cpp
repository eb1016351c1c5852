#include <dlba/net/socket_address.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace dlba {

SocketAddress::SocketAddress() noexcept
{
    storage_.ss_family = AF_UNSPEC;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text)
{
    try {
        return from_endpoint(config::parse_endpoint(text));
    } catch (const config::ValueError&) {
        return std::nullopt;
    }
}

SocketAddress SocketAddress::from_endpoint(const config::Endpoint& endpoint) noexcept
{
    SocketAddress out;
    if (endpoint.ip.family == AF_INET) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(endpoint.port);
        std::memcpy(&sin.sin_addr, endpoint.ip.bytes.data(), sizeof(sin.sin_addr));
        std::memcpy(&out.storage_, &sin, sizeof(sin));
        out.len_ = sizeof(sin);
    } else if (endpoint.ip.family == AF_INET6) {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(endpoint.port);
        std::memcpy(&sin6.sin6_addr, endpoint.ip.bytes.data(), sizeof(sin6.sin6_addr));
        std::memcpy(&out.storage_, &sin6, sizeof(sin6));
        out.len_ = sizeof(sin6);
    }
    return out;
}

SocketAddress SocketAddress::from_sockaddr(const sockaddr* sa, socklen_t len)
{
    SocketAddress out;
    if (len > sizeof(out.storage_))
        len = sizeof(out.storage_);
    std::memcpy(&out.storage_, sa, len);
    out.len_ = len;
    return out;
}

const sockaddr* SocketAddress::sockaddr_ptr() const noexcept
{
    return reinterpret_cast<const sockaddr*>(&storage_);
}

std::uint16_t SocketAddress::port() const noexcept
{
    if (storage_.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    if (storage_.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    return 0;
}

void SocketAddress::set_port(std::uint16_t port) noexcept
{
    if (storage_.ss_family == AF_INET)
        reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
    else if (storage_.ss_family == AF_INET6)
        reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string SocketAddress::host() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (storage_.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf,
                  sizeof(buf));
    else if (storage_.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
                  sizeof(buf));
    else
        return "unspec";
    return buf;
}

std::string SocketAddress::to_string() const
{
    if (storage_.ss_family == AF_INET6)
        return "[" + host() + "]:" + std::to_string(port());
    return host() + ":" + std::to_string(port());
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept
{
    return a.len_ == b.len_ && std::memcmp(&a.storage_, &b.storage_, a.len_) == 0;
}

} // namespace dlba
