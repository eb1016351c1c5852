#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "monitor/backend_stats.h"
#include "monitor/service_stats.h"

namespace dlba::dlbad {

// Hands out the live statistics objects so that a reload keeps the figures of every server and
// service that stays configured (same backend name + address, same service name).  Entries are
// weak: figures of something removed from the configuration vanish when its last connection ends.
class StatsRegistry {
public:
    std::shared_ptr<BackendStats> backend(const std::string& pool, const std::string& addr);
    std::shared_ptr<ServiceStats> service(const std::string& name);

private:
    std::mutex mutex_;
    std::map<std::string, std::weak_ptr<BackendStats>> backends_;
    std::map<std::string, std::weak_ptr<ServiceStats>> services_;
};

} // namespace dlba::dlbad
