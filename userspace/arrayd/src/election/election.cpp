#include "election/election.h"

#include <algorithm>
#include <tuple>

namespace dlba::arrayd {

bool address_less(const config::IpAddress& a, const config::IpAddress& b) noexcept
{
    return std::tie(a.family, a.bytes) < std::tie(b.family, b.bytes);
}

bool ranks_above(const Candidate& a, const Candidate& b) noexcept
{
    if (a.priority != b.priority)
        return a.priority > b.priority;
    return address_less(b.address, a.address);
}

std::map<std::string, std::string> elect(bool quorate, const std::vector<Candidate>& members,
                                         const std::vector<std::string>& groups)
{
    std::map<std::string, std::string> holders;
    if (!quorate || members.empty())
        return holders;
    const Candidate* best = nullptr;
    for (const auto& m : members)
        if (!best || ranks_above(m, *best))
            best = &m;
    for (const auto& g : groups) {
        const Candidate* holder = nullptr;
        for (const auto& m : members)
            if (m.holds.count(g) && (!holder || ranks_above(m, *holder)))
                holder = &m;
        holders[g] = (holder ? holder : best)->name;
    }
    return holders;
}

} // namespace dlba::arrayd
