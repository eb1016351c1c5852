#include "vip/vip_group.h"

#include <exception>
#include <vector>

#include <sys/socket.h>

#include <dlba/event/event_loop.h>
#include <dlba/process/logger.h>

#include "vip/interface_sysctl.h"

namespace dlba::arrayd {

VipGroup::VipGroup(EventLoop& loop, const VipGroupConfig& config, AddressSocket& addresses,
                   TakeoverActions& actions)
    : loop_(loop),
      config_(config),
      addresses_(addresses),
      actions_(actions),
      announce_timer_([this] { announce_round(); })
{}

namespace {

constexpr const char* kLoopback = "lo";

// The address as it goes on lo: a host address whatever the group's prefix (a /24 on lo would make
// the whole /24 local to this node).
VipAddress host_address(const VipAddress& a)
{
    VipAddress h = a;
    h.prefix = a.ip.family == AF_INET ? 32 : 128;
    return h;
}

} // namespace

unsigned VipGroup::ifindex() const
{
    return interface_index(config_.interface);
}

std::uint64_t VipGroup::arp_replies() const noexcept
{
    return arp_replies_ + (responder_ ? responder_->arp_replies() : 0);
}

std::uint64_t VipGroup::na_replies() const noexcept
{
    return na_replies_ + (responder_ ? responder_->na_replies() : 0);
}

void VipGroup::stop_responder() noexcept
{
    if (!responder_)
        return;
    arp_replies_ += responder_->arp_replies();
    na_replies_ += responder_->na_replies();
    // A release can run from another handler of the batch in which the socket has an event.
    responder_->close();
    loop_.retire(std::move(responder_));
}

void VipGroup::remove_addresses(bool leftovers)
{
    auto lo = interface_index(kLoopback);
    for (const auto& a : config_.addresses)
        if (addresses_.remove(lo, host_address(a)) && leftovers)
            DLBA_LOG(LogLevel::Notice, "vip group %s: removed %s left on %s", config_.name.c_str(),
                     a.text.c_str(), kLoopback);
    if (!leftovers)
        return;
    auto index = ifindex();
    for (const auto& a : config_.addresses)
        if (addresses_.remove(index, a))
            DLBA_LOG(LogLevel::Notice, "vip group %s: removed %s left on %s", config_.name.c_str(),
                     a.text.c_str(), config_.interface.c_str());
}

void VipGroup::clean()
{
    prepare_interface(config_.interface);
    try {
        remove_addresses(true);
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Warning, "vip group %s: %s", config_.name.c_str(), e.what());
    }
}

bool VipGroup::activate()
{
    if (active_)
        return true;
    try {
        auto lo = interface_index(kLoopback);
        for (const auto& a : config_.addresses)
            addresses_.add(lo, host_address(a));
        std::vector<config::IpAddress> ips;
        for (const auto& a : config_.addresses)
            ips.push_back(a.ip);
        responder_ = std::make_unique<NeighbourResponder>(loop_, config_.interface, std::move(ips));
        if (!announcer_ && config_.announce.count > 0)
            announcer_ = std::make_unique<Announcer>(config_.interface);
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Error, "vip group %s: takeover failed: %s", config_.name.c_str(),
                 e.what());
        stop_responder();
        try {
            remove_addresses(false);
        } catch (const std::exception& e2) {
            DLBA_LOG(LogLevel::Warning, "vip group %s: %s", config_.name.c_str(), e2.what());
        }
        return false;
    }
    active_ = true;
    ++takeovers_;
    DLBA_LOG(LogLevel::Notice, "vip group %s: took over %zu addresses, answered for on %s",
             config_.name.c_str(), config_.addresses.size(), config_.interface.c_str());
    rounds_left_ = config_.announce.count;
    announce_round();
    try {
        actions_.on_active(config_);
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Error, "vip group %s: on_active: %s", config_.name.c_str(), e.what());
    }
    return true;
}

void VipGroup::announce_round()
{
    if (!active_ || rounds_left_ == 0 || !announcer_)
        return;
    --rounds_left_;
    for (const auto& a : config_.addresses) {
        try {
            announcer_->announce(a.ip);
            ++announcements_;
        } catch (const std::exception& e) {
            DLBA_LOG(LogLevel::Warning, "vip group %s: %s", config_.name.c_str(), e.what());
        }
    }
    if (rounds_left_ > 0)
        loop_.arm(announce_timer_, config_.announce.interval);
}

void VipGroup::release()
{
    announce_timer_.cancel();
    rounds_left_ = 0;
    bool was_active = active_;
    active_ = false;
    // First stop answering, then the addresses go.
    stop_responder();
    try {
        remove_addresses(false);
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Error, "vip group %s: release: %s", config_.name.c_str(), e.what());
    }
    if (!was_active)
        return;
    DLBA_LOG(LogLevel::Notice, "vip group %s: released", config_.name.c_str());
    try {
        actions_.on_standby(config_);
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Error, "vip group %s: on_standby: %s", config_.name.c_str(), e.what());
    }
}

} // namespace dlba::arrayd
