#include "process/scheduler_actions.h"

#include <exception>

#include "dlba/ctl/netlink_backend.h"
#include <dlba/process/logger.h>

namespace dlba::arrayd {

SchedulerActions::SchedulerActions(EventLoop& loop, const ArrayConfig& config)
    : loop_(loop),
      config_(config)
{}

SchedulerActions::~SchedulerActions() = default;

void SchedulerActions::touch_buckets(const std::string& group)
{
    try {
        if (!backend_)
            backend_ = std::make_unique<ctl::NetlinkBackend>();
        backend_->touch_buckets(std::nullopt);
        DLBA_LOG(LogLevel::Info, "vip group %s: every bucket of dlba.ko marked used now",
                 group.c_str());
    } catch (const std::exception& e) {
        // Opened again next time (the module may be loaded or reloaded meanwhile).  The VIPs stay:
        // without the module there is no table to keep, and with it a failed touch only means
        // idle-looking buckets may be reassigned early.
        backend_.reset();
        DLBA_LOG(LogLevel::Warning, "vip group %s: touching dlba.ko's buckets failed: %s",
                 group.c_str(), e.what());
    }
}

void SchedulerActions::on_active(const VipGroupConfig& group)
{
    DLBA_LOG(LogLevel::Notice, "vip group %s: active", group.name.c_str());
    touch_buckets(group.name);
    active_.insert(group.name);
    if (!sweeper_ && !config_.members.empty()) {
        sweeper_ = std::make_unique<Sweeper>(loop_, config_.sweep, config_.members, marker_);
        sweeper_->start();
        DLBA_LOG(LogLevel::Info, "status sweeps started: %zu members", config_.members.size());
    }
}

void SchedulerActions::on_standby(const VipGroupConfig& group)
{
    DLBA_LOG(LogLevel::Notice, "vip group %s: standby", group.name.c_str());
    active_.erase(group.name);
    if (active_.empty() && sweeper_) {
        sweeper_->stop();
        sweeper_.reset();
        DLBA_LOG(LogLevel::Info, "status sweeps stopped");
    }
}

nlohmann::json SchedulerActions::sweep_status() const
{
    return sweeper_ ? sweeper_->status() : nlohmann::json();
}

std::string SchedulerActions::sweep_metrics() const
{
    return sweeper_ ? sweeper_->metrics() : std::string();
}

} // namespace dlba::arrayd
