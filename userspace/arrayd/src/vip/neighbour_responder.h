#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vip/announce.h"
#include <dlba/config/value.h>
#include <dlba/event/event_handler.h>
#include <dlba/unique_fd.h>

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

// Answers ARP requests and neighbour solicitations for a VIP group's addresses on its interface,
// from the interface's MAC address, while the group is active here (neighbour_reply.h).  An
// AF_PACKET socket with a classic BPF filter that lets only ARP requests and ICMPv6 neighbour
// solicitations through, registered in the event loop; for IPv6 VIPs an ICMPv6 socket that joins
// their solicited-node multicast groups on the interface (the NIC's filter, MLD snooping switches:
// with the VIPs on lo the kernel does not join them there).  Everything closes with the object,
// and with the process: a killed dlba-arrayd answers for nothing.  Needs CAP_NET_RAW.
class NeighbourResponder final : public EventHandler {
public:
    // Throws std::system_error (no such interface, no permission).
    NeighbourResponder(EventLoop& loop, const std::string& interface,
                       std::vector<config::IpAddress> vips);
    ~NeighbourResponder() override;
    NeighbourResponder(const NeighbourResponder&) = delete;
    NeighbourResponder& operator=(const NeighbourResponder&) = delete;

    void on_events(std::uint32_t events) override;
    // Stops answering: the sockets close.  Then the object may be handed to EventLoop::retire()
    // (events of this batch may still name it; it ignores them).
    void close() noexcept;

    [[nodiscard]] std::uint64_t arp_replies() const noexcept { return arp_replies_; }
    [[nodiscard]] std::uint64_t na_replies() const noexcept { return na_replies_; }

private:
    EventLoop& loop_;
    std::string interface_;
    unsigned ifindex_ = 0;
    MacAddress mac_{};
    std::vector<config::IpAddress> vips_;
    UniqueFd packet_;
    UniqueFd mld_; // holds the solicited-node memberships of the IPv6 VIPs
    std::uint64_t arp_replies_ = 0;
    std::uint64_t na_replies_ = 0;
    std::uint64_t send_errors_ = 0;
};

} // namespace dlba::arrayd
