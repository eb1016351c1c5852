// dlbad: the DLBA server (WO 01/69890), an L7 proxy daemon.  See dlbad(8), dlbad.conf(5).

#include <nlohmann/json.hpp>

#include <iostream>
#include <stdexcept>

#include "config/config_loader.h"
#include "monitor/status_client.h"
#include "monitor/status_report.h"
#include "process/daemon.h"
#include "process/options.h"
#include <dlba/config/error.h>
#include <dlba/version.h>

using namespace dlba::dlbad;

namespace {

int print_status(const Options& o)
{
    std::string endpoint = o.status_endpoint;
    if (endpoint.empty()) {
        try {
            endpoint = ConfigLoader::load_file(o.config).monitor.unix_socket;
        } catch (const dlba::config::ConfigError&) {
            endpoint = "/run/dlbad/status.sock";
        }
    }
    auto text = StatusClient::fetch(endpoint);
    if (o.json) {
        std::cout << text;
        return 0;
    }
    std::cout << StatusReport::tables(nlohmann::json::parse(text));
    return 0;
}

} // namespace

int main(int argc, char* argv[])
{
    Options options;
    try {
        options = Options::parse(argc, argv);
    } catch (const std::invalid_argument& e) {
        std::cerr << "dlbad: " << e.what() << "\nTry 'dlbad --help'.\n";
        return 1;
    }
    if (options.help) {
        Options::print_help(std::cout);
        return 0;
    }
    if (options.version) {
        std::cout << "dlbad " DLBA_VERSION "\n";
        return 0;
    }
    try {
        if (options.status)
            return print_status(options);
        Daemon daemon(options);
        return daemon.run();
    } catch (const std::exception& e) {
        std::cerr << "dlbad: " << e.what() << '\n';
        return 1;
    }
}
