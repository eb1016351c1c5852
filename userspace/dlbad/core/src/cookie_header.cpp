#include <dlbad/cookie_header.h>
#include <dlbad/header_util.h>

namespace dlba::dlbad {

bool CookieIterator::next(CookiePair& out) noexcept
{
    while (!rest_.empty()) {
        const std::size_t semi = rest_.find(';');
        const std::string_view pair = rest_.substr(0, semi);
        rest_ = semi == std::string_view::npos ? std::string_view{} : rest_.substr(semi + 1);
        const std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos)
            continue;
        const std::string_view name = trim_ows(pair.substr(0, eq));
        if (name.empty())
            continue;
        out.name = name;
        out.value = trim_ows(pair.substr(eq + 1));
        return true;
    }
    return false;
}

std::optional<std::string_view> find_cookie(std::string_view header_value,
                                            std::string_view name) noexcept
{
    CookieIterator it(header_value);
    CookiePair p;
    while (it.next(p)) {
        if (p.name == name)
            return p.value;
    }
    return std::nullopt;
}

std::optional<std::string_view> find_cookie(std::span<const HeaderField> headers,
                                            std::string_view name) noexcept
{
    for (const HeaderField& h : headers) {
        if (!iequals(h.name, "Cookie"))
            continue;
        if (auto v = find_cookie(h.value, name))
            return v;
    }
    return std::nullopt;
}

} // namespace dlba::dlbad
