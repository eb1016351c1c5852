#include "peers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dlba::arrayd::test {

TempDir::TempDir()
{
    char tmpl[] = "/tmp/arrayd-sweep.XXXXXX";
    if (!::mkdtemp(tmpl))
        throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& text) const
{
    std::ofstream(path_ + "/" + name) << text;
}

bool have_tool(const std::string& name)
{
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':'))
        if (!dir.empty() && ::access((dir + "/" + name).c_str(), X_OK) == 0)
            return true;
    for (const char* d : {"/usr/sbin", "/sbin"})
        if (::access((std::string(d) + "/" + name).c_str(), X_OK) == 0)
            return true;
    return false;
}

namespace {

sockaddr_in loopback(const std::string& ip, std::uint16_t port)
{
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &sin.sin_addr);
    return sin;
}

// A peer's end is closed: EOF or an error (a check ends with RST).
bool peer_closed(int fd)
{
    char c;
    ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

} // namespace

std::uint16_t free_port(const std::string& ip)
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin = loopback(ip, 0);
    socklen_t len = sizeof(sin);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) < 0) {
        ::close(fd);
        throw std::runtime_error("free_port: bind failed");
    }
    ::close(fd);
    return ntohs(sin.sin_port);
}

bool wait_port(const std::string& ip, std::uint16_t port, std::chrono::milliseconds limit)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sin = loopback(ip, port);
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
        ::close(fd);
        if (ok)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Child::Child(std::vector<std::string> argv, const std::string& log)
{
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0)
        throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        if (null >= 0)
            ::dup2(null, 0);
        // Its own process group, so a test runner's signals reach it only through stop().
        ::setpgid(0, 0);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
}

Child& Child::operator=(Child&& other) noexcept
{
    if (this != &other) {
        stop();
        pid_ = other.pid_;
        other.pid_ = -1;
    }
    return *this;
}

void Child::stop()
{
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

FakePeer::FakePeer(const std::string& ip, Behaviour behaviour, ConnCounter* counter)
    : ip_(ip),
      behaviour_(behaviour),
      counter_(counter)
{
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in sin = loopback(ip, 0);
    socklen_t len = sizeof(sin);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) < 0 ||
        ::listen(listen_fd_, 64) < 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sin), &len) < 0)
        throw std::runtime_error("FakePeer: cannot listen on " + ip);
    port_ = ntohs(sin.sin_port);
    thread_ = std::thread([this] { run(); });
}

FakePeer::~FakePeer()
{
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
}

std::string FakePeer::address() const
{
    return ip_ + ":" + std::to_string(port_);
}

void FakePeer::run()
{
    struct Conn {
        int fd;
        std::chrono::steady_clock::time_point next_drip;
        std::size_t dripped;
    };
    std::vector<Conn> conns;
    const std::string slow_doc = R"({"format": 1, "dlbad": {"connections": 0)";
    auto drop = [&](std::size_t i) {
        ::close(conns[i].fd);
        conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
        if (counter_)
            --counter_->open;
    };
    // Connections whose client has gone are forgotten (counted closed) before a new one counts.
    auto reap = [&] {
        for (std::size_t i = conns.size(); i-- > 0;)
            if (peer_closed(conns[i].fd))
                drop(i);
    };
    while (!stop_) {
        std::vector<pollfd> pfds;
        pfds.push_back({listen_fd_, POLLIN, 0});
        for (const auto& c : conns)
            pfds.push_back({c.fd, POLLIN, 0});
        ::poll(pfds.data(), pfds.size(), 20);
        for (;;) {
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd < 0)
                break;
            reap();
            if (counter_) {
                ++counter_->accepted;
                int now = ++counter_->open;
                int prev = counter_->max.load();
                while (now > prev && !counter_->max.compare_exchange_weak(prev, now)) {}
            }
            conns.push_back({fd, std::chrono::steady_clock::now(), 0});
            switch (behaviour_) {
            case Behaviour::Hold:
                break;
            case Behaviour::Http200: {
                const char* a = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
                (void)!::send(fd, a, std::char_traits<char>::length(a), MSG_NOSIGNAL);
                break;
            }
            case Behaviour::Garbage: {
                const char* g = "\x16\x03garbage, not { json\r\n\r\n";
                (void)!::send(fd, g, std::char_traits<char>::length(g), MSG_NOSIGNAL);
                drop(conns.size() - 1);
                break;
            }
            case Behaviour::Oversize: {
                // Blocking writes: the client reads until it has seen more than 1 MiB.
                int flags = ::fcntl(fd, F_GETFL);
                ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
                timeval tv{2, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                std::string big = "{\"format\": 1, \"pad\": \"" + std::string(2 << 20, 'x') + "\"}";
                std::size_t off = 0;
                while (off < big.size()) {
                    ssize_t n = ::send(fd, big.data() + off, big.size() - off, MSG_NOSIGNAL);
                    if (n <= 0)
                        break;
                    off += static_cast<std::size_t>(n);
                }
                drop(conns.size() - 1);
                break;
            }
            case Behaviour::Slow:
                break;
            }
        }
        auto now = std::chrono::steady_clock::now();
        for (std::size_t i = conns.size(); i-- > 0;) {
            Conn& c = conns[i];
            char buf[4096];
            // Requests are read and dropped; a closed client is forgotten.
            ssize_t n = ::recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                drop(i);
                continue;
            }
            if (behaviour_ == Behaviour::Slow && now >= c.next_drip) {
                char ch = slow_doc[c.dripped % slow_doc.size()];
                (void)!::send(c.fd, &ch, 1, MSG_NOSIGNAL);
                ++c.dripped;
                c.next_drip = now + std::chrono::milliseconds(100);
            }
        }
    }
    for (const auto& c : conns)
        ::close(c.fd);
}

std::string drive(EventLoop& loop, std::vector<Step> steps, std::chrono::milliseconds limit)
{
    std::size_t at = 0;
    std::string failed;
    auto deadline = std::chrono::steady_clock::now() + limit;
    Timer* self = nullptr;
    Timer ticker([&] {
        while (at < steps.size() && steps[at].until()) {
            if (steps[at].then)
                steps[at].then();
            ++at;
        }
        if (at == steps.size()) {
            loop.stop();
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            failed = steps[at].what;
            loop.stop();
            return;
        }
        loop.arm(*self, std::chrono::milliseconds(10));
    });
    self = &ticker;
    loop.arm(ticker, std::chrono::milliseconds(10));
    loop.run();
    return failed;
}

} // namespace dlba::arrayd::test
