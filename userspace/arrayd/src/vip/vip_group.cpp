#include "vip/vip_group.h"

#include <exception>

#include <dlba/event/event_loop.h>
#include <dlba/process/logger.h>

namespace dlba::arrayd {

VipGroup::VipGroup(EventLoop& loop, const VipGroupConfig& config, AddressSocket& addresses,
                   TakeoverActions& actions)
    : loop_(loop),
      config_(config),
      addresses_(addresses),
      actions_(actions),
      announce_timer_([this] { announce_round(); })
{}

unsigned VipGroup::ifindex() const
{
    return interface_index(config_.interface);
}

void VipGroup::clean()
{
    try {
        auto index = ifindex();
        for (const auto& a : config_.addresses)
            if (addresses_.remove(index, a))
                DLBA_LOG(LogLevel::Notice, "vip group %s: removed %s left on %s",
                         config_.name.c_str(), a.text.c_str(), config_.interface.c_str());
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Warning, "vip group %s: %s", config_.name.c_str(), e.what());
    }
}

bool VipGroup::activate()
{
    if (active_)
        return true;
    try {
        auto index = ifindex();
        for (const auto& a : config_.addresses)
            addresses_.add(index, a);
        if (!announcer_ && config_.announce.count > 0)
            announcer_ = std::make_unique<Announcer>(config_.interface);
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Error, "vip group %s: takeover failed: %s", config_.name.c_str(),
                 e.what());
        clean();
        return false;
    }
    active_ = true;
    ++takeovers_;
    DLBA_LOG(LogLevel::Notice, "vip group %s: took over %zu addresses on %s", config_.name.c_str(),
             config_.addresses.size(), config_.interface.c_str());
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
    try {
        auto index = ifindex();
        for (const auto& a : config_.addresses)
            addresses_.remove(index, a);
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
