#pragma once

// Weighted consistent-hash ring (Karger et al.) with virtual nodes.
//
// Each node with weight w owns w * vnodes_per_weight points at
// mix64-derived positions that depend only on (node id, replica number),
// so every DLBA server builds the identical ring from the same
// configuration, and adding/removing a node moves only the keys of the
// arcs it gains/loses.  Weight 0 nodes own no points.
//
// Used directly for session-id persistence (primary() skipping failed
// servers via walk()) and as the preference order of BoundedLoadTable.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace dlba::dlbad {

struct HashNode {
    std::uint32_t id = 0;     // stable identity (the server's configured key)
    std::uint32_t weight = 1; // relative share; 0 = never chosen
};

class HashRing {
public:
    static constexpr std::uint32_t kDefaultVnodes = 160;
    static constexpr std::uint32_t kMaxWeight = 256;

    HashRing() = default;
    // Throws std::invalid_argument on duplicate ids, a weight above
    // kMaxWeight, or vnodes_per_weight 0.
    explicit HashRing(std::span<const HashNode> nodes,
                      std::uint32_t vnodes_per_weight = kDefaultVnodes);

    [[nodiscard]] std::span<const HashNode> nodes() const noexcept { return nodes_; }
    [[nodiscard]] bool empty() const noexcept { return points_.empty(); }

    // Index (into nodes()) of the node owning key_hash, or nullopt if the
    // ring has no points.
    [[nodiscard]] std::optional<std::size_t> primary(std::uint64_t key_hash) const noexcept;

    // Visits ring points clockwise from key_hash for one full turn, calling
    // accept(node_index) (a node may be offered more than once); returns the
    // first index accepted, or nullopt.  Allocation-free.
    template <class Accept>
    std::optional<std::size_t> walk(std::uint64_t key_hash, Accept&& accept) const
    {
        if (points_.empty())
            return std::nullopt;
        std::size_t pos = lower_bound(key_hash);
        for (std::size_t n = 0; n < points_.size(); ++n) {
            const std::size_t idx = points_[(pos + n) % points_.size()].node;
            if (accept(idx))
                return idx;
        }
        return std::nullopt;
    }

private:
    struct Point {
        std::uint64_t pos;
        std::uint32_t node;
    };
    [[nodiscard]] std::size_t lower_bound(std::uint64_t key_hash) const noexcept;

    std::vector<HashNode> nodes_;
    std::vector<Point> points_;
};

} // namespace dlba::dlbad
