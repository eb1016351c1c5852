#pragma once

// Plain data describing one parsed /etc/dlba/array.yaml (dlba-array.yaml(5)).  ArrayConfigLoader
// fills it and validates every field.  The sweep and members sections are read here too, into the
// plain structs of the status sweeps' library (<dlba/arrayd/sweep/config.h>), so one --check
// covers the whole file.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <dlba/arrayd/sweep/config.h>
#include <dlba/config/value.h>
#include <dlba/net/socket_address.h>

namespace dlba::arrayd {

using Millis = std::chrono::milliseconds;

// One array member of cluster.nodes: a corosync node.
struct NodeConfig {
    std::string name;
    std::uint32_t id = 0;      // corosync nodeid
    config::IpAddress address; // ring0_addr; the physical address of the election's tie-break
    std::string address_text;  // as written (corosync.conf)
    unsigned priority = 100;   // higher wins the election
    int line = 0;
};

struct ClusterConfig {
    std::string name = "dlba"; // corosync cluster_name
    Millis token{300};         // corosync totem token (token_coefficient 0: the whole timeout)
    std::vector<NodeConfig> nodes;
};

// One address of a VIP group, "ADDRESS/PREFIX".
struct VipAddress {
    config::IpAddress ip;
    unsigned prefix = 32;
    std::string text;
};

// Gratuitous ARP / unsolicited neighbour advertisements after a takeover.
struct AnnounceConfig {
    unsigned count = 5;
    Millis interval{200};
};

// The addresses that move together to the node elected for the group.
struct VipGroupConfig {
    std::string name;
    std::string interface;
    std::vector<VipAddress> addresses;
    AnnounceConfig announce;
    int line = 0;
};

struct StatusConfig {
    std::string unix_socket = "/run/dlba-arrayd/status.sock";
    std::optional<SocketAddress> metrics; // Prometheus text, GET /metrics
};

// Configuration push (dlba-arrayd(8) "push"): the dlba.conf(5) every node applies to its dlba.ko.
struct ConfigPushConfig {
    std::string control_socket = "/run/dlba-arrayd/control.sock"; // root only: pushes
    std::string state_dir = "/var/lib/dlba-arrayd"; // the last config, re-applied at start
    Millis apply_wait{10000}; // how long a push waits for its own node's result
};

// The bucket-table sync (dlba-arrayd(8)): how long the holder coalesces dlba.ko's changes
// before multicasting them.
struct SyncConfig {
    Millis batch{20};
};

struct ArrayConfig {
    std::string path;
    std::string node; // this node's name
    ClusterConfig cluster;
    std::vector<VipGroupConfig> vips;
    SweepConfig sweep;           // the status sweeps' own struct
    std::vector<Member> members; // the same
    StatusConfig status;
    ConfigPushConfig config;
    SyncConfig sync;

    // This node's entry of cluster.nodes (the loader checks it is there).
    [[nodiscard]] const NodeConfig& self() const;
    [[nodiscard]] const NodeConfig* find_node(const std::string& name) const;
};

} // namespace dlba::arrayd
