#pragma once

// Parsing of request Cookie header values (RFC 6265 section 4.2 / 5.4):
// "a=1; b=2".  Lenient like user agents: pairs are split on ';', OWS is
// trimmed, a pair without '=' is skipped, values may be DQUOTE-wrapped (the
// quotes are kept in the value, as RFC 6265 does).

#include <dlbad/http_types.h>

#include <optional>
#include <span>
#include <string_view>

namespace dlba::dlbad {

struct CookiePair {
    std::string_view name;
    std::string_view value;
};

// Iterates name=value pairs of one Cookie header value.
class CookieIterator {
public:
    explicit CookieIterator(std::string_view header_value) noexcept : rest_(header_value) {}
    bool next(CookiePair& out) noexcept;

private:
    std::string_view rest_;
};

// First cookie named `name` (case-sensitive) in one Cookie header value.
[[nodiscard]] std::optional<std::string_view> find_cookie(std::string_view header_value,
                                                          std::string_view name) noexcept;

// First cookie named `name` across all Cookie headers of a request.
[[nodiscard]] std::optional<std::string_view> find_cookie(std::span<const HeaderField> headers,
                                                          std::string_view name) noexcept;

} // namespace dlba::dlbad
