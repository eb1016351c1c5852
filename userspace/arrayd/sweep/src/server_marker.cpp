#include "dlba/arrayd/sweep/server_marker.h"

#include "dlba/ctl/netlink_backend.h"
#include "dlba/ctl/parse.h"

namespace dlba::arrayd {

NetlinkServerMarker::NetlinkServerMarker() = default;
NetlinkServerMarker::~NetlinkServerMarker() = default;

void NetlinkServerMarker::set_failed(const Member& member, bool failed)
{
    ctl::ServiceKey key = ctl::parse_service(member.service);
    ctl::ServerChange change;
    change.id = member.server;
    change.failed = failed;
    try {
        if (!backend_)
            backend_ = std::make_unique<ctl::NetlinkBackend>();
        backend_->set_server(key, change);
    } catch (...) {
        // Opened again next time: the module may have been reloaded (a new family id) or loaded
        // only now.
        backend_.reset();
        throw;
    }
}

} // namespace dlba::arrayd
