#include "admin/admin_command.h"

#include <array>
#include <charconv>
#include <vector>

#include <dlba/config/suggest.h>
#include <dlbad/hash_ring.h>

namespace dlba::dlbad {

const char* state_name(AdminState s) noexcept
{
    switch (s) {
    case AdminState::Ready:
        return "ready";
    case AdminState::Drain:
        return "drain";
    case AdminState::Maint:
        return "maint";
    }
    return "?";
}

namespace {

std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start)
            out.push_back(line.substr(start, i - start));
    }
    return out;
}

// Printable for an error message: control bytes as '?', at most 64 characters.
std::string shown(std::string_view w)
{
    std::string s;
    for (char c : w.substr(0, 64))
        s.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    if (w.size() > 64)
        s += "...";
    return s;
}

AdminParse error(std::string msg)
{
    return AdminParse{std::nullopt, std::move(msg)};
}

AdminParse unknown(std::string_view what, std::string_view word,
                   std::initializer_list<std::string_view> known)
{
    std::vector<std::string_view> v(known);
    return error(std::string(what) + " '" + shown(word) + "'" + config::did_you_mean(word, v) +
                 " (try 'help')");
}

AdminParse show(const std::vector<std::string_view>& w)
{
    if (w.size() < 2)
        return error("'show' needs what: info or servers (try 'help')");
    AdminCommand c;
    if (w[1] == "info") {
        if (w.size() > 2)
            return error("'show info' takes no argument");
        c.kind = AdminCommand::Kind::ShowInfo;
        return {c, {}};
    }
    if (w[1] != "servers")
        return unknown("unknown 'show' object", w[1], {"info", "servers"});
    c.kind = AdminCommand::Kind::ShowServers;
    for (std::size_t i = 2; i < w.size(); ++i) {
        if (w[i] == "json" && !c.json)
            c.json = true;
        else if (c.group.empty())
            c.group = std::string(w[i]);
        else
            return error("usage: show servers [NAME] [json]");
    }
    return {c, {}};
}

AdminParse set(const std::vector<std::string_view>& w)
{
    if (w.size() < 2 || w[1] != "server")
        return w.size() < 2 ? error("usage: set server GROUP/SERVER state|weight VALUE")
                            : unknown("unknown 'set' object", w[1], {"server"});
    if (w.size() != 5)
        return error("usage: set server GROUP/SERVER state ready|drain|maint, or "
                     "set server GROUP/SERVER weight 0-" +
                     std::to_string(HashRing::kMaxWeight));
    AdminCommand c;
    auto slash = w[2].find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == w[2].size())
        return error("'" + shown(w[2]) +
                     "': name a server as GROUP/SERVER (backend or service / key or address:port)");
    c.group = std::string(w[2].substr(0, slash));
    c.server = std::string(w[2].substr(slash + 1));
    if (w[3] == "state") {
        c.kind = AdminCommand::Kind::SetState;
        if (w[4] == "ready")
            c.state = AdminState::Ready;
        else if (w[4] == "drain")
            c.state = AdminState::Drain;
        else if (w[4] == "maint")
            c.state = AdminState::Maint;
        else
            return unknown("unknown state", w[4], {"ready", "drain", "maint"});
        return {c, {}};
    }
    if (w[3] == "weight") {
        c.kind = AdminCommand::Kind::SetWeight;
        std::uint32_t v = 0;
        auto [p, ec] = std::from_chars(w[4].data(), w[4].data() + w[4].size(), v);
        if (ec != std::errc() || p != w[4].data() + w[4].size() || v > HashRing::kMaxWeight)
            return error("bad weight '" + shown(w[4]) + "' (an integer from 0 to " +
                         std::to_string(HashRing::kMaxWeight) + ")");
        c.weight = v;
        return {c, {}};
    }
    return unknown("unknown server setting", w[3], {"state", "weight"});
}

} // namespace

AdminParse AdminCommandParser::parse(std::string_view line)
{
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (line.size() > kMaxLine)
        return error("line too long (at most " + std::to_string(kMaxLine) + " bytes)");
    auto w = words(line);
    if (w.empty())
        return {};
    AdminCommand c;
    if (w[0] == "help") {
        c.kind = AdminCommand::Kind::Help;
        return {c, {}};
    }
    if (w[0] == "quit") {
        c.kind = AdminCommand::Kind::Quit;
        return {c, {}};
    }
    if (w[0] == "show")
        return show(w);
    if (w[0] == "set")
        return set(w);
    return unknown("unknown command", w[0], {"help", "show", "set", "quit"});
}

const char* AdminCommandParser::help() noexcept
{
    return "help                                    this list\n"
           "show info                               version, generation, uptime, counts\n"
           "show servers [NAME] [json]              servers of every backend, or of backend or\n"
           "                                        service NAME; json: as a JSON array\n"
           "set server GROUP/SERVER state STATE     ready, drain (persistent sessions only) or\n"
           "                                        maint (no requests at all)\n"
           "set server GROUP/SERVER weight N        0 to 256 (0: no new sessions)\n"
           "quit                                    close the connection\n"
           "GROUP: backend or service name; SERVER: key or address:port\n";
}

} // namespace dlba::dlbad
