#include <dlbad/hash.h>
#include <dlbad/hash_ring.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace dlba::dlbad {
namespace {

std::vector<HashNode> nodes(std::uint32_t n, std::uint32_t first_id = 1)
{
    std::vector<HashNode> v;
    for (std::uint32_t i = 0; i < n; ++i)
        v.push_back({first_id + i, 1});
    return v;
}

std::uint32_t owner(const HashRing& r, std::uint64_t h)
{
    return r.nodes()[*r.primary(h)].id;
}

TEST(Hash, StableValues)
{
    // Every DLBA server must agree: these values are part of the array's
    // behaviour and must never change between releases.
    EXPECT_EQ(hash64(""), hash64(""));
    EXPECT_NE(hash64("a"), hash64("b"));
    EXPECT_NE(hash64("/a.html"), hash64("/a.html", 1));
    EXPECT_EQ(hash64("/a.html"), 0x21d37fb88f23aa12ull);
    EXPECT_EQ(hash64("/images/b.gif"), 0x245794394e21cb67ull);
}

TEST(Hash, AllLengthsDiffer)
{
    const std::string s(64, 'x');
    std::vector<std::uint64_t> seen;
    for (std::size_t n = 0; n <= s.size(); ++n)
        seen.push_back(hash64(std::string_view(s).substr(0, n)));
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
}

TEST(HashRing, EmptyAndWeightZero)
{
    HashRing empty;
    EXPECT_TRUE(empty.empty());
    EXPECT_FALSE(empty.primary(1));
    const std::vector<HashNode> zero = {{1, 0}};
    HashRing z(zero);
    EXPECT_TRUE(z.empty());
    EXPECT_FALSE(z.walk(1, [](std::size_t) { return true; }));
}

TEST(HashRing, RejectsBadInput)
{
    const std::vector<HashNode> dup = {{1, 1}, {1, 2}};
    EXPECT_THROW(HashRing{dup}, std::invalid_argument);
    const std::vector<HashNode> heavy = {{1, HashRing::kMaxWeight + 1}};
    EXPECT_THROW(HashRing{heavy}, std::invalid_argument);
    EXPECT_THROW(HashRing(nodes(2), 0), std::invalid_argument);
}

TEST(HashRing, IndependentOfConfigurationOrder)
{
    auto a = nodes(20);
    auto b = a;
    std::shuffle(b.begin(), b.end(), std::mt19937(7));
    const HashRing ra(a);
    const HashRing rb(b);
    for (int i = 0; i < 10000; ++i) {
        const std::uint64_t h = hash64("/obj/" + std::to_string(i));
        ASSERT_EQ(owner(ra, h), owner(rb, h));
    }
}

TEST(HashRing, RemovalMovesOnlyTheRemovedNodesKeys)
{
    const auto all = nodes(10);
    auto fewer = all;
    fewer.erase(fewer.begin() + 3); // id 4
    const HashRing before(all);
    const HashRing after(fewer);
    int moved = 0;
    const int total = 50000;
    for (int i = 0; i < total; ++i) {
        const std::uint64_t h = hash64("/k" + std::to_string(i));
        const std::uint32_t o1 = owner(before, h);
        const std::uint32_t o2 = owner(after, h);
        if (o1 != o2) {
            ++moved;
            EXPECT_EQ(o1, 4u);
        }
    }
    EXPECT_NEAR(static_cast<double>(moved) / total, 0.1, 0.03);
}

TEST(HashRing, WeightsShareKeysProportionally)
{
    const std::vector<HashNode> w = {{1, 1}, {2, 2}, {3, 4}};
    const HashRing r(w);
    std::map<std::uint32_t, int> count;
    const int total = 70000;
    for (int i = 0; i < total; ++i)
        ++count[owner(r, hash64("/w" + std::to_string(i)))];
    EXPECT_NEAR(count[1] / double(total), 1.0 / 7, 0.03);
    EXPECT_NEAR(count[2] / double(total), 2.0 / 7, 0.03);
    EXPECT_NEAR(count[3] / double(total), 4.0 / 7, 0.03);
}

TEST(HashRing, WalkSkipsRefusedNodes)
{
    const HashRing r(nodes(5));
    const std::uint64_t h = hash64("/x");
    const std::size_t first = *r.primary(h);
    const auto second = r.walk(h, [&](std::size_t i) { return i != first; });
    ASSERT_TRUE(second);
    EXPECT_NE(*second, first);
    EXPECT_FALSE(r.walk(h, [](std::size_t) { return false; }));
}

// Issue 10: 1000 servers of weight 100 used to make 16 million points (256 MB, 2-3 s per ring and
// worker).  Weights are divided by their gcd, so this is the ring of 1000 servers of weight 1.
TEST(HashRing, SizeBoundedFor1000ServersOfWeight100)
{
    std::vector<HashNode> v;
    for (std::uint32_t i = 1; i <= 1000; ++i)
        v.push_back({i, 100});
    const HashRing r(v);
    EXPECT_EQ(r.points(), 1000u * HashRing::kDefaultVnodes);
    EXPECT_LE(r.points(), HashRing::kMaxPoints);
    EXPECT_LE(r.memory_bytes(), std::size_t{4} << 20);
}

// Weights with no common divisor: the hard cap holds, every server keeps points, and the shares
// still follow the weights.
TEST(HashRing, HardCapOnTotalPoints)
{
    std::vector<HashNode> v;
    for (std::uint32_t i = 1; i <= 1000; ++i)
        v.push_back({i, i % 2 == 0 ? HashRing::kMaxWeight : HashRing::kMaxWeight - 1});
    const HashRing r(v);
    EXPECT_LE(r.points(), HashRing::kMaxPoints);
    EXPECT_GE(r.points_per_weight(), 1u);
    std::vector<int> owned(1001, 0);
    r.walk(0, [&](std::size_t i) {
        ++owned[r.nodes()[i].id];
        return false;
    });
    for (std::uint32_t i = 1; i <= 1000; ++i)
        ASSERT_GE(owned[i], 1) << "server " << i;
    // Beyond anything a configuration allows (weights up to 256, at most 1000 servers): still capped.
    std::vector<HashNode> many;
    for (std::uint32_t i = 1; i <= 3000; ++i)
        many.push_back({i, 200 + i % 2});
    const HashRing big(many);
    EXPECT_LE(big.points(), HashRing::kMaxPoints + many.size());
    EXPECT_EQ(big.points_per_weight(), 0u);
}

// Only the ratios of the weights matter: (1, 2) and (100, 200) place every key alike.
TEST(HashRing, ProportionalWeightsPlaceAlike)
{
    const std::vector<HashNode> small = {{1, 1}, {2, 2}};
    const std::vector<HashNode> large = {{1, 100}, {2, 200}};
    const HashRing a(small);
    const HashRing b(large);
    EXPECT_EQ(a.points(), b.points());
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t h = hash64("/p" + std::to_string(i));
        ASSERT_EQ(owner(a, h), owner(b, h)) << i;
    }
}

// A server that is down is masked at lookup: its keys walk on to the next live server, all other
// keys keep theirs, with no new ring.
TEST(HashRing, MaskingADownServerMovesOnlyItsKeys)
{
    const HashRing r(nodes(10));
    const std::size_t down = 3;
    int moved = 0;
    const int total = 50000;
    for (int i = 0; i < total; ++i) {
        const std::uint64_t h = hash64("/m" + std::to_string(i));
        const std::size_t before = *r.primary(h);
        const std::size_t after = *r.walk(h, [&](std::size_t n) { return n != down; });
        if (before == down) {
            ++moved;
            EXPECT_NE(after, down);
        } else {
            EXPECT_EQ(after, before);
        }
    }
    EXPECT_NEAR(static_cast<double>(moved) / total, 0.1, 0.03);
}

// Same configuration, same ring: a reload (SIGHUP) keeps every placement.
TEST(HashRing, SameConfigurationSameRing)
{
    std::vector<HashNode> v;
    for (std::uint32_t i = 1; i <= 50; ++i)
        v.push_back({i * 7, 1 + i % 5});
    const HashRing a(v);
    const HashRing b(v);
    ASSERT_EQ(a.points(), b.points());
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t h = hash64("/s" + std::to_string(i));
        ASSERT_EQ(owner(a, h), owner(b, h));
    }
}

} // namespace
} // namespace dlba::dlbad
