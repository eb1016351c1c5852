#include <dlba/event/stream_session.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

namespace dlba {

StreamSession::StreamSession(EventLoop& loop, UniqueFd fd, std::chrono::milliseconds timeout,
                             Deadline deadline)
    : loop_(loop),
      fd_(std::move(fd)),
      timeout_(timeout),
      deadline_(deadline),
      timer_([this] { finish(); })
{}

StreamSession::~StreamSession()
{
    if (fd_)
        loop_.remove(fd_.get());
}

void StreamSession::start()
{
    loop_.add(fd_.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
    loop_.arm(timer_, timeout_);
    on_events(0);
}

void StreamSession::progress()
{
    if (deadline_ == Deadline::Idle)
        loop_.arm(timer_, timeout_);
}

StreamSession::Received StreamSession::receive(std::string& into)
{
    char buf[4096];
    for (;;) {
        ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
        if (n > 0) {
            into.append(buf, static_cast<std::size_t>(n));
            progress();
            return Received::Data;
        }
        if (n == 0)
            return Received::Closed;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            finish();
        return Received::Drained;
    }
}

bool StreamSession::flush()
{
    while (sent_ < out_.size()) {
        ssize_t n = ::send(fd_.get(), out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
        if (n > 0) {
            sent_ += static_cast<std::size_t>(n);
            progress();
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        finish();
        return false;
    }
    out_.clear();
    sent_ = 0;
    return true;
}

void StreamSession::finish()
{
    if (done_)
        return;
    done_ = true;
    timer_.cancel();
    loop_.remove(fd_.get());
    fd_.reset();
    finished();
}

void StreamSessions::start(std::unique_ptr<StreamSession> session)
{
    auto* raw = session.get();
    sessions_.emplace(raw, std::move(session));
    raw->start();
}

void StreamSessions::done(StreamSession& session)
{
    auto it = sessions_.find(&session);
    if (it == sessions_.end())
        return;
    loop_.retire(std::move(it->second));
    sessions_.erase(it);
}

} // namespace dlba
