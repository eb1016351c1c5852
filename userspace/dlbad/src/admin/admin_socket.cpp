#include "admin/admin_socket.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include <dlba/process/logger.h>

namespace dlba::dlbad {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path)
{
    throw std::system_error(errno, std::generic_category(), "admin socket " + path + ": " + what);
}

} // namespace

AdminSocket::AdminSocket(EventLoop& loop, const AdminConfig& config, Execute execute)
    : loop_(loop),
      config_(config),
      execute_(std::move(execute)),
      sessions_(loop, kMaxSessions)
{
    const auto& path = config_.unix_socket;
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        fail("path", path);
    }
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_)
        fail("socket", path);
    // A socket file left by a daemon that died is replaced; anything else at the path is not.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            errno = EEXIST;
            fail("exists and is not a socket", path);
        }
        ::unlink(path.c_str());
    }
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) < 0)
        fail("bind", path);
    // Mode and group before listen(): until then a connect() is refused, so nobody gets in
    // through the umask's bits.
    bool ok = ::chmod(path.c_str(), config_.mode) == 0;
    if (ok && config_.gid)
        ok = ::chown(path.c_str(), static_cast<uid_t>(-1), *config_.gid) == 0;
    if (ok)
        ok = ::lstat(path.c_str(), &st) == 0;
    if (!ok || ::listen(fd_.get(), 16) < 0) {
        int e = errno;
        ::unlink(path.c_str());
        errno = e;
        fail(ok ? "listen" : (config_.gid ? "chmod/chown" : "chmod"), path);
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    loop_.add(fd_.get(), EPOLLIN, this);
}

AdminSocket::~AdminSocket()
{
    sessions_.clear();
    loop_.remove(fd_.get());
    struct stat st {};
    if (::lstat(config_.unix_socket.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
        ::unlink(config_.unix_socket.c_str());
}

void AdminSocket::on_events(std::uint32_t)
{
    for (int i = 0; i < 16; ++i) {
        int fd = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                DLBA_LOG(LogLevel::Warning, "admin socket accept: %s", std::strerror(errno));
            return; // level-triggered: a pending connection wakes us again
        }
        UniqueFd conn(fd);
        if (sessions_.full()) {
            static constexpr char kBusy[] = "error: too many admin connections\n\n";
            (void)::send(conn.get(), kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            continue; // conn closes
        }
        sessions_.start(std::make_unique<AdminSession>(*this, std::move(conn)));
    }
}

void AdminSocket::session_done(AdminSession& session)
{
    sessions_.done(session);
}

AdminSession::AdminSession(AdminSocket& server, UniqueFd fd)
    : StreamSession(server.loop(), std::move(fd), AdminSocket::kIdle, Deadline::Idle),
      server_(server)
{}

// Edge-triggered: read until EAGAIN, except while answers wait for the client (then the next
// EPOLLOUT edge, when it reads, brings us back here).
void AdminSession::on_events(std::uint32_t)
{
    if (done())
        return;
    for (;;) {
        run_lines();
        bool sent = flush();
        if (done())
            return;
        if (pending_output() >= AdminSocket::kMaxPendingOutput)
            return;
        if (!closing_ && in_.find('\n') != std::string::npos)
            continue; // lines left over from the output limit
        if (closing_ || peer_closed_) {
            if (sent)
                finish();
            return;
        }
        if (!read_some())
            return;
    }
}

// One recv(); false once nothing more can be read now.
bool AdminSession::read_some()
{
    switch (receive(in_)) {
    case Received::Data:
        return true;
    case Received::Closed:
        peer_closed_ = true;
        // A last command without its newline still counts.
        if (!in_.empty() && in_.size() <= AdminCommandParser::kMaxLine)
            in_.push_back('\n');
        return true;
    case Received::Drained:
        break;
    }
    return false;
}

void AdminSession::run_lines()
{
    std::size_t pos = 0;
    while (!closing_ && pending_output() < AdminSocket::kMaxPendingOutput) {
        auto nl = in_.find('\n', pos);
        if (nl == std::string::npos)
            break;
        auto answer = server_.execute(std::string_view(in_).substr(pos, nl - pos));
        out_ += answer.text;
        pos = nl + 1;
        if (answer.close)
            closing_ = true;
    }
    in_.erase(0, pos);
    if (closing_)
        in_.clear();
    else if (in_.find('\n') == std::string::npos && in_.size() > AdminCommandParser::kMaxLine) {
        out_ += "error: line too long (at most " + std::to_string(AdminCommandParser::kMaxLine) +
                " bytes), closing\n\n";
        in_.clear();
        closing_ = true;
    }
}

void AdminSession::finished()
{
    server_.session_done(*this);
}

} // namespace dlba::dlbad
