#include <dlbad/least_response_time_scheduler.h>

namespace dlba::dlbad {

namespace {

bool eligible(const ServerState& s) noexcept
{
    return s.available && s.weight > 0;
}

} // namespace

std::optional<std::size_t> LeastResponseTimeScheduler::pick(std::span<const ServerState> servers,
                                                            std::uint64_t tiebreak) const
{
    // Cold servers are scored as if they were as fast as the fastest warm
    // one: they tie with it when both are idle and win once it has a queue,
    // so every new or recovered server is measured within a few requests.
    // (Scoring them with the mean let the fastest warm server win every
    // sequential request and starve a cold one of its measurement.)
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
        return per_request * (static_cast<double>(s.open_connections) + 1.0) / s.weight;
    };

    std::optional<std::size_t> best;
    double best_score = 0.0;
    std::size_t ties = 0;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        if (!eligible(servers[i]))
            continue;
        const double sc = score(servers[i]);
        if (!best || sc < best_score) {
            best = i;
            best_score = sc;
            ties = 1;
        } else if (sc == best_score) {
            ++ties;
        }
    }
    if (!best || ties == 1)
        return best;
    std::size_t want = tiebreak % ties;
    for (std::size_t i = *best; i < servers.size(); ++i) {
        if (eligible(servers[i]) && score(servers[i]) == best_score && want-- == 0)
            return i;
    }
    return best;
}

} // namespace dlba::dlbad
