#include "admin/admin_api.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include <dlba/process/logger.h>
#include <dlba/version.h>

#include "process/runtime.h"

namespace dlba::dlbad {

namespace {

// An answer's failure: one line, the admin socket's "error: ...".
struct AdminError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The backend a GROUP of a command names: a backend of that name, else the backend of the
// service of that name.
const BackendConfig& resolve_group(const Config& config, const std::string& group)
{
    for (const auto& b : config.backends)
        if (b.name == group)
            return b;
    for (const auto& s : config.services)
        if (s.name == group)
            for (const auto& b : config.backends)
                if (b.name == s.backend)
                    return b;
    throw AdminError("no backend or service '" + group + "'");
}

const ServerConfig& resolve_server(const BackendConfig& backend, const std::string& server)
{
    for (const auto& s : backend.servers)
        if (std::to_string(s.key) == server || s.addr.to_string() == server)
            return s;
    throw AdminError("backend '" + backend.name + "' has no server '" + server +
                     "' (a key or address:port)");
}

std::string uptime_text(double seconds)
{
    auto s = static_cast<long long>(seconds);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%lldd %02lldh%02lldm%02llds", s / 86400, s / 3600 % 24,
                  s / 60 % 60, s % 60);
    return buf;
}

} // namespace

AdminApi::Answer AdminApi::execute(std::string_view line)
{
    auto parsed = AdminCommandParser::parse(line);
    if (!parsed.command) {
        if (parsed.error.empty())
            return {};
        return {"error: " + parsed.error + "\n\n", false};
    }
    const auto& c = *parsed.command;
    try {
        switch (c.kind) {
        case AdminCommand::Kind::Help:
            return {std::string(AdminCommandParser::help()) + "\n", false};
        case AdminCommand::Kind::Quit:
            return {"", true};
        case AdminCommand::Kind::ShowInfo:
            return {show_info() + "\n", false};
        case AdminCommand::Kind::ShowServers:
            return {show_servers(c) + "\n", false};
        case AdminCommand::Kind::SetState:
        case AdminCommand::Kind::SetWeight:
            return {set_server(c) + "\n", false};
        }
    } catch (const AdminError& e) {
        return {std::string("error: ") + e.what() + "\n\n", false};
    } catch (const std::exception& e) {
        return {std::string("error: not applied: ") + e.what() + "\n\n", false};
    }
    return {"error: internal\n\n", false};
}

std::string AdminApi::show_info() const
{
    const auto& rt = host_.runtime();
    auto info = host_.info();
    std::size_t servers = 0;
    for (const auto& b : rt.config().backends)
        servers += b.servers.size();
    std::ostringstream o;
    o << "Name: dlbad\n"
      << "Version: " << DLBA_VERSION << "\n"
      << "Pid: " << info.pid << "\n"
      << "Uptime: " << uptime_text(info.uptime_s) << "\n"
      << "Uptime_sec: " << static_cast<long long>(info.uptime_s) << "\n"
      << "Generation: " << rt.generation() << "\n"
      << "Configuration: " << rt.config().path << "\n"
      << "Workers: " << info.workers << "\n"
      << "Connections: " << info.connections << "\n"
      << "Services: " << rt.services().size() << "\n"
      << "Backends: " << rt.pools().size() << "\n"
      << "Servers: " << servers << "\n"
      << "Runtime_changes: " << host_.overrides().size() << "\n";
    return o.str();
}

std::string AdminApi::show_servers(const AdminCommand& c) const
{
    const auto& rt = host_.runtime();
    std::string only;
    if (!c.group.empty())
        only = resolve_group(rt.config(), c.group).name;
    auto rows = nlohmann::json::array();
    for (const auto& pool : rt.pools()) {
        if (!only.empty() && pool->name() != only)
            continue;
        for (const auto& s : pool->servers()) {
            const auto& st = s.stats();
            rows.push_back({
                {"backend", pool->name()},
                {"key", s.key()},
                {"address", s.address().to_string()},
                {"state", state_name(server_state(s.config()))},
                {"weight", s.config().weight},
                {"runtime_change", host_.overrides().changed({pool->name(), s.key()})},
                {"failed", st.failed.load(std::memory_order_relaxed)},
                {"active_requests", st.active_requests.load(std::memory_order_relaxed)},
                {"open_connections", st.open_conns.load(std::memory_order_relaxed)},
                {"hits", st.hits.load(std::memory_order_relaxed)},
            });
        }
    }
    if (c.json)
        return rows.dump(2) + "\n";
    std::ostringstream o;
    o << "# backend key address state weight source failed active_requests open_connections "
         "hits\n";
    for (const auto& r : rows)
        o << r["backend"].get<std::string>() << ' ' << r["key"] << ' '
          << r["address"].get<std::string>() << ' ' << r["state"].get<std::string>() << ' '
          << r["weight"] << ' ' << (r["runtime_change"].get<bool>() ? "admin" : "file") << ' '
          << (r["failed"].get<bool>() ? 1 : 0) << ' ' << r["active_requests"] << ' '
          << r["open_connections"] << ' ' << r["hits"] << '\n';
    return o.str();
}

std::string AdminApi::set_server(const AdminCommand& c)
{
    const auto& current = host_.runtime().config();
    const auto& backend = resolve_group(current, c.group);
    const auto& server = resolve_server(backend, c.server);
    ServerOverrides::Key key{backend.name, server.key};
    if (c.kind == AdminCommand::Kind::SetState ? server_state(server) == c.state
                                               : server.weight == c.weight)
        return {}; // already so: no new generation
    ServerOverrides next = host_.overrides();
    if (c.kind == AdminCommand::Kind::SetState)
        next.set_state(host_.file_config(), key, c.state);
    else
        next.set_weight(host_.file_config(), key, c.weight);
    host_.apply_overrides(std::move(next));
    const std::string change = c.kind == AdminCommand::Kind::SetState
                                   ? std::string("state ") + state_name(c.state)
                                   : "weight " + std::to_string(c.weight);
    // (`backend` and `server` belonged to the generation just replaced.)
    DLBA_LOG(LogLevel::Notice, "admin socket: server %s/%u %s: generation %llu", key.first.c_str(),
             static_cast<unsigned>(key.second), change.c_str(),
             static_cast<unsigned long long>(host_.runtime().generation()));
    return {};
}

} // namespace dlba::dlbad
