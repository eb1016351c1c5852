#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <dlba/unique_fd.h>

#include <dlba/event/event_handler.h>
#include <dlba/event/timer_wheel.h>

namespace dlba {

// One epoll instance driven by one thread.  Sockets are registered edge-triggered once for
// EPOLLIN|EPOLLOUT|EPOLLRDHUP; handlers keep readiness flags and work until EAGAIN, so the loop
// never needs epoll_ctl(MOD) on the data path.  Timers come from a TimerWheel whose next tick
// bounds epoll_wait.  post() is the only thread-safe entry point (other threads hand work over
// through an eventfd).
class EventLoop {
public:
    using Clock = std::chrono::steady_clock;

    EventLoop();
    ~EventLoop();

    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    void add(int fd, std::uint32_t events, EventHandler* handler);
    void remove(int fd) noexcept;

    // Runs until stop().  Exceptions from handlers propagate.
    void run();
    // Thread-safe.
    void stop();
    // Thread-safe: run `fn` on the loop thread.
    void post(std::function<void()> fn);
    // Run `fn` after the current batch of events (deferred destruction of connections whose fds
    // may still have events pending in this batch).
    void defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }
    // Destroy `handler` after the current batch of events.  Never fails (no allocation: the
    // handlers are linked through themselves).
    void retire(std::unique_ptr<EventHandler> handler) noexcept;
    // Run `fn` on the next iteration without waiting for events (fairness: a connection that
    // could keep moving data yields to the others).
    void later(std::function<void()> fn) { later_.push_back(std::move(fn)); }
    // Run `fn` once this iteration's events and deferred work are done, at most
    // kHeavyPerIteration of them per iteration, the rest on the next ones in order.  For work
    // that takes far longer than handling an event (a full TLS handshake: ~0.5 ms of key
    // exchange and signature): the ready events of established connections are looked at again
    // after each, instead of queueing behind a burst of new connections' handshakes.
    void heavy(std::function<void()> fn) { heavy_.push_back(std::move(fn)); }
    static constexpr std::size_t kHeavyPerIteration = 1;

    // A loop that finds events ready at every epoll_wait never sleeps, and would keep its CPU
    // for a whole scheduler slice (milliseconds) while a second worker on that CPU, or the
    // client or back-end it just sent to, waits: that wait is the latency tail.  After running
    // kRunBudget without giving up the CPU the loop calls sched_yield() once.  An epoll_wait
    // that takes kOffCpuThreshold or longer counts as having slept (or been preempted).
    static constexpr std::chrono::microseconds kRunBudget{500};
    static constexpr std::chrono::microseconds kOffCpuThreshold{30};
    // Thread-safe: how many times the loop has yielded its CPU under kRunBudget.
    [[nodiscard]] std::uint64_t yields() const noexcept
    {
        return yields_.load(std::memory_order_relaxed);
    }

    void arm(Timer& timer, std::chrono::milliseconds delay)
    {
        timers_.schedule(timer, delay, now_);
    }
    [[nodiscard]] Clock::time_point now() const noexcept { return now_; }
    [[nodiscard]] TimerWheel& timers() noexcept { return timers_; }

private:
    void drain_posted();
    void run_deferred();
    void release_retired();

    UniqueFd epoll_;
    UniqueFd wakeup_fd_;
    Clock::time_point now_;
    TimerWheel timers_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> yields_{0};
    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
    std::vector<std::function<void()>> deferred_;
    std::vector<std::function<void()>> later_;
    std::deque<std::function<void()>> heavy_;
    EventHandler* retired_ = nullptr; // owned: a list linked by EventHandler::retired_next_
};

} // namespace dlba
