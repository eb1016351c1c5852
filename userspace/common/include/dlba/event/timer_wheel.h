#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <dlba/event/timer.h>

namespace dlba {

// A hashed timing wheel (Varghese & Lauck) with a fixed tick.  Timers further than one revolution
// away stay in their slot until their tick comes round.  Time is passed in by the owner (the event
// loop) so the wheel is deterministic in tests.
class TimerWheel {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds kTick{10};
    static constexpr std::size_t kSlots = 1024;

    explicit TimerWheel(Clock::time_point start);
    ~TimerWheel();

    TimerWheel(const TimerWheel&) = delete;
    TimerWheel& operator=(const TimerWheel&) = delete;

    // (Re)arms `timer` to fire `delay` after `now` (rounded up to the tick).
    void schedule(Timer& timer, std::chrono::milliseconds delay, Clock::time_point now);
    // Fires every timer due at or before `now`.  Callbacks may arm or cancel any timer.
    void advance(Clock::time_point now);
    // Milliseconds until the next tick that has work, for epoll_wait; -1 when nothing is armed.
    [[nodiscard]] int ms_until_next_tick(Clock::time_point now) const;
    [[nodiscard]] std::size_t size() const noexcept { return count_; }

private:
    friend class Timer;
    void unlink(Timer& timer) noexcept;
    [[nodiscard]] std::uint64_t tick_of(Clock::time_point t) const;

    Clock::time_point start_;
    std::uint64_t current_tick_ = 0; // every tick below this has been processed
    std::vector<Timer*> slots_;      // heads of intrusive lists (non-owning)
    std::size_t count_ = 0;
};

} // namespace dlba
