#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <dlba/unique_fd.h>

#include "backend/backend_idle_pool.h"
#include "event/worker_context.h"
#include "net/listener.h"
#include "service/virtual_service.h"
#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>

namespace dlba::dlbad {

class ClientConnection;
class Runtime;

// One event-loop thread (one per CPU by default).  Owns its listeners (one SO_REUSEPORT socket
// per virtual service), its client connections, and its idle back-end connections.  Every other
// thread talks to it through post().
class Worker final : public WorkerContext {
public:
    struct Binding {
        std::shared_ptr<const VirtualService> service;
        std::shared_ptr<UniqueFd> socket;
    };

    Worker(unsigned index, std::size_t max_connections);
    ~Worker();

    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // `cpu`: bind the worker's thread to that CPU (cpu_affinity: auto).
    void start(std::optional<unsigned> cpu = std::nullopt);
    // Thread-safe.  Ends the loop; open connections are closed.
    void stop();
    void join();
    // Thread-safe.  Installs the listeners of a configuration generation: sockets already
    // listened on are kept (no connection queued on them is lost), others opened or closed.
    // Open connections follow it from their next request (successor()): idle ones at once, busy
    // ones when their current request ends.  Parked back-end connections to servers that take
    // no new sessions in it are closed.
    void apply(std::vector<Binding> bindings, std::shared_ptr<const Runtime> runtime,
               std::size_t max_connections);
    // Thread-safe.  Stop accepting; close connections as they become idle.
    void drain();

    [[nodiscard]] std::size_t active_connections() const noexcept
    {
        return active_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t loop_yields() const noexcept { return loop_.yields(); }
    // Connections open plus connections handed to this worker and not yet adopted.
    [[nodiscard]] std::size_t load() const noexcept
    {
        return active_.load(std::memory_order_relaxed) + incoming_.load(std::memory_order_relaxed);
    }
    // The other workers of the daemon (set once, before start()): accept balancing.
    void set_peers(std::vector<Worker*> peers) { peers_ = std::move(peers); }
    // The daemon's access log channel of this worker (set once, before start()).
    void set_access_log(AccessLogChannel* channel) { access_log_ = channel; }

    // WorkerContext
    EventLoop& loop() override { return loop_; }
    [[nodiscard]] unsigned worker_index() const override { return index_; }
    BackendIdlePool& idle_pool() override { return idle_; }
    void connection_closed(ClientConnection& conn) noexcept override;
    [[nodiscard]] bool draining() const override { return draining_; }
    [[nodiscard]] std::uint64_t generation() const override;
    [[nodiscard]] std::shared_ptr<const VirtualService>
    successor(const VirtualService& service) const override;
    [[nodiscard]] AccessLogUse access_log() override;

    // For Listener
    [[nodiscard]] bool can_accept() const noexcept
    {
        return !draining_ && conns_.size() < max_connections_;
    }
    void accepted(UniqueFd fd, const SocketAddress& peer,
                  const std::shared_ptr<const VirtualService>& service);
    void retry_accept_later();

private:
    void resume_accepting();
    void adopt(UniqueFd fd, const SocketAddress& peer,
               const std::shared_ptr<const VirtualService>& service);
    // SO_REUSEPORT spreads connections by a hash of their addresses, which leaves one worker with
    // noticeably more long-lived connections than another (e.g. 30/20 for 50 keep-alive
    // clients); a worker that accepts while clearly above the least loaded one hands the
    // connection over (once, at accept time).
    static constexpr std::size_t kImbalanceSlack = 2;

    unsigned index_;
    std::size_t max_connections_;
    EventLoop loop_;
    BackendIdlePool idle_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::unordered_map<ClientConnection*, std::unique_ptr<ClientConnection>> conns_;
    std::shared_ptr<const Runtime> runtime_;
    std::atomic<std::size_t> active_{0};
    std::atomic<std::size_t> incoming_{0};
    std::vector<Worker*> peers_; // non-owning: the daemon owns every worker
    // Non-owning: the daemon's AccessLog outlives its workers.
    AccessLogChannel* access_log_ = nullptr;
    bool draining_ = false;
    Timer accept_retry_;
    std::thread thread_;
};

} // namespace dlba::dlbad
