#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// dlba-arrayd's status: the JSON document of its unix socket and the Prometheus text of its
// metrics address, both from one plain snapshot (so they are tested without corosync).
namespace dlba::arrayd {

struct MemberStatus {
    std::string name;
    std::uint32_t nodeid = 0;
    unsigned priority = 0;
    std::string address;
    std::vector<std::string> holds;
};

struct VipStatus {
    std::string name;
    std::string interface;
    std::vector<std::string> addresses;
    std::optional<std::string> holder;           // as elected; none without quorum
    std::chrono::system_clock::time_point since; // the holder is that since
    bool active = false;                         // held by this node
    std::uint64_t takeovers = 0;                 // by this node, since it started
    std::uint64_t announcements = 0;
    std::uint64_t arp_replies = 0; // answers to ARP requests for the VIPs, since the start
    std::uint64_t na_replies = 0;  // answers to neighbour solicitations for them
};

struct ArrayStatus {
    std::string node;
    std::uint32_t nodeid = 0;
    bool quorate = false;
    double uptime_s = 0;
    std::vector<MemberStatus> members;
    std::vector<VipStatus> vips;
};

[[nodiscard]] nlohmann::json status_json(const ArrayStatus& s);
// A time as the status documents write it: UTC, ISO 8601 to the second.
[[nodiscard]] std::string iso8601(std::chrono::system_clock::time_point t);
[[nodiscard]] std::string status_prometheus(const ArrayStatus& s);

} // namespace dlba::arrayd
