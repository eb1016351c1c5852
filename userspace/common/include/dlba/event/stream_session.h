#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include <dlba/event/event_handler.h>
#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>
#include <dlba/unique_fd.h>

namespace dlba {

// One client connection of a small local service on the daemon's main loop (the monitoring
// endpoints, dlbad's admin socket): a non-blocking stream socket registered edge-triggered, a
// timer that closes it, an output buffer sent as far as the client reads, and closing exactly
// once.  What is read and what is answered is the subclass's: it implements on_events() with
// receive(), flush() and finish(), and finished() to hand itself back to its server.
class StreamSession : public EventHandler {
public:
    // Idle: the timer starts again whenever bytes are read or sent.  Total: it runs from start().
    enum class Deadline { Idle, Total };

    StreamSession(EventLoop& loop, UniqueFd fd, std::chrono::milliseconds timeout,
                  Deadline deadline);
    ~StreamSession() override;

    StreamSession(const StreamSession&) = delete;
    StreamSession& operator=(const StreamSession&) = delete;

    // Registers the socket, arms the timer and handles what is already there.
    void start();

protected:
    enum class Received {
        Data,   // appended to the buffer
        Closed, // the client closed its side
        Drained // nothing more to read now, or an error (then the session is finished)
    };

    // One recv() (EINTR retried), appended to `into`.
    Received receive(std::string& into);

    // Sends out_ from sent_ on.  True once all of it is sent (out_ and sent_ are then reset);
    // false while the client does not read, or after an error (then the session is finished).
    bool flush();

    // Closes the connection (once) and calls finished().
    void finish();

    [[nodiscard]] bool done() const noexcept { return done_; }
    [[nodiscard]] std::size_t pending_output() const noexcept { return out_.size() - sent_; }
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

    // The session is closed: hand it back to its server (which retires it).
    virtual void finished() = 0;

    std::string out_; // what is to be sent; flush() sends it

private:
    void progress();

    EventLoop& loop_;
    UniqueFd fd_;
    std::chrono::milliseconds timeout_;
    Deadline deadline_;
    Timer timer_;
    std::size_t sent_ = 0;
    bool done_ = false;
};

// The open sessions of one server, at most `max` of them (past that the server turns a client
// away).  A finished session is retired to the loop: events of the current batch may still name
// it.
class StreamSessions {
public:
    StreamSessions(EventLoop& loop, std::size_t max) : loop_(loop), max_(max) {}

    [[nodiscard]] bool full() const noexcept { return sessions_.size() >= max_; }
    // Keeps `session` and starts it.
    void start(std::unique_ptr<StreamSession> session);
    // From the session's finished().
    void done(StreamSession& session);
    void clear() noexcept { sessions_.clear(); }

private:
    EventLoop& loop_;
    std::size_t max_;
    std::unordered_map<StreamSession*, std::unique_ptr<StreamSession>> sessions_;
};

} // namespace dlba
