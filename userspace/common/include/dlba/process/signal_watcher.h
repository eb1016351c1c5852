#pragma once

#include <functional>
#include <initializer_list>

#include <dlba/unique_fd.h>

#include <dlba/event/event_handler.h>

namespace dlba {

class EventLoop;

// Blocks the given signals (in the calling thread; call before starting other threads so they
// inherit the mask) and delivers them through a signalfd on an event loop.
class SignalWatcher final : public EventHandler {
public:
    SignalWatcher(EventLoop& loop, std::initializer_list<int> signals,
                  std::function<void(int)> handler);
    ~SignalWatcher() override;

    void on_events(std::uint32_t events) override;

private:
    EventLoop& loop_;
    UniqueFd fd_;
    std::function<void(int)> handler_;
};

} // namespace dlba
