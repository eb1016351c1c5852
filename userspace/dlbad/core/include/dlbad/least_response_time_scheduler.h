#pragma once

// Least average response time (WO 01/69890: "response time").  Score of an
// available server with weight > 0:
//     avg_response_ms * (open_connections + 1) / weight
// i.e. the expected time to drain its queue plus the new request, so the
// fastest server does not take every new session until its average
// catches up (herding).  Servers with fewer than kWarmupSamples responses
// are scored with the fastest warmed-up server's average (or 1 ms if
// none), so a new or recovered server ties with the best one and gets
// traffic and a measurement.

#include <dlbad/scheduler.h>

namespace dlba::dlbad {

class LeastResponseTimeScheduler final : public Scheduler {
public:
    static constexpr std::uint64_t kWarmupSamples = 3;

    [[nodiscard]] std::optional<std::size_t> pick(std::span<const ServerState> servers,
                                                  std::uint64_t tiebreak) const override;
    [[nodiscard]] std::string_view name() const noexcept override { return "lrt"; }
};

} // namespace dlba::dlbad
