#include <dlbad/weighted_round_robin.h>

#include <algorithm>

namespace dlba::dlbad {

void WeightedRoundRobin::reset() noexcept
{
    std::fill(credit_.begin(), credit_.end(), 0);
}

std::size_t WeightedRoundRobin::settle(std::size_t best, std::int64_t total) noexcept
{
    if (best >= credit_.size())
        return best;
    credit_[best] -= total;
    // Among the same candidates every credit stays within a total weight of zero (their sum is
    // zero).  Candidates that change from pick to pick cannot be shown to keep them bounded: a
    // credit that strays this far only starts the rotation again, long before it could overflow.
    constexpr std::int64_t kCreditLimit = std::int64_t{1} << 52;
    if (credit_[best] < -kCreditLimit ||
        std::any_of(credit_.begin(), credit_.end(),
                    [](std::int64_t c) { return c > kCreditLimit; }))
        reset();
    return best;
}

} // namespace dlba::dlbad
