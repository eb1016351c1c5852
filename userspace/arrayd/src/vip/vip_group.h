#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "config/array_config.h"
#include "vip/address_socket.h"
#include "vip/announce.h"
#include "vip/takeover_actions.h"
#include <dlba/event/timer.h>

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

// One VIP group on this node: its addresses added to (activate) or removed from (release) the
// interface, the announcements after an activation (`announce.count` rounds, `announce.interval`
// apart), the takeover hooks, and what the status shows.
class VipGroup {
public:
    VipGroup(EventLoop& loop, const VipGroupConfig& config, AddressSocket& addresses,
             TakeoverActions& actions);

    // Adds the addresses, announces them, calls on_active.  False (logged, addresses removed
    // again) if an address could not be added.
    bool activate();
    // Removes the addresses and calls on_standby (if it was active).
    void release();
    // Removes addresses left from an earlier run (a node starts as a standby), quietly.
    void clean();

    [[nodiscard]] const VipGroupConfig& config() const noexcept { return config_; }
    [[nodiscard]] bool active() const noexcept { return active_; }
    [[nodiscard]] std::uint64_t takeovers() const noexcept { return takeovers_; }
    [[nodiscard]] std::uint64_t announcements() const noexcept { return announcements_; }

private:
    void announce_round();
    unsigned ifindex() const;

    EventLoop& loop_;
    const VipGroupConfig& config_;
    AddressSocket& addresses_;
    TakeoverActions& actions_;
    std::unique_ptr<Announcer> announcer_;
    Timer announce_timer_;
    unsigned rounds_left_ = 0;
    bool active_ = false;
    std::uint64_t takeovers_ = 0;
    std::uint64_t announcements_ = 0;
};

} // namespace dlba::arrayd
