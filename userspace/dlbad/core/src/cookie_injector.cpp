#include <dlbad/cache_control.h>
#include <dlbad/cookie_injector.h>
#include <dlbad/header_util.h>
#include <dlbad/set_cookie.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace dlba::dlbad {

CookieInjector::CookieInjector(CookieInjectionConfig config, CookieScope scope)
    : config_(std::move(config)),
      scope_(std::move(scope))
{
    if (!is_token(config_.session_cookie))
        throw std::invalid_argument("session cookie name is not a token: '" +
                                    config_.session_cookie + "'");
    if (!is_token(config_.persistence_cookie))
        throw std::invalid_argument("persistence cookie name is not a token: '" +
                                    config_.persistence_cookie + "'");
    if (config_.session_cookie == config_.persistence_cookie)
        throw std::invalid_argument("session and persistence cookie names must differ");
    // RFC 6265 4.1.1: path-value is any CHAR but CTLs and ';'; a cookie path starts with '/'.
    const bool path_ok = !scope_.path.empty() && scope_.path.front() == '/' &&
                         std::none_of(scope_.path.begin(), scope_.path.end(), [](unsigned char c) {
                             return c < 0x20 || c == 0x7f || c == ';' || c >= 0x80;
                         });
    if (!path_ok)
        throw std::invalid_argument(
            "cookie path must start with '/' and hold no ';' nor control characters: '" +
            scope_.path + "'");
    // A host name (RFC 1123 letters, digits, '-', '.'), a leading '.' tolerated as browsers do.
    const std::string_view dom = scope_.domain.empty() || scope_.domain.front() != '.'
                                     ? std::string_view(scope_.domain)
                                     : std::string_view(scope_.domain).substr(1);
    const bool domain_ok =
        scope_.domain.empty() ||
        (!dom.empty() && dom.size() <= 253 && dom.front() != '-' && dom.front() != '.' &&
         dom.back() != '.' && std::all_of(dom.begin(), dom.end(), [](unsigned char c) {
             return std::isalnum(c) || c == '-' || c == '.';
         }));
    if (!domain_ok)
        throw std::invalid_argument("cookie domain is not a host name: '" + scope_.domain + "'");
    reissue_attributes_ = "; Path=" + scope_.path;
    if (!scope_.domain.empty())
        reissue_attributes_ += "; Domain=" + scope_.domain;
}

std::optional<std::size_t>
CookieInjector::session_set_cookie(std::span<const HeaderField> headers) const
{
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < headers.size(); ++i) {
        if (!iequals(headers[i].name, "Set-Cookie"))
            continue;
        const std::optional<SetCookie> sc = SetCookie::parse(headers[i].value);
        if (sc && sc->name() == config_.session_cookie)
            found = i;
    }
    return found;
}

std::string CookieInjector::make_set_cookie(std::string_view name, std::string_view token,
                                            std::string_view attributes_text)
{
    std::string v;
    v.reserve(name.size() + 1 + token.size() + attributes_text.size());
    v.append(name);
    v.push_back('=');
    v.append(token);
    v.append(attributes_text);
    return v;
}

void CookieInjector::inject(std::span<const HeaderField> headers, std::size_t index,
                            std::string_view token, HeaderEdit& edit) const
{
    if (index >= headers.size())
        return;
    const std::optional<SetCookie> session = SetCookie::parse(headers[index].value);
    if (!session)
        return;
    for (std::size_t i = 0; i < headers.size(); ++i) {
        if (!iequals(headers[i].name, "Set-Cookie"))
            continue;
        const std::optional<SetCookie> sc = SetCookie::parse(headers[i].value);
        if (sc && sc->name() == config_.persistence_cookie)
            edit.remove_index.push_back(i);
    }
    edit.add.emplace_back("Set-Cookie", make_set_cookie(config_.persistence_cookie, token,
                                                        session->attributes_text()));
    if (config_.nocache) {
        if (std::optional<std::string> cc = private_cache_control(headers)) {
            edit.remove_name.emplace_back("Cache-Control");
            edit.add.emplace_back("Cache-Control", std::move(*cc));
        }
    }
}

} // namespace dlba::dlbad
