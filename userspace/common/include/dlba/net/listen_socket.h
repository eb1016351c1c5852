#pragma once

#include <string>

#include <dlba/unique_fd.h>

#include <dlba/net/socket_address.h>

namespace dlba {

// Listening TCP sockets for virtual services and the monitoring endpoints.
class ListenSocket {
public:
    // Non-blocking listener with SO_REUSEADDR; `reuseport` for the per-worker sockets of one
    // address (the kernel spreads connections over them); IP_FREEBIND so the daemon can start
    // before the VIP is configured.  Throws std::system_error naming the address.
    static UniqueFd open(const SocketAddress& addr, bool reuseport, int backlog = 4096);
    // Unix stream socket at `path` (a stale socket file is replaced), mode 0660.
    static UniqueFd open_unix(const std::string& path);
};

} // namespace dlba
