#pragma once

#include <memory>

#include <dlba/unique_fd.h>

#include "service/virtual_service.h"
#include <dlba/event/event_handler.h>

namespace dlba::dlbad {

class Worker;

// A worker's SO_REUSEPORT listening socket of one virtual service.  The socket is shared with
// the daemon (which opened it and keeps it across reloads while the address stays configured);
// the service pointer is replaced on reload, so new connections get the new configuration.
class Listener final : public EventHandler {
public:
    Listener(Worker& worker, std::shared_ptr<UniqueFd> socket,
             std::shared_ptr<const VirtualService> service);
    ~Listener() override;

    void on_events(std::uint32_t events) override;
    // Accept what is queued (after connections freed up below the limit).
    void accept_pending();

    void set_service(std::shared_ptr<const VirtualService> service)
    {
        service_ = std::move(service);
    }
    [[nodiscard]] const std::shared_ptr<UniqueFd>& socket() const noexcept { return socket_; }
    [[nodiscard]] bool pending() const noexcept { return pending_; }

private:
    Worker& worker_;
    std::shared_ptr<UniqueFd> socket_;
    std::shared_ptr<const VirtualService> service_;
    bool pending_ = false; // readiness not consumed (at the connection limit or out of fds)
};

} // namespace dlba::dlbad
