#pragma once

// Interface of the new-session schedulers.  A scheduler is a pure function
// of a snapshot: given the back-ends' state it returns the index of the one
// to use, or nullopt when none is available (the proxy answers 503).
// Implementations are stateless and thread-safe.

#include <dlbad/server_state.h>

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

    // `tiebreak` rotates the choice among equally good servers (pass a
    // per-loop counter or random number) so ties do not all land on the first.
    [[nodiscard]] virtual std::optional<std::size_t> pick(std::span<const ServerState> servers,
                                                          std::uint64_t tiebreak) const = 0;

    [[nodiscard]] virtual std::string_view name() const noexcept = 0;
};

// "wlc" (weighted least connections) or "lrt" (least response time);
// nullptr for an unknown name.
[[nodiscard]] std::unique_ptr<Scheduler> make_scheduler(std::string_view name);

} // namespace dlba::dlbad
