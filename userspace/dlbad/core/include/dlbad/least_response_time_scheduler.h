#pragma once

// Least response time (WO 01/69890: "response time").  Score of an available
// server with weight > 0:
//     avg_response_ms * (1 + open_connections / weight)
// i.e. the time the new request takes there once the requests in flight,
// shared over the server's capacity (its weight), are done: an idle server
// scores its average, so the fastest idle server wins, and a queue counts
// against a server less the larger its weight; the fastest server does not
// take every new session until its average catches up (herding).  Servers
// with fewer than kWarmupSamples responses are scored with the fastest
// warmed-up server's average (or 1 ms if none), so a new or recovered server
// ties with the best one, whatever the weights, and gets traffic and a
// measurement.  Servers that tie are chosen among by smooth weighted round
// robin (each its weight's share).

#include <dlbad/scheduler.h>

namespace dlba::dlbad {

class LeastResponseTimeScheduler final : public Scheduler {
public:
    static constexpr std::uint64_t kWarmupSamples = 3;

    [[nodiscard]] std::optional<std::size_t> pick(std::span<const ServerState> servers,
                                                  WeightedRoundRobin& ties) const override;
    [[nodiscard]] std::string_view name() const noexcept override { return "lrt"; }
};

} // namespace dlba::dlbad
