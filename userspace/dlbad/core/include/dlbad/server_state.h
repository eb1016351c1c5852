#pragma once

// Snapshot of one back-end as seen by a scheduler (WO 01/69890 Fig. 7 columns
// that matter for scheduling).  The runtime builds a span of these from its
// status table and hands it to a Scheduler; schedulers are pure functions of
// the snapshot.

#include <cstdint>

namespace dlba::dlbad {

struct ServerState {
    std::uint32_t key = 0;              // configured server key
    std::uint32_t weight = 1;           // 0 = drained: never chosen for new sessions
    std::uint32_t open_connections = 0; // in-flight back-end connections
    double avg_response_ms = 0.0;       // EWMA of response times
    std::uint64_t responses = 0;        // number of samples behind avg_response_ms
    bool available = true;              // enabled and not marked failed
};

} // namespace dlba::dlbad
