#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <dlba/config/value.h>

// What each node broadcasts to the CPG group "dlba-array" (agreed order) after every membership
// change and after each change of what it holds: one line of text,
//   "dlba-array 1 NAME PRIORITY ADDRESS GROUP,GROUP..."   ("-" for no group),
// version 1.  A message of another version or malformed is ignored (and logged) by the receiver,
// so a later version can add fields after these.
namespace dlba::arrayd {

struct StateMessage {
    static constexpr unsigned kVersion = 1;
    static constexpr std::size_t kMaxSize = 4096;

    std::string name;
    unsigned priority = 0;
    config::IpAddress address;
    std::set<std::string> holds;

    [[nodiscard]] std::string encode() const;
    // nullopt when the text is not a version-1 state message.
    static std::optional<StateMessage> decode(std::string_view text);

    friend bool operator==(const StateMessage&, const StateMessage&) = default;
};

// "10.0.0.1" / "fd00::1".
[[nodiscard]] std::string format_ip(const config::IpAddress& ip);

} // namespace dlba::arrayd
