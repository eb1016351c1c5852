// dlbactl save [-o FILE]
//
// The running configuration as a dlba.conf(5) file that "dlbactl apply -f"
// takes back, like "ipvsadm -S" for IPVS: services with their hash keys
// (so a standby built from it maps clients as this scheduler does) and
// servers.  Health ("failed") is run-time state kept by whoever checks the
// servers, not configuration, and is left out.
#include "dlba/ctl/bucket_file.h"
#include "dlba/ctl/commands.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"

#include <linux/dlba.h>

#include <boost/program_options.hpp>

#include <fstream>
#include <map>
#include <sstream>

namespace po = boost::program_options;

namespace dlba::ctl {

namespace {

std::string render(const std::vector<ServiceInfo>& services, const std::vector<ServerInfo>& servers)
{
    std::map<ServiceKey, std::vector<const ServerInfo*>> by_service;
    for (const auto& s : servers)
        by_service[s.service].push_back(&s);

    std::ostringstream out;
    out << "# dlba.conf(5), written by dlbactl save\n";
    if (services.empty()) {
        out << "services: []\n";
        return out.str();
    }
    out << "services:\n";
    for (const auto& svc : services) {
        // Quoted: an IPv6 service starts with '[', a YAML list otherwise.
        out << "  - service: \"" << format_service(svc.key) << "\"\n"
            << "    buckets: " << svc.buckets << "\n"
            << "    timeout: " << svc.timeout << "\n"
            << "    mode: " << mode_name(svc.mode) << "\n";
        if (svc.hash_key)
            out << "    hash_key: \"" << format_hash_key(*svc.hash_key) << "\"\n";
        const auto& list = by_service[svc.key];
        if (list.empty()) {
            out << "    servers: []\n";
            continue;
        }
        out << "    servers:\n";
        for (const ServerInfo* s : list) {
            out << "      - id: " << s->id << "\n"
                << "        addr: \"" << format_address(s->addr) << "\"\n"
                << "        method: " << method_name(s->method) << "\n";
            if (s->method == DLBA_FWD_NAT && s->port)
                out << "        port: " << s->port << "\n";
            if (s->method == DLBA_FWD_DR && s->mac)
                out << "        mac: \"" << format_mac(*s->mac) << "\"\n";
            out << "        weight: " << s->weight << "\n";
            // "state: drain" would also clear a failed mark on apply; a failed server's
            // mark belongs to its health checker, so it keeps the older "enabled: no".
            if (!s->enabled)
                out << (s->failed ? "        enabled: no\n" : "        state: drain\n");
        }
    }
    return out.str();
}

} // namespace

int save_main(Context& ctx, const Args& args)
{
    CommandLine cl("dlbactl save [-o FILE]");
    cl.options()("output,o", po::value<std::string>()->value_name("FILE"),
                 "file to write (default: stdout)");
    if (!cl.parse(ctx, args))
        return 0;
    cl.expect_words(0, 0, "");
    // Servers are read as a whole; each service's key comes with it only
    // for CAP_NET_ADMIN, which reading servers needs too.
    auto services = ctx.backend().services();
    auto servers = ctx.backend().servers(std::nullopt);
    std::string text = render(services, servers);
    auto path = cl.value("output");
    if (!path || *path == "-") {
        ctx.out() << text;
        return 0;
    }
    write_file_atomically(*path, text);
    return 0;
}

} // namespace dlba::ctl
