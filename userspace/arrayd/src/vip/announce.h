#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <dlba/config/value.h>
#include <dlba/unique_fd.h>

// Telling the segment that a VIP moved, so that routers and clients stop sending to the old
// holder's MAC address at once instead of when their neighbour entry expires: a gratuitous ARP
// for an IPv4 VIP (an ARP request for the address from the address, RFC 5227 "ARP
// Announcement"), an unsolicited neighbour advertisement with the override flag for an IPv6 one
// (RFC 4861 7.2.6).
namespace dlba::arrayd {

using MacAddress = std::array<std::uint8_t, 6>;

// The ARP packet (28 bytes, no Ethernet header: an AF_PACKET SOCK_DGRAM socket adds it) of a
// gratuitous ARP for `ip` (AF_INET) at `mac`.
[[nodiscard]] std::vector<std::uint8_t> build_gratuitous_arp(const MacAddress& mac,
                                                             const config::IpAddress& ip);

// The ICMPv6 neighbour advertisement (32 bytes: header, target, target link-layer address option)
// for `ip` (AF_INET6) at `mac`, flags override (not solicited, not router).  The checksum is left
// 0: the kernel computes it for ICMPv6 raw sockets.
[[nodiscard]] std::vector<std::uint8_t> build_unsolicited_na(const MacAddress& mac,
                                                             const config::IpAddress& ip);

// Sends the announcements of one interface.  Needs CAP_NET_RAW.
class Announcer {
public:
    // Throws std::system_error (no such interface, no permission).
    explicit Announcer(const std::string& interface);

    [[nodiscard]] const MacAddress& mac() const noexcept { return mac_; }
    // One announcement for `ip` (either family).  Throws std::system_error.
    void announce(const config::IpAddress& ip);

private:
    std::string interface_;
    unsigned ifindex_ = 0;
    MacAddress mac_{};
    UniqueFd arp_;   // AF_PACKET, SOCK_DGRAM, ETH_P_ARP
    UniqueFd icmp6_; // AF_INET6 raw ICMPv6, opened for the first IPv6 VIP
};

} // namespace dlba::arrayd
