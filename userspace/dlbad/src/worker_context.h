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
    [[nodiscard]] virtual unsigned workerIndex() const = 0;
    // Rotating tie-breaker for the schedulers.
    virtual std::uint64_t nextTiebreak() = 0;
    virtual BackendIdlePool& idlePool() = 0;
    // The connection is finished (socket closed): the worker destroys it after this batch.
    // Never fails: it is how a connection closes after an error.
    virtual void connectionClosed(ClientConnection& conn) noexcept = 0;
    // The daemon is stopping: connections close when idle.
    [[nodiscard]] virtual bool draining() const = 0;

protected:
    ~WorkerContext() = default;
};

} // namespace dlba::dlbad
