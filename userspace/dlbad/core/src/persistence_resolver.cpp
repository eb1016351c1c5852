#include <dlbad/cookie_header.h>
#include <dlbad/persistence_resolver.h>

namespace dlba::dlbad {

PersistenceDecision resolve_persistence(std::span<const HeaderField> request_headers,
                                        std::string_view cookie_name,
                                        const PersistenceTokenCodec& codec,
                                        std::span<const ServerState> servers,
                                        std::uint64_t now_unix)
{
    PersistenceDecision d;
    const std::optional<std::string_view> value = find_cookie(request_headers, cookie_name);
    if (!value)
        return d;
    d.server_key = codec.verify(*value, now_unix);
    if (!d.server_key) {
        d.outcome = PersistenceOutcome::kInvalid;
        return d;
    }
    for (std::size_t i = 0; i < servers.size(); ++i) {
        if (servers[i].key != *d.server_key)
            continue;
        // Weight 0 (drained) still serves the sessions it already has.
        if (!servers[i].available) {
            d.outcome = PersistenceOutcome::kServerUnavailable;
            return d;
        }
        d.outcome = PersistenceOutcome::kHit;
        d.index = i;
        return d;
    }
    d.outcome = PersistenceOutcome::kUnknownServer;
    return d;
}

std::string_view to_string(PersistenceOutcome o) noexcept
{
    switch (o) {
    case PersistenceOutcome::kNoCookie:
        return "no-cookie";
    case PersistenceOutcome::kInvalid:
        return "invalid";
    case PersistenceOutcome::kUnknownServer:
        return "unknown-server";
    case PersistenceOutcome::kServerUnavailable:
        return "server-unavailable";
    case PersistenceOutcome::kHit:
        return "hit";
    }
    return "?";
}

} // namespace dlba::dlbad
