#pragma once

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <vector>

namespace dlba::ctl {

// Plain data exchanged between the command logic and a Backend/Monitor.
// Values use the uapi encodings (AF_*, IPPROTO_*, DLBA_FWD_*, DLBA_MODE_*).

using Mac = std::array<uint8_t, 6>;
// A service's client hash key (DLBA_HASH_KEY_LEN bytes, as the uapi lays it).
using HashKey = std::array<uint8_t, 16>;

struct Address {
    uint16_t family = 0;             // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{}; // network order; IPv4 in the first 4

    [[nodiscard]] size_t size() const { return family == AF_INET6 ? 16 : 4; }
    auto operator<=>(const Address&) const = default;
};

struct ServiceKey {
    Address addr;
    uint16_t port = 0;
    uint8_t proto = 0; // IPPROTO_TCP or IPPROTO_UDP

    auto operator<=>(const ServiceKey&) const = default;
};

// Counters; absent ones (not reported by the source) stay empty.
struct Stats {
    std::optional<uint64_t> packets, bytes, new_assign, reassign, noserver, errors, replies;
};

struct ServiceInfo {
    ServiceKey key;
    uint32_t buckets = 0;
    uint32_t timeout = 0; // seconds
    uint8_t mode = 0;
    bool panic = false;
    uint64_t version = 0;
    uint32_t nservers = 0;
    Stats stats;
    std::optional<HashKey> hash_key; // only shown to CAP_NET_ADMIN
};

// Service creation; unset fields take the kernel's defaults.
struct ServiceConfig {
    ServiceKey key;
    std::optional<uint32_t> buckets;
    std::optional<uint32_t> timeout;
    std::optional<uint8_t> mode;
    std::optional<HashKey> hash_key; // unset: the kernel picks a random one
};

struct ServiceChange {
    ServiceKey key;
    std::optional<uint32_t> timeout;
};

struct ServerInfo {
    ServiceKey service;
    uint32_t id = 0;
    Address addr;
    uint16_t port = 0;
    std::optional<Mac> mac; // dr: configured; none: the neighbour table's
    // dr without a configured MAC: the LB's neighbour entry for the server
    // (NUD_* flags, 0: none) and the MAC it resolved to (NUD_VALID only).
    std::optional<uint16_t> neigh_state;
    std::optional<Mac> lladdr;
    uint32_t weight = 0;
    bool enabled = true;
    bool failed = false;
    uint8_t method = 0;
    uint32_t buckets = 0;
    Stats stats;
};

// Server creation: every field is sent explicitly.
struct ServerConfig {
    uint32_t id = 0;
    Address addr;
    std::optional<uint16_t> port;
    std::optional<Mac> mac;
    uint32_t weight = 1;
    bool enabled = true;
    bool failed = false;
    uint8_t method = 1; // DLBA_FWD_DR
};

// Server update: only the set fields change.  Address, port, MAC and
// method are fixed for a server's life (dlba.ko rejects changing them):
// changing those means deleting and re-adding the server.
struct ServerChange {
    uint32_t id = 0;
    std::optional<uint32_t> weight;
    std::optional<bool> enabled;
    std::optional<bool> failed;

    [[nodiscard]] bool empty() const { return !weight && !enabled && !failed; }
};

// A service's whole client hash-bucket table.
struct BucketTable {
    uint64_t version = 0;
    uint32_t count = 0;
    std::vector<uint32_t> assign;    // server id per bucket, 0 = none
    std::vector<uint32_t> idle_ms;   // empty when not read
    std::optional<HashKey> hash_key; // the key the table maps clients with
};

// Part of a bucket table as dlba.ko multicasts its changes (buckets-ntf):
// buckets [start, start + assign.size()) had these servers when the table
// was at 'version'.  State, not a difference: applying it twice is harmless.
struct BucketChange {
    ServiceKey key;
    uint64_t version = 0;
    uint32_t count = 0; // buckets in the table
    uint32_t start = 0;
    std::vector<uint32_t> assign; // server id per bucket, 0 = none
};

struct GlobalStats {
    Stats stats;
    std::optional<uint32_t> services;
};

} // namespace dlba::ctl
