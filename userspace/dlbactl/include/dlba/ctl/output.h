#pragma once

#include "dlba/ctl/types.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <ostream>
#include <vector>

namespace dlba::ctl::output {

// The stable JSON shapes of dlbactl -j (documented in dlbactl(8)) and the
// human-readable tables.  Counters a source does not report are left out
// of JSON objects and shown as "-" in tables.

nlohmann::ordered_json stats_json(const Stats& stats);
nlohmann::ordered_json service_json(const ServiceInfo& info);
nlohmann::ordered_json server_json(const ServerInfo& info);
nlohmann::ordered_json global_stats_json(const GlobalStats& stats);
nlohmann::ordered_json service_stats_json(const ServiceInfo& info);
// Streamed: a table can hold millions of buckets.
void print_buckets_json(std::ostream& out, const ServiceKey& key, const BucketTable& table);

// Servers of each service by id, services in the order they came.
void sort_servers(std::vector<ServerInfo>& servers);

struct BucketSummary {
    uint64_t version = 0;
    uint32_t count = 0;
    uint64_t unassigned = 0;
    std::map<uint32_t, uint64_t> per_server; // server id -> buckets
    // With the idle times: the buckets that saw a packet within the service timeout (their
    // clients are live; the others may move to another server on their next packet).
    std::optional<uint32_t> timeout; // seconds
    std::map<uint32_t, uint64_t> active;
};
// `timeout` (seconds) counts the active buckets when the table has its idle times.
BucketSummary summarize(const BucketTable& table, std::optional<uint32_t> timeout = std::nullopt);
nlohmann::ordered_json summary_json(const ServiceKey& key, const BucketSummary& summary);

void print_services(std::ostream& out, const std::vector<ServiceInfo>& services);
// Grouped by service, one "Service SVC" line then the server table.  With
// 'only', that service's header and table are printed even when empty.
void print_servers(std::ostream& out, const std::vector<ServerInfo>& servers,
                   const std::optional<ServiceKey>& only = std::nullopt);
// What `service list`, `server list` and `dump` show: with `as_json` (-j) an array of the objects
// above, else the table.  The servers are sorted first (sort_servers).
void show_services(std::ostream& out, bool as_json, const std::vector<ServiceInfo>& services);
void show_servers(std::ostream& out, bool as_json, std::vector<ServerInfo> servers,
                  const std::optional<ServiceKey>& only = std::nullopt);
void print_buckets(std::ostream& out, const ServiceKey& key, const BucketTable& table);
void print_summary(std::ostream& out, const ServiceKey& key, const BucketSummary& summary);
void print_stats(std::ostream& out, const Stats& stats, const std::optional<uint32_t>& services);
// Per-second rates of each counter between two readings `seconds` apart (ipvsadm --rate);
// new_assign/s is new clients per second (each takes a bucket).
Stats rates(const Stats& before, const Stats& after, double seconds);
nlohmann::ordered_json rates_json(const Stats& rates, double seconds);
void print_rates(std::ostream& out, const Stats& rates, double seconds);

// dlbactl monitor: one line per bucket change.  JSON: {"service", "version",
// "count", "start", "assign": [ids]}; text: "SVC version V buckets S-E: ids"
// with "-" for an unassigned bucket.  A loss (receive-buffer overrun) is
// {"lost": true} / a "lost: ..." line.
nlohmann::ordered_json bucket_change_json(const BucketChange& change);
void print_bucket_change(std::ostream& out, const BucketChange& change);
nlohmann::ordered_json changes_lost_json();
void print_changes_lost(std::ostream& out);

// A JSON document on one line (like ip -j), newline-terminated.
void print_json(std::ostream& out, const nlohmann::ordered_json& doc);

} // namespace dlba::ctl::output
