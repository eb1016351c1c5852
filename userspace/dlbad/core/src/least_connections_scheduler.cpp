#include <dlbad/least_connections_scheduler.h>

namespace dlba::dlbad {

namespace {

bool eligible(const ServerState& s) noexcept
{
    return s.available && s.weight > 0;
}

// <0 if a is better (fewer connections per weight), 0 if equal, >0 if worse.
int compare(const ServerState& a, const ServerState& b) noexcept
{
    const std::uint64_t lhs = (static_cast<std::uint64_t>(a.open_connections) + 1) * b.weight;
    const std::uint64_t rhs = (static_cast<std::uint64_t>(b.open_connections) + 1) * a.weight;
    return lhs < rhs ? -1 : (lhs > rhs ? 1 : 0);
}

} // namespace

std::optional<std::size_t> LeastConnectionsScheduler::pick(std::span<const ServerState> servers,
                                                           std::uint64_t tiebreak) const
{
    std::optional<std::size_t> best;
    std::size_t ties = 0;
    for (std::size_t i = 0; i < servers.size(); ++i) {
        if (!eligible(servers[i]))
            continue;
        const int c = best ? compare(servers[i], servers[*best]) : -1;
        if (c < 0) {
            best = i;
            ties = 1;
        } else if (c == 0) {
            ++ties;
        }
    }
    if (!best || ties == 1)
        return best;
    std::size_t want = tiebreak % ties;
    for (std::size_t i = *best; i < servers.size(); ++i) {
        if (eligible(servers[i]) && compare(servers[i], servers[*best]) == 0 && want-- == 0)
            return i;
    }
    return best;
}

} // namespace dlba::dlbad
