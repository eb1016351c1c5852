#include "dlba/arrayd/sweep/weight_rule.h"

#include <algorithm>
#include <cmath>

namespace dlba::arrayd {

namespace {
constexpr double kMaxWeight = 65535;
} // namespace

std::uint32_t effective_weight(const WeightRule& rule, std::uint32_t configured,
                               std::optional<double> avg_resp_time_ms)
{
    if (!rule.enabled || !avg_resp_time_ms || !std::isfinite(*avg_resp_time_ms) ||
        *avg_resp_time_ms <= 0 || rule.reference_ms <= 0 || configured == 0)
        return configured;
    double base = static_cast<double>(configured);
    double floor_ms = std::max(rule.floor_ms, 1e-3);
    double w = base * rule.reference_ms / std::max(*avg_resp_time_ms, floor_ms);
    double lo = base * std::max(rule.min_factor, 0.0);
    double hi = base * std::max(rule.max_factor, rule.min_factor);
    w = std::clamp(w, lo, hi);
    w = std::clamp(std::round(w), 1.0, kMaxWeight);
    return static_cast<std::uint32_t>(w);
}

} // namespace dlba::arrayd
