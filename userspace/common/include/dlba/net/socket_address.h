#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <dlba/config/value.h>

namespace dlba {

// An IPv4 or IPv6 address with a port, parsed from "1.2.3.4:80" or "[::1]:80".
class SocketAddress {
public:
    SocketAddress() noexcept;

    // Returns nullopt on any syntax error (the caller reports where it came from).
    static std::optional<SocketAddress> parse(std::string_view text);
    static SocketAddress from_endpoint(const config::Endpoint& endpoint) noexcept;
    static SocketAddress from_sockaddr(const sockaddr* sa, socklen_t len);

    [[nodiscard]] const sockaddr* sockaddr_ptr() const noexcept;
    [[nodiscard]] socklen_t length() const noexcept { return len_; }
    [[nodiscard]] int family() const noexcept { return storage_.ss_family; }
    [[nodiscard]] std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;

    // "1.2.3.4" / "::1" without the port.
    [[nodiscard]] std::string host() const;
    // "1.2.3.4:80" / "[::1]:80".
    [[nodiscard]] std::string to_string() const;

    friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

private:
    sockaddr_storage storage_{};
    socklen_t len_ = 0;
};

} // namespace dlba
