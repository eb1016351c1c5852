#pragma once

#include <atomic>
#include <cstdint>

namespace dlba::dlbad {

// Live figures of one back-end server (WO 01/69890 Fig. 7), shared by every worker thread and kept
// across configuration reloads while the server stays configured.  Relaxed atomics: these are
// statistics and load hints, not synchronisation.
struct BackendStats {
    std::atomic<std::uint64_t> hits{0};              // requests sent to the server
    std::atomic<std::int64_t> open_conns{0};         // connections open to it now
    std::atomic<std::int64_t> active_requests{0};    // requests in flight on it now
    std::atomic<std::uint64_t> unable_to_connect{0}; // connects refused, reset or timed out
    std::atomic<std::uint64_t> failures{0};          // times it was marked failed
    std::atomic<std::uint64_t> errors{0};            // responses cut short / unparsable / timed out
    std::atomic<std::uint64_t> idle_discarded{
        0}; // keep-alive connections not parked / reused: unread bytes, EOF
    std::atomic<std::uint64_t> cookies_assigned{0}; // persistence cookies injected for it (Fig. 8)
    std::atomic<std::uint64_t> responses{0};
    std::atomic<std::uint64_t> resp_time_total_us{0};
    std::atomic<std::uint64_t> resp_time_ewma_us{0}; // exponentially weighted, alpha 1/8
    std::atomic<std::uint64_t> bytes_out{0};         // response bytes relayed to clients
    // Response heads the server sent, by class: [1..5] = 1xx..5xx (never dlbad's own answers).
    std::atomic<std::uint64_t> status_class[6] = {};
    // Passive health
    std::atomic<std::uint32_t> consecutive_failures{0};
    std::atomic<bool> failed{false};
    std::atomic<std::int64_t> retry_at_ns{0}; // steady clock; a failed server is probed after

    void record_response_time(std::uint64_t us) noexcept
    {
        responses.fetch_add(1, std::memory_order_relaxed);
        resp_time_total_us.fetch_add(us, std::memory_order_relaxed);
        auto old = resp_time_ewma_us.load(std::memory_order_relaxed);
        std::uint64_t next;
        do {
            next = old == 0 ? us : old - old / 8 + us / 8;
        } while (!resp_time_ewma_us.compare_exchange_weak(old, next, std::memory_order_relaxed));
    }
};

} // namespace dlba::dlbad
