#include <dlba/process/signal_watcher.h>

#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <csignal>
#include <system_error>

#include <dlba/event/event_loop.h>

namespace dlba {

SignalWatcher::SignalWatcher(EventLoop& loop, std::initializer_list<int> signals,
                             std::function<void(int)> handler)
    : loop_(loop),
      handler_(std::move(handler))
{
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals)
        sigaddset(&set, s);
    if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0)
        throw std::system_error(errno, std::generic_category(), "pthread_sigmask");
    fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!fd_)
        throw std::system_error(errno, std::generic_category(), "signalfd");
    loop_.add(fd_.get(), EPOLLIN, this);
}

SignalWatcher::~SignalWatcher()
{
    loop_.remove(fd_.get());
}

void SignalWatcher::on_events(std::uint32_t)
{
    signalfd_siginfo info;
    while (::read(fd_.get(), &info, sizeof(info)) == sizeof(info))
        handler_(static_cast<int>(info.ssi_signo));
}

} // namespace dlba
