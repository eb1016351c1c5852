#include "status/array_status.h"

#include <ctime>
#include <sstream>

#include <dlba/monitor/prometheus.h>

namespace dlba::arrayd {

namespace {

double unix_seconds(std::chrono::system_clock::time_point t)
{
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

} // namespace

std::string iso8601(std::chrono::system_clock::time_point t)
{
    auto secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json status_json(const ArrayStatus& s)
{
    nlohmann::json j;
    j["node"] = s.node;
    j["nodeid"] = s.nodeid;
    j["quorate"] = s.quorate;
    j["uptime_s"] = s.uptime_s;
    j["members"] = nlohmann::json::array();
    for (const auto& m : s.members)
        j["members"].push_back({{"name", m.name},
                                {"nodeid", m.nodeid},
                                {"priority", m.priority},
                                {"address", m.address},
                                {"holds", m.holds}});
    j["vips"] = nlohmann::json::array();
    for (const auto& v : s.vips) {
        nlohmann::json g{{"name", v.name},
                         {"interface", v.interface},
                         {"addresses", v.addresses},
                         {"holder", v.holder ? nlohmann::json(*v.holder) : nlohmann::json()},
                         {"since", iso8601(v.since)},
                         {"active", v.active},
                         {"takeovers", v.takeovers},
                         {"announcements", v.announcements},
                         {"arp_replies", v.arp_replies},
                         {"na_replies", v.na_replies}};
        j["vips"].push_back(std::move(g));
    }
    return j;
}

std::string status_prometheus(const ArrayStatus& s)
{
    std::ostringstream out;
    out << "# HELP dlba_arrayd_quorate 1 when this node is in the quorate partition of the array.\n"
        << "# TYPE dlba_arrayd_quorate gauge\n"
        << "dlba_arrayd_quorate " << (s.quorate ? 1 : 0) << "\n"
        << "# HELP dlba_arrayd_members Array members in the CPG group with quorum.\n"
        << "# TYPE dlba_arrayd_members gauge\n"
        << "dlba_arrayd_members " << s.members.size() << "\n"
        << "# HELP dlba_arrayd_vip_active 1 when this node holds the VIP group (the active "
           "scheduler, WO 01/69890 \"Scheduler Failover\").\n"
        << "# TYPE dlba_arrayd_vip_active gauge\n";
    for (const auto& v : s.vips)
        out << "dlba_arrayd_vip_active{group=\"" << prometheus_label(v.name) << "\"} "
            << (v.active ? 1 : 0) << "\n";
    out << "# HELP dlba_arrayd_vip_holder_since_seconds When the VIP group's holder last "
           "changed (Unix time).\n"
        << "# TYPE dlba_arrayd_vip_holder_since_seconds gauge\n";
    for (const auto& v : s.vips)
        out << "dlba_arrayd_vip_holder_since_seconds{group=\"" << prometheus_label(v.name) << "\"} "
            << static_cast<long long>(unix_seconds(v.since)) << "\n";
    out << "# HELP dlba_arrayd_vip_takeovers_total Takeovers of the VIP group by this node.\n"
        << "# TYPE dlba_arrayd_vip_takeovers_total counter\n";
    for (const auto& v : s.vips)
        out << "dlba_arrayd_vip_takeovers_total{group=\"" << prometheus_label(v.name) << "\"} "
            << v.takeovers << "\n";
    out << "# HELP dlba_arrayd_vip_announcements_total Gratuitous ARPs and unsolicited neighbour "
           "advertisements sent for the VIP group.\n"
        << "# TYPE dlba_arrayd_vip_announcements_total counter\n";
    for (const auto& v : s.vips)
        out << "dlba_arrayd_vip_announcements_total{group=\"" << prometheus_label(v.name) << "\"} "
            << v.announcements << "\n";
    out << "# HELP dlba_arrayd_vip_arp_replies_total ARP replies sent by dlba-arrayd for the VIP "
           "group's addresses.\n"
        << "# TYPE dlba_arrayd_vip_arp_replies_total counter\n";
    for (const auto& v : s.vips)
        out << "dlba_arrayd_vip_arp_replies_total{group=\"" << prometheus_label(v.name) << "\"} "
            << v.arp_replies << "\n";
    out << "# HELP dlba_arrayd_vip_na_replies_total Solicited neighbour advertisements sent by "
           "dlba-arrayd for the VIP group's addresses.\n"
        << "# TYPE dlba_arrayd_vip_na_replies_total counter\n";
    for (const auto& v : s.vips)
        out << "dlba_arrayd_vip_na_replies_total{group=\"" << prometheus_label(v.name) << "\"} "
            << v.na_replies << "\n";
    return out.str();
}

} // namespace dlba::arrayd
