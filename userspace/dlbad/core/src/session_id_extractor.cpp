#include <dlbad/cookie_header.h>
#include <dlbad/header_util.h>
#include <dlbad/session_id_extractor.h>
#include <dlbad/uri_util.h>

#include <stdexcept>

namespace dlba::dlbad {

SessionIdExtractor::SessionIdExtractor(std::vector<SessionIdRule> rules) : rules_(std::move(rules))
{
    for (const SessionIdRule& r : rules_) {
        if (r.name.empty())
            throw std::invalid_argument("session id rule with empty name");
    }
}

std::optional<std::string_view> SessionIdExtractor::extract(const RequestHead& request) const
{
    for (const SessionIdRule& r : rules_) {
        std::optional<std::string_view> v;
        switch (r.source) {
        case SessionIdSource::kPathParam:
            v = find_path_param(request.path(), r.name);
            break;
        case SessionIdSource::kQuery:
            v = find_query_param(request.query(), r.name);
            break;
        case SessionIdSource::kHeader:
            v = request.header(r.name);
            break;
        case SessionIdSource::kCookie:
            v = find_cookie(request.headers(), r.name);
            break;
        }
        if (v && !v->empty())
            return v;
    }
    return std::nullopt;
}

SessionIdRule SessionIdExtractor::parse_rule(std::string_view spec)
{
    const std::size_t colon = spec.find(':');
    if (colon == std::string_view::npos || colon + 1 == spec.size())
        throw std::invalid_argument(
            "session id rule must be <path|query|header|cookie>:<name>, got '" + std::string(spec) +
            "'");
    const std::string_view kind = spec.substr(0, colon);
    const std::string_view name = spec.substr(colon + 1);
    SessionIdRule r;
    r.name = std::string(name);
    if (kind == "path")
        r.source = SessionIdSource::kPathParam;
    else if (kind == "query")
        r.source = SessionIdSource::kQuery;
    else if (kind == "header")
        r.source = SessionIdSource::kHeader;
    else if (kind == "cookie")
        r.source = SessionIdSource::kCookie;
    else
        throw std::invalid_argument("unknown session id source '" + std::string(kind) +
                                    "' (path, query, header or cookie)");
    if (r.source == SessionIdSource::kHeader || r.source == SessionIdSource::kCookie) {
        if (!is_token(name))
            throw std::invalid_argument("session id name is not a token: '" + r.name + "'");
    }
    return r;
}

} // namespace dlba::dlbad
