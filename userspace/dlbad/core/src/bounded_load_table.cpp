#include <dlbad/bounded_load_table.h>
#include <dlbad/hash.h>

#include <cmath>
#include <random>
#include <stdexcept>

namespace dlba::dlbad {

namespace {

const std::shared_ptr<const HashRing>& empty_ring()
{
    static const auto kRing = std::make_shared<const HashRing>();
    return kRing;
}

} // namespace

std::size_t BoundedLoadTable::KeyHasher::operator()(std::uint64_t h) const noexcept
{
    return static_cast<std::size_t>(mix64(h ^ seed));
}

namespace {

std::uint64_t random_seed()
{
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

} // namespace

BoundedLoadTable::BoundedLoadTable(Options options)
    : options_(options),
      ring_(empty_ring()),
      map_(16, KeyHasher{random_seed()})
{
    if (!(options_.balance > 1.0))
        throw std::invalid_argument("bounded-load balance factor must be > 1.0");
    if (options_.max_entries == 0 || options_.max_entries >= kNil)
        throw std::invalid_argument("bounded-load table size out of range");
}

BoundedLoadTable::~BoundedLoadTable()
{
    share_all(-1);
}

void BoundedLoadTable::count(std::size_t node_index, int delta) noexcept
{
    loads_[node_index] += static_cast<std::size_t>(static_cast<std::ptrdiff_t>(delta));
    if (options_.shared && shared_slot_[node_index] != kNoSlot)
        options_.shared->add(shared_slot_[node_index], delta);
}

void BoundedLoadTable::share_all(int sign) noexcept
{
    if (!options_.shared)
        return;
    for (std::size_t i = 0; i < loads_.size(); ++i)
        if (shared_slot_[i] != kNoSlot && loads_[i] != 0)
            options_.shared->add(shared_slot_[i], sign * static_cast<std::int64_t>(loads_[i]));
}

std::optional<std::size_t> BoundedLoadTable::place_new(std::uint64_t hash)
{
    if (!options_.shared)
        return place(hash, map_.size() + 1);
    // Capacities from the URLs of every table sharing the accounting (this one included), plus
    // the new one.  A node another table counts but this one does not know (a membership change
    // seen there first) makes the capacities add up to less than the total for a moment: then
    // the first node of the walk takes the URL, as without bounded load.
    const auto& shared = *options_.shared;
    const auto total = static_cast<std::size_t>(std::max<std::int64_t>(shared.total(), 0)) + 1;
    auto idx = ring_->walk(hash, [&](std::size_t i) {
        const std::int64_t load = shared_slot_[i] != kNoSlot ? shared.load(shared_slot_[i])
                                                             : static_cast<std::int64_t>(loads_[i]);
        return load < static_cast<std::int64_t>(capacity(i, total));
    });
    if (!idx)
        idx = ring_->walk(hash, [&](std::size_t i) { return weight(i) > 0; });
    return idx;
}

std::size_t BoundedLoadTable::capacity(std::size_t node_index, std::size_t total) const noexcept
{
    const std::uint32_t w = weight(node_index);
    if (w == 0 || total_weight_ == 0)
        return 0;
    const double share = static_cast<double>(total) * w / static_cast<double>(total_weight_);
    // floor(balance * share), but never below the fair share rounded up, so
    // the capacities always add up to at least `total`.
    const auto bounded = static_cast<std::size_t>(std::floor(options_.balance * share + 1e-9));
    const auto fair = static_cast<std::size_t>(std::ceil(share - 1e-9));
    return std::max(bounded, fair);
}

std::optional<std::size_t> BoundedLoadTable::place(std::uint64_t hash, std::size_t total)
{
    return ring_->walk(hash, [&](std::size_t idx) { return loads_[idx] < capacity(idx, total); });
}

void BoundedLoadTable::lru_unlink(std::uint32_t slot) noexcept
{
    Entry& e = slots_[slot];
    if (e.prev != kNil)
        slots_[e.prev].next = e.next;
    else
        lru_head_ = e.next;
    if (e.next != kNil)
        slots_[e.next].prev = e.prev;
    else
        lru_tail_ = e.prev;
    e.prev = e.next = kNil;
}

void BoundedLoadTable::lru_push_front(std::uint32_t slot) noexcept
{
    Entry& e = slots_[slot];
    e.prev = kNil;
    e.next = lru_head_;
    if (lru_head_ != kNil)
        slots_[lru_head_].prev = slot;
    lru_head_ = slot;
    if (lru_tail_ == kNil)
        lru_tail_ = slot;
}

void BoundedLoadTable::erase_slot(std::uint32_t slot)
{
    Entry& e = slots_[slot];
    lru_unlink(slot);
    if (e.node != kNil)
        count(e.node, -1);
    map_.erase(e.hash);
    e.node = kNil;
    free_.push_back(slot);
}

void BoundedLoadTable::evict_one()
{
    if (lru_tail_ != kNil)
        erase_slot(lru_tail_);
}

void BoundedLoadTable::erase_hash(std::uint64_t url_hash)
{
    const auto it = map_.find(url_hash);
    if (it != map_.end())
        erase_slot(it->second);
}

std::optional<std::uint32_t> BoundedLoadTable::assign(std::string_view url)
{
    return assign_hash(hash64(url));
}

std::optional<std::uint32_t> BoundedLoadTable::peek_hash(std::uint64_t url_hash) const
{
    const auto it = map_.find(url_hash);
    if (it == map_.end())
        return std::nullopt;
    return ring_->nodes()[slots_[it->second].node].id;
}

std::size_t BoundedLoadTable::load(std::uint32_t node_id) const noexcept
{
    const auto nodes = ring_->nodes();
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].id == node_id)
            return loads_[i];
    }
    return 0;
}

std::optional<std::uint32_t> BoundedLoadTable::assign_hash(std::uint64_t url_hash)
{
    if (total_weight_ == 0)
        return std::nullopt;
    if (const auto it = map_.find(url_hash); it != map_.end()) {
        lru_unlink(it->second);
        lru_push_front(it->second);
        return ring_->nodes()[slots_[it->second].node].id;
    }
    if (map_.size() >= options_.max_entries)
        evict_one();
    const std::optional<std::size_t> idx = place_new(url_hash);
    if (!idx) // cannot happen: capacities add up to more than the total
        return std::nullopt;
    std::uint32_t slot;
    if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(slots_.size());
        slots_.push_back(Entry{});
    }
    slots_[slot] = Entry{url_hash, static_cast<std::uint32_t>(*idx), kNil, kNil};
    map_.emplace(url_hash, slot);
    lru_push_front(slot);
    count(*idx, +1);
    return ring_->nodes()[*idx].id;
}

void BoundedLoadTable::set_nodes(std::span<const HashNode> nodes)
{
    auto ring =
        std::make_shared<const HashRing>(nodes, options_.vnodes_per_weight); // validates first
    set_ring(std::move(ring), std::vector<bool>(nodes.size(), true));
}

void BoundedLoadTable::set_live(const std::vector<bool>& live)
{
    set_ring(ring_, live);
}

void BoundedLoadTable::set_ring(std::shared_ptr<const HashRing> ring, const std::vector<bool>& live)
{
    if (!ring)
        ring = empty_ring();
    // Rebalancing works on this table's own loads; the shared accounting gets the result.
    share_all(-1);
    const std::shared_ptr<const HashRing> old = std::move(ring_);
    const std::vector<std::uint32_t> old_weights = std::move(weights_);
    const bool same_ring = old == ring;
    ring_ = std::move(ring);
    const auto new_nodes = ring_->nodes();
    weights_.assign(new_nodes.size(), 0);
    total_weight_ = 0;
    for (std::size_t i = 0; i < new_nodes.size(); ++i) {
        weights_[i] = i < live.size() && live[i] ? new_nodes[i].weight : 0;
        total_weight_ += weights_[i];
    }
    loads_.assign(new_nodes.size(), 0);
    if (!same_ring) {
        shared_slot_.assign(new_nodes.size(), kNoSlot);
        if (options_.shared)
            for (std::size_t i = 0; i < new_nodes.size(); ++i)
                shared_slot_[i] = options_.shared->slot_of(new_nodes[i].id).value_or(kNoSlot);
    }

    if (total_weight_ == 0 || ring_->empty()) { // nothing can be placed: forget everything
        map_.clear();
        slots_.clear();
        free_.clear();
        lru_head_ = lru_tail_ = kNil;
        return;
    }

    // old index -> new index; which new nodes attract URLs (new, heavier, or back up).
    const auto old_nodes = old->nodes();
    std::vector<std::uint32_t> remap(old_nodes.size(), kNil);
    std::vector<bool> attract(new_nodes.size(), true);
    bool any_attract = false;
    if (same_ring) {
        for (std::size_t n = 0; n < new_nodes.size(); ++n) {
            if (weights_[n] > 0)
                remap[n] = static_cast<std::uint32_t>(n);
            attract[n] = weights_[n] > old_weights[n];
            any_attract = any_attract || (attract[n] && weights_[n] > 0);
        }
    } else {
        std::unordered_map<std::uint32_t, std::size_t> old_index;
        for (std::size_t o = 0; o < old_nodes.size(); ++o)
            old_index.emplace(old_nodes[o].id, o);
        for (std::size_t n = 0; n < new_nodes.size(); ++n) {
            if (const auto it = old_index.find(new_nodes[n].id); it != old_index.end()) {
                const std::size_t o = it->second;
                if (weights_[n] > 0)
                    remap[o] = static_cast<std::uint32_t>(n);
                attract[n] = weights_[n] > old_weights[o];
            }
            any_attract = any_attract || (attract[n] && weights_[n] > 0);
        }
    }

    const std::size_t total = map_.size();
    std::vector<std::uint32_t> homeless;
    // Pass 1, most recently used first: keep URLs on retained nodes unless
    // their walk now reaches an attracting node with room first.
    for (std::uint32_t s = lru_head_; s != kNil; s = slots_[s].next) {
        Entry& e = slots_[s];
        const std::uint32_t cur = e.node == kNil ? kNil : remap[e.node];
        if (cur == kNil) {
            e.node = kNil;
            homeless.push_back(s);
            continue;
        }
        std::size_t target = cur;
        if (any_attract) {
            target = *ring_->walk(e.hash, [&](std::size_t idx) {
                return idx == cur || (attract[idx] && loads_[idx] < capacity(idx, total));
            });
        }
        e.node = static_cast<std::uint32_t>(target);
        ++loads_[target];
    }
    // Pass 2: URLs of removed (or down) nodes go to the next node with room.
    for (std::uint32_t s : homeless) {
        const std::size_t idx = *place(slots_[s].hash, total);
        slots_[s].node = static_cast<std::uint32_t>(idx);
        ++loads_[idx];
    }
    // Pass 3, least recently used first: nodes above their (possibly
    // smaller) capacity shed URLs along the walk.
    for (std::uint32_t s = lru_tail_; s != kNil; s = slots_[s].prev) {
        Entry& e = slots_[s];
        if (loads_[e.node] <= capacity(e.node, total))
            continue;
        const std::uint32_t from = e.node;
        const std::size_t idx = *ring_->walk(
            e.hash, [&](std::size_t i) { return i != from && loads_[i] < capacity(i, total); });
        --loads_[from];
        ++loads_[idx];
        e.node = static_cast<std::uint32_t>(idx);
    }
    share_all(+1);
}

} // namespace dlba::dlbad
