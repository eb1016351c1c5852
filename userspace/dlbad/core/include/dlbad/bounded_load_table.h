#pragma once

// URL -> cache assignment by consistent hashing with bounded loads
// (Mirrokni, Thorup, Zadimoghaddam 2016) over the population of URLs seen.
//
// A URL goes to the first node on its HashRing walk whose load (number of
// tracked URLs assigned to it) is below its capacity
//     share = total_urls * w(node) / W
//     cap(node) = max(floor(balance * share), ceil(share))
// and stays there (the table remembers it).  Hence no node holds more than
// balance (default 1.05) times its weighted share of the URLs (once shares
// reach 1 / (balance - 1) = 20 URLs; below that, ceil(share)), and a
// URL's cache changes only when membership changes:
//  * node removed:  only its URLs move (to the next node on their walk with
//    room) -- about 1/N of them;
//  * node added:    URLs whose walk now reaches the new node before their
//    current node move to it while it has room (about 1/(N+1)), then any
//    node left over its (smaller) capacity sheds its excess along the walk.
// The table holds at most max_entries URL hashes (64-bit, not the URL
// strings); the least recently used entry is forgotten first.  Primary
// placement is identical on every DLBA server; only overflow placements
// (a few per cent of URLs) can differ between servers.
//
// Not thread-safe: use one table per event loop or guard it.  Several tables (one per worker
// thread of a service) may share their load accounting through a SharedLoads: a new URL is then
// placed against the loads and URL total of all of them, so the bound holds for the daemon, not
// for each thread (and small per-thread populations no longer each round their capacities up).
// Each table still keeps its own URL -> node memory; primary placement is identical in all of
// them, overflow placements (a few per cent of URLs) may differ between threads.
//
// The ring itself is not the table's: set_ring() adopts an immutable HashRing built once per
// configuration and shared read-only by every table (shared_ptr<const HashRing>), together with
// a mask of the nodes that are up.  A node going down or coming back is set_live(): its weight
// counts as 0 while it is down (its URLs go to the next live node of their walk, as above), and
// nothing is rebuilt.

#include <dlbad/hash_ring.h>
#include <dlbad/shared_loads.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dlba::dlbad {

class BoundedLoadTable {
public:
    struct Options {
        double balance = 1.05;              // > 1.0
        std::size_t max_entries = 1u << 20; // tracked URLs
        std::uint32_t vnodes_per_weight = HashRing::kDefaultVnodes;
        // Load accounting shared with other tables (nullptr: this table alone).  Node ids
        // missing from it are counted locally only.
        std::shared_ptr<SharedLoads> shared;
    };

    // Throws std::invalid_argument if balance <= 1 or max_entries == 0.
    explicit BoundedLoadTable(Options options);
    BoundedLoadTable() : BoundedLoadTable(Options{}) {}
    // Takes this table's URLs out of the shared accounting.
    ~BoundedLoadTable();

    BoundedLoadTable(const BoundedLoadTable&) = delete;
    BoundedLoadTable& operator=(const BoundedLoadTable&) = delete;

    // Replace the node set (ids are stable identities: an id present before
    // and after keeps its URLs).  Rebalances the tracked URLs as described
    // above; cost O(tracked URLs).  Throws std::invalid_argument on
    // duplicate ids.  Builds a ring of its own (all nodes live): for a
    // table used alone; tables of one configuration share theirs through
    // set_ring().
    void set_nodes(std::span<const HashNode> nodes);

    // Adopt a shared ring (nullptr: no nodes) and the nodes that are up:
    // live[i] for ring->nodes()[i] (missing entries: down).  A node that is
    // down is placed nothing, as if its weight were 0.  Rebalances as
    // set_nodes(); with the same ring as before, cost O(tracked URLs) and
    // no allocation beyond the per-node vectors.
    void set_ring(std::shared_ptr<const HashRing> ring, const std::vector<bool>& live);
    // set_ring() with the current ring.
    void set_live(const std::vector<bool>& live);

    // Node id for this URL (unkeyed hash64 of it; dlbad gives assign_hash()
    // its keyed hash instead), assigning it if new; nullopt when
    // no node has weight.
    std::optional<std::uint32_t> assign(std::string_view url);
    std::optional<std::uint32_t> assign_hash(std::uint64_t url_hash);

    // Current assignment without recording anything.
    [[nodiscard]] std::optional<std::uint32_t> peek_hash(std::uint64_t url_hash) const;

    // Forget one URL.
    void erase_hash(std::uint64_t url_hash);

    [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }
    [[nodiscard]] std::size_t load(std::uint32_t node_id) const noexcept;
    [[nodiscard]] const HashRing& ring() const noexcept { return *ring_; }
    [[nodiscard]] const std::shared_ptr<const HashRing>& shared_ring() const noexcept
    {
        return ring_;
    }
    [[nodiscard]] const Options& options() const noexcept { return options_; }

private:
    static constexpr std::uint32_t kNil = UINT32_MAX;
    struct Entry {
        std::uint64_t hash;
        std::uint32_t node; // index into ring_->nodes()
        std::uint32_t prev; // LRU list (slot indexes)
        std::uint32_t next;
    };

    [[nodiscard]] std::size_t capacity(std::size_t node_index, std::size_t total) const noexcept;
    std::optional<std::size_t> place(std::uint64_t hash, std::size_t total);
    // A new URL: against the shared loads when there are any.
    std::optional<std::size_t> place_new(std::uint64_t hash);
    void count(std::size_t node_index, int delta) noexcept;
    void share_all(int sign) noexcept; // add (+1) / withdraw (-1) every local load
    void lru_unlink(std::uint32_t slot) noexcept;
    void lru_push_front(std::uint32_t slot) noexcept;
    void evict_one();
    void erase_slot(std::uint32_t slot);

    [[nodiscard]] std::uint32_t weight(std::size_t node_index) const noexcept
    {
        return weights_[node_index];
    }

    Options options_;
    std::shared_ptr<const HashRing> ring_;
    std::vector<std::uint32_t> weights_; // per node index: its weight if live, else 0
    std::uint64_t total_weight_ = 0;     // of the live nodes
    std::vector<std::size_t> loads_;     // per node index
    static constexpr std::size_t kNoSlot = SIZE_MAX;
    std::vector<std::size_t> shared_slot_; // per node index: slot in options_.shared
    std::vector<Entry> slots_;
    std::vector<std::uint32_t> free_;
    // Buckets are chosen by a per-table random key so crafted URLs cannot
    // pile into one bucket.
    struct KeyHasher {
        std::uint64_t seed;
        std::size_t operator()(std::uint64_t h) const noexcept;
    };
    std::unordered_map<std::uint64_t, std::uint32_t, KeyHasher> map_; // hash -> slot
    std::uint32_t lru_head_ = kNil;                                   // most recent
    std::uint32_t lru_tail_ = kNil;                                   // least recent
};

} // namespace dlba::dlbad
