#include <dlbad/header_util.h>

#include "http_internal.h"

#include <array>

namespace dlba::dlbad {

namespace {

constexpr unsigned char lower(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

constexpr std::array<bool, 256> kTchar = detail::make_alnum_table("!#$%&'*+-.^_`|~");

} // namespace

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

bool is_tchar(unsigned char c) noexcept
{
    return kTchar[c];
}

bool is_token(std::string_view s) noexcept
{
    if (s.empty())
        return false;
    for (char c : s) {
        if (!kTchar[static_cast<unsigned char>(c)])
            return false;
    }
    return true;
}

std::string_view trim_ows(std::string_view s) noexcept
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::string_view> find_header(std::span<const HeaderField> headers,
                                            std::string_view name) noexcept
{
    for (const HeaderField& h : headers) {
        if (iequals(h.name, name))
            return h.value;
    }
    return std::nullopt;
}

std::size_t count_headers(std::span<const HeaderField> headers, std::string_view name) noexcept
{
    std::size_t n = 0;
    for (const HeaderField& h : headers) {
        if (iequals(h.name, name))
            ++n;
    }
    return n;
}

bool ListIterator::next(std::string_view& element) noexcept
{
    while (!rest_.empty()) {
        std::size_t i = 0;
        bool quoted = false;
        for (; i < rest_.size(); ++i) {
            const char c = rest_[i];
            if (quoted) {
                if (c == '\\' && i + 1 < rest_.size())
                    ++i;
                else if (c == '"')
                    quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                break;
            }
        }
        std::string_view e = trim_ows(rest_.substr(0, i));
        rest_ = i < rest_.size() ? rest_.substr(i + 1) : std::string_view{};
        if (!e.empty()) {
            element = e;
            return true;
        }
    }
    return false;
}

bool has_token(std::span<const HeaderField> headers, std::string_view name,
               std::string_view token) noexcept
{
    for (const HeaderField& h : headers) {
        if (!iequals(h.name, name))
            continue;
        ListIterator it(h.value);
        std::string_view e;
        while (it.next(e)) {
            if (iequals(e, token))
                return true;
        }
    }
    return false;
}

bool is_hop_by_hop(std::span<const HeaderField> headers, std::string_view name) noexcept
{
    // End-to-end fields that a Connection header cannot turn hop-by-hop: message framing, the
    // target host, the forwarding chain dlbad extends and the cookies persistence depends on.
    // "Connection: Host" or "Connection: X-Forwarded-For" from a client is ignored for them.
    for (std::string_view kept : {"Transfer-Encoding", "Content-Length", "Host", "X-Forwarded-For",
                                  "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port",
                                  "Forwarded", "Cookie", "Set-Cookie", "Cache-Control"}) {
        if (iequals(name, kept))
            return false;
    }
    for (std::string_view fixed :
         {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade"}) {
        if (iequals(name, fixed))
            return true;
    }
    return has_token(headers, "Connection", name);
}

} // namespace dlba::dlbad
