#pragma once

#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include <dlba/arrayd/sweep/server_marker.h>
#include <dlba/arrayd/sweep/sweeper.h>
#include <dlba/event/event_loop.h>

#include "config/array_config.h"
#include "vip/takeover_actions.h"

namespace dlba::ctl {
class Backend;
}

namespace dlba::arrayd {

// What the active scheduler does besides holding the VIPs (WO 01/69890 "Scheduler Failover",
// "Internal Operation"): on taking a group over it sets every bucket's last access in dlba.ko to
// now, so that the flows the old scheduler was forwarding keep their servers instead of being
// treated as idle and reassigned; while it holds at least one group it sweeps the members
// (status daemons of the DLBA servers, checks of plain servers) and marks in dlba.ko the ones
// that fail.  A standby neither sweeps nor marks: only one node decides what failed.
class SchedulerActions final : public TakeoverActions {
public:
    SchedulerActions(EventLoop& loop, const ArrayConfig& config);
    ~SchedulerActions() override;

    void on_active(const VipGroupConfig& group) override;
    void on_standby(const VipGroupConfig& group) override;

    // The sweeps' part of the status document (null while this node does not sweep) and of the
    // metrics (empty then).
    [[nodiscard]] nlohmann::json sweep_status() const;
    [[nodiscard]] std::string sweep_metrics() const;
    [[nodiscard]] bool sweeping() const noexcept { return sweeper_ != nullptr; }

private:
    void touch_buckets(const std::string& group);

    EventLoop& loop_;
    const ArrayConfig& config_;
    std::set<std::string> active_;
    std::unique_ptr<ctl::Backend> backend_; // dlba.ko, opened when first needed
    NetlinkServerMarker marker_;
    std::unique_ptr<Sweeper> sweeper_;
};

} // namespace dlba::arrayd
