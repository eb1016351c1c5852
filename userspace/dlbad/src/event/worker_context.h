#pragma once

#include <cstdint>
#include <dlba/event/event_loop.h>
#include <memory>

namespace dlba::dlbad {

class AccessLogChannel;
struct AccessLogConfig;
class BackendIdlePool;
class ClientConnection;
class VirtualService;

// The access log as a worker's connections use it: its channel and the configuration of the
// worker's current generation.
struct AccessLogUse {
    AccessLogChannel* channel = nullptr; // nullptr: the log is off
    const AccessLogConfig* config = nullptr;
};

// What a client connection needs from the worker thread that runs it.
class WorkerContext {
public:
    [[nodiscard]] virtual EventLoop& loop() = 0;
    [[nodiscard]] virtual unsigned worker_index() const = 0;
    virtual BackendIdlePool& idle_pool() = 0;
    // The connection is finished (socket closed): the worker destroys it after this batch.
    // Never fails: it is how a connection closes after an error.
    virtual void connection_closed(ClientConnection& conn) noexcept = 0;
    // The daemon is stopping: connections close when idle.
    [[nodiscard]] virtual bool draining() const = 0;
    // The configuration generation this worker runs (0 before the first): a connection compares
    // it with the one it last checked before each request.
    [[nodiscard]] virtual std::uint64_t generation() const = 0;
    // The service of the current generation that takes over a connection of `service` from its
    // next request: the one of the same name, listening on the same address, with TLS if and only
    // if `service` has it (`service` itself if it is current).  nullptr if there is none (the
    // service was removed, moved or changed protocol): the connection closes between requests.
    [[nodiscard]] virtual std::shared_ptr<const VirtualService>
    successor(const VirtualService& service) const = 0;
    // Valid until the worker installs another generation (not kept across events).
    [[nodiscard]] virtual AccessLogUse access_log() { return {}; }

protected:
    ~WorkerContext() = default;
};

} // namespace dlba::dlbad
