#pragma once

// Request side of cookie persistence: which back-end does a request's
// persistence cookie (default "SpServer") send it to?
//
//   auto d = resolve_persistence(req.headers(), "SpServer", codec, servers, now);
//   if (d.outcome == PersistenceOutcome::kHit) use servers[*d.index];
//   else schedule a new server (and, when d.outcome != kNoCookie, the stale
//        or forged cookie will be overwritten by the next injection).
//
// A forged, truncated, malformed or wrongly keyed cookie is treated exactly
// like no cookie (kInvalid, never an error to the client).  A genuine cookie
// naming a server that is no longer configured (kUnknownServer) or is failed
// or disabled (kServerUnavailable) is rescheduled.  A drained server (weight
// 0, still available) keeps its existing sessions.

#include <dlbad/http_types.h>
#include <dlbad/persistence_token.h>
#include <dlbad/server_state.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace dlba::dlbad {

enum class PersistenceOutcome : std::uint8_t {
    kNoCookie,          // request carries no persistence cookie
    kInvalid,           // cookie present but not authentic / malformed / expired
    kUnknownServer,     // authentic, names a key not in `servers`
    kServerUnavailable, // authentic, server known but not available
    kHit,               // use servers[index]
};

struct PersistenceDecision {
    PersistenceOutcome outcome = PersistenceOutcome::kNoCookie;
    std::optional<std::size_t> index;        // set for kHit
    std::optional<std::uint32_t> server_key; // set when the token was authentic
};

[[nodiscard]] PersistenceDecision resolve_persistence(std::span<const HeaderField> request_headers,
                                                      std::string_view cookie_name,
                                                      const PersistenceTokenCodec& codec,
                                                      std::span<const ServerState> servers,
                                                      std::uint64_t now_unix);

[[nodiscard]] std::string_view to_string(PersistenceOutcome o) noexcept;

} // namespace dlba::dlbad
