#pragma once

// Weighted least open connections: the available server with weight > 0
// minimising (open_connections + 1) / weight (the +1 counts the connection
// about to be opened, so weights matter even when everything is idle).
// Compared exactly with cross-multiplication, no floating point.

#include <dlbad/scheduler.h>

namespace dlba::dlbad {

class LeastConnectionsScheduler final : public Scheduler {
public:
    [[nodiscard]] std::optional<std::size_t> pick(std::span<const ServerState> servers,
                                                  std::uint64_t tiebreak) const override;
    [[nodiscard]] std::string_view name() const noexcept override { return "wlc"; }
};

} // namespace dlba::dlbad
