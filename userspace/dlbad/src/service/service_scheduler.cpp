#include "service/service_scheduler.h"

#include <dlbad/least_connections_scheduler.h>
#include <dlbad/least_response_time_scheduler.h>
#include <dlbad/server_state.h>

#include <algorithm>

namespace dlba::dlbad {

ServiceScheduler::ServiceScheduler(const ServiceConfig& config,
                                   std::shared_ptr<const BackendPool> pool, unsigned workers)
    : policy_(config.policy),
      health_(config.health),
      pool_(std::move(pool))
{
    Policy ns = config.policy == Policy::LeastConn || config.policy == Policy::LeastResponseTime
                    ? config.policy
                    : config.new_session_policy;
    if (ns == Policy::LeastResponseTime)
        new_session_ = std::make_unique<LeastResponseTimeScheduler>();
    else
        new_session_ = std::make_unique<LeastConnectionsScheduler>();
    for (unsigned i = 0; i < std::max(workers, 1u); ++i)
        ties_.push_back(std::make_unique<WeightedRoundRobin>());
    if (policy_ == Policy::UrlHash) {
        BoundedLoadTable::Options o;
        o.balance = config.url_hash.load_factor;
        o.max_entries = config.url_hash.max_urls;
        // The workers' tables place new URLs against one set of per-server counters, so the
        // bounded-load guarantee is the daemon's, not each thread's.
        std::vector<std::uint32_t> keys;
        for (const auto& b : pool_->servers())
            keys.push_back(b.key());
        o.shared = std::make_shared<SharedLoads>(keys);
        for (unsigned i = 0; i < workers; ++i)
            url_tables_.push_back(std::make_unique<UrlTable>(o));
    }
}

ServiceScheduler::~ServiceScheduler() = default;

std::size_t ServiceScheduler::tracked_urls(unsigned worker) const
{
    return worker < url_tables_.size() ? url_tables_[worker]->table.size() : 0;
}

std::size_t ServiceScheduler::url_load(std::uint32_t server_key) const
{
    std::size_t n = 0;
    for (const auto& t : url_tables_)
        n += t->table.load(server_key);
    return n;
}

std::optional<std::size_t> ServiceScheduler::new_session(const std::vector<bool>& avail,
                                                         unsigned worker) const
{
    const auto& servers = pool_->servers();
    // Small pools: a stack array would do, but pools go up to 1000 servers.
    thread_local std::vector<ServerState> states;
    states.clear();
    for (std::size_t i = 0; i < servers.size(); ++i) {
        const auto& b = servers[i];
        auto& st = b.stats();
        ServerState s;
        s.key = b.key();
        s.weight = b.config().weight;
        auto active = st.active_requests.load(std::memory_order_relaxed);
        s.open_connections = active > 0 ? static_cast<std::uint32_t>(active) : 0;
        s.avg_response_ms =
            static_cast<double>(st.resp_time_ewma_us.load(std::memory_order_relaxed)) / 1000.0;
        s.responses = st.responses.load(std::memory_order_relaxed);
        s.available = avail[i];
        states.push_back(s);
    }
    return new_session_->pick(states, *ties_.at(worker));
}

std::optional<std::size_t> ServiceScheduler::walk(std::uint64_t hash,
                                                  const std::vector<bool>& avail) const
{
    auto node = pool_->ring().walk(
        hash, [&](std::size_t n) { return avail[pool_->server_of_ring_node(n)]; });
    if (!node)
        return std::nullopt;
    return pool_->server_of_ring_node(*node);
}

std::optional<std::size_t> ServiceScheduler::url_hash(std::uint64_t hash, unsigned worker,
                                                      const std::vector<bool>& healthy,
                                                      const std::vector<bool>& avail) const
{
    auto& t = *url_tables_.at(worker);
    if (!t.built || t.members != healthy) {
        // Membership changed (a server failed, recovered or is due for a retry): mask it on the
        // shared ring; only the URLs of the servers that left or joined move.
        const auto& ring = pool_->shared_ring();
        t.live.assign(ring->nodes().size(), false);
        for (std::size_t n = 0; n < t.live.size(); ++n)
            t.live[n] = healthy[pool_->server_of_ring_node(n)];
        t.table.set_ring(ring, t.live);
        t.members = healthy;
        t.built = true;
    }
    auto key = t.table.assign_hash(hash);
    if (key) {
        auto idx = pool_->index_of_key(*key);
        if (idx && avail[*idx])
            return idx;
    }
    // The URL's cache was already tried for this request: next one on its ring walk.
    return walk(hash, avail);
}

std::optional<std::size_t> ServiceScheduler::choose(const ScheduleKeys& keys,
                                                    const std::vector<bool>& avail,
                                                    const std::vector<bool>& persist_avail,
                                                    unsigned worker, bool& persistent) const
{
    persistent = false;
    switch (policy_) {
    case Policy::Cookie:
        if (keys.cookie_key) {
            auto idx = pool_->index_of_key(*keys.cookie_key);
            if (idx && persist_avail[*idx]) {
                persistent = true;
                return idx;
            }
        }
        return new_session(avail, worker);
    case Policy::SessionId:
        if (keys.session_hash) {
            auto idx = walk(*keys.session_hash, persist_avail);
            persistent = idx.has_value();
            return idx;
        }
        return new_session(avail, worker);
    case Policy::UrlHash:
        break;
    case Policy::LeastConn:
    case Policy::LeastResponseTime:
        return new_session(avail, worker);
    }
    return std::nullopt;
}

std::optional<ScheduleDecision> ServiceScheduler::pick(const ScheduleKeys& keys, unsigned worker,
                                                       const std::vector<bool>& excluded,
                                                       Clock::time_point now) const
{
    const auto& servers = pool_->servers();
    // Per-thread scratch: no allocation per request.
    thread_local std::vector<bool> healthy, avail, persist_avail;
    healthy.assign(servers.size(), false);
    avail.assign(servers.size(), false);
    persist_avail.assign(servers.size(), false);
    for (std::size_t i = 0; i < servers.size(); ++i) {
        bool tried = i < excluded.size() && excluded[i];
        healthy[i] = servers[i].candidate(now);
        avail[i] = healthy[i] && !tried;
        persist_avail[i] = !tried && servers[i].candidate(now, true);
    }
    for (std::size_t attempt = 0; attempt <= servers.size(); ++attempt) {
        bool persistent = false;
        std::optional<std::size_t> idx;
        if (policy_ == Policy::UrlHash)
            idx = keys.url_hash ? url_hash(*keys.url_hash, worker, healthy, avail)
                                : new_session(avail, worker);
        else
            idx = choose(keys, avail, persist_avail, worker, persistent);
        if (!idx)
            return std::nullopt;
        if (servers[*idx].acquire(now, health_))
            return ScheduleDecision{*idx, persistent};
        // A failed server whose retry another request claimed first: not for us.
        avail[*idx] = false;
        persist_avail[*idx] = false;
    }
    return std::nullopt;
}

} // namespace dlba::dlbad
