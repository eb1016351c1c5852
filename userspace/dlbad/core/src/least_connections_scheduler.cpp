#include <dlbad/least_connections_scheduler.h>

namespace dlba::dlbad {

namespace {

bool eligible(const ServerState& s) noexcept
{
    return s.available && s.weight > 0;
}

// <0 if a is better (fewer requests in flight per weight), 0 if equal, >0 if worse.
int compare(const ServerState& a, const ServerState& b) noexcept
{
    const std::uint64_t lhs = static_cast<std::uint64_t>(a.open_connections) * b.weight;
    const std::uint64_t rhs = static_cast<std::uint64_t>(b.open_connections) * a.weight;
    return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

} // namespace

std::optional<std::size_t> LeastConnectionsScheduler::pick(std::span<const ServerState> servers,
                                                           WeightedRoundRobin& ties) const
{
    std::optional<std::size_t> best;
    std::size_t tied = 0;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        if (!eligible(servers[i]))
            continue;
        const int c = best ? compare(servers[i], servers[*best]) : -1;
        if (c < 0) {
            best = i;
            tied = 1;
        } else if (c == 0) {
            ++tied;
        }
    }
    if (!best || tied == 1)
        return best;
    const ServerState& b = servers[*best];
    return ties.pick(servers, [&](std::size_t i) {
        return eligible(servers[i]) && compare(servers[i], b) == 0;
    });
}

} // namespace dlba::dlbad
