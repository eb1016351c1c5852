#include "backend/backend.h"

namespace dlba::dlbad {

namespace {
std::int64_t ns(Backend::Clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
} // namespace

bool Backend::healthy() const noexcept
{
    return config_.enabled && !config_.maintenance && config_.weight > 0 &&
           !stats_->failed.load(std::memory_order_relaxed);
}

bool Backend::candidate(Clock::time_point now, bool persistent) const noexcept
{
    if (config_.maintenance || (!persistent && (!config_.enabled || config_.weight == 0)))
        return false;
    if (!stats_->failed.load(std::memory_order_relaxed))
        return true;
    return ns(now) >= stats_->retry_at_ns.load(std::memory_order_relaxed);
}

bool Backend::acquire(Clock::time_point now, const Health& health) const noexcept
{
    if (!stats_->failed.load(std::memory_order_relaxed))
        return true;
    auto due = stats_->retry_at_ns.load(std::memory_order_relaxed);
    if (ns(now) < due)
        return false;
    // Claim the probe: push the next retry out so other workers keep away meanwhile.
    auto next = ns(now + health.retry_interval);
    return stats_->retry_at_ns.compare_exchange_strong(due, next, std::memory_order_relaxed);
}

bool Backend::record_connect_failure(Clock::time_point now, const Health& health) const noexcept
{
    stats_->unable_to_connect.fetch_add(1, std::memory_order_relaxed);
    return count_failure(now, health);
}

bool Backend::record_response_failure(Clock::time_point now, const Health& health) const noexcept
{
    stats_->errors.fetch_add(1, std::memory_order_relaxed);
    return count_failure(now, health);
}

bool Backend::count_failure(Clock::time_point now, const Health& health) const noexcept
{
    auto n = stats_->consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n >= health.max_failures) {
        stats_->retry_at_ns.store(ns(now + health.retry_interval), std::memory_order_relaxed);
        bool was = stats_->failed.exchange(true, std::memory_order_relaxed);
        if (!was) {
            stats_->failures.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
    }
    return false;
}

void Backend::record_success() const noexcept
{
    stats_->consecutive_failures.store(0, std::memory_order_relaxed);
    if (stats_->failed.load(std::memory_order_relaxed))
        stats_->failed.store(false, std::memory_order_relaxed);
}

} // namespace dlba::dlbad
