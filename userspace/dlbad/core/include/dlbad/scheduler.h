#pragma once

// Interface of the new-session schedulers.  A scheduler is a pure function
// of a snapshot: given the back-ends' state it returns the index of the one
// to use, or nullopt when none is available (the proxy answers 503).
// Implementations are stateless and thread-safe; the only state, the
// rotation among equally good servers, is the caller's (one per thread).

#include <dlbad/server_state.h>
#include <dlbad/weighted_round_robin.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace dlba::dlbad {

class Scheduler {
public:
    virtual ~Scheduler() = default;

    // Servers that score equally are chosen among by `ties` (smooth weighted round robin):
    // each gets its weight's share of such picks, so ties do not all land on one server.
    [[nodiscard]] virtual std::optional<std::size_t> pick(std::span<const ServerState> servers,
                                                          WeightedRoundRobin& ties) const = 0;

    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
};

// "wlc" (weighted least connections) or "lrt" (least response time);
// nullptr for an unknown name.
[[nodiscard]] std::unique_ptr<Scheduler> make_scheduler(std::string_view name);

} // namespace dlba::dlbad
