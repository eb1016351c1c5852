#pragma once

#include <string>

namespace dlba::dlbad {

// Reads the status document from a running dlbad's monitoring endpoint (dlbad --status).
class StatusClient {
public:
    // `endpoint`: a unix socket path, or HOST:PORT.  Throws std::runtime_error.
    static std::string fetch(const std::string& endpoint);
};

} // namespace dlba::dlbad
