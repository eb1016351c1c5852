#include "dlba/config/value.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace dlba::config {

namespace {

std::size_t leading_digits(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
        ++i;
    return i;
}

// "EXPECTED, got 'TEXT'": the text was not of the expected form at all.
[[noreturn]] void malformed(std::string_view text, const std::string& expected)
{
    throw ValueError(expected + ", got " + quoted(text), expected);
}

[[noreturn]] void out_of_range(std::string_view text, const std::string& min,
                               const std::string& max, std::string_view unit = {})
{
    std::string range = "out of range [" + min + ", " + max + "]";
    if (!unit.empty())
        range += " " + std::string(unit);
    throw ValueError(std::string(text) + " " + range, range);
}

bool pton(int family, std::string_view text, IpAddress& out)
{
    // inet_pton needs a terminated string; an embedded NUL must not cut a longer text short.
    if (text.find('\0') != std::string_view::npos)
        return false;
    std::string s(text);
    if (inet_pton(family, s.c_str(), out.bytes.data()) != 1)
        return false;
    out.family = family;
    return true;
}

} // namespace

std::string quoted(std::string_view text)
{
    static const char kHex[] = "0123456789abcdef";
    std::string out = "'";
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "'";
}

std::string lower(std::string_view text)
{
    std::string s(text);
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool parse_bool(std::string_view text)
{
    std::string s = lower(text);
    if (s == "true" || s == "yes" || s == "on" || s == "1")
        return true;
    if (s == "false" || s == "no" || s == "off" || s == "0")
        return false;
    malformed(text, "expected true or false");
}

std::uint64_t parse_uint(std::string_view text, std::uint64_t min, std::uint64_t max)
{
    std::uint64_t v = 0;
    const char* end_of_text = text.data() + text.size();
    auto [end, ec] = std::from_chars(text.data(), end_of_text, v, 10);
    bool too_long = !text.empty() && ec == std::errc::result_out_of_range && end == end_of_text;
    if (!too_long && (text.empty() || ec != std::errc() || end != end_of_text))
        malformed(text, "expected an unsigned integer");
    if (too_long || v < min || v > max)
        out_of_range(text, std::to_string(min), std::to_string(max));
    return v;
}

double parse_number(std::string_view text, double min, double max)
{
    // strtod accepts leading blanks, hex floats, "inf" and "nan": only plain decimals pass here.
    bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isdigit(c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
    });
    std::string s(text);
    char* end = nullptr;
    double v = plain ? std::strtod(s.c_str(), &end) : 0;
    if (!plain || end != s.c_str() + s.size())
        malformed(text, "expected a number");
    if (!(v >= min && v <= max)) {
        std::ostringstream lo;
        std::ostringstream hi;
        lo << min;
        hi << max;
        out_of_range(text, lo.str(), hi.str());
    }
    return v;
}

std::chrono::milliseconds parse_duration(std::string_view text, std::chrono::milliseconds min,
                                         std::chrono::milliseconds max)
{
    // At most 9 digits, so the products below cannot overflow.
    std::size_t digits = leading_digits(text);
    if (digits == 0 || digits > 9)
        malformed(text, "expected a duration like 500ms, 30s, 2m");
    std::uint64_t v = 0;
    std::from_chars(text.data(), text.data() + digits, v);
    auto unit = text.substr(digits);
    std::uint64_t ms = 0;
    if (unit.empty() || unit == "s")
        ms = v * 1000;
    else if (unit == "ms")
        ms = v;
    else if (unit == "m")
        ms = v * 60000;
    else if (unit == "h")
        ms = v * 3600000;
    else {
        auto msg = "unknown duration unit " + quoted(unit) + " (ms, s, m, h)";
        throw ValueError(msg, msg);
    }
    if (ms == 0)
        throw ValueError("must be greater than zero", "must be greater than zero");
    if (ms < static_cast<std::uint64_t>(min.count()) ||
        ms > static_cast<std::uint64_t>(max.count()))
        out_of_range(text, std::to_string(min.count()) + "ms", std::to_string(max.count()) + "ms");
    return std::chrono::milliseconds(ms);
}

std::uint64_t parse_size(std::string_view text, std::uint64_t min, std::uint64_t max)
{
    std::size_t digits = leading_digits(text);
    if (digits == 0 || digits > 12)
        malformed(text, "expected a size like 16k, 8m");
    std::uint64_t v = 0;
    std::from_chars(text.data(), text.data() + digits, v);
    std::string unit = lower(text.substr(digits));
    unsigned shift = 0;
    if (unit == "k" || unit == "kb" || unit == "kib")
        shift = 10;
    else if (unit == "m" || unit == "mb" || unit == "mib")
        shift = 20;
    else if (unit == "g" || unit == "gb" || unit == "gib")
        shift = 30;
    else if (!unit.empty() && unit != "b") {
        auto msg = "unknown size unit " + quoted(unit) + " (k, m, g)";
        throw ValueError(msg, msg);
    }
    // Compare before shifting: 17179869184g would otherwise wrap round to 0.
    if (v > (max >> shift) || (v << shift) < min)
        out_of_range(text, std::to_string(min), std::to_string(max), "bytes");
    return v << shift;
}

IpAddress parse_ip(std::string_view text)
{
    IpAddress out;
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        if (pton(AF_INET6, text.substr(1, text.size() - 2), out))
            return out;
    } else if (pton(AF_INET, text, out) || pton(AF_INET6, text, out)) {
        return out;
    }
    throw ValueError(quoted(text) + " is not an IPv4 or IPv6 address",
                     "not an IPv4 or IPv6 address");
}

Endpoint parse_endpoint(std::string_view text)
{
    auto fail = [&]() -> Endpoint {
        throw ValueError(quoted(text) + " is not ADDRESS:PORT (IPv6 as [ADDR]:PORT)",
                         "not ADDRESS:PORT (IPv6 as [ADDR]:PORT)");
    };
    std::string_view host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return fail();
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        // An unbracketed IPv6 address has several colons: which one starts the port is ambiguous.
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon)
            return fail();
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    const char* end_of_port = port_text.data() + port_text.size();
    auto [end, ec] = std::from_chars(port_text.data(), end_of_port, port, 10);
    if (port_text.empty() || ec != std::errc() || end != end_of_port || port > 65535)
        return fail();
    Endpoint out;
    bool bracketed = text.front() == '[';
    if (!pton(bracketed ? AF_INET6 : AF_INET, host, out.ip))
        return fail();
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

} // namespace dlba::config
