#include "vip/interface_sysctl.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <dlba/process/logger.h>

namespace dlba::arrayd {

namespace {

// Raises the sysctl at `path` to at least `want`; false (logged) when it cannot be read or set.
bool raise(const std::string& path, int want)
{
    int have = -1;
    {
        std::ifstream in(path);
        if (!(in >> have)) {
            DLBA_LOG(LogLevel::Error, "cannot read %s: %s", path.c_str(), std::strerror(errno));
            return false;
        }
    }
    if (have >= want)
        return true;
    std::ofstream out(path);
    out << want << "\n";
    out.flush();
    if (!out) {
        DLBA_LOG(LogLevel::Error, "cannot set %s to %d: %s", path.c_str(), want,
                 std::strerror(errno));
        return false;
    }
    DLBA_LOG(LogLevel::Notice, "%s: %d -> %d (the VIPs are answered by dlba-arrayd only)",
             path.c_str(), have, want);
    return true;
}

} // namespace

bool prepare_interface(const std::string& interface, const std::string& root)
{
    auto dir = root + "/net/ipv4/conf/" + interface + "/";
    bool ok = raise(dir + "arp_ignore", 1);
    ok = raise(dir + "arp_announce", 2) && ok;
    if (!ok)
        DLBA_LOG(LogLevel::Error,
                 "%s: the kernel may answer ARP for the VIPs on it, also after dlba-arrayd died",
                 interface.c_str());
    return ok;
}

} // namespace dlba::arrayd
