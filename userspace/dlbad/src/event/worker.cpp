#include "event/worker.h"

#include <pthread.h>

#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <unordered_set>

#include "process/runtime.h"
#include "proxy/client_connection.h"
#include <dlba/process/logger.h>

namespace dlba::dlbad {

Worker::Worker(unsigned index, std::size_t max_connections)
    : index_(index),
      max_connections_(max_connections),
      idle_(loop_),
      accept_retry_([this] { resume_accepting(); })
{}

Worker::~Worker()
{
    stop();
    join();
    // Connections before listeners and the idle pool: they reference both.
    conns_.clear();
    listeners_.clear();
}

void Worker::start(std::optional<unsigned> cpu)
{
    thread_ = std::thread([this, cpu] {
        std::string name = "dlbad-w" + std::to_string(index_);
        pthread_setname_np(pthread_self(), name.c_str());
        if (cpu) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(*cpu, &set);
            if (int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
                DLBA_LOG(LogLevel::Warning, "worker %u: binding to CPU %u: %s", index_, *cpu,
                         std::strerror(err));
        }
        try {
            loop_.run();
        } catch (const std::exception& e) {
            DLBA_LOG(LogLevel::Error, "worker %u: %s", index_, e.what());
            std::terminate();
        }
    });
}

void Worker::stop()
{
    loop_.stop();
}

void Worker::join()
{
    if (thread_.joinable())
        thread_.join();
}

void Worker::apply(std::vector<Binding> bindings, std::shared_ptr<const Runtime> runtime,
                   std::size_t max_connections)
{
    loop_.post([this, bindings = std::move(bindings), runtime = std::move(runtime),
                max_connections]() mutable {
        std::vector<std::unique_ptr<Listener>> next;
        for (auto& b : bindings) {
            std::unique_ptr<Listener> kept;
            for (auto& l : listeners_)
                if (l && l->socket() == b.socket)
                    kept = std::move(l);
            if (kept) {
                kept->set_service(b.service);
                next.push_back(std::move(kept));
            } else {
                next.push_back(std::make_unique<Listener>(*this, b.socket, b.service));
            }
        }
        listeners_ = std::move(next); // listeners of removed addresses close here
        runtime_ = std::move(runtime);
        max_connections_ = max_connections;
        // Idle back-end connections only to servers that take new sessions (a draining server
        // keeps its persistent sessions, on fresh connections).
        std::unordered_set<const BackendStats*> usable;
        for (const auto& p : runtime_->pools())
            for (const auto& s : p->servers())
                if (s.config().enabled && s.config().weight > 0)
                    usable.insert(&s.stats());
        idle_.retain(std::move(usable));
        // Open connections follow the new generation between requests.
        std::vector<ClientConnection*> all;
        all.reserve(conns_.size());
        for (auto& [p, c] : conns_)
            all.push_back(p);
        for (auto* c : all)
            if (conns_.count(c))
                c->reloaded();
        resume_accepting();
    });
}

std::uint64_t Worker::generation() const
{
    return runtime_ ? runtime_->generation() : 0;
}

AccessLogUse Worker::access_log()
{
    if (!access_log_ || !runtime_ || !runtime_->config().access_log.enabled)
        return {};
    return {access_log_, &runtime_->config().access_log};
}

std::shared_ptr<const VirtualService> Worker::successor(const VirtualService& service) const
{
    if (!runtime_)
        return nullptr;
    for (const auto& s : runtime_->services())
        if (s.get() == &service ||
            (s->name() == service.name() && s->config().listen == service.config().listen &&
             (s->tls() != nullptr) == (service.tls() != nullptr)))
            return s;
    return nullptr;
}

void Worker::drain()
{
    loop_.post([this] {
        draining_ = true;
        listeners_.clear();
        std::vector<ClientConnection*> all;
        for (auto& [p, c] : conns_)
            all.push_back(p);
        for (auto* c : all)
            if (conns_.count(c))
                c->drain();
    });
}

void Worker::accepted(UniqueFd fd, const SocketAddress& peer,
                      const std::shared_ptr<const VirtualService>& service)
{
    Worker* least = nullptr;
    std::size_t mine = conns_.size();
    for (auto* w : peers_) {
        auto l = w->load();
        if (l + kImbalanceSlack < mine && (!least || l < least->load()))
            least = w;
    }
    if (least) {
        try {
            // std::function needs a copyable callable: the fd travels in a shared owner (closed
            // if the other loop stops before running this).
            auto owned = std::make_shared<UniqueFd>(std::move(fd));
            least->incoming_.fetch_add(1, std::memory_order_relaxed);
            try {
                least->loop_.post([least, owned, peer, service] {
                    least->incoming_.fetch_sub(1, std::memory_order_relaxed);
                    least->adopt(std::move(*owned), peer, service);
                });
            } catch (...) {
                least->incoming_.fetch_sub(1, std::memory_order_relaxed);
                fd = std::move(*owned);
                throw;
            }
            return;
        } catch (const std::exception& e) {
            // No memory for the hand-over: keep the connection here (fd is still ours).
            DLBA_LOG(LogLevel::Warning, "worker %u: handing a connection over: %s", index_,
                     e.what());
            if (!fd)
                return;
        }
    }
    adopt(std::move(fd), peer, service);
}

void Worker::adopt(UniqueFd fd, const SocketAddress& peer,
                   const std::shared_ptr<const VirtualService>& service)
{
    if (draining_)
        return; // fd closes
    // Out of memory, SSL_new failing, epoll_ctl refusing the socket: this connection goes (its
    // socket closes with `fd` or the half-built connection), counted; the worker carries on.
    // start() contains its own failures (the connection closes itself).
    ClientConnection* raw = nullptr;
    try {
        auto conn = std::make_unique<ClientConnection>(*this, std::move(fd), peer, service);
        raw = conn.get();
        conns_.emplace(raw, std::move(conn));
    } catch (const std::exception& e) {
        service->stats().internal_errors.fetch_add(1, std::memory_order_relaxed);
        DLBA_LOG(LogLevel::Warning, "%s: new connection dropped: %s", service->name().c_str(),
                 e.what());
        return;
    }
    active_.store(conns_.size(), std::memory_order_relaxed);
    raw->start();
}

void Worker::connection_closed(ClientConnection& conn) noexcept
{
    auto it = conns_.find(&conn);
    if (it == conns_.end())
        return;
    loop_.retire(std::move(it->second));
    conns_.erase(it);
    active_.store(conns_.size(), std::memory_order_relaxed);
    // A slot freed up: take connections left queued at the limit.
    for (auto& l : listeners_)
        if (l->pending()) {
            try {
                loop_.defer([this] { resume_accepting(); });
            } catch (const std::bad_alloc&) {
                retry_accept_later(); // a timer: allocates nothing
            }
            break;
        }
}

void Worker::retry_accept_later()
{
    if (!accept_retry_.armed())
        loop_.arm(accept_retry_, std::chrono::milliseconds(100));
}

void Worker::resume_accepting()
{
    for (auto& l : listeners_)
        if (l->pending())
            l->accept_pending();
}

} // namespace dlba::dlbad
