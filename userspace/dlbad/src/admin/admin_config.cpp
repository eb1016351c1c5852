#include "admin/admin_config.h"

#include <grp.h>

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <vector>

#include <dlba/config/yaml_reader.h>

namespace dlba::dlbad {

namespace {

// "0600", "600" or "0o600": octal permission bits, at most 0777.
std::optional<unsigned> octal_mode(std::string s)
{
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
        s.erase(0, 2);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 8);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > 0777)
        return std::nullopt;
    return v;
}

std::optional<gid_t> group_id(const std::string& name)
{
    unsigned long numeric = 0;
    auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), numeric);
    if (ec == std::errc() && p == name.data() + name.size())
        return static_cast<gid_t>(numeric);
    group grp{};
    group* found = nullptr;
    std::vector<char> buf(16384);
    if (::getgrnam_r(name.c_str(), &grp, buf.data(), buf.size(), &found) != 0 || !found)
        return std::nullopt;
    return found->gr_gid;
}

} // namespace

void read_admin_config(const config::YamlReader& r, const YAML::Node& m, AdminConfig& out)
{
    r.require_map(m, "admin");
    r.check_keys(m, {"unix", "mode", "group"}, "admin");
    out.line = config::YamlReader::line_of(m);
    if (!m["unix"])
        r.fail(m, "admin: 'unix' (the socket's path) is required");
    r.if_given(m, "unix", [&](const YAML::Node& v) {
        out.unix_socket = r.str(v, "admin.unix");
        // Absolute: the daemon changes to / when it detaches, and removes the file at exit.
        if (out.unix_socket.empty() || out.unix_socket.front() != '/')
            r.fail(v, "admin.unix: '" + out.unix_socket + "' is not an absolute path");
        if (out.unix_socket.size() >= 108)
            r.fail(v, "admin.unix: path too long for a unix socket");
    });
    r.if_given(m, "mode", [&](const YAML::Node& v) {
        auto mode = octal_mode(r.str(v, "admin.mode"));
        if (!mode)
            r.fail(v, "admin.mode: '" + v.Scalar() + "' is not an octal mode from 0 to 0777");
        out.mode = *mode;
    });
    r.if_given(m, "group", [&](const YAML::Node& v) {
        out.group = r.str(v, "admin.group");
        out.gid = group_id(out.group);
        if (!out.gid)
            r.fail(v, "admin.group: unknown group '" + out.group + "'");
    });
}

} // namespace dlba::dlbad
