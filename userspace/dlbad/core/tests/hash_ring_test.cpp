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

} // namespace
} // namespace dlba::dlbad
