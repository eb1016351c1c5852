#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "admin/admin_command.h"
#include "admin/server_overrides.h"

namespace dlba::dlbad {

class Runtime;

struct AdminInfo {
    long pid = 0;
    double uptime_s = 0;
    unsigned workers = 0;
    std::size_t connections = 0;
};

// What the admin commands need from the daemon.  Everything runs on the daemon's main loop.
class AdminHost {
public:
    [[nodiscard]] virtual const Runtime& runtime() const = 0;
    // The configuration as the file has it (no runtime change applied).
    [[nodiscard]] virtual const Config& file_config() const = 0;
    [[nodiscard]] virtual const ServerOverrides& overrides() const = 0;
    [[nodiscard]] virtual AdminInfo info() const = 0;
    // Publishes "the file plus `next`" to every worker as a new generation and keeps `next`.
    // Throws (std::exception) with nothing changed if that generation cannot be built.
    virtual void apply_overrides(ServerOverrides next) = 0;

protected:
    ~AdminHost() = default;
};

// Runs the lines of the admin socket (dlbad(8) ADMIN SOCKET) against the daemon.
class AdminApi {
public:
    struct Answer {
        std::string text;   // the answer, ending with an empty line; empty for a blank line
        bool close = false; // quit
    };

    explicit AdminApi(AdminHost& host) : host_(host) {}

    Answer execute(std::string_view line);

private:
    std::string show_info() const;
    std::string show_servers(const AdminCommand& c) const;
    std::string set_server(const AdminCommand& c);

    AdminHost& host_;
};

} // namespace dlba::dlbad
