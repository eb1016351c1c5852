#pragma once

// Session-id persistence: finds a configured session id in a request.  The
// runtime maps the id to a back-end with a HashRing over the configured
// servers (the daemon's keyed hash of the id, walk skipping unavailable servers), so a session
// stays on its server while it is healthy and only the sessions of a failed
// server move.

#include <dlbad/request_head.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlba::dlbad {

enum class SessionIdSource : std::uint8_t {
    kPathParam, // "/app;jsessionid=XYZ/page" (name case-insensitive)
    kQuery,     // "/app?sid=XYZ" (name case-sensitive)
    kHeader,    // "X-Session-Id: XYZ" (name case-insensitive)
    kCookie,    // "Cookie: sid=XYZ" (name case-sensitive)
};

struct SessionIdRule {
    SessionIdSource source = SessionIdSource::kPathParam;
    std::string name;
};

class SessionIdExtractor {
public:
    // Rules are tried in order; the first non-empty match wins.  Throws
    // std::invalid_argument on an empty name.
    explicit SessionIdExtractor(std::vector<SessionIdRule> rules);

    [[nodiscard]] std::optional<std::string_view> extract(const RequestHead& request) const;

    // Parses "path:jsessionid", "query:sid", "header:X-Session-Id",
    // "cookie:sid" (config syntax).  Throws std::invalid_argument.
    static SessionIdRule parse_rule(std::string_view spec);

private:
    std::vector<SessionIdRule> rules_;
};

} // namespace dlba::dlbad
