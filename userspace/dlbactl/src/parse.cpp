#include "dlba/ctl/parse.h"

#include "dlba/config/value.h"

#include <arpa/inet.h>
#include <linux/dlba.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace dlba::ctl {

namespace {

using config::lower;
using config::quoted;

bool pton(int family, std::string_view text, Address& out)
{
    std::string s(text);
    Address a;
    a.family = static_cast<uint16_t>(family);
    if (inet_pton(family, s.c_str(), a.bytes.data()) != 1)
        return false;
    out = a;
    return true;
}

struct Name {
    const char* name;
    uint8_t value;
};

constexpr Name kMethods[] = {{"dr", DLBA_FWD_DR}, {"nat", DLBA_FWD_NAT}, {"tun", DLBA_FWD_TUN}};
constexpr Name kModes[] = {
    {"forward", DLBA_MODE_FORWARD}, {"divert", DLBA_MODE_DIVERT}, {"redirect", DLBA_MODE_REDIRECT}};

template <size_t N>
std::string names(const Name (&table)[N])
{
    std::string s;
    for (const auto& n : table)
        s += (s.empty() ? "" : ", ") + std::string(n.name);
    return s;
}

} // namespace

uint64_t parse_uint(std::string_view text, uint64_t max, std::string_view what)
{
    try {
        return config::parse_uint(text, 0, max);
    } catch (const config::ValueError& e) {
        throw ParseError("invalid " + std::string(what) + " " + quoted(text) + ": " + e.reason());
    }
}

bool parse_bool(std::string_view text, std::string_view what)
{
    try {
        return config::parse_bool(text);
    } catch (const config::ValueError& e) {
        throw ParseError("invalid " + std::string(what) + " " + quoted(text) + ": " + e.reason());
    }
}

Address parse_address(std::string_view text)
{
    try {
        auto ip = config::parse_ip(text);
        Address a;
        a.family = static_cast<uint16_t>(ip.family);
        std::copy(ip.bytes.begin(), ip.bytes.end(), a.bytes.begin());
        return a;
    } catch (const config::ValueError&) {
        throw ParseError("invalid address " + quoted(text));
    }
}

ServiceKey parse_service(std::string_view text)
{
    auto fail = [&](const std::string& why) -> ParseError {
        return ParseError(
            "invalid service " + quoted(text) + ": " + why +
            " (expected ADDR:PORT/PROTO, e.g. 10.0.0.10:80/tcp or [fd00::1]:443/tcp)");
    };
    ServiceKey key;
    size_t slash = text.rfind('/');
    if (slash == std::string_view::npos)
        throw fail("missing /tcp or /udp");
    std::string proto = lower(text.substr(slash + 1));
    if (proto == "tcp")
        key.proto = IPPROTO_TCP;
    else if (proto == "udp")
        key.proto = IPPROTO_UDP;
    else
        throw fail("protocol must be tcp or udp");
    std::string_view hostport = text.substr(0, slash);
    size_t colon = hostport.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == hostport.size())
        throw fail("missing port");
    std::string_view host = hostport.substr(0, colon);
    std::string_view port = hostport.substr(colon + 1);
    if (!host.empty() && host.front() == '[') {
        if (host.back() != ']' || !pton(AF_INET6, host.substr(1, host.size() - 2), key.addr))
            throw fail("invalid IPv6 address");
    } else if (!pton(AF_INET, host, key.addr)) {
        if (host.find(':') != std::string_view::npos)
            throw fail("IPv6 addresses must be written in brackets");
        throw fail("invalid IPv4 address");
    }
    uint64_t p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p, 10);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535)
        throw fail("port must be 1..65535");
    key.port = static_cast<uint16_t>(p);
    return key;
}

Mac parse_mac(std::string_view text)
{
    Mac mac{};
    // Exactly "xx:xx:xx:xx:xx:xx" (or with '-'): 17 characters.
    bool ok = text.size() == 17;
    for (size_t i = 0; ok && i < 6; i++) {
        if (i > 0 && text[i * 3 - 1] != ':' && text[i * 3 - 1] != '-')
            ok = false;
        if (i > 0 && text[i * 3 - 1] != text[2])
            ok = false;
        if (!ok)
            break;
        unsigned v = 0;
        auto [end, ec] = std::from_chars(text.data() + i * 3, text.data() + i * 3 + 2, v, 16);
        ok = ec == std::errc() && end == text.data() + i * 3 + 2;
        mac[i] = static_cast<uint8_t>(v);
    }
    if (!ok)
        throw ParseError("invalid MAC address " + quoted(text) + " (expected xx:xx:xx:xx:xx:xx)");
    return mac;
}

HashKey parse_hash_key(std::string_view text)
{
    HashKey key{};
    bool ok = text.size() == key.size() * 2;
    for (size_t i = 0; ok && i < key.size(); i++) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(text.data() + i * 2, text.data() + i * 2 + 2, v, 16);
        ok = ec == std::errc() && end == text.data() + i * 2 + 2;
        key[i] = static_cast<uint8_t>(v);
    }
    if (!ok)
        throw ParseError("invalid hash key " + quoted(text) + " (expected 32 hex digits)");
    return key;
}

uint8_t parse_method(std::string_view text)
{
    std::string s = lower(text);
    for (const auto& m : kMethods)
        if (s == m.name)
            return m.value;
    throw ParseError("invalid forwarding method " + quoted(text) + " (one of " + names(kMethods) +
                     ")");
}

ServerState parse_server_state(std::string_view text)
{
    std::string s = lower(text);
    if (s == "ready")
        return ServerState::Ready;
    if (s == "drain")
        return ServerState::Drain;
    if (s == "maint")
        return ServerState::Maint;
    throw ParseError("invalid server state " + quoted(text) + " (one of ready, drain, maint)");
}

std::string server_state_name(ServerState state)
{
    switch (state) {
    case ServerState::Ready:
        return "ready";
    case ServerState::Drain:
        return "drain";
    case ServerState::Maint:
        return "maint";
    }
    return "?";
}

ServerState server_state(bool enabled, bool failed)
{
    if (failed)
        return ServerState::Maint;
    return enabled ? ServerState::Ready : ServerState::Drain;
}

ServerFlags server_flags(ServerState state)
{
    return ServerFlags{state == ServerState::Ready, state == ServerState::Maint};
}

uint8_t parse_mode(std::string_view text)
{
    std::string s = lower(text);
    for (const auto& m : kModes)
        if (s == m.name)
            return m.value;
    throw ParseError("invalid service mode " + quoted(text) + " (one of " + names(kModes) + ")");
}

std::string format_address(const Address& addr)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    if (addr.family == AF_INET || addr.family == AF_INET6)
        inet_ntop(addr.family, addr.bytes.data(), buf, sizeof(buf));
    return buf;
}

std::string format_service(const ServiceKey& key)
{
    std::string host = format_address(key.addr);
    if (key.addr.family == AF_INET6)
        host = "[" + host + "]";
    return host + ":" + std::to_string(key.port) + "/" + proto_name(key.proto);
}

std::string format_mac(const Mac& mac)
{
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    return buf;
}

std::string format_hash_key(const HashKey& key)
{
    static const char kDigits[] = "0123456789abcdef";
    std::string s;
    for (uint8_t b : key) {
        s += kDigits[b >> 4];
        s += kDigits[b & 15];
    }
    return s;
}

std::string method_name(uint8_t method)
{
    for (const auto& m : kMethods)
        if (m.value == method)
            return m.name;
    return "method" + std::to_string(method);
}

std::string mode_name(uint8_t mode)
{
    for (const auto& m : kModes)
        if (m.value == mode)
            return m.name;
    return "mode" + std::to_string(mode);
}

std::string proto_name(uint8_t proto)
{
    if (proto == IPPROTO_TCP)
        return "tcp";
    if (proto == IPPROTO_UDP)
        return "udp";
    return "proto" + std::to_string(proto);
}

std::string family_name(uint16_t family)
{
    if (family == AF_INET)
        return "inet";
    if (family == AF_INET6)
        return "inet6";
    return "family" + std::to_string(family);
}

std::string check_buckets(uint64_t n)
{
    if (n < DLBA_BUCKETS_MIN || n > DLBA_BUCKETS_MAX || (n & (n - 1)))
        return "buckets must be a power of two from " + std::to_string(DLBA_BUCKETS_MIN) + " to " +
               std::to_string(DLBA_BUCKETS_MAX) + ", not " + std::to_string(n);
    return {};
}

std::string check_timeout(uint64_t seconds)
{
    if (seconds < 1 || seconds > DLBA_TIMEOUT_MAX)
        return "timeout must be 1.." + std::to_string(DLBA_TIMEOUT_MAX) + " seconds, not " +
               std::to_string(seconds);
    return {};
}

std::string check_server_id(uint64_t id)
{
    if (id < 1 || id > DLBA_SERVER_ID_MAX)
        return "server id must be 1.." + std::to_string(DLBA_SERVER_ID_MAX) + ", not " +
               std::to_string(id);
    return {};
}

std::string check_weight(uint64_t weight)
{
    if (weight > DLBA_WEIGHT_MAX)
        return "weight must be 0.." + std::to_string(DLBA_WEIGHT_MAX) + ", not " +
               std::to_string(weight);
    return {};
}

std::string check_port(uint64_t port)
{
    if (port > 65535)
        return "port must be 0..65535, not " + std::to_string(port);
    return {};
}

std::string check_unicast_mac(const Mac& mac)
{
    if (std::all_of(mac.begin(), mac.end(), [](uint8_t b) { return b == 0; }))
        return "MAC address must not be all zeros";
    if (mac[0] & 1)
        return "MAC address " + format_mac(mac) + " is a multicast address";
    return {};
}

} // namespace dlba::ctl
