#pragma once

// Parser for one Set-Cookie header value (RFC 6265 section 5.2, the user
// agent algorithm, so dlbad reads a back-end cookie exactly as a browser
// will): "name=value; Attr; Attr=val; ...".

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace dlba::dlbad {

struct SetCookieAttribute {
    std::string_view name;  // trimmed, case preserved
    std::string_view value; // trimmed; empty if has_value is false
    bool has_value = false;
};

// Views point into the parsed header value.
class SetCookie {
public:
    // nullopt when the value has no '=' in its name-value pair or an empty
    // name (a user agent ignores such a header).
    static std::optional<SetCookie> parse(std::string_view header_value);

    [[nodiscard]] std::string_view name() const noexcept { return name_; }
    [[nodiscard]] std::string_view value() const noexcept { return value_; }
    // Everything from the first ';' on, verbatim ("; Path=/; HttpOnly"),
    // empty when there are no attributes.  Copying it onto another cookie
    // gives that cookie exactly the same attributes, unknown ones included.
    [[nodiscard]] std::string_view attributes_text() const noexcept { return attributes_text_; }
    // All attributes in order (duplicates kept; RFC 6265: the last wins).
    [[nodiscard]] const std::vector<SetCookieAttribute>& attributes() const noexcept
    {
        return attrs_;
    }

    // Last attribute with this name (case-insensitive), as user agents use.
    [[nodiscard]] const SetCookieAttribute* attribute(std::string_view name) const noexcept;

    [[nodiscard]] std::optional<std::string_view> expires() const noexcept;
    // Max-Age parsed per RFC 6265 5.2.2 (optional '-', digits; clamped);
    // nullopt if absent or malformed (a browser ignores a malformed one).
    [[nodiscard]] std::optional<std::int64_t> max_age() const noexcept;
    [[nodiscard]] std::optional<std::string_view> path() const noexcept;
    [[nodiscard]] std::optional<std::string_view> domain() const noexcept;
    [[nodiscard]] std::optional<std::string_view> same_site() const noexcept;
    [[nodiscard]] bool secure() const noexcept;
    [[nodiscard]] bool http_only() const noexcept;

private:
    std::string_view name_;
    std::string_view value_;
    std::string_view attributes_text_;
    std::vector<SetCookieAttribute> attrs_;
};

} // namespace dlba::dlbad
