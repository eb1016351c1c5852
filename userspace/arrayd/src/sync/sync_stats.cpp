#include "sync/sync_stats.h"

#include <sstream>

#include <dlba/monitor/prometheus.h>

namespace dlba::arrayd {

nlohmann::json sync_status_json(const SyncStats& s, const std::string& role)
{
    nlohmann::json services = nlohmann::json::object();
    for (const auto& [name, version] : s.versions)
        services[name] = {{"version", version}};
    return {{"role", role},
            {"messages_sent", s.messages_sent},
            {"records_sent", s.records_sent},
            {"snapshots_sent", s.snapshots_sent},
            {"messages_applied", s.messages_applied},
            {"records_applied", s.records_applied},
            {"snapshots_applied", s.snapshots_applied},
            {"ignored", s.ignored},
            {"errors", s.errors},
            {"last_error", s.last_error.empty() ? nlohmann::json() : nlohmann::json(s.last_error)},
            {"lost_notifications", s.lost_notifications},
            {"gaps", s.gaps},
            {"snapshot_requests_sent", s.requests_sent},
            {"snapshot_requests_received", s.requests_received},
            {"module_reloads", s.module_reloads},
            {"services", std::move(services)}};
}

std::string sync_prometheus(const SyncStats& s, const std::string& role)
{
    std::ostringstream out;
    auto counter = [&](const char* name, const char* help, std::uint64_t v) {
        out << "# HELP dlba_arrayd_sync_" << name << " " << help << "\n"
            << "# TYPE dlba_arrayd_sync_" << name << " counter\n"
            << "dlba_arrayd_sync_" << name << " " << v << "\n";
    };
    out << "# HELP dlba_arrayd_sync_role The bucket-table sync's role here (source, replica, "
           "off): 1 for the current one.\n"
        << "# TYPE dlba_arrayd_sync_role gauge\n";
    for (const char* r : {"source", "replica", "off"})
        out << "dlba_arrayd_sync_role{role=\"" << r << "\"} " << (role == r ? 1 : 0) << "\n";
    counter("messages_sent_total", "Bucket-table sync messages multicast to the array.",
            s.messages_sent);
    counter("records_sent_total", "Bucket ranges sent.", s.records_sent);
    counter("snapshots_sent_total", "Full snapshots sent (every synced service's table).",
            s.snapshots_sent);
    counter("messages_applied_total", "Sync messages from the holder applied to dlba.ko.",
            s.messages_applied);
    counter("records_applied_total", "Bucket ranges applied to dlba.ko.", s.records_applied);
    counter("snapshots_applied_total", "Snapshot messages applied.", s.snapshots_applied);
    counter("ignored_total", "Sync records not from the holder of their service's VIP group.",
            s.ignored);
    counter("errors_total", "Malformed sync messages and records not applied.", s.errors);
    counter("lost_notifications_total",
            "Times dlba.ko dropped bucket notifications for this daemon (then a snapshot follows).",
            s.lost_notifications);
    counter("gaps_total",
            "Holder's sync messages not followed here (lost, a delta without its snapshot, not "
            "applied here): deltas wait for a snapshot.",
            s.gaps);
    counter("snapshot_requests_sent_total", "Snapshot requests sent to a holder after a gap.",
            s.requests_sent);
    counter("snapshot_requests_received_total", "Snapshot requests received as the holder.",
            s.requests_received);
    counter("module_reloads_total",
            "Times dlba.ko's generic netlink family was registered again (module reloaded).",
            s.module_reloads);
    out << "# HELP dlba_arrayd_sync_version The bucket table's version last sent or applied.\n"
        << "# TYPE dlba_arrayd_sync_version gauge\n";
    for (const auto& [name, version] : s.versions)
        out << "dlba_arrayd_sync_version{service=\"" << prometheus_label(name) << "\"} " << version
            << "\n";
    return out.str();
}

} // namespace dlba::arrayd
