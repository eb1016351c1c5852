#pragma once

#include <dlbad/cookie_injector.h>
#include <dlbad/persistence_token.h>
#include <dlbad/response_head.h>

#include <cstdint>
#include <string>

namespace dlba::dlbad {

struct ResponseContext {
    const CookieInjector* injector = nullptr;     // cookie policy only
    const PersistenceTokenCodec* codec = nullptr;
    std::uint32_t server_key = 0;                 // the server that answered
    bool reissue = false;     // the request's persistence cookie was forged/stale: always set a new one
    bool keep_alive = true;   // the client connection stays open after this response
    bool client_http10 = false;
    std::uint64_t now_unix = 0;
};

// The response head a client receives: "HTTP/1.1 <status> <reason>", the back-end's headers minus
// hop-by-hop fields, the persistence cookie injected next to the session cookie (seed 000 "Cookie
// Injection") with the "never cached downstream" rule, and dlbad's own Connection header.
class ResponseRewriter {
public:
    // Returns true when a persistence cookie was added.
    static bool write(std::string& out, const ResponseHead& head, const ResponseContext& ctx);
};

} // namespace dlba::dlbad
