#pragma once

#include <dlbad/request_head.h>

#include <string>
#include <string_view>

#include <dlba/net/socket_address.h>

namespace dlba::dlbad {

struct ForwardContext {
    const SocketAddress* client = nullptr; // the client's address (X-Forwarded-For, Forwarded)
    bool secure = false;                   // received over TLS
    bool trust_forwarded = false;   // keep and extend client-supplied X-Forwarded-*/Forwarded
    std::string_view strip_cookie;  // cookie to remove from Cookie headers (empty: none)
    bool backend_keepalive = false; // ask the back-end to keep the connection
};

// The request head a back-end receives: the client's request-line (same HTTP minor version, so a
// back-end never chunks a reply to an HTTP/1.0 client), its headers minus hop-by-hop fields,
// Expect (dlbad answers 100-continue itself) and, unless trusted, client-supplied forwarding
// headers; plus Connection, X-Forwarded-For, X-Forwarded-Proto and Forwarded (RFC 7239).
class RequestRewriter {
public:
    static void write(std::string& out, const RequestHead& head, const ForwardContext& ctx);
    // RFC 7239 node: 1.2.3.4 or "[2001:db8::1]".
    static std::string forwarded_node(const SocketAddress& addr);
};

} // namespace dlba::dlbad
