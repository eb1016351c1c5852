#pragma once

// Lookups in a request-target.  Values are returned raw (still
// percent-encoded) as views into the target.

#include <optional>
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

} // namespace dlba::dlbad
