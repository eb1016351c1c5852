#pragma once

#include <dlbad/cookie_injector.h>
#include <dlbad/persistence_token.h>
#include <dlbad/response_head.h>

#include <cstdint>
#include <string>

namespace dlba::dlbad {

struct ResponseContext {
    const CookieInjector* injector = nullptr; // cookie policy only
    const PersistenceTokenCodec* codec = nullptr;
    std::uint32_t server_key = 0; // the server that answered
    bool reissue = false; // the request's persistence cookie was forged/stale: always set a new one
    bool keep_alive = true;     // the client connection stays open after this response
    bool client_http10 = false; // no Transfer-Encoding or Trailer field goes out (RFC 9112 6.1)
    std::uint64_t now_unix = 0;
};

// How a final response's body can reach an HTTP/1.0 client, which must never be sent
// Transfer-Encoding (RFC 9112 6.1) and cannot read chunks.
enum class Http10Body : std::uint8_t {
    kAsIs,    // no transfer coding (or no body): relayed unchanged
    kDechunk, // "chunked" only: the chunk data is relayed, delimited by the close
    kRefuse,  // another transfer coding (gzip...): it cannot be undone or announced: 502
};

// The response head a client receives: "HTTP/1.1 <status> <reason>", the back-end's headers minus
// hop-by-hop fields, the persistence cookie injected next to the session cookie (WO 01/69890 "Cookie
// Injection") with the "never cached downstream" rule, and dlbad's own Connection header.
class ResponseRewriter {
public:
    // Returns true when a persistence cookie was added.
    static bool write(std::string& out, const ResponseHead& head, const ResponseContext& ctx);
    // An interim (1xx) response head forwarded ahead of the final one (103 Early Hints, 102, an
    // unsolicited 100): "HTTP/1.1 <status> <reason>" and the back-end's fields minus hop-by-hop
    // ones; no cookie, no Connection header (those belong to the final response).
    static void write_interim(std::string& out, const ResponseHead& head);
    static Http10Body http10_body(const ResponseHead& head) noexcept;
    // Whether an interim response with this status goes to the client: never to an HTTP/1.0
    // client (RFC 9110 15.2), and a 100 Continue not when dlbad already sent its own.
    static bool forwards_interim(int status, bool client_http10, bool continue_sent) noexcept
    {
        return !client_http10 && !(status == 100 && continue_sent);
    }
};

} // namespace dlba::dlbad
