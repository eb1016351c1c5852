#include <dlba/event/event_loop.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <sched.h>

#include <cerrno>
#include <system_error>

namespace dlba {

namespace {
// The eventfd's epoll data: a tag distinct from every handler pointer.
constexpr std::uint64_t kWakeupTag = 1;
} // namespace

EventLoop::EventLoop()
    : epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wakeup_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      now_(Clock::now()),
      timers_(now_)
{
    if (!epoll_ || !wakeup_fd_)
        throw std::system_error(errno, std::generic_category(), "epoll/eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeupTag;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wakeup_fd_.get(), &ev) < 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl(eventfd)");
}

EventLoop::~EventLoop()
{
    release_retired();
}

void EventLoop::retire(std::unique_ptr<EventHandler> handler) noexcept
{
    if (!handler)
        return;
    EventHandler* h = handler.release();
    h->retired_next_ = retired_;
    retired_ = h;
}

void EventLoop::add(int fd, std::uint32_t events, EventHandler* handler)
{
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = handler;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
        throw std::system_error(errno, std::generic_category(), "epoll_ctl(ADD)");
}

void EventLoop::remove(int fd) noexcept
{
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::post(std::function<void()> fn)
{
    {
        std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(fn));
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakeup_fd_.get(), &one, sizeof(one));
}

void EventLoop::stop()
{
    stopping_.store(true);
    post([] {});
}

void EventLoop::drain_posted()
{
    std::uint64_t value;
    while (::read(wakeup_fd_.get(), &value, sizeof(value)) > 0) {}
    std::vector<std::function<void()>> work;
    {
        std::lock_guard lock(posted_mutex_);
        work.swap(posted_);
    }
    for (auto& fn : work)
        fn();
}

void EventLoop::run()
{
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    // When this loop last got the CPU back (woke in epoll_wait, or returned from a yield).
    auto running_since = Clock::now();
    while (!stopping_.load(std::memory_order_relaxed)) {
        auto before_wait = Clock::now();
        if (before_wait - running_since >= kRunBudget) {
            // Events were ready at every epoll_wait for a whole budget: let the threads that
            // share this CPU (another worker, the peers whose wakeups our sends caused) run
            // now rather than at the end of a scheduler slice; whatever became ready meanwhile
            // is collected by the epoll_wait below.
            ::sched_yield();
            yields_.fetch_add(1, std::memory_order_relaxed);
            before_wait = Clock::now();
            running_since = before_wait;
        }
        int timeout =
            later_.empty() && heavy_.empty() ? timers_.ms_until_next_tick(before_wait) : 0;
        int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error(errno, std::generic_category(), "epoll_wait");
        }
        now_ = Clock::now();
        // Nothing was ready when a wait was allowed, or the call took long enough that it must
        // have slept or been preempted: either way the CPU was given up, the budget restarts.
        if ((n == 0 && timeout != 0) || now_ - before_wait >= kOffCpuThreshold)
            running_since = now_;
        if (!later_.empty()) {
            auto batch = std::move(later_);
            later_.clear();
            for (auto& fn : batch)
                fn();
        }
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == kWakeupTag) {
                drain_posted();
                continue;
            }
            static_cast<EventHandler*>(events[i].data.ptr)->on_events(events[i].events);
        }
        timers_.advance(now_);
        run_deferred();
        for (std::size_t i = 0; i < kHeavyPerIteration && !heavy_.empty(); ++i) {
            auto fn = std::move(heavy_.front());
            heavy_.pop_front();
            fn();
            run_deferred();
        }
        release_retired();
    }
    release_retired();
}

void EventLoop::run_deferred()
{
    // Deferred work may defer more (a closing connection releasing its back-end).
    while (!deferred_.empty()) {
        auto batch = std::move(deferred_);
        deferred_.clear();
        for (auto& fn : batch)
            fn();
    }
}

void EventLoop::release_retired()
{
    // Destructors may retire more (a connection releasing its back-end).
    while (retired_) {
        EventHandler* h = retired_;
        retired_ = h->retired_next_;
        delete h;
    }
}

} // namespace dlba
