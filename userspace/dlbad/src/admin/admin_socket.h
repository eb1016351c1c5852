#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <dlba/event/event_handler.h>
#include <dlba/event/event_loop.h>
#include <dlba/event/stream_session.h>
#include <dlba/unique_fd.h>

#include "admin/admin_api.h"
#include "admin/admin_config.h"

namespace dlba::dlbad {

class AdminSession;

// The admin socket (dlbad(8) ADMIN SOCKET): a unix stream socket on the daemon's main loop,
// HAProxy's "stats socket ... level admin".  One command per line, each answer ends with an empty
// line, any number of commands per connection.  Never blocks: sockets are non-blocking, a line is
// at most AdminCommandParser::kMaxLine bytes, answers not read by the client stop the reading of
// further commands, and a connection without progress for kIdle is closed.
class AdminSocket final : public EventHandler {
public:
    using Execute = std::function<AdminApi::Answer(std::string_view line)>;
    static constexpr std::size_t kMaxSessions = 16;
    static constexpr std::chrono::seconds kIdle{60};
    // Answers waiting for the client beyond this: no further command is read until they are sent.
    static constexpr std::size_t kMaxPendingOutput = 256 * 1024;

    // Creates the socket file (a stale socket there is replaced; its mode and group are set
    // before it listens).  Throws std::system_error naming the path.
    AdminSocket(EventLoop& loop, const AdminConfig& config, Execute execute);
    ~AdminSocket() override; // closes every session, removes the socket file

    AdminSocket(const AdminSocket&) = delete;
    AdminSocket& operator=(const AdminSocket&) = delete;

    void on_events(std::uint32_t events) override;

    [[nodiscard]] const AdminConfig& config() const noexcept { return config_; }

    // For sessions.
    [[nodiscard]] EventLoop& loop() noexcept { return loop_; }
    AdminApi::Answer execute(std::string_view line) { return execute_(line); }
    void session_done(AdminSession& session);

private:
    EventLoop& loop_;
    AdminConfig config_;
    Execute execute_;
    UniqueFd fd_;
    dev_t dev_ = 0; // of the socket file made here: removed at exit only if still ours
    ino_t ino_ = 0;
    StreamSessions sessions_;
};

// One client connection of the admin socket.
class AdminSession final : public StreamSession {
public:
    AdminSession(AdminSocket& server, UniqueFd fd);

    void on_events(std::uint32_t events) override;

private:
    void run_lines();
    bool read_some();
    void finished() override;

    AdminSocket& server_;
    std::string in_;
    bool peer_closed_ = false; // EOF read: answer what was asked, then close
    bool closing_ = false;     // quit / line too long: close once the output is sent
};

} // namespace dlba::dlbad
