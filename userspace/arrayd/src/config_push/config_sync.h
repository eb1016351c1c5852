#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config_push/config_message.h"

namespace dlba::arrayd {

// The array's configuration as the nodes agreed on it: the dlba.conf(5) text, numbered.
struct AgreedConfig {
    std::uint64_t generation = 0;
    std::string digest;
    std::uint32_t origin = 0;  // the node it was pushed on
    std::uint64_t request = 0; // the push's id there
    std::string text;

    [[nodiscard]] ConfigMessage offer() const;
    [[nodiscard]] static AgreedConfig from(const ConfigMessage& m, std::uint64_t generation);
};

// The order of configurations: the higher generation, then (two partitions that each took a push
// while apart) the higher digest, so that every node picks the same one when they meet again.
[[nodiscard]] bool newer(const AgreedConfig& a, const AgreedConfig& b) noexcept;

// Which configuration is the array's, decided from the messages in CPG delivery order (agreed
// order: every member sees the same sequence, so every member decides the same).  No I/O.
//
// - A push becomes generation (highest seen + 1) at its delivery: two pushes at once on two
//   nodes are both taken, the later delivered wins.
// - After a membership change every node that has a configuration offers it; a node adopts an
//   offer newer than its own, and answers an older one with its own (once per membership), so a
//   node that comes back with a newer configuration (it was on the side of a partition that took
//   a push) brings the others up to it, and one that comes back older is brought up to date.
class ConfigSync {
public:
    explicit ConfigSync(std::optional<AgreedConfig> stored = {}) : latest_(std::move(stored)) {}

    // The configuration a delivered push becomes (it is the latest now).
    AgreedConfig on_push(const ConfigMessage& push);

    struct OfferOutcome {
        bool adopt = false;  // the offer is the latest now
        bool answer = false; // send our own offer (the offer was older)
    };
    OfferOutcome on_offer(const ConfigMessage& offer);

    // The membership changed: what to offer (nothing without a configuration).
    std::optional<ConfigMessage> on_membership();

    [[nodiscard]] const std::optional<AgreedConfig>& latest() const noexcept { return latest_; }

private:
    std::optional<AgreedConfig> latest_;
    bool offered_ = false; // our latest was offered since the last membership change
};

} // namespace dlba::arrayd
