#include "config_push/control_server.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include <dlba/event/event_loop.h>
#include <dlba/net/listen_socket.h>
#include <dlba/process/logger.h>

namespace dlba::arrayd {

class ControlServer::Client final : public EventHandler {
public:
    Client(ControlServer& server, std::uint64_t id, UniqueFd fd)
        : server_(server),
          id_(id),
          fd_(std::move(fd))
    {}

    void on_events(std::uint32_t events) override
    {
        if (done_)
            return;
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            read();
    }

    [[nodiscard]] int fd() const noexcept { return fd_.get(); }
    bool done_ = false; // the request is complete (or refused): no more reading

private:
    void read()
    {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
            if (n > 0) {
                request_.append(buf, static_cast<std::size_t>(n));
                if (request_.size() > server_.max_request_) {
                    done_ = true;
                    server_.loop_.remove(fd_.get());
                    server_.reply(id_, R"({"result":"refused","error":"request too large"})");
                    return;
                }
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (errno == EINTR)
                    continue;
                return;
            }
            // EOF (the request is complete) or an error (nobody to answer).  Out of the loop: its
            // level-triggered EOF would be reported again and again until the answer.
            done_ = true;
            server_.loop_.remove(fd_.get());
            if (n < 0) {
                server_.close(id_);
                return;
            }
            server_.handler_(id_, std::move(request_));
            return;
        }
    }

    ControlServer& server_;
    std::uint64_t id_;
    UniqueFd fd_;
    std::string request_;
};

ControlServer::ControlServer(EventLoop& loop, std::string path, std::size_t max_request,
                             Handler handler)
    : loop_(loop),
      path_(std::move(path)),
      max_request_(max_request),
      handler_(std::move(handler)),
      fd_(ListenSocket::open_unix(path_))
{
    // Pushes change every node's dlba.ko: root only (the peer's uid is checked too).
    if (::chmod(path_.c_str(), 0600) < 0)
        throw std::system_error(errno, std::generic_category(), "chmod " + path_);
    loop_.add(fd_.get(), EPOLLIN, this);
}

ControlServer::~ControlServer()
{
    for (auto& [id, c] : clients_) {
        loop_.remove(c->fd());
        loop_.retire(std::unique_ptr<EventHandler>(c));
    }
    loop_.remove(fd_.get());
    ::unlink(path_.c_str());
}

void ControlServer::on_events(std::uint32_t)
{
    for (;;) {
        UniqueFd fd(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                DLBA_LOG(LogLevel::Warning, "control socket %s: accept: %s", path_.c_str(),
                         std::generic_category().message(errno).c_str());
            return;
        }
        ucred cred{};
        socklen_t len = sizeof(cred);
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
            static constexpr std::string_view kRefused =
                R"({"result":"refused","error":"root only"})"
                "\n";
            [[maybe_unused]] auto n = ::write(fd.get(), kRefused.data(), kRefused.size());
            continue;
        }
        auto id = next_id_++;
        auto client = std::make_unique<Client>(*this, id, std::move(fd));
        loop_.add(client->fd(), EPOLLIN | EPOLLRDHUP, client.get());
        clients_[id] = client.release();
    }
}

void ControlServer::reply(std::uint64_t client, const std::string& answer)
{
    auto it = clients_.find(client);
    if (it == clients_.end())
        return;
    // A few hundred bytes into an empty socket buffer: one write.
    std::string line = answer + "\n";
    [[maybe_unused]] auto n = ::write(it->second->fd(), line.data(), line.size());
    close(client);
}

void ControlServer::close(std::uint64_t client)
{
    auto it = clients_.find(client);
    if (it == clients_.end())
        return;
    it->second->done_ = true;
    loop_.remove(it->second->fd());
    loop_.retire(std::unique_ptr<EventHandler>(it->second));
    clients_.erase(it);
}

} // namespace dlba::arrayd
