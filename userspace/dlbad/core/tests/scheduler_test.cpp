#include <dlbad/ewma.h>
#include <dlbad/least_connections_scheduler.h>
#include <dlbad/least_response_time_scheduler.h>
#include <dlbad/scheduler.h>

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace dlba::dlbad {
namespace {

ServerState server(std::uint32_t key, std::uint32_t weight, std::uint32_t open, double avg = 0.0,
                   std::uint64_t responses = 0, bool available = true)
{
    return ServerState{key, weight, open, avg, responses, available};
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
    const std::vector<ServerState> v = {server(1, 1, 5), server(2, 1, 2), server(3, 1, 9)};
    EXPECT_EQ(s.pick(v, 0), 1u);
    // Weight 3 with 8 open: (8+1)/3 = 3 < (2+1)/1 = 3? equal -> tie; 7 open: 8/3 < 3.
    const std::vector<ServerState> w = {server(1, 1, 2), server(2, 3, 7)};
    EXPECT_EQ(s.pick(w, 0), 1u);
}

TEST(LeastConnections, SkipsUnavailableAndDrained)
{
    const LeastConnectionsScheduler s;
    const std::vector<ServerState> v = {server(1, 1, 0, 0, 0, false), server(2, 0, 0),
                                        server(3, 1, 100)};
    EXPECT_EQ(s.pick(v, 0), 2u);
    const std::vector<ServerState> none = {server(1, 1, 0, 0, 0, false), server(2, 0, 0)};
    EXPECT_EQ(s.pick(none, 0), std::nullopt);
    EXPECT_EQ(s.pick({}, 0), std::nullopt);
}

TEST(LeastConnections, TiesRotateWithTiebreak)
{
    const LeastConnectionsScheduler s;
    const std::vector<ServerState> v = {server(1, 1, 3), server(2, 1, 1), server(3, 1, 1),
                                        server(4, 1, 1)};
    std::map<std::size_t, int> seen;
    for (std::uint64_t t = 0; t < 30; ++t)
        ++seen[*s.pick(v, t)];
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1], 10);
    EXPECT_EQ(seen[2], 10);
    EXPECT_EQ(seen[3], 10);
}

TEST(LeastConnections, WeightedSpreadOfNewSessions)
{
    // Simulate sessions that never close: open connections end up ~ weight.
    const LeastConnectionsScheduler s;
    std::vector<ServerState> v = {server(1, 1, 0), server(2, 2, 0), server(3, 5, 0)};
    for (std::uint64_t i = 0; i < 800; ++i)
        ++v[*s.pick(v, i)].open_connections;
    EXPECT_EQ(v[0].open_connections, 100u);
    EXPECT_EQ(v[1].open_connections, 200u);
    EXPECT_EQ(v[2].open_connections, 500u);
}

TEST(LeastResponseTime, PrefersFastServer)
{
    const LeastResponseTimeScheduler s;
    const std::vector<ServerState> v = {server(1, 1, 0, 50.0, 100), server(2, 1, 0, 5.0, 100)};
    EXPECT_EQ(s.pick(v, 0), 1u);
}

TEST(LeastResponseTime, QueueLengthCountsAgainstFastServer)
{
    // 5 ms with 20 open (105) is worse than 50 ms idle (50).
    const LeastResponseTimeScheduler s;
    const std::vector<ServerState> v = {server(1, 1, 0, 50.0, 100), server(2, 1, 20, 5.0, 100)};
    EXPECT_EQ(s.pick(v, 0), 0u);
}

TEST(LeastResponseTime, ColdServerScoredAsFastestAndIsTried)
{
    const LeastResponseTimeScheduler s;
    // Warm servers at 10 ms (2 open: score 30) and 30 ms (idle: 30); a new
    // server is scored as the fastest, 10 ms idle, so it is tried next.
    const std::vector<ServerState> v = {server(1, 1, 2, 10.0, 50), server(2, 1, 0, 30.0, 50),
                                        server(3, 1, 0, 0.0, 0)};
    EXPECT_EQ(s.pick(v, 0), 2u);
    // Against an idle 10 ms server it ties: the tie-break shares the picks,
    // so sequential requests cannot starve it of its measurement.
    const std::vector<ServerState> w = {server(1, 1, 0, 10.0, 50), server(2, 1, 0, 30.0, 50),
                                        server(3, 1, 0, 0.0, 1)};
    EXPECT_EQ(s.pick(w, 0), 0u);
    EXPECT_EQ(s.pick(w, 1), 2u);
    // A queue on the fast server sends the cold one the request.
    const std::vector<ServerState> q = {server(1, 1, 1, 10.0, 50), server(2, 1, 0, 30.0, 50),
                                        server(3, 1, 0, 0.0, 1)};
    EXPECT_EQ(s.pick(q, 0), 2u);
}

TEST(LeastResponseTime, WeightAndAvailability)
{
    const LeastResponseTimeScheduler s;
    const std::vector<ServerState> v = {server(1, 1, 0, 10.0, 10), server(2, 4, 0, 20.0, 10),
                                        server(3, 1, 0, 1.0, 10, false)};
    EXPECT_EQ(s.pick(v, 0), 1u); // 20/4 = 5 < 10
    const std::vector<ServerState> none = {server(3, 1, 0, 1.0, 10, false)};
    EXPECT_EQ(s.pick(none, 0), std::nullopt);
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
