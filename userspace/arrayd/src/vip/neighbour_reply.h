#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "vip/announce.h"
#include <dlba/config/value.h>

// Answering for the VIPs from userspace: an Ethernet frame received on the group's interface (an
// ARP request, an ICMPv6 neighbour solicitation) in, the Ethernet frame of the answer out (an ARP
// reply, a solicited neighbour advertisement).  dlba-arrayd keeps the VIPs where the kernel does
// not answer for them on the wire (architecture.md "VIPs answered by dlba-arrayd"), so a node
// answers for a VIP only while its dlba-arrayd lives.  Pure functions: every byte is checked
// here, the socket is in neighbour_responder.h.
namespace dlba::arrayd {

enum class NeighbourReplyKind : std::uint8_t { Arp, Na };

struct NeighbourReply {
    NeighbourReplyKind kind;
    std::vector<std::uint8_t> frame; // Ethernet header included
};

// The answer to `frame` (a whole Ethernet frame, no VLAN tag) from `mac` when it asks for one of
// `vips`; nothing when it is not a well-formed request for one of them.  Answered: ARP requests
// (Ethernet/IPv4) whose target is a VIP, ARP probes (sender 0.0.0.0) included; not announcements
// (sender = target: another node's gratuitous ARP, which must win).  Neighbour solicitations
// valid by RFC 4861 7.1.1 (hop limit 255, code 0, checksum, length, target not multicast,
// options of non-zero length, from :: only to a solicited-node address and without a source
// link-layer option) whose target is a VIP: the advertisement goes to the solicitor (solicited
// and override flags, the target link-layer option), or to all nodes after a duplicate address
// detection probe (override only).
[[nodiscard]] std::optional<NeighbourReply>
neighbour_reply(std::span<const std::uint8_t> frame, const MacAddress& mac,
                std::span<const config::IpAddress> vips);

// The ICMPv6 checksum (RFC 4443 2.3) of `icmp` (its checksum field included as it is) from `src`
// to `dst`: 0 when the checksum field is right.
[[nodiscard]] std::uint16_t icmpv6_checksum(std::span<const std::uint8_t, 16> src,
                                            std::span<const std::uint8_t, 16> dst,
                                            std::span<const std::uint8_t> icmp);

} // namespace dlba::arrayd
