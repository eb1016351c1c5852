#pragma once

#include "dlba/ctl/types.h"

#include <vector>

namespace dlba::ctl {

// The read-only monitoring tables (WO 01/69890 "Monitoring"): the service
// list, the server status table and the client hash-bucket table.  The real
// one reads /dev/dlba through ioctls (DevMonitor).
class Monitor {
public:
    virtual ~Monitor() = default;

    virtual std::vector<ServiceInfo> services() = 0;
    virtual std::vector<ServerInfo> servers(const ServiceKey& key) = 0;
    virtual BucketTable buckets(const ServiceKey& key) = 0;
};

} // namespace dlba::ctl
