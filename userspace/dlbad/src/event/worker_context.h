#pragma once

#include <cstdint>

namespace dlba::dlbad {

class BackendIdlePool;
class ClientConnection;
class EventLoop;

// What a client connection needs from the worker thread that runs it.
class WorkerContext {
public:
    [[nodiscard]] virtual EventLoop& loop() = 0;
    [[nodiscard]] virtual unsigned worker_index() const = 0;
    // Rotating tie-breaker for the schedulers.
    virtual std::uint64_t next_tiebreak() = 0;
    virtual BackendIdlePool& idle_pool() = 0;
    // The connection is finished (socket closed): the worker destroys it after this batch.
    // Never fails: it is how a connection closes after an error.
    virtual void connection_closed(ClientConnection& conn) noexcept = 0;
    // The daemon is stopping: connections close when idle.
    [[nodiscard]] virtual bool draining() const = 0;

protected:
    ~WorkerContext() = default;
};

} // namespace dlba::dlbad
