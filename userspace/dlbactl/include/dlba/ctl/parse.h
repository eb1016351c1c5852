#pragma once

#include "dlba/ctl/types.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dlba::ctl {

// A malformed value on the command line or in a file.  The message names
// what was wrong ("invalid MAC address '...'"), never the source.
class ParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// "10.0.0.10:80/tcp", "[fd00::1]:443/udp".
ServiceKey parse_service(std::string_view text);
// "10.0.1.1", "fd00::1" or "[fd00::1]".
Address parse_address(std::string_view text);
// "02:00:00:00:01:01" (or '-' separated), two hex digits per octet.
Mac parse_mac(std::string_view text);
// 32 hex digits: a service's hash key.
HashKey parse_hash_key(std::string_view text);
// "dr" | "nat" | "tun" -> DLBA_FWD_*.
uint8_t parse_method(std::string_view text);
// A server's administrative state, the words of dlbad's admin socket and HAProxy:
// ready = enabled, not failed (takes new buckets); drain = disabled (keeps its buckets
// and their clients, takes no new ones); maint = failed (its buckets move at once, it
// gets no traffic).  The two kernel flags behind them are DLBA_SRV_F_DISABLED/FAILED.
enum class ServerState { Ready, Drain, Maint };
// "ready" | "drain" | "maint".
ServerState parse_server_state(std::string_view text);
std::string server_state_name(ServerState state);
// The state two flags show: failed is maint whatever enabled says.
ServerState server_state(bool enabled, bool failed);
// The flags a state sets: ready {enabled, not failed}, drain {disabled, not failed},
// maint {disabled, failed} (so that clearing the failed mark alone leaves it draining).
struct ServerFlags {
    bool enabled;
    bool failed;
};
ServerFlags server_flags(ServerState state);
// "forward" | "divert" | "redirect" -> DLBA_MODE_*.
uint8_t parse_mode(std::string_view text);
// Decimal unsigned integer no larger than 'max'; 'what' names it in errors.
uint64_t parse_uint(std::string_view text, uint64_t max, std::string_view what);
// "yes"/"no", "true"/"false", "on"/"off", "1"/"0".
bool parse_bool(std::string_view text, std::string_view what);

std::string format_address(const Address& addr);
std::string format_service(const ServiceKey& key);
std::string format_mac(const Mac& mac);
std::string format_hash_key(const HashKey& key);
std::string method_name(uint8_t method);
std::string mode_name(uint8_t mode);
std::string proto_name(uint8_t proto);
std::string family_name(uint16_t family); // "inet" / "inet6"

// Semantic range checks used when validating a config file before any
// change (single commands leave these to the kernel, which is the
// authority).  Each returns an error message, or empty when fine.
std::string check_buckets(uint64_t n);
std::string check_timeout(uint64_t seconds);
std::string check_server_id(uint64_t id);
std::string check_weight(uint64_t weight);
std::string check_port(uint64_t port);
std::string check_unicast_mac(const Mac& mac);

} // namespace dlba::ctl
