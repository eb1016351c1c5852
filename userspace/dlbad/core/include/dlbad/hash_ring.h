#pragma once

// Weighted consistent-hash ring (Karger et al.) with virtual nodes.
//
// Weights are normalised before points are placed: they are divided by their
// greatest common divisor, so (1, 2) and (100, 200) build the same ring.  A
// node of normalised weight w owns w * p points, p = vnodes_per_weight
// (default 160) unless the ring would then exceed kMaxPoints: p is then
// lowered to kMaxPoints / (sum of normalised weights), at least 1.  Point
// positions are mix64-derived from (node id, replica number) only, and a
// node's points are replicas 0 .. count-1, so every DLBA server builds the
// identical ring from the same configuration, a changed point count only
// adds or removes a node's last replicas, and adding/removing a node moves
// only the keys of the arcs it gains/loses.  Weight 0 nodes own no points.
//
// Immutable once built: build it once per configuration, off the request
// path, and share it read-only (std::shared_ptr<const HashRing>) between
// threads.  Servers that are down are masked at lookup time by walk()'s
// accept predicate (the walk goes on to the next live node), not by
// rebuilding the ring.
//
// Used directly for session-id persistence (walk() skipping failed
// servers) and as the preference order of BoundedLoadTable.

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
    // Hard cap on the ring's points (16 bytes each: 4 MiB).  Exceeded only
    // when the normalised weights alone add up to more; then every node of
    // non-zero weight keeps at least one point and the rest is shared in
    // proportion (at most kMaxPoints + number of nodes points).
    static constexpr std::size_t kMaxPoints = std::size_t{1} << 18;

    HashRing() = default;
    // Throws std::invalid_argument on duplicate ids, a weight above
    // kMaxWeight, or vnodes_per_weight 0.
    explicit HashRing(std::span<const HashNode> nodes,
                      std::uint32_t vnodes_per_weight = kDefaultVnodes);

    [[nodiscard]] std::span<const HashNode> nodes() const noexcept { return nodes_; }
    [[nodiscard]] bool empty() const noexcept { return points_.empty(); }
    // Number of points on the ring, and the points given per unit of
    // normalised weight (0 when the cap left each node only its share).
    [[nodiscard]] std::size_t points() const noexcept { return points_.size(); }
    [[nodiscard]] std::uint32_t points_per_weight() const noexcept { return per_weight_; }
    // Heap bytes held by the ring.
    [[nodiscard]] std::size_t memory_bytes() const noexcept
    {
        return points_.capacity() * sizeof(Point) + nodes_.capacity() * sizeof(HashNode);
    }

    // Index (into nodes()) of the node owning key_hash, or nullopt if the
    // ring has no points.
    [[nodiscard]] std::optional<std::size_t> primary(std::uint64_t key_hash) const noexcept;

    // Visits ring points clockwise from key_hash for one full turn, calling
    // accept(node_index) (a node may be offered more than once); returns the
    // first index accepted, or nullopt.  Allocation-free.  A predicate that
    // refuses the nodes of servers that are down masks them: their keys go
    // to the next live node of their walk, every other key stays put.
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
    std::uint32_t per_weight_ = 0;
};

} // namespace dlba::dlbad
