#pragma once

// Weighted least connections: the available server with weight > 0 and the
// fewest requests in flight per weight (open_connections / weight, compared
// exactly by cross-multiplication, no floating point).  Servers that tie
// (idle ones always do) are chosen among by smooth weighted round robin, so
// a sequential client, which leaves every server idle, is spread by weight
// (2:1 gives 20 and 10 of 30 requests), not sent to the heaviest server only.

#include <dlbad/scheduler.h>

namespace dlba::dlbad {

class LeastConnectionsScheduler final : public Scheduler {
public:
    [[nodiscard]] std::optional<std::size_t> pick(std::span<const ServerState> servers,
                                                  WeightedRoundRobin& ties) const override;
    [[nodiscard]] std::string_view name() const noexcept override { return "wlc"; }
};

} // namespace dlba::dlbad
