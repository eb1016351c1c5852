#pragma once

// Real peers on loopback for the sweeper's tests: child processes (dlbad, nginx, openssl
// s_server) and in-process listeners with chosen misbehaviour.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>

namespace dlba::arrayd::test {

// A private directory under /tmp, removed with what is in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }
    void write(const std::string& name, const std::string& text) const;

private:
    std::string path_;
};

bool have_tool(const std::string& name);
// A TCP port nobody listens on at `ip` now (bound with port 0, closed).
std::uint16_t free_port(const std::string& ip);
// Until something accepts connections on ip:port, or `limit`.
bool wait_port(const std::string& ip, std::uint16_t port, std::chrono::milliseconds limit);
// A file's text ("" when unreadable).
std::string read_text(const std::string& path);

// A child process (argv[0] looked up in PATH), stdout and stderr to `log`.  Stopped with SIGTERM,
// then SIGKILL, on stop() or destruction.
class Child {
public:
    Child() = default;
    Child(std::vector<std::string> argv, const std::string& log);
    ~Child() { stop(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    Child(Child&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
    Child& operator=(Child&& other) noexcept;
    void stop();
    [[nodiscard]] bool running() const { return pid_ > 0; }

private:
    pid_t pid_ = -1;
};

// Connections open at once at a set of listeners (from accept until the client has closed).
struct ConnCounter {
    std::atomic<int> open{0};
    std::atomic<int> max{0};
    std::atomic<int> accepted{0};
};

// An in-process listener on its own thread.
class FakePeer {
public:
    enum class Behaviour {
        Hold,     // accept, keep the connection until the client closes
        Http200,  // answer "HTTP/1.1 200 OK", keep it until the client closes
        Garbage,  // answer bytes that are neither JSON nor HTTP, close
        Oversize, // answer 2 MiB of a JSON string, close
        Slow,     // a byte of a JSON document every 100 ms, never the end (slowloris)
    };
    FakePeer(const std::string& ip, Behaviour behaviour, ConnCounter* counter = nullptr);
    ~FakePeer();
    FakePeer(const FakePeer&) = delete;
    FakePeer& operator=(const FakePeer&) = delete;
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string address() const;

private:
    void run();

    std::string ip_;
    Behaviour behaviour_;
    ConnCounter* counter_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Runs `loop` through steps: each waits (checked every tick) until its condition holds, then runs
// its action.  Stops the loop after the last, or at `limit`; returns "" or the step that timed out.
struct Step {
    std::string what;
    std::function<bool()> until;
    std::function<void()> then;
};
std::string drive(EventLoop& loop, std::vector<Step> steps, std::chrono::milliseconds limit);

} // namespace dlba::arrayd::test
