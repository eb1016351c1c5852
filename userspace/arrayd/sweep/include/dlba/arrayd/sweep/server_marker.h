#pragma once

#include <memory>

#include "dlba/arrayd/sweep/config.h"

namespace dlba::ctl {
class Backend;
}

namespace dlba::arrayd {

// Marks a member's server failed (or clears the mark) in dlba.ko.  Marking a server failed resets
// its buckets at once, so only its clients move (Documentation/architecture.md, "Scheduling
// semantics").  Throws std::exception on failure (no module, service or server gone, no
// permission): the sweeper logs it and tries again after the member's next sweep.
class ServerMarker {
public:
    virtual ~ServerMarker() = default;
    virtual void set_failed(const Member& member, bool failed) = 0;
};

// The real one: DLBA_CMD_SERVER_SET with DLBA_SRV_A_FAILED over the "dlba" generic netlink
// family, through dlbactl's control-plane library (ctl::NetlinkBackend, as `dlbactl server set
// SVC --id N --fail|--unfail`).  The netlink socket is opened on first use and opened again after
// a failure, so a module loaded after the daemon started is found.
class NetlinkServerMarker : public ServerMarker {
public:
    NetlinkServerMarker();
    ~NetlinkServerMarker() override;
    NetlinkServerMarker(const NetlinkServerMarker&) = delete;
    NetlinkServerMarker& operator=(const NetlinkServerMarker&) = delete;

    void set_failed(const Member& member, bool failed) override;

private:
    std::unique_ptr<ctl::Backend> backend_;
};

} // namespace dlba::arrayd
