#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace YAML {
class Node;
}

namespace dlba::config {
class YamlReader;
}

namespace dlba::dlbad {

// admin: in dlbad.conf(5): the unix socket of the runtime API (dlbad(8) ADMIN SOCKET), off unless
// configured.  Like HAProxy's "stats socket PATH mode MODE group GROUP level admin".
struct AdminConfig {
    std::string unix_socket;  // empty = no admin socket
    unsigned mode = 0600;     // permission bits of the socket file
    std::string group;        // as written (name or number); empty = the daemon's group
    std::optional<gid_t> gid; // resolved when the file is read
    int line = 0;

    // The same socket (the line aside: a reload that only moves the block keeps the socket).
    friend bool operator==(const AdminConfig& a, const AdminConfig& b)
    {
        return a.unix_socket == b.unix_socket && a.mode == b.mode && a.gid == b.gid;
    }
};

// Reads the admin: map (its keys checked with did-you-mean, errors FILE:LINE) into `out`.
void read_admin_config(const config::YamlReader& reader, const YAML::Node& node, AdminConfig& out);

} // namespace dlba::dlbad
