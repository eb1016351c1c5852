#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dlba/ctl/backend.h"

namespace dlba::arrayd {

// The local dlba.ko's tables as its counters and figures, read at each scrape through dlbactl's
// backend: the namespace's counters, each service's (table size, assigned buckets, version) and
// each server's (assigned buckets, weight, state).  Assigned buckets come with the server list;
// the buckets active within the service timeout need the whole table with its idle times (up to
// 2^22 buckets), so a scrape reads one service's table at most, each at most every
// `active_every`, and serves the last count meanwhile (with its age); a table of more than
// kMaxActiveCountBuckets is not read at all (its dump would hold up the daemon's event loop, which
// also runs the election), so its active counts are not exported.  Not loaded or not answering:
// up is false and nothing else is known.
inline constexpr std::uint32_t kMaxActiveCountBuckets = 65536;

// The bucket table as the status page draws it (WO 01/69890: which server each client bucket
// goes to), from the same read as the active count: at most kMaxPictureCells cells, each
// `per_cell` consecutive buckets (the last one may have fewer), with the server holding most of
// them (0: none assigned; a tie goes to the first) and, when the table was read with its idle
// times, the least idle time of its assigned buckets in whole seconds (none: nothing assigned).
inline constexpr std::uint32_t kMaxPictureCells = 4096;

struct BucketPicture {
    std::uint32_t per_cell = 1;
    std::vector<std::uint32_t> owner;
    std::vector<std::optional<std::uint32_t>> idle_s; // empty without idle times
};

[[nodiscard]] BucketPicture bucket_picture(const ctl::BucketTable& table,
                                           std::uint32_t max_cells = kMaxPictureCells);

struct SchedulerSnapshot {
    struct Service {
        ctl::ServiceInfo info;
        std::uint64_t assigned = 0; // the servers' buckets added up
        // The last count of the active buckets (server id -> buckets) and how old it is; the
        // picture of the table from that read.
        std::optional<std::map<std::uint32_t, std::uint64_t>> active;
        double active_age_s = 0;
        std::optional<BucketPicture> picture;
    };
    bool up = false;
    std::string error; // why not up
    ctl::GlobalStats global;
    std::vector<Service> services;
    std::vector<ctl::ServerInfo> servers;
};

class SchedulerMetrics {
public:
    using Open = std::function<std::unique_ptr<ctl::Backend>()>;
    using Clock = std::chrono::steady_clock;

    explicit SchedulerMetrics(Open open, Clock::duration active_every = std::chrono::seconds(60));

    // Never throws: a failure gives a snapshot with up false.  A failure on the backend kept
    // from the last read (dlba.ko reloaded) is tried again at once on a new one.
    [[nodiscard]] SchedulerSnapshot read();

private:
    struct ActiveCount {
        Clock::time_point taken;
        std::map<std::uint32_t, std::uint64_t> per_server;
        BucketPicture picture;
    };

    SchedulerSnapshot read_tables();
    void count_active(const std::vector<SchedulerSnapshot::Service>& services,
                      Clock::time_point now);

    Open open_;
    Clock::duration active_every_;
    std::unique_ptr<ctl::Backend> backend_;
    std::map<ctl::ServiceKey, ActiveCount> active_;
};

// status JSON "scheduler": {"up": true, "stats": {...}, "services": [...]}; a service read
// whole has its "active" count and its "picture" (BucketPicture: "per_cell", "cells", "owner",
// and "idle_s" with the idle times).
[[nodiscard]] nlohmann::json scheduler_status_json(const SchedulerSnapshot& s);
// Prometheus text: dlba_scheduler_up, then (up only) the dlba_scheduler_* families.
[[nodiscard]] std::string scheduler_prometheus(const SchedulerSnapshot& s);

} // namespace dlba::arrayd
