#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <dlba/net/socket_address.h>

namespace dlba::arrayd {

// The `sweep:` section of dlba-arrayd's /etc/dlba/array.yaml: how the active scheduler sweeps the
// DLBA servers (WO 01/69890 "Internal Operation": the status daemon).  The daemon parses the
// file; this is the plain result.
struct SweepConfig {
    std::chrono::milliseconds interval{1000}; // delay after each full sweep
    std::chrono::milliseconds timeout{500};   // per attempt (connect + answer)
    unsigned retries = 2;                     // further attempts before an attempt counts as failed
    unsigned fall = 1; // failed sweeps in a row before the member is marked failed
    unsigned rise = 2; // good sweeps in a row before it is unmarked
};

// How a member is checked: `status:` (dlbad's TCP status endpoint, JSON) or `check: {type: ...}`.
enum class CheckKind { Status, Tcp, Http, Tls };

// "status" | "tcp" | "http" | "tls".
const char* check_kind_name(CheckKind kind) noexcept;

// One entry of the `members:` section: a server of a dlba.ko service and how to check it
// (`status: ADDR:PORT`, or `check: {type, address, path, expect, sni, verify}`).
struct Member {
    std::string service;      // as dlbactl names a service: "198.18.100.10:80/tcp"
    std::uint32_t server = 0; // the server's id in that service
    CheckKind kind = CheckKind::Status;
    SocketAddress address;        // status endpoint, or the checked address
    std::string http_path = "/";  // http: the path requested
    unsigned expect_status = 200; // http: the status expected
    std::string tls_sni;          // tls: server name sent (empty: none)
    bool tls_verify = false;      // tls: verify the certificate chain (system store)
};

} // namespace dlba::arrayd
