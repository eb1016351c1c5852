#pragma once

// Small helpers over header fields and HTTP list syntax (RFC 9110 5.6).
// All functions are allocation-free and work on views.

#include <dlbad/http_types.h>

#include <optional>
#include <span>
#include <string_view>

namespace dlba::dlbad {

// ASCII case-insensitive equality (header names, tokens, directive names).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

// tchar of RFC 9110 5.6.2: ALPHA DIGIT and !#$%&'*+-.^_`|~
[[nodiscard]] bool is_tchar(unsigned char c) noexcept;

// True when s is a non-empty token.
[[nodiscard]] bool is_token(std::string_view s) noexcept;

// Strip leading and trailing SP / HTAB.
[[nodiscard]] std::string_view trim_ows(std::string_view s) noexcept;

// First header named `name` (case-insensitive), or nullopt.
[[nodiscard]] std::optional<std::string_view> find_header(std::span<const HeaderField> headers,
                                                          std::string_view name) noexcept;

// Number of header lines named `name`.
[[nodiscard]] std::size_t count_headers(std::span<const HeaderField> headers,
                                        std::string_view name) noexcept;

// Iterates the elements of a comma-separated list, skipping empty elements
// and trimming OWS around each.  Quoted strings are honoured: a comma inside
// "..." does not split.  Usage:
//   ListIterator it(value); std::string_view e; while (it.next(e)) { ... }
class ListIterator {
public:
    explicit ListIterator(std::string_view list) noexcept : rest_(list) {}
    bool next(std::string_view& element) noexcept;

private:
    std::string_view rest_;
};

// True when any header named `name` contains list element `token`
// (case-insensitive), e.g. has_token(headers, "Connection", "close").
[[nodiscard]] bool has_token(std::span<const HeaderField> headers, std::string_view name,
                             std::string_view token) noexcept;

// True for a hop-by-hop header a proxy must not forward (RFC 9110 7.6.1):
// Connection, Keep-Alive, Proxy-Connection, TE, Upgrade, and every field
// name listed in a Connection header of `headers`.  End-to-end fields dlbad
// relies on are never reported, whatever Connection lists: Transfer-Encoding
// and Content-Length (dlbad forwards bodies as received, so their framing
// headers travel with them), Host, X-Forwarded-For/-Proto/-Host/-Port and
// Forwarded (the trusted chain dlbad extends), Cookie, Set-Cookie and
// Cache-Control (persistence and its cache directives).
[[nodiscard]] bool is_hop_by_hop(std::span<const HeaderField> headers,
                                 std::string_view name) noexcept;

} // namespace dlba::dlbad
