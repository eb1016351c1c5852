#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dlba::arrayd {

// What a DLBA server's status document (dlbad's, Documentation/dlbad-status.md) says about its
// load: the row of the scheduler's server status table (WO 01/69890 Fig. 5: average response
// time, hits, open connections) with the per-service and per-back-end figures behind it.  Field
// names are dlbad's.
struct ServiceFigures {
    std::string name;                     // services[].name
    std::string service;                  // services[].service ("ADDR:PORT/tcp")
    double avg_resp_time_ms = 0;          // over the back-ends it uses, weighted by responses
    std::uint64_t requests = 0;           // services[].stats.requests (its hits)
    std::uint64_t active_connections = 0; // services[].stats.active_connections (open now)
};

struct BackendFigures {
    std::string backend;                 // servers[].backend
    std::uint64_t id = 0;                // servers[].id (the configured key)
    std::string addr;                    // servers[].addr
    std::uint16_t port = 0;              // servers[].port
    double avg_resp_time_ms = 0;         // servers[].stats.avg_resp_time_ms
    std::uint64_t hits = 0;              // servers[].stats.hits
    std::uint64_t open_conns = 0;        // servers[].stats.open_conns
    std::uint64_t unable_to_connect = 0; // servers[].stats.unable_to_connect
    std::uint64_t responses = 0;         // servers[].stats.responses
    bool enabled = true;
    bool failed = false;
};

struct StatusFigures {
    // The DLBA server as a whole.
    double avg_resp_time_ms = 0;  // back-ends' avg_resp_time_ms weighted by their responses
    std::uint64_t hits = 0;       // sum of servers[].stats.hits: requests it sent on
    std::uint64_t open_conns = 0; // dlbad.connections: client connections open on it now
    std::uint64_t generation = 0; // dlbad.generation
    double uptime_s = 0;          // dlbad.uptime_s
    std::vector<ServiceFigures> services;
    std::vector<BackendFigures> backends;
};

// Reads a parsed status document; throws std::runtime_error naming what is missing or of the
// wrong type (a document that is JSON but not dlbad's is a bad answer).
StatusFigures parse_status_document(const nlohmann::json& doc);
// The figures in the JSON the sweeper exports (dlbad's field names).
nlohmann::json figures_json(const StatusFigures& figures);

} // namespace dlba::arrayd
