#pragma once

// Lookups in a request-target.  Values are returned raw (still
// percent-encoded) as views into the target.

#include <optional>
#include <string>
#include <string_view>

namespace dlba::dlbad {

// Value of the first query parameter `name` in `query` (the part after
// '?', "a=1&b=2"; ';' is not a separator).  "flag" without '=' yields "".
// Names are compared exactly (case-sensitive, not decoded).
[[nodiscard]] std::optional<std::string_view> find_query_param(std::string_view query,
                                                               std::string_view name) noexcept;

// Value of the path parameter `name` in `path` (RFC 3986 3.3 matrix style,
// e.g. "/cart;jsessionid=ABC123/view" or "/x.jsp;jsessionid=ABC123").  The
// value ends at the next ';', '/', '?' or the end.  Searches all segments;
// the first match wins.  Name comparison is case-insensitive (servlet
// containers emit "jsessionid" and "JSESSIONID").
[[nodiscard]] std::optional<std::string_view> find_path_param(std::string_view path,
                                                              std::string_view name) noexcept;

// The origin-form of a request-target (RFC 9112 3.2.1): an absolute-form
// "http://host:port/a?b" becomes "/a?b" and "http://host?b" becomes "/?b";
// an origin-form target is returned as it is, and so is anything else
// (asterisk-form, authority-form).  Used for what is sent to a back-end and
// for the URL-hash key, so both forms of one URL are one URL.
[[nodiscard]] std::string_view origin_form(std::string_view target, std::string& storage);

} // namespace dlba::dlbad
