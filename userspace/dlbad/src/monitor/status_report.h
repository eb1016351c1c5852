#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace dlba::dlbad {

class Runtime;

struct DaemonInfo {
    long pid = 0;
    double uptime_s = 0;
    unsigned workers = 0;
    std::uint64_t connections = 0; // open client connections, all services
    std::uint64_t loop_yields =
        0; // event loops giving up their CPU after EventLoop::kRunBudget busy
    std::uint64_t access_log_lines = 0;   // access log lines written
    std::uint64_t access_log_dropped = 0; // access log lines lost (buffer full, write failed)
};

// The status tables of WO 01/69890 (Fig. 7: per back-end server; Fig. 8: summary per physical
// address) and per-service figures, as one JSON document (Documentation/dlbad-status.md).  The
// Prometheus text and the human tables are rendered from that document, so every output shows
// the same figures.
class StatusReport {
public:
    static nlohmann::json build(const Runtime& runtime, const DaemonInfo& info);
    static std::string prometheus(const nlohmann::json& status);
    static std::string tables(const nlohmann::json& status);
};

} // namespace dlba::dlbad
