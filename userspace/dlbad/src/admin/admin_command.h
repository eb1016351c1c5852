#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dlba::dlbad {

// A server's administrative state.  The words are the admin socket's and dlbad.conf(5)'s:
// ready = enabled: true; drain = enabled: false (no new sessions, persistent ones stay, WO 01/69890
// "draining"); maint = no requests at all (its sessions move to other servers), admin socket only.
enum class AdminState { Ready, Drain, Maint };

[[nodiscard]] const char* state_name(AdminState s) noexcept;

// One line of the admin socket (dlbad(8) ADMIN SOCKET), parsed.  No side effect: the daemon runs it.
struct AdminCommand {
    enum class Kind { Help, ShowInfo, ShowServers, SetState, SetWeight, Quit };
    Kind kind = Kind::Help;
    std::string group;  // show servers: backend or service filter (empty = all); set: the group
    std::string server; // set: the server, by key or ADDRESS:PORT
    bool json = false;  // show servers json
    AdminState state = AdminState::Ready;
    std::uint32_t weight = 0;
};

struct AdminParse {
    std::optional<AdminCommand> command; // nullopt with an empty error: blank line, nothing to do
    std::string error;                   // "unknown command 'x'...", without "error: "
};

class AdminCommandParser {
public:
    // Longest line accepted, newline excluded (a longer one closes the connection).
    static constexpr std::size_t kMaxLine = 4096;
    // Largest weight (HashRing::kMaxWeight, as in dlbad.conf).
    static AdminParse parse(std::string_view line);
    // The help text, one command per line.
    static const char* help() noexcept;
};

} // namespace dlba::dlbad
