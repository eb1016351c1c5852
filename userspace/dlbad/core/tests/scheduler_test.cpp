#include <dlbad/ewma.h>
#include <dlbad/least_connections_scheduler.h>
#include <dlbad/least_response_time_scheduler.h>
#include <dlbad/scheduler.h>
#include <dlbad/weighted_round_robin.h>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace dlba::dlbad {
namespace {

ServerState server(std::uint32_t key, std::uint32_t weight, std::uint32_t open, double avg = 0.0,
                   std::uint64_t responses = 0, bool available = true)
{
    return ServerState{key, weight, open, avg, responses, available};
}

// How many of `picks` picks from `v` went to each server, by index; a pick of none fails.
std::vector<int> shares(const Scheduler& s, const std::vector<ServerState>& v,
                        WeightedRoundRobin& ties, int picks)
{
    std::vector<int> seen(v.size());
    for (int i = 0; i < picks; ++i) {
        const auto p = s.pick(v, ties);
        if (!p) {
            ADD_FAILURE() << "no server picked at pick " << i;
            break;
        }
        ++seen.at(*p);
    }
    return seen;
}

TEST(Scheduler, Factory)
{
    EXPECT_EQ(make_scheduler("wlc")->name(), "wlc");
    EXPECT_EQ(make_scheduler("lrt")->name(), "lrt");
    EXPECT_EQ(make_scheduler("rr"), nullptr);
}

TEST(LeastConnections, PicksFewestPerWeight)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 1, 5), server(2, 1, 2), server(3, 1, 9)};
    EXPECT_EQ(s.pick(v, ties), 1u);
    // Weight 3 with 7 in flight: 7/3 > 2/1, the first; with 5: 5/3 < 2/1, the second.
    const std::vector<ServerState> w = {server(1, 1, 2), server(2, 3, 7)};
    EXPECT_EQ(s.pick(w, ties), 0u);
    const std::vector<ServerState> x = {server(1, 1, 2), server(2, 3, 5)};
    EXPECT_EQ(s.pick(x, ties), 1u);
}

TEST(LeastConnections, SkipsUnavailableAndDrained)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 1, 0, 0, 0, false), server(2, 0, 0),
                                        server(3, 1, 100)};
    EXPECT_EQ(s.pick(v, ties), 2u);
    const std::vector<ServerState> none = {server(1, 1, 0, 0, 0, false), server(2, 0, 0)};
    EXPECT_EQ(s.pick(none, ties), std::nullopt);
    EXPECT_EQ(s.pick({}, ties), std::nullopt);
}

TEST(LeastConnections, EqualTiesRotate)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 1, 3), server(2, 1, 1), server(3, 1, 1),
                                        server(4, 1, 1)};
    EXPECT_EQ(shares(s, v, ties, 30), (std::vector<int>{0, 10, 10, 10}));
}

// Issue 16: a sequential client (one request at a time: every server has 0 in flight) with
// weights 2:1 sent all 30 requests to the first server ((0+1)/2 < (0+1)/1).  Idle servers tie,
// and the tie goes by smooth weighted round robin: exactly 20 and 10, interleaved.
TEST(LeastConnections, IdleServersShareByWeight)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 2, 0), server(2, 1, 0)};
    std::map<std::size_t, int> seen;
    std::string order;
    for (int i = 0; i < 30; ++i) {
        const auto p = *s.pick(v, ties);
        ++seen[p];
        if (i < 6)
            order += static_cast<char>('a' + p);
    }
    EXPECT_EQ(seen[0], 20);
    EXPECT_EQ(seen[1], 10);
    EXPECT_EQ(order, "abaaba") << "smooth: the light server is not left to the end";
}

// Equal weights: idle servers alternate, a b a b ..., half each.
TEST(LeastConnections, IdleEqualWeightsAlternate)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 1, 0), server(2, 1, 0)};
    std::string order;
    for (int i = 0; i < 30; ++i)
        order += static_cast<char>('a' + *s.pick(v, ties));
    std::string alternating;
    for (int i = 0; i < 15; ++i)
        alternating += "ab";
    EXPECT_EQ(order, alternating);
}

// Three idle servers of weights 3:2:1: a b a c b a, over and over, so every 6 picks give exactly
// 3, 2 and 1.
TEST(LeastConnections, ThreeWayTieSharesByWeight)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 3, 0), server(2, 2, 0), server(3, 1, 0)};
    std::string order;
    for (int i = 0; i < 60; ++i) {
        order += static_cast<char>('a' + *s.pick(v, ties));
        if (order.size() % 6 == 0) {
            const std::string six = order.substr(order.size() - 6);
            EXPECT_EQ(six, "abacba") << "picks " << order.size() - 6 << " to " << order.size();
        }
    }
    // Three servers that tie at the same load per weight, not idle (2/2 = 1/1 = 3/3): the same.
    const std::vector<ServerState> w = {server(1, 2, 2), server(2, 1, 1), server(3, 3, 3)};
    EXPECT_EQ(shares(s, w, ties, 60), (std::vector<int>{20, 10, 30}));
}

// Servers with weight 0 (draining) or not available take no part in the rotation, get no credit
// while out and do not skew the share of the others.
TEST(LeastConnections, TieSkipsDrainingAndUnavailable)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 2, 0), server(2, 0, 0),
                                        server(3, 5, 0, 0, 0, false), server(4, 1, 0)};
    EXPECT_EQ(shares(s, v, ties, 30), (std::vector<int>{20, 0, 0, 10}));
    // The unavailable one comes back: from then on all three idle servers share 2:5:1.
    const std::vector<ServerState> back = {server(1, 2, 0), server(2, 0, 0), server(3, 5, 0),
                                           server(4, 1, 0)};
    EXPECT_EQ(shares(s, back, ties, 80), (std::vector<int>{20, 0, 50, 10}));
}

// A heavier server loses as soon as it has more requests in flight per weight, and wins while
// it has fewer, whatever the rotation would say.
TEST(LeastConnections, BusierHeavierServerLoses)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    // Weight 5 with 1 in flight (0.2) against an idle weight 1: the idle one.
    const std::vector<ServerState> v = {server(1, 5, 1), server(2, 1, 0)};
    // Weight 4 with 3 in flight (0.75) against weight 1 with 1 (1.0): the heavy one.
    const std::vector<ServerState> w = {server(1, 4, 3), server(2, 1, 1)};
    // Weight 4 with 5 in flight (1.25) against weight 1 with 1 (1.0): the light one.
    const std::vector<ServerState> x = {server(1, 4, 5), server(2, 1, 1)};
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(s.pick(v, ties), 1u);
        EXPECT_EQ(s.pick(w, ties), 0u);
        EXPECT_EQ(s.pick(x, ties), 1u);
    }
}

// The tie-break only chooses among the best: fewer requests in flight per weight always wins,
// whatever the rotation's state.
TEST(LeastConnections, FewerPerWeightBeatsTheTieBreak)
{
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    // Weight 2 with 3 in flight (1.5 each) against weight 1 with 1 (1.0): the second, always.
    const std::vector<ServerState> v = {server(1, 2, 3), server(2, 1, 1)};
    // Weight 2 with 1 in flight (0.5) against weight 1 with 1 (1.0): the first, always.
    const std::vector<ServerState> w = {server(1, 2, 1), server(2, 1, 1)};
    // Two idle servers 3:1 and a busy one: only the idle ones share, 3:1.
    const std::vector<ServerState> x = {server(1, 3, 0), server(2, 1, 0), server(3, 9, 1)};
    std::map<std::size_t, int> seen;
    for (int i = 0; i < 40; ++i) {
        EXPECT_EQ(s.pick(v, ties), 1u);
        EXPECT_EQ(s.pick(w, ties), 0u);
        ++seen[*s.pick(x, ties)];
    }
    EXPECT_EQ(seen[0], 30);
    EXPECT_EQ(seen[1], 10);
    EXPECT_EQ(seen[2], 0);
}

TEST(LeastConnections, WeightedSpreadOfNewSessions)
{
    // Simulate sessions that never close: requests in flight end up ~ weight.
    const LeastConnectionsScheduler s;
    WeightedRoundRobin ties;
    std::vector<ServerState> v = {server(1, 1, 0), server(2, 2, 0), server(3, 5, 0)};
    for (int i = 0; i < 800; ++i)
        ++v[*s.pick(v, ties)].open_connections;
    EXPECT_EQ(v[0].open_connections, 100u);
    EXPECT_EQ(v[1].open_connections, 200u);
    EXPECT_EQ(v[2].open_connections, 500u);
}

TEST(LeastResponseTime, PrefersFastServer)
{
    const LeastResponseTimeScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 1, 0, 50.0, 100), server(2, 1, 0, 5.0, 100)};
    EXPECT_EQ(s.pick(v, ties), 1u);
}

TEST(LeastResponseTime, QueueLengthCountsAgainstFastServer)
{
    // 5 ms with 20 in flight (105) is worse than 50 ms idle (50).
    const LeastResponseTimeScheduler s;
    WeightedRoundRobin ties;
    const std::vector<ServerState> v = {server(1, 1, 0, 50.0, 100), server(2, 1, 20, 5.0, 100)};
    EXPECT_EQ(s.pick(v, ties), 0u);
}

TEST(LeastResponseTime, ColdServerScoredAsFastestAndIsTried)
{
    const LeastResponseTimeScheduler s;
    WeightedRoundRobin ties;
    // Warm servers at 10 ms (2 in flight: score 30) and 30 ms (idle: 30); a new
    // server is scored as the fastest, 10 ms idle, so it is tried next.
    const std::vector<ServerState> v = {server(1, 1, 2, 10.0, 50), server(2, 1, 0, 30.0, 50),
                                        server(3, 1, 0, 0.0, 0)};
    EXPECT_EQ(s.pick(v, ties), 2u);
    // Against an idle 10 ms server it ties: the tie-break shares the picks,
    // so sequential requests cannot starve it of its measurement.
    const std::vector<ServerState> w = {server(1, 1, 0, 10.0, 50), server(2, 1, 0, 30.0, 50),
                                        server(3, 1, 0, 0.0, 1)};
    EXPECT_EQ(s.pick(w, ties), 0u);
    EXPECT_EQ(s.pick(w, ties), 2u);
    // A queue on the fast server sends the cold one the request.
    const std::vector<ServerState> q = {server(1, 1, 1, 10.0, 50), server(2, 1, 0, 30.0, 50),
                                        server(3, 1, 0, 0.0, 1)};
    EXPECT_EQ(s.pick(q, ties), 2u);
}

// The same tie problem as least connections: an idle server's score was divided by its weight,
// so a weight-2 warm server beat an idle cold weight-1 server on every sequential request and
// the cold one was never measured; idle servers of equal averages never shared by weight.
TEST(LeastResponseTime, IdleServersOfOneAverageShareByWeight)
{
    const LeastResponseTimeScheduler s;
    WeightedRoundRobin ties, ties_cold;
    const std::vector<ServerState> warm = {server(1, 2, 0, 10.0, 50), server(2, 1, 0, 10.0, 50)};
    const std::vector<ServerState> cold = {server(1, 2, 0, 10.0, 50), server(2, 1, 0, 0.0, 0)};
    std::map<std::size_t, int> seen_warm, seen_cold;
    for (int i = 0; i < 30; ++i) {
        ++seen_warm[*s.pick(warm, ties)];
        ++seen_cold[*s.pick(cold, ties_cold)];
    }
    EXPECT_EQ(seen_warm[0], 20);
    EXPECT_EQ(seen_warm[1], 10);
    EXPECT_EQ(seen_cold[0], 20);
    EXPECT_EQ(seen_cold[1], 10) << "the cold server gets its measurement";
    // The fastest idle server still wins outright, whatever the weights and the rotation.
    const std::vector<ServerState> v = {server(1, 4, 0, 20.0, 50), server(2, 1, 0, 10.0, 50)};
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(s.pick(v, ties), 1u);
}

TEST(LeastResponseTime, WeightAndAvailability)
{
    const LeastResponseTimeScheduler s;
    WeightedRoundRobin ties;
    // 4 in flight each: 10 x (1 + 4/1) = 50 against 20 x (1 + 4/4) = 40: weight 4 shares its
    // queue over 4 times the capacity.
    const std::vector<ServerState> v = {server(1, 1, 4, 10.0, 10), server(2, 4, 4, 20.0, 10),
                                        server(3, 1, 0, 1.0, 10, false)};
    EXPECT_EQ(s.pick(v, ties), 1u);
    const std::vector<ServerState> none = {server(3, 1, 0, 1.0, 10, false)};
    EXPECT_EQ(s.pick(none, ties), std::nullopt);
}

TEST(WeightedRoundRobin, SmoothSequenceAndExactShares)
{
    // Weights 5:1:1 over 7 picks: a a b a c a a (nginx's smooth weighted round robin).
    WeightedRoundRobin rr;
    const std::vector<ServerState> v = {server(1, 5, 0), server(2, 1, 0), server(3, 1, 0)};
    std::string order;
    for (int i = 0; i < 7; ++i)
        order += static_cast<char>('a' + rr.pick(v, [](std::size_t) { return true; }));
    EXPECT_EQ(order, "aabacaa");
    // Only the candidates take part: the third never, the first two 5:1.
    std::map<std::size_t, int> seen;
    for (int i = 0; i < 60; ++i)
        ++seen[rr.pick(v, [](std::size_t i) { return i < 2; })];
    EXPECT_EQ(seen[0], 50);
    EXPECT_EQ(seen[1], 10);
    EXPECT_EQ(seen[2], 0);
}

TEST(Ewma, Averages)
{
    Ewma e(0.5);
    EXPECT_EQ(e.samples(), 0u);
    e.add(10);
    EXPECT_DOUBLE_EQ(e.value(), 10);
    e.add(20);
    EXPECT_DOUBLE_EQ(e.value(), 15);
    e.add(20);
    EXPECT_DOUBLE_EQ(e.value(), 17.5);
    EXPECT_EQ(e.samples(), 3u);
    EXPECT_THROW(Ewma(0.0), std::invalid_argument);
    EXPECT_THROW(Ewma(1.5), std::invalid_argument);
}

} // namespace
} // namespace dlba::dlbad
