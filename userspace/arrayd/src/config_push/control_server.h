#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <dlba/event/event_handler.h>
#include <dlba/unique_fd.h>

namespace dlba {
class EventLoop;
}

namespace dlba::arrayd {

// dlba-arrayd's control socket (config.control, mode 0600): a peer that is root (SO_PEERCRED uid
// 0) writes one request and shuts its side down; the handler gets the request and answers when it
// can (a push: once this node applied it) with reply(), which writes the answer and closes.  A
// request larger than `max_request` or from another user is answered with an error at once.
class ControlServer final : public EventHandler {
public:
    using Handler = std::function<void(std::uint64_t client, std::string request)>;

    // Throws std::system_error when the socket cannot be bound.
    ControlServer(EventLoop& loop, std::string path, std::size_t max_request, Handler handler);
    ~ControlServer() override;
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Answers `client` and closes its connection (nothing if it went away).
    void reply(std::uint64_t client, const std::string& answer);
    void on_events(std::uint32_t events) override;

private:
    class Client;
    void close(std::uint64_t client);

    EventLoop& loop_;
    std::string path_;
    std::size_t max_request_;
    Handler handler_;
    UniqueFd fd_;
    std::uint64_t next_id_ = 1;
    std::map<std::uint64_t, Client*> clients_; // owned: retired to the loop when closed
};

} // namespace dlba::arrayd
