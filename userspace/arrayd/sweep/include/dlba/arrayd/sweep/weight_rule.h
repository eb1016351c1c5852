#pragma once

#include <cstdint>
#include <optional>

namespace dlba::arrayd {

// Optional rule turning a DLBA server's answer into an effective weight for dlba.ko (off by
// default: the configured weights stand).  Enabled, a server answering in `reference_ms` keeps its
// configured weight, one answering slower gets proportionally less, one answering faster more:
//
//     effective = configured * reference_ms / max(avg_resp_time_ms, floor_ms)
//
// rounded to the nearest integer and clamped to [configured * min_factor, configured *
// max_factor], and to [1, 65535] (never 0: a slow server stays a server; marking it failed is the
// sweep's job).  No figure (no responses yet): the configured weight.
struct WeightRule {
    bool enabled = false;
    double reference_ms = 50;
    double floor_ms = 1;
    double min_factor = 0.1;
    double max_factor = 2.0;
};

std::uint32_t effective_weight(const WeightRule& rule, std::uint32_t configured,
                               std::optional<double> avg_resp_time_ms);

} // namespace dlba::arrayd
