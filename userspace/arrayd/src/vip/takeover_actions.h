#pragma once

#include "config/array_config.h"

namespace dlba::arrayd {

// What else happens when this node becomes the active scheduler for a VIP group or stops being it,
// after its addresses were added (and announced) or removed.  The array's other duties plug in
// here: "touch all buckets" in dlba.ko so that the new scheduler learns the flows, starting and
// stopping the status sweeps (WO 01/69890 "Scheduler Failover", "Internal Operation").  Called on
// the daemon's event loop; must not block for long and should not throw (an exception is logged).
class TakeoverActions {
public:
    virtual ~TakeoverActions() = default;
    virtual void on_active(const VipGroupConfig& group) = 0;
    virtual void on_standby(const VipGroupConfig& group) = 0;
};

// The daemon's own: process/scheduler_actions.h.

} // namespace dlba::arrayd
