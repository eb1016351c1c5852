#pragma once

#include "dlba/ctl/types.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace dlba::ctl {

// One step of an apply plan.
struct Change {
    enum class Op { DelService, DelServer, AddService, SetService, SetServer, AddServer };

    Op op;
    ServiceKey service;
    ServiceConfig service_config; // AddService
    ServiceChange service_change; // SetService
    ServerConfig server_config;   // AddServer
    ServerChange server_change;   // SetServer
    uint32_t id = 0;              // server id (server ops)
    std::string detail;           // human-readable "what and why"

    // "add server 10.0.0.10:80/tcp id 1 (addr 10.0.1.1, ...)".
    [[nodiscard]] std::string describe() const;
    // {"op":"add","object":"server","service":"...","id":1,"detail":"..."}.
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

} // namespace dlba::ctl
