// The connection timers: hashed wheel semantics with a deterministic clock.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <dlba/event/timer_wheel.h>
#include <dlba/net/socket_address.h>

namespace dlba {
namespace {

using namespace std::chrono_literals;
using Clock = TimerWheel::Clock;

TEST(TimerWheel, FiresOnTimeNeverEarly)
{
    auto t0 = Clock::now();
    TimerWheel w(t0);
    int fired = 0;
    Timer t([&] { ++fired; });
    w.schedule(t, 100ms, t0);
    EXPECT_EQ(w.size(), 1u);
    w.advance(t0 + 95ms);
    EXPECT_EQ(fired, 0);
    w.advance(t0 + 111ms);
    EXPECT_EQ(fired, 1);
    EXPECT_FALSE(t.armed());
    EXPECT_EQ(w.ms_until_next_tick(t0 + 200ms), -1) << "idle wheel: epoll_wait blocks";
}

TEST(TimerWheel, RearmAndCancel)
{
    auto t0 = Clock::now();
    TimerWheel w(t0);
    int a = 0, b = 0;
    Timer ta([&] { ++a; });
    Timer tb([&] { ++b; });
    w.schedule(ta, 50ms, t0);
    w.schedule(tb, 50ms, t0);
    w.schedule(ta, 200ms, t0 + 40ms); // activity pushes the deadline
    tb.cancel();
    w.advance(t0 + 100ms);
    EXPECT_EQ(a, 0);
    EXPECT_EQ(b, 0);
    w.advance(t0 + 260ms);
    EXPECT_EQ(a, 1);
    EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, LongerThanOneRevolution)
{
    auto t0 = Clock::now();
    TimerWheel w(t0);
    int fired = 0;
    Timer t([&] { ++fired; });
    w.schedule(t, 25s, t0); // the wheel turns every 10.24 s
    for (int s = 1; s <= 24; ++s)
        w.advance(t0 + std::chrono::seconds(s));
    EXPECT_EQ(fired, 0);
    w.advance(t0 + 25s + 20ms);
    EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CallbackMayDestroyAnotherDueTimer)
{
    auto t0 = Clock::now();
    TimerWheel w(t0);
    auto victim = std::make_unique<Timer>([] { FAIL() << "destroyed timer fired"; });
    int fired = 0;
    Timer killer([&] {
        ++fired;
        victim.reset();
    });
    w.schedule(*victim, 30ms, t0);
    w.schedule(killer, 30ms, t0); // same slot, linked first
    w.advance(t0 + 50ms);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, DestroyedTimerUnlinks)
{
    auto t0 = Clock::now();
    TimerWheel w(t0);
    {
        Timer t([] {});
        w.schedule(t, 10ms, t0);
        EXPECT_EQ(w.size(), 1u);
    }
    EXPECT_EQ(w.size(), 0u);
}

TEST(SocketAddress, ParseAndPrint)
{
    EXPECT_EQ(SocketAddress::parse("10.0.0.1:80")->to_string(), "10.0.0.1:80");
    EXPECT_EQ(SocketAddress::parse("[fd00::1]:443")->to_string(), "[fd00::1]:443");
    EXPECT_EQ(SocketAddress::parse("[fd00::1]:443")->host(), "fd00::1");
    for (const char* bad : {"10.0.0.1", "10.0.0.1:", "10.0.0.1:65536", "fd00::1:80", "[fd00::1]80",
                            "host:80", "10.0.0.1:8x", ":80"})
        EXPECT_FALSE(SocketAddress::parse(bad)) << bad;
    EXPECT_TRUE(*SocketAddress::parse("1.2.3.4:5") == *SocketAddress::parse("1.2.3.4:5"));
    EXPECT_FALSE(*SocketAddress::parse("1.2.3.4:5") == *SocketAddress::parse("1.2.3.4:6"));
}

} // namespace
} // namespace dlba
