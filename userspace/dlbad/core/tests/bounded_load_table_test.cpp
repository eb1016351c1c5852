#include <dlbad/bounded_load_table.h>
#include <dlbad/hash.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace dlba::dlbad {
namespace {

constexpr std::size_t kUrls = 100'000;

std::vector<HashNode> make_nodes(std::uint32_t n)
{
    std::vector<HashNode> v;
    for (std::uint32_t i = 0; i < n; ++i)
        v.push_back({100 + i, 1});
    return v;
}

const std::vector<std::uint64_t>& url_hashes()
{
    static const std::vector<std::uint64_t> kHashes = [] {
        std::vector<std::uint64_t> out;
        out.reserve(kUrls);
        for (std::size_t i = 0; i < kUrls; ++i)
            out.push_back(hash64("/site" + std::to_string(i % 97) + "/img/object-" +
                                 std::to_string(i) + ".gif"));
        return out;
    }();
    return kHashes;
}

std::vector<std::uint32_t> snapshot(const BoundedLoadTable& t)
{
    std::vector<std::uint32_t> out;
    out.reserve(kUrls);
    for (std::uint64_t h : url_hashes())
        out.push_back(*t.peek_hash(h));
    return out;
}

double max_over_mean(const BoundedLoadTable& t)
{
    std::size_t mx = 0;
    for (const HashNode& n : t.ring().nodes())
        mx = std::max(mx, t.load(n.id));
    const double mean =
        static_cast<double>(t.size()) / static_cast<double>(t.ring().nodes().size());
    return static_cast<double>(mx) / mean;
}

class BoundedLoad : public ::testing::TestWithParam<std::uint32_t> {};

// The two properties, measured over 100k URLs: no cache above 1.05x
// the mean, and when one of N caches goes away only its ~1/N of the URLs move
// (all others stay put); when it comes back about 1/N move back to it.
TEST_P(BoundedLoad, BalanceAndMovement)
{
    const std::uint32_t n = GetParam();
    BoundedLoadTable t;
    auto nodes = make_nodes(n);
    t.set_nodes(nodes);
    for (std::uint64_t h : url_hashes())
        ASSERT_TRUE(t.assign_hash(h));
    ASSERT_EQ(t.size(), kUrls);
    const double balance = max_over_mean(t);
    EXPECT_LE(balance, 1.05 + 1e-12) << "N=" << n;

    const auto before = snapshot(t);
    const std::uint32_t removed = nodes[n / 2].id;
    const std::size_t removed_load = t.load(removed);
    nodes.erase(nodes.begin() + n / 2);
    t.set_nodes(nodes);
    const auto after = snapshot(t);
    std::size_t moved = 0;
    for (std::size_t i = 0; i < kUrls; ++i) {
        if (before[i] != after[i]) {
            ++moved;
            ASSERT_EQ(before[i], removed) << "a URL of a surviving cache moved";
        }
    }
    EXPECT_EQ(moved, removed_load);
    const double remove_frac = static_cast<double>(moved) / kUrls;
    EXPECT_LE(remove_frac, 1.05 / n + 1e-9);
    const double balance_after_remove = max_over_mean(t);
    EXPECT_LE(balance_after_remove, 1.05 + 1e-12);

    // Back again: URLs return to it, the rest stay.
    nodes.insert(nodes.begin() + n / 2, HashNode{removed, 1});
    t.set_nodes(nodes);
    const auto back = snapshot(t);
    std::size_t moved_back = 0;
    std::size_t same_as_first = 0;
    for (std::size_t i = 0; i < kUrls; ++i) {
        moved_back += after[i] != back[i];
        same_as_first += before[i] == back[i];
    }
    const double add_frac = static_cast<double>(moved_back) / kUrls;
    EXPECT_LE(add_frac, 1.5 / n + 0.005) << "N=" << n;
    EXPECT_GE(add_frac, 0.5 / n) << "N=" << n;
    const double balance_after_add = max_over_mean(t);
    EXPECT_LE(balance_after_add, 1.05 + 1e-12);
    std::printf("[ figures  ] N=%u max/mean=%.4f remove: moved=%.5f (1/N=%.5f) max/mean=%.4f "
                "re-add: moved=%.5f max/mean=%.4f same-as-before=%.4f\n",
                n, balance, remove_frac, 1.0 / n, balance_after_remove, add_frac, balance_after_add,
                static_cast<double>(same_as_first) / kUrls);
}

INSTANTIATE_TEST_SUITE_P(Caches, BoundedLoad, ::testing::Values(2u, 3u, 5u, 10u, 50u, 100u, 1000u));

TEST(BoundedLoadTable, StickyAndDeterministicAcrossServers)
{
    // Two DLBA servers with the same configuration seeing the same URLs place
    // every URL identically; repeated lookups never change the answer.
    BoundedLoadTable a;
    BoundedLoadTable b;
    const auto nodes = make_nodes(7);
    a.set_nodes(nodes);
    b.set_nodes(nodes);
    for (std::size_t i = 0; i < 20000; ++i)
        ASSERT_EQ(a.assign_hash(url_hashes()[i]), b.assign_hash(url_hashes()[i]));
    for (std::size_t i = 0; i < 20000; ++i)
        ASSERT_EQ(a.assign_hash(url_hashes()[i]), b.peek_hash(url_hashes()[i]));
}

TEST(BoundedLoadTable, DifferentArrivalOrderMostlyAgrees)
{
    // Only overflow placements depend on arrival order.
    BoundedLoadTable a;
    BoundedLoadTable b;
    const auto nodes = make_nodes(10);
    a.set_nodes(nodes);
    b.set_nodes(nodes);
    const std::size_t n = 50000;
    for (std::size_t i = 0; i < n; ++i) {
        a.assign_hash(url_hashes()[i]);
        b.assign_hash(url_hashes()[n - 1 - i]);
    }
    std::size_t same = 0;
    for (std::size_t i = 0; i < n; ++i)
        same += a.peek_hash(url_hashes()[i]) == b.peek_hash(url_hashes()[i]);
    std::printf("[ figures  ] order independence: %.4f of URLs identical\n", double(same) / n);
    EXPECT_GE(static_cast<double>(same) / n, 0.80);
}

TEST(BoundedLoadTable, ThreeObjectsOfAPageReachTheirCaches)
{
    // WO 01/69890's example: a.html, b.gif, c.gif over one keep-alive connection
    // are each hashed on their own and always go to the same cache.
    BoundedLoadTable t;
    t.set_nodes(make_nodes(3));
    const auto a = t.assign("/a.html");
    const auto b = t.assign("/b.gif");
    const auto c = t.assign("/c.gif");
    ASSERT_TRUE(a && b && c);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(t.assign("/a.html"), a);
        EXPECT_EQ(t.assign("/b.gif"), b);
        EXPECT_EQ(t.assign("/c.gif"), c);
    }
}

TEST(BoundedLoadTable, WeightedCapacities)
{
    BoundedLoadTable t;
    const std::vector<HashNode> nodes = {{1, 1}, {2, 3}};
    t.set_nodes(nodes);
    for (std::size_t i = 0; i < 40000; ++i)
        t.assign_hash(url_hashes()[i]);
    EXPECT_LE(t.load(1), static_cast<std::size_t>(1.05 * 10000));
    EXPECT_LE(t.load(2), static_cast<std::size_t>(1.05 * 30000));
    EXPECT_NEAR(t.load(2) / 40000.0, 0.75, 0.05);
}

TEST(BoundedLoadTable, LruBound)
{
    BoundedLoadTable::Options o;
    o.max_entries = 1000;
    BoundedLoadTable t(o);
    t.set_nodes(make_nodes(4));
    for (std::size_t i = 0; i < 5000; ++i)
        t.assign_hash(url_hashes()[i]);
    EXPECT_EQ(t.size(), 1000u);
    std::size_t sum = 0;
    for (const HashNode& n : t.ring().nodes())
        sum += t.load(n.id);
    EXPECT_EQ(sum, 1000u);
    EXPECT_FALSE(t.peek_hash(url_hashes()[0]));   // evicted
    EXPECT_TRUE(t.peek_hash(url_hashes()[4999])); // recent
    t.erase_hash(url_hashes()[4999]);
    EXPECT_EQ(t.size(), 999u);
}

TEST(BoundedLoadTable, NoNodes)
{
    BoundedLoadTable t;
    EXPECT_FALSE(t.assign("/x"));
    t.set_nodes(make_nodes(2));
    EXPECT_TRUE(t.assign("/x"));
    t.set_nodes({});
    EXPECT_EQ(t.size(), 0u);
    EXPECT_FALSE(t.assign("/x"));
}

TEST(BoundedLoadTable, BadOptions)
{
    BoundedLoadTable::Options o;
    o.balance = 1.0;
    EXPECT_THROW(BoundedLoadTable{o}, std::invalid_argument);
    o.balance = 1.05;
    o.max_entries = 0;
    EXPECT_THROW(BoundedLoadTable{o}, std::invalid_argument);
    BoundedLoadTable t;
    const std::vector<HashNode> dup = {{1, 1}, {1, 1}};
    EXPECT_THROW(t.set_nodes(dup), std::invalid_argument);
}

} // namespace
} // namespace dlba::dlbad

namespace dlba::dlbad {
namespace {

// URLs whose first choice on the ring is `node_id`.
std::vector<std::uint64_t> urls_preferring(const BoundedLoadTable& t, std::uint32_t node_id,
                                           std::size_t n)
{
    std::vector<std::uint64_t> out;
    for (std::size_t i = 0; out.size() < n; ++i) {
        const std::uint64_t h = hash64("/pref/" + std::to_string(i));
        const auto first = t.ring().walk(h, [](std::size_t) { return true; });
        if (t.ring().nodes()[*first].id == node_id)
            out.push_back(h);
    }
    return out;
}

// Two worker threads' tables, 10 URLs each, all preferring the same cache of 3.  Each table on its
// own allows ceil(10/3) = 4 there (8 together, 1.2x the mean of 6.67); sharing the accounting the
// daemon's 20 URLs allow max(floor(1.05 * 6.67), 7) = 7.
TEST(SharedLoads, BoundHoldsForTheDaemonNotEachThread)
{
    const std::vector<std::uint32_t> ids{100, 101, 102};
    const auto nodes = make_nodes(3);
    auto place_all = [&](BoundedLoadTable& a, BoundedLoadTable& b) {
        a.set_nodes(nodes);
        b.set_nodes(nodes);
        const auto urls = urls_preferring(a, 100, 20);
        for (std::size_t i = 0; i < urls.size(); ++i)
            EXPECT_TRUE((i % 2 ? b : a).assign_hash(urls[i]));
        return a.load(100) + b.load(100);
    };
    {
        BoundedLoadTable a, b;
        EXPECT_EQ(place_all(a, b), 8u) << "per-thread accounting: each thread rounds up on its own";
    }
    auto shared = std::make_shared<SharedLoads>(ids);
    BoundedLoadTable::Options o;
    o.shared = shared;
    {
        BoundedLoadTable a(o), b(o);
        EXPECT_EQ(place_all(a, b), 7u);
        EXPECT_EQ(shared->total(), 20);
        for (std::uint32_t id : ids)
            EXPECT_EQ(shared->load(*shared->slot_of(id)),
                      static_cast<std::int64_t>(a.load(id) + b.load(id)));
        // A membership change rebalances one table: the shared counts follow it.
        a.set_nodes(make_nodes(2));
        EXPECT_EQ(a.load(102), 0u);
        EXPECT_EQ(shared->total(), 20);
        for (std::uint32_t id : ids)
            EXPECT_EQ(shared->load(*shared->slot_of(id)),
                      static_cast<std::int64_t>(a.load(id) + b.load(id)));
    }
    EXPECT_EQ(shared->total(), 0) << "a table going away takes its URLs out";
    for (std::uint32_t id : ids)
        EXPECT_EQ(shared->load(*shared->slot_of(id)), 0);
}

// Worker threads placing URLs at the same time: the counters stay exact and the bound holds but for
// the one-URL overshoot a race can cause.
TEST(SharedLoads, ConcurrentTablesStayWithinTheBound)
{
    const std::vector<std::uint32_t> ids{100, 101, 102, 103, 104};
    auto shared = std::make_shared<SharedLoads>(ids);
    BoundedLoadTable::Options o;
    o.shared = shared;
    BoundedLoadTable a(o), b(o);
    a.set_nodes(make_nodes(5));
    b.set_nodes(make_nodes(5));
    const auto& urls = url_hashes();
    auto run = [&](BoundedLoadTable& t, std::size_t from) {
        for (std::size_t i = from; i < urls.size(); i += 2)
            t.assign_hash(urls[i]);
    };
    std::thread ta(run, std::ref(a), 0);
    std::thread tb(run, std::ref(b), 1);
    ta.join();
    tb.join();
    EXPECT_EQ(shared->total(), static_cast<std::int64_t>(a.size() + b.size()));
    const double mean = static_cast<double>(urls.size()) / 5.0;
    for (std::uint32_t id : ids) {
        const auto both = a.load(id) + b.load(id);
        EXPECT_EQ(shared->load(*shared->slot_of(id)), static_cast<std::int64_t>(both));
        EXPECT_LE(static_cast<double>(both), 1.05 * mean + 1.0) << "node " << id;
    }
}

TEST(SharedLoads, DuplicateIdsRejected)
{
    const std::vector<std::uint32_t> ids{1, 2, 1};
    EXPECT_THROW(SharedLoads{ids}, std::invalid_argument);
}

// Tables of one configuration share one ring built once; a server going down is a mask: only its
// URLs move (to the next live node with room), and when it comes back about 1/N return to it.
TEST(BoundedLoadTable, SharedRingAndLiveMask)
{
    const std::uint32_t n = 10;
    const auto nodes = make_nodes(n);
    auto ring = std::make_shared<const HashRing>(nodes);
    BoundedLoadTable own;
    own.set_nodes(nodes);
    BoundedLoadTable t;
    std::vector<bool> live(n, true);
    t.set_ring(ring, live);
    EXPECT_EQ(t.shared_ring(), ring) << "adopted, not copied";
    for (std::uint64_t h : url_hashes()) {
        ASSERT_TRUE(t.assign_hash(h));
        ASSERT_TRUE(own.assign_hash(h));
    }
    const auto before = snapshot(t);
    EXPECT_EQ(before, snapshot(own))
        << "a shared ring places as a table's own ring of the same nodes";

    const std::uint32_t down = nodes[4].id;
    const std::size_t down_load = t.load(down);
    live[4] = false;
    t.set_live(live);
    EXPECT_EQ(t.shared_ring(), ring) << "a membership change builds no ring";
    EXPECT_EQ(t.load(down), 0u);
    const auto after = snapshot(t);
    std::size_t moved = 0;
    for (std::size_t i = 0; i < kUrls; ++i) {
        if (before[i] != after[i]) {
            ++moved;
            ASSERT_EQ(before[i], down) << "a URL of a live cache moved";
        }
    }
    EXPECT_EQ(moved, down_load);
    std::size_t mx = 0;
    for (const HashNode& node : nodes)
        mx = std::max(mx, t.load(node.id));
    EXPECT_LE(static_cast<double>(mx) / (static_cast<double>(kUrls) / (n - 1)), 1.05 + 1e-12);

    live[4] = true;
    t.set_live(live);
    const auto back = snapshot(t);
    std::size_t moved_back = 0;
    for (std::size_t i = 0; i < kUrls; ++i)
        moved_back += after[i] != back[i];
    EXPECT_LE(static_cast<double>(moved_back) / kUrls, 1.5 / n + 0.005);
    EXPECT_GE(static_cast<double>(moved_back) / kUrls, 0.5 / n);

    // Everything down: nothing can be placed, nothing is remembered.
    t.set_live(std::vector<bool>(n, false));
    EXPECT_FALSE(t.assign_hash(url_hashes()[0]));
    EXPECT_EQ(t.size(), 0u);
}

} // namespace
} // namespace dlba::dlbad
