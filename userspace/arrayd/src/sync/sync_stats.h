#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace dlba::arrayd {

// The bucket-table sync's counters, for the status document ("sync") and /metrics.
struct SyncStats {
    std::uint64_t messages_sent = 0;
    std::uint64_t records_sent = 0;
    std::uint64_t snapshots_sent = 0;
    std::uint64_t messages_applied = 0;
    std::uint64_t records_applied = 0;
    std::uint64_t snapshots_applied = 0;
    std::uint64_t ignored = 0; // messages or records not from the holder of the service's group
    std::uint64_t errors = 0;  // malformed messages, records refused or failed here
    std::uint64_t lost_notifications = 0; // ENOBUFS on the kernel's "buckets" group
    // A holder's messages this replica could not follow (a lost message, a delta without its
    // snapshot, a failure to apply here): its deltas wait for a snapshot, which is requested.
    std::uint64_t gaps = 0;
    std::uint64_t requests_sent = 0;     // snapshot requests sent (replica)
    std::uint64_t requests_received = 0; // snapshot requests for this node (source)
    std::uint64_t module_reloads = 0;    // the "dlba" family registered again (dlba.ko loaded)
    std::string last_error;
    // Per service ("10.0.0.10:80/tcp"): the table version last sent (source) or applied (replica).
    std::map<std::string, std::uint64_t> versions;

    void error(std::string what)
    {
        ++errors;
        last_error = std::move(what);
    }
};

// "source" (this node holds a VIP group and relays its tables), "replica" (applies another
// node's), "off".
[[nodiscard]] nlohmann::json sync_status_json(const SyncStats& s, const std::string& role);
[[nodiscard]] std::string sync_prometheus(const SyncStats& s, const std::string& role);

} // namespace dlba::arrayd
