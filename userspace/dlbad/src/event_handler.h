#pragma once

#include <cstdint>

namespace dlba::dlbad {

// Something registered with an EventLoop for readiness events on one fd.  The loop does not own
// it, except for handlers handed to EventLoop::retire() (destroyed after the current batch of
// events, which may still name them; a retired handler must ignore such events).
class EventHandler {
public:
    virtual ~EventHandler() = default;
    virtual void onEvents(std::uint32_t events) = 0;
};

} // namespace dlba::dlbad
