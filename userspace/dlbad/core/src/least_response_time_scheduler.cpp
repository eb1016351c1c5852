#include <dlbad/least_response_time_scheduler.h>

namespace dlba::dlbad {

namespace {

bool eligible(const ServerState& s) noexcept
{
    return s.available && s.weight > 0;
}

} // namespace

std::optional<std::size_t> LeastResponseTimeScheduler::pick(std::span<const ServerState> servers,
                                                            WeightedRoundRobin& ties) const
{
    // Cold servers are scored as if they were as fast as the fastest warm
    // one: they tie with it when both are idle and win once it has a queue,
    // so every new or recovered server is measured within a few requests.
    // (Scoring them with the mean let the fastest warm server win every
    // sequential request and starve a cold one of its measurement; so did
    // dividing an idle server's score by its weight, which a heavier warm
    // server then won every time.)
    std::optional<double> fastest;
    for (const ServerState& s : servers) {
        if (eligible(s) && s.responses >= kWarmupSamples &&
            (!fastest || s.avg_response_ms < *fastest))
            fastest = s.avg_response_ms;
    }
    const double cold_avg = fastest.value_or(1.0);
    auto score = [&](const ServerState& s) {
        const double avg = s.responses >= kWarmupSamples ? s.avg_response_ms : cold_avg;
        // A zero average (sub-resolution timings) still orders by queue length.
        const double per_request = avg > 0.0 ? avg : 1e-6;
        // open / weight is exactly 0 for an idle server: idle servers of one average tie.
        return per_request * (1.0 + static_cast<double>(s.open_connections) / s.weight);
    };

    std::optional<std::size_t> best;
    double best_score = 0.0;
    std::size_t tied = 0;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        if (!eligible(servers[i]))
            continue;
        const double sc = score(servers[i]);
        if (!best || sc < best_score) {
            best = i;
            best_score = sc;
            tied = 1;
        } else if (sc == best_score) {
            ++tied;
        }
    }
    if (!best || tied == 1)
        return best;
    return ties.pick(servers, [&](std::size_t i) {
        return eligible(servers[i]) && score(servers[i]) == best_score;
    });
}

} // namespace dlba::dlbad
