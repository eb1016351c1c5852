#pragma once

#include <cstdint>

namespace dlba::dlbad {

class BackendConnection;

// Whoever currently uses a back-end connection: the client connection it serves, or the idle
// pool keeping it for reuse.
class BackendEvents {
public:
    virtual void on_backend_events(BackendConnection& conn, std::uint32_t events) = 0;
    virtual void on_backend_timeout(BackendConnection& conn) = 0;

protected:
    ~BackendEvents() = default;
};

} // namespace dlba::dlbad
