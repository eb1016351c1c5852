#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

// The scalar values both configuration files (dlba.yaml for dlbactl, dlbad.conf for dlbad) and
// dlbactl's command line accept, parsed once so "30s", "16k", "yes" or "[fd00::1]:443" mean the
// same thing everywhere.  The parsers know nothing of YAML or of where the text came from: they
// throw ValueError, and the caller prefixes what the value was ("weight: ...") and where it was
// ("FILE:LINE: ...").
namespace dlba::config {

// what() is a sentence that quotes the rejected text ("expected true or false, got 'perhaps'",
// "300 out of range [0, 256]"); reason() is the same without the text ("expected true or false",
// "out of range [0, 256]") for callers that quote the text themselves, as dlbactl does
// ("invalid weight '300': out of range [0, 256]").
class ValueError : public std::invalid_argument {
public:
    ValueError(const std::string& message, std::string reason)
        : std::invalid_argument(message),
          reason_(std::move(reason))
    {}

    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    std::string reason_;
};

// `text` in single quotes, control bytes as \xNN: a message must not carry a NUL (what() would
// end there) or terminal escapes from a file or command line into a log.
[[nodiscard]] std::string quoted(std::string_view text);
// ASCII lower case (keywords are matched case-insensitively).
[[nodiscard]] std::string lower(std::string_view text);

// "true"/"false", "yes"/"no", "on"/"off", "1"/"0", in any letter case.
bool parse_bool(std::string_view text);

// A decimal unsigned integer in [min, max].
std::uint64_t parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max);

// A decimal number (fraction allowed) in [min, max].
double parse_number(std::string_view text, double min, double max);

// "250ms", "30s", "2m", "1h"; a bare number is seconds.  Never zero; checked against [min, max].
std::chrono::milliseconds parse_duration(std::string_view text, std::chrono::milliseconds min,
                                         std::chrono::milliseconds max);

// "4096", "16k", "8m", "1g" (k/kb/kib, ... in any case; powers of 1024), in [min, max] bytes.
std::uint64_t parse_size(std::string_view text, std::uint64_t min, std::uint64_t max);

// An IPv4 or IPv6 address: "10.0.0.1", "fd00::1" or "[fd00::1]".
struct IpAddress {
    int family = 0;                       // AF_INET or AF_INET6
    std::array<std::uint8_t, 16> bytes{}; // network order; IPv4 uses the first 4

    friend bool operator==(const IpAddress&, const IpAddress&) = default;
};
IpAddress parse_ip(std::string_view text);

// "ADDRESS:PORT", IPv6 as "[ADDRESS]:PORT"; the port is 0-65535 (callers that need a real port
// check for 0 themselves, with their own message).
struct Endpoint {
    IpAddress ip;
    std::uint16_t port = 0;
};
Endpoint parse_endpoint(std::string_view text);

} // namespace dlba::config
