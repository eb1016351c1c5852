#pragma once

#include <cstdint>
#include <functional>

namespace dlba {

class TimerWheel;

// One timeout, intrusively linked into a TimerWheel slot so that arming, re-arming and cancelling
// are O(1) (connections re-arm on every read).  Destroying an armed timer cancels it.  A timer
// belongs to one wheel (one event loop thread).
class Timer {
public:
    explicit Timer(std::function<void()> callback) : callback_(std::move(callback)) {}
    ~Timer() { cancel(); }

    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    [[nodiscard]] bool armed() const noexcept { return wheel_ != nullptr; }
    void cancel() noexcept;

private:
    friend class TimerWheel;

    std::function<void()> callback_;
    TimerWheel* wheel_ = nullptr; // non-owning: the wheel this timer is linked into
    Timer* prev_ = nullptr;
    Timer* next_ = nullptr;
    std::uint64_t expiry_tick_ = 0;
    std::size_t slot_ = 0;
};

} // namespace dlba
