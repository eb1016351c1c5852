#include <dlbad/header_util.h>
#include <dlbad/set_cookie.h>

#include <limits>

namespace dlba::dlbad {

std::optional<SetCookie> SetCookie::parse(std::string_view header_value)
{
    SetCookie sc;
    const std::size_t semi = header_value.find(';');
    const std::string_view pair = header_value.substr(0, semi);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos)
        return std::nullopt;
    sc.name_ = trim_ows(pair.substr(0, eq));
    sc.value_ = trim_ows(pair.substr(eq + 1));
    if (sc.name_.empty())
        return std::nullopt;
    if (semi == std::string_view::npos)
        return sc;
    sc.attributes_text_ = header_value.substr(semi);
    std::string_view rest = header_value.substr(semi + 1);
    while (!rest.empty()) {
        const std::size_t s = rest.find(';');
        const std::string_view av = rest.substr(0, s);
        rest = s == std::string_view::npos ? std::string_view{} : rest.substr(s + 1);
        const std::size_t e = av.find('=');
        SetCookieAttribute a;
        a.name = trim_ows(av.substr(0, e));
        if (e != std::string_view::npos) {
            a.value = trim_ows(av.substr(e + 1));
            a.has_value = true;
        }
        if (a.name.empty())
            continue; // RFC 6265 5.2 step: ignore empty attribute names
        sc.attrs_.push_back(a);
    }
    return sc;
}

const SetCookieAttribute* SetCookie::attribute(std::string_view name) const noexcept
{
    for (auto it = attrs_.rbegin(); it != attrs_.rend(); ++it) {
        if (iequals(it->name, name))
            return &*it;
    }
    return nullptr;
}

std::optional<std::string_view> SetCookie::expires() const noexcept
{
    const SetCookieAttribute* a = attribute("Expires");
    return a ? std::optional(a->value) : std::nullopt;
}

std::optional<std::int64_t> SetCookie::max_age() const noexcept
{
    const SetCookieAttribute* a = attribute("Max-Age");
    if (a == nullptr)
        return std::nullopt;
    std::string_view v = a->value;
    bool neg = false;
    if (!v.empty() && v.front() == '-') {
        neg = true;
        v.remove_prefix(1);
    }
    if (v.empty())
        return std::nullopt;
    std::int64_t out = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        if (out < std::numeric_limits<std::int64_t>::max() / 10)
            out = out * 10 + (c - '0');
        else
            out = std::numeric_limits<std::int64_t>::max(); // clamp
    }
    return neg ? -out : out;
}

std::optional<std::string_view> SetCookie::path() const noexcept
{
    const SetCookieAttribute* a = attribute("Path");
    return a ? std::optional(a->value) : std::nullopt;
}

std::optional<std::string_view> SetCookie::domain() const noexcept
{
    const SetCookieAttribute* a = attribute("Domain");
    return a ? std::optional(a->value) : std::nullopt;
}

std::optional<std::string_view> SetCookie::same_site() const noexcept
{
    const SetCookieAttribute* a = attribute("SameSite");
    return a ? std::optional(a->value) : std::nullopt;
}

bool SetCookie::secure() const noexcept
{
    return attribute("Secure") != nullptr;
}

bool SetCookie::http_only() const noexcept
{
    return attribute("HttpOnly") != nullptr;
}

} // namespace dlba::dlbad
