#pragma once

#include <dlbad/bounded_load_table.h>
#include <dlbad/scheduler.h>
#include <dlbad/weighted_round_robin.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "backend/backend_pool.h"
#include "config/config.h"

namespace dlba::dlbad {

// What a request offers for persistence / placement (extracted by the connection).
struct ScheduleKeys {
    std::optional<std::uint32_t> cookie_key; // server key from a verified persistence cookie
    std::optional<std::uint64_t>
        session_hash;                      // keyed hash of the session id (VirtualService::hash)
    std::optional<std::uint64_t> url_hash; // keyed hash of the URL (url-hash policy)
};

struct ScheduleDecision {
    std::size_t server = 0;  // index into BackendPool::servers()
    bool persistent = false; // chosen by cookie / session id (not a new session)
};

// Applies a virtual service's policy to one request: cookie and session-id persistence, url-hash
// with bounded load, or weighted least connections / least response time for new sessions.
// Servers already tried for the request (`excluded`) and unavailable servers are skipped; a
// failed server whose retry is due is probed by one request.  Thread-safe except that the
// rotation among equally good servers (WeightedRoundRobin) and the url-hash table are per worker
// (callers pass their worker index; no lock, no atomic on them); the workers' url-hash tables share
// their load accounting (SharedLoads, atomics), so the bounded-load limit holds per daemon, and
// they share the pool's ring (built once per configuration, read-only): a membership change
// only changes a table's live mask, it rebuilds no ring.
class ServiceScheduler {
public:
    using Clock = std::chrono::steady_clock;

    ServiceScheduler(const ServiceConfig& config, std::shared_ptr<const BackendPool> pool,
                     unsigned workers);
    ~ServiceScheduler();

    [[nodiscard]] std::optional<ScheduleDecision> pick(const ScheduleKeys& keys, unsigned worker,
                                                       const std::vector<bool>& excluded,
                                                       Clock::time_point now) const;

    // Placement of a URL hash in `worker`'s table (tests / introspection).
    [[nodiscard]] std::size_t tracked_urls(unsigned worker) const;
    // URLs placed on this server by all workers' tables (tests; not synchronised with them).
    [[nodiscard]] std::size_t url_load(std::uint32_t server_key) const;

private:
    struct UrlTable {
        explicit UrlTable(BoundedLoadTable::Options o) : table(o) {}
        BoundedLoadTable table;
        std::vector<bool> members; // server availability the table's live mask was last set for
        std::vector<bool> live;    // scratch: the same per ring node
        bool built = false;
    };

    std::optional<std::size_t> choose(const ScheduleKeys& keys, const std::vector<bool>& avail,
                                      const std::vector<bool>& persist_avail, unsigned worker,
                                      bool& persistent) const;
    std::optional<std::size_t> new_session(const std::vector<bool>& avail, unsigned worker) const;
    std::optional<std::size_t> walk(std::uint64_t hash, const std::vector<bool>& avail) const;
    std::optional<std::size_t> url_hash(std::uint64_t hash, unsigned worker,
                                        const std::vector<bool>& healthy,
                                        const std::vector<bool>& avail) const;

    Policy policy_;
    Health health_;
    std::shared_ptr<const BackendPool> pool_;
    std::unique_ptr<Scheduler> new_session_;
    std::vector<std::unique_ptr<UrlTable>> url_tables_; // one per worker
    // One per worker, each used by its worker's thread only (the schedulers are const).
    std::vector<std::unique_ptr<WeightedRoundRobin>> ties_;
};

} // namespace dlba::dlbad
