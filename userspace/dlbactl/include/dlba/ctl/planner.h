#pragma once

#include "dlba/ctl/backend.h"
#include "dlba/ctl/change.h"
#include "dlba/ctl/config.h"

#include <functional>
#include <vector>

namespace dlba::ctl {

// Computes the changes that turn the kernel's current state into a config
// file's desired state, and applies them.
//
// Order: deletions first (services, then servers) so that freed server
// slots and nat addresses can be reused, then service additions and
// updates, then server updates, then server additions.  A service whose
// bucket count or mode differs is deleted and re-created (both are fixed
// for a service's life); a server whose method, address, nat port or dr MAC
// differs likewise (dlba.ko only updates weight, enabled and failed in
// place).  A server
// whose 'failed' is not given in the file keeps the kernel's value, so a
// health checker's verdict survives a re-apply.
class Planner {
public:
    static std::vector<Change> plan(const Config& desired, const std::vector<ServiceInfo>& services,
                                    const std::vector<ServerInfo>& servers);

    // Reads the current state from 'backend' and plans.
    static std::vector<Change> plan(const Config& desired, Backend& backend);

    // Applies 'changes' in order, calling 'done' after each; stops at the
    // first failure (the exception propagates).
    static void apply(Backend& backend, const std::vector<Change>& changes,
                      const std::function<void(const Change&)>& done = {});
};

} // namespace dlba::ctl
