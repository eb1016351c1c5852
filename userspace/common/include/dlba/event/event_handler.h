#pragma once

#include <cstdint>

namespace dlba {

// Something registered with an EventLoop for readiness events on one fd.  The loop does not own
// it, except for handlers handed to EventLoop::retire() (destroyed after the current batch of
// events, which may still name them; a retired handler must ignore such events).
class EventHandler {
public:
    virtual ~EventHandler() = default;
    virtual void on_events(std::uint32_t events) = 0;

private:
    friend class EventLoop;
    // Link in the loop's list of retired handlers: retiring allocates nothing, so it cannot fail
    // (it runs on the paths that close a connection after an error, out of memory included).
    EventHandler* retired_next_ = nullptr;
};

} // namespace dlba
