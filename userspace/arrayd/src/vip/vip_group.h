#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "config/array_config.h"
#include "vip/address_socket.h"
#include "vip/announce.h"
#include "vip/neighbour_responder.h"
#include "vip/takeover_actions.h"
#include <dlba/event/timer.h>

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

// One VIP group on this node: its addresses added to (activate) or removed from (release) lo, as
// host addresses (/32, /128), where the kernel accepts traffic for them but does not answer ARP
// or neighbour solicitations for them on the group's interface (prepare_interface()); a
// NeighbourResponder answers those while the group is active, the announcements after an
// activation (`announce.count` rounds, `announce.interval` apart), the takeover hooks, and what
// the status shows.  A killed dlba-arrayd leaves the addresses on lo, but nothing answers for
// them any more: the new holder's gratuitous ARP is the only word on the segment
// (architecture.md "VIPs answered by dlba-arrayd").
class VipGroup {
public:
    VipGroup(EventLoop& loop, const VipGroupConfig& config, AddressSocket& addresses,
             TakeoverActions& actions);

    // Adds the addresses, announces them, calls on_active.  False (logged, addresses removed
    // again) if an address could not be added.
    bool activate();
    // Removes the addresses and calls on_standby (if it was active).
    void release();
    // At start (a node starts as a standby): sets the interface's ARP sysctls
    // (prepare_interface()), removes addresses left from an earlier run from lo and from the
    // interface (where versions before 2026-12 put them), quietly.
    void clean();

    [[nodiscard]] const VipGroupConfig& config() const noexcept { return config_; }
    [[nodiscard]] bool active() const noexcept { return active_; }
    [[nodiscard]] std::uint64_t takeovers() const noexcept { return takeovers_; }
    [[nodiscard]] std::uint64_t announcements() const noexcept { return announcements_; }
    // ARP replies and neighbour advertisements sent for the group, since the start.
    [[nodiscard]] std::uint64_t arp_replies() const noexcept;
    [[nodiscard]] std::uint64_t na_replies() const noexcept;

private:
    void announce_round();
    unsigned ifindex() const;
    void remove_addresses(bool leftovers);
    void stop_responder() noexcept;

    EventLoop& loop_;
    const VipGroupConfig& config_;
    AddressSocket& addresses_;
    TakeoverActions& actions_;
    std::unique_ptr<Announcer> announcer_;
    std::unique_ptr<NeighbourResponder> responder_; // while active
    std::uint64_t arp_replies_ = 0;                 // of responders closed already
    std::uint64_t na_replies_ = 0;
    Timer announce_timer_;
    unsigned rounds_left_ = 0;
    bool active_ = false;
    std::uint64_t takeovers_ = 0;
    std::uint64_t announcements_ = 0;
};

} // namespace dlba::arrayd
