// dlba-arrayd: the DLBA array daemon (WO 01/69890 "Load balancing in a network", "Scheduler
// Failover"): membership, quorum and scheduler election over corosync, VIP takeover.  See
// dlba-arrayd(8), dlba-array.yaml(5).

#include <iostream>
#include <stdexcept>

#include "config/config_loader.h"
#include "config/corosync_conf.h"
#include "config_push/push_client.h"
#include "process/daemon.h"
#include "process/options.h"
#include <dlba/config/error.h>
#include <dlba/version.h>

using namespace dlba::arrayd;

int main(int argc, char* argv[])
{
    Options options;
    try {
        options = Options::parse(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "dlba-arrayd: " << e.what() << "\nTry 'dlba-arrayd --help'.\n";
        return 1;
    }
    if (options.help) {
        Options::print_help(std::cout);
        return 0;
    }
    if (options.version) {
        std::cout << "dlba-arrayd " DLBA_VERSION "\n";
        return 0;
    }
    ArrayConfig config;
    try {
        config = ArrayConfigLoader::load_file(options.config);
    } catch (const dlba::config::ConfigError& e) {
        dlba::config::print_report(std::cerr, "dlba-arrayd", e);
        return 1;
    }
    if (options.check) {
        std::cout << "dlba-arrayd: " << options.config << ": configuration OK (node " << config.node
                  << ", " << config.cluster.nodes.size() << " nodes, " << config.vips.size()
                  << " VIP groups, " << config.members.size() << " members)\n";
        return 0;
    }
    if (!options.push_file.empty())
        return push_command(config, options.push_file, std::cout, std::cerr);
    if (options.corosync_conf) {
        std::cout << corosync_conf(config);
        return 0;
    }
    try {
        dlba::Logger::init("dlba-arrayd", options.syslog, options.log_level);
        Daemon daemon(options, std::move(config));
        return daemon.run();
    } catch (const std::exception& e) {
        std::cerr << "dlba-arrayd: " << e.what() << '\n';
        return 1;
    }
}
