#include <dlbad/hash.h>
#include <dlbad/hash_ring.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace dlba::dlbad {

HashRing::HashRing(std::span<const HashNode> nodes, std::uint32_t vnodes_per_weight)
    : nodes_(nodes.begin(), nodes.end())
{
    if (vnodes_per_weight == 0)
        throw std::invalid_argument("vnodes_per_weight must be positive");
    std::unordered_set<std::uint32_t> ids;
    std::uint32_t g = 0;
    for (const HashNode& n : nodes_) {
        if (!ids.insert(n.id).second)
            throw std::invalid_argument("duplicate hash node id " + std::to_string(n.id));
        if (n.weight > kMaxWeight)
            throw std::invalid_argument("hash node weight above " + std::to_string(kMaxWeight));
        g = std::gcd(g, n.weight);
    }
    if (g == 0) // no node has weight
        return;
    // Normalised weights: only the ratios matter.
    std::uint64_t units = 0;
    for (const HashNode& n : nodes_)
        units += n.weight / g;
    std::vector<std::uint64_t> count(nodes_.size(), 0);
    if (units * vnodes_per_weight <= kMaxPoints) {
        per_weight_ = vnodes_per_weight;
    } else if (units <= kMaxPoints) {
        per_weight_ = static_cast<std::uint32_t>(kMaxPoints / units);
    }
    std::size_t total = 0;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        const std::uint64_t w = nodes_[i].weight / g;
        if (w == 0)
            continue;
        count[i] =
            per_weight_ != 0 ? w * per_weight_ : std::max<std::uint64_t>(1, w * kMaxPoints / units);
        total += count[i];
    }
    points_.reserve(total);
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        const std::uint64_t base =
            mix64(static_cast<std::uint64_t>(nodes_[i].id) ^ 0x646c62615f726e67ull);
        for (std::uint64_t r = 0; r < count[i]; ++r)
            points_.push_back(Point{mix64(base + r), i});
    }
    // Ties (astronomically rare) are broken by node id so every server
    // builds the same ring regardless of configuration order.
    std::sort(points_.begin(), points_.end(), [this](const Point& a, const Point& b) {
        return a.pos != b.pos ? a.pos < b.pos : nodes_[a.node].id < nodes_[b.node].id;
    });
}

std::size_t HashRing::lower_bound(std::uint64_t key_hash) const noexcept
{
    const auto it = std::lower_bound(points_.begin(), points_.end(), key_hash,
                                     [](const Point& p, std::uint64_t h) { return p.pos < h; });
    return it == points_.end() ? 0 : static_cast<std::size_t>(it - points_.begin());
}

std::optional<std::size_t> HashRing::primary(std::uint64_t key_hash) const noexcept
{
    if (points_.empty())
        return std::nullopt;
    return points_[lower_bound(key_hash)].node;
}

} // namespace dlba::dlbad
