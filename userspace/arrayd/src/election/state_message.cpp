#include "election/state_message.h"

#include <arpa/inet.h>

#include <sstream>
#include <vector>

namespace dlba::arrayd {

std::string format_ip(const config::IpAddress& ip)
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (!::inet_ntop(ip.family, ip.bytes.data(), buf, sizeof(buf)))
        return "?";
    return buf;
}

std::string StateMessage::encode() const
{
    std::string groups;
    for (const auto& g : holds)
        groups += (groups.empty() ? "" : ",") + g;
    return "dlba-array " + std::to_string(kVersion) + " " + name + " " + std::to_string(priority) +
           " " + format_ip(address) + " " + (groups.empty() ? "-" : groups);
}

std::optional<StateMessage> StateMessage::decode(std::string_view text)
{
    if (text.size() > kMaxSize)
        return std::nullopt;
    std::istringstream in{std::string(text)};
    std::string magic, version, priority, address, groups;
    StateMessage m;
    if (!(in >> magic >> version >> m.name >> priority >> address >> groups))
        return std::nullopt;
    if (magic != "dlba-array" || version != std::to_string(kVersion))
        return std::nullopt;
    try {
        m.priority = static_cast<unsigned>(config::parse_uint(priority, 0, 65535));
        m.address = config::parse_ip(address);
    } catch (const config::ValueError&) {
        return std::nullopt;
    }
    if (groups != "-") {
        std::size_t start = 0;
        while (start <= groups.size()) {
            auto comma = groups.find(',', start);
            auto g = groups.substr(start, comma - start);
            if (g.empty())
                return std::nullopt;
            m.holds.insert(g);
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    }
    return m;
}

} // namespace dlba::arrayd
