// The scheduler election (WO 01/69890 "Scheduler Failover"): priority, then the physical address;
// the holder kept; nobody without quorum.
#include <gtest/gtest.h>

#include "election/election.h"

namespace dlba::arrayd {
namespace {

Candidate node(const std::string& name, unsigned priority, const std::string& address,
               std::set<std::string> holds = {})
{
    return {name, priority, config::parse_ip(address), std::move(holds)};
}

const std::vector<std::string> kGroups{"web"};

TEST(Election, HighestPriorityWins)
{
    auto h = elect(true, {node("n1", 50, "10.0.0.9"), node("n2", 100, "10.0.0.1")}, kGroups);
    EXPECT_EQ(h.at("web"), "n2");
}

TEST(Election, EqualPriorityHighestAddressWins)
{
    auto h = elect(
        true,
        {node("n1", 100, "10.0.0.2"), node("n2", 100, "10.0.0.10"), node("n3", 100, "10.0.0.9")},
        kGroups);
    EXPECT_EQ(h.at("web"), "n2"); // numerically, not as text ("10.0.0.9" > "10.0.0.10")
}

TEST(Election, AddressComparedByteWise)
{
    auto h = elect(true, {node("a", 1, "10.1.0.1"), node("b", 1, "10.0.255.255")}, kGroups);
    EXPECT_EQ(h.at("web"), "a");
    auto v6 = elect(true, {node("a", 1, "fd00::2"), node("b", 1, "fd00::10")}, kGroups);
    EXPECT_EQ(v6.at("web"), "b");
}

TEST(Election, OrderOfMembersDoesNotMatter)
{
    std::vector<Candidate> m{node("n1", 100, "10.0.0.1"), node("n2", 100, "10.0.0.2"),
                             node("n3", 50, "10.0.0.3")};
    auto first = elect(true, m, kGroups);
    std::reverse(m.begin(), m.end());
    EXPECT_EQ(elect(true, m, kGroups), first);
    EXPECT_EQ(first.at("web"), "n2");
}

TEST(Election, HolderKeepsGroupAgainstBetterMember)
{
    // n2 (the better) returns after a failover: it joins as a standby, n3 keeps the VIPs.
    auto h =
        elect(true, {node("n2", 100, "10.0.0.2"), node("n3", 50, "10.0.0.3", {"web"})}, kGroups);
    EXPECT_EQ(h.at("web"), "n3");
}

TEST(Election, HolderGoneBestRemainingTakesOver)
{
    // n2 held "web" and left: of the rest, the highest priority.
    auto h = elect(true, {node("n1", 100, "10.0.0.1"), node("n3", 50, "10.0.0.3")}, kGroups);
    EXPECT_EQ(h.at("web"), "n1");
}

TEST(Election, TwoClaimantsBestRankedKeeps)
{
    // Partitions merging, each side with a holder: one keeps it, the other releases.
    auto h = elect(true,
                   {node("n1", 100, "10.0.0.1", {"web"}), node("n2", 100, "10.0.0.2", {"web"}),
                    node("n3", 200, "10.0.0.3")},
                   kGroups);
    EXPECT_EQ(h.at("web"), "n2");
}

TEST(Election, NoQuorumNobody)
{
    EXPECT_TRUE(elect(false, {node("n1", 100, "10.0.0.1", {"web"})}, kGroups).empty());
    EXPECT_TRUE(elect(true, {}, kGroups).empty());
}

TEST(Election, EachGroupOnItsOwn)
{
    auto h = elect(true, {node("n1", 100, "10.0.0.1", {"db"}), node("n2", 100, "10.0.0.2")},
                   {"web", "db"});
    EXPECT_EQ(h.at("web"), "n2");
    EXPECT_EQ(h.at("db"), "n1");
}

} // namespace
} // namespace dlba::arrayd
