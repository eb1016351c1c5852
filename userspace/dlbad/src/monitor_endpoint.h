#pragma once

#include <string>

#include <dlba/unique_fd.h>

#include "event_handler.h"
#include "monitor_server.h"

namespace dlba::dlbad {

// One listening socket of the MonitorServer.
class MonitorEndpoint final : public EventHandler {
public:
    MonitorEndpoint(MonitorServer& server, UniqueFd fd, MonitorKind kind, std::string unix_path = {});
    ~MonitorEndpoint() override;

    void onEvents(std::uint32_t events) override;

private:
    MonitorServer& server_;
    UniqueFd fd_;
    MonitorKind kind_;
    std::string unix_path_; // removed on close
};

} // namespace dlba::dlbad
