#include <dlba/event/timer_wheel.h>

namespace dlba {

void Timer::cancel() noexcept
{
    if (wheel_)
        wheel_->unlink(*this);
}

TimerWheel::TimerWheel(Clock::time_point start) : start_(start), slots_(kSlots, nullptr)
{}

TimerWheel::~TimerWheel()
{
    for (auto& head : slots_)
        while (head)
            unlink(*head);
}

std::uint64_t TimerWheel::tick_of(Clock::time_point t) const
{
    if (t <= start_)
        return 0;
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(t - start_) / kTick);
}

void TimerWheel::unlink(Timer& t) noexcept
{
    if (t.prev_)
        t.prev_->next_ = t.next_;
    else
        slots_[t.slot_] = t.next_;
    if (t.next_)
        t.next_->prev_ = t.prev_;
    t.prev_ = t.next_ = nullptr;
    t.wheel_ = nullptr;
    --count_;
}

void TimerWheel::schedule(Timer& t, std::chrono::milliseconds delay, Clock::time_point now)
{
    if (t.wheel_)
        unlink(t);
    // Round up so a timer never fires early; never schedule into an already processed tick.
    std::uint64_t ticks =
        static_cast<std::uint64_t>((delay + kTick - std::chrono::milliseconds(1)) / kTick);
    std::uint64_t expiry = tick_of(now) + (ticks ? ticks : 1);
    if (expiry < current_tick_)
        expiry = current_tick_;
    t.expiry_tick_ = expiry;
    t.slot_ = expiry % kSlots;
    t.wheel_ = this;
    t.prev_ = nullptr;
    t.next_ = slots_[t.slot_];
    if (t.next_)
        t.next_->prev_ = &t;
    slots_[t.slot_] = &t;
    ++count_;
}

void TimerWheel::advance(Clock::time_point now)
{
    std::uint64_t target = tick_of(now);
    while (current_tick_ <= target && count_ > 0) {
        auto slot = current_tick_ % kSlots;
        // Fire due timers one at a time, rescanning from the head: a callback may cancel, re-arm
        // or destroy any other timer, including ones of this slot.  Re-armed timers always land on
        // a later tick (schedule() rounds to at least tick_of(now) + 1 > current_tick_).
        for (;;) {
            Timer* t = slots_[slot];
            while (t && t->expiry_tick_ > current_tick_)
                t = t->next_;
            if (!t)
                break;
            unlink(*t);
            // Copy: the callback may destroy the timer's owner.
            auto cb = t->callback_;
            cb();
        }
        ++current_tick_;
    }
    if (count_ == 0 && current_tick_ <= target)
        current_tick_ = target + 1;
}

int TimerWheel::ms_until_next_tick(Clock::time_point now) const
{
    if (count_ == 0)
        return -1;
    auto next = start_ + kTick * static_cast<std::int64_t>(current_tick_);
    if (next <= now)
        return 0;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(ms + 1);
}

} // namespace dlba
