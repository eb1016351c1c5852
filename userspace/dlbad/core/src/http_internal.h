#pragma once

// Private helpers shared by the request and response parsers and the
// chunked decoder.  Not part of the public API.

#include <dlbad/detail/head_scanner.h>
#include <dlbad/http_types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dlba::dlbad::detail {

// A table of octets: ASCII letters and digits plus the characters of `extra`.
// Token (RFC 9110) and authority (RFC 3986) character sets are built from it.
constexpr std::array<bool, 256> make_alnum_table(std::string_view extra) noexcept
{
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] = true;
    for (unsigned char c : extra)
        t[c] = true;
    return t;
}

// field-value octets (RFC 9110 5.5): HTAB, SP, VCHAR, obs-text.
constexpr std::array<bool, 256> make_value_table() noexcept
{
    std::array<bool, 256> t{};
    t['\t'] = true;
    for (int c = 0x20; c <= 0x7e; ++c)
        t[c] = true;
    for (int c = 0x80; c <= 0xff; ++c)
        t[c] = true;
    return t;
}
inline constexpr std::array<bool, 256> kFieldValueChar = make_value_table();

// True when every octet of `v` is a field-value octet (no NUL, CR, LF, other
// CTLs or DEL).  Checks 8 bytes at a time; this is the parser's hottest loop.
bool valid_field_value(std::string_view v) noexcept;

// Parses the header lines of a head: `block` starts right after the
// start-line's CRLF and ends just past the final empty line.  Appends to
// `out`.  Returns an error result or nullopt on success.
std::optional<ParseResult> parse_fields(std::string_view block, std::vector<HeaderField>& out,
                                        std::size_t max_fields, int syntax_status,
                                        int limit_status);

// "HTTP/" DIGIT "." DIGIT.  Returns nullopt if malformed; major in *major.
std::optional<HttpVersion> parse_version(std::string_view v, int& major) noexcept;

// Parses 1*DIGIT into a uint64 (false on empty, non-digit, overflow).
bool parse_decimal(std::string_view s, std::uint64_t& out) noexcept;

// Content-Length / Transfer-Encoding analysis common to both directions.
struct FramingHeaders {
    bool has_cl = false;
    std::uint64_t cl = 0;
    bool has_te = false;
    bool te_final_chunked = false;
    bool te_other_codings = false; // codings other than chunked present
};
// Returns an error (with `syntax_status`) or nullopt.
std::optional<ParseResult> analyse_framing(std::span<const HeaderField> headers,
                                           FramingHeaders& out, int syntax_status);

} // namespace dlba::dlbad::detail
