#include "process/options.h"

#include <boost/program_options.hpp>

#include <dlba/process/verbosity.h>

#include <stdexcept>

namespace dlba::dlbad {

namespace po = boost::program_options;

namespace {

po::options_description describe()
{
    po::options_description d("Options");
    // clang-format off
    d.add_options()
        ("config,c", po::value<std::string>()->value_name("FILE"), "configuration file (default /etc/dlbad/dlbad.conf)")
        ("check-config,t", "validate the configuration (including certificates and key files) and exit")
        ("foreground,f", "stay in the foreground and log to stderr")
        ("workers,w", po::value<unsigned>()->value_name("N"), "event loop threads (default: config 'workers', else one per CPU)")
        ("pid-file,p", po::value<std::string>()->value_name("FILE"), "write the daemon's pid to FILE")
        ("verbose,v", "log more (-v info, -vv debug)")
        ("quiet,q", "log warnings and errors only")
        ("status,s", po::value<std::string>()->implicit_value("")->value_name("ENDPOINT"),
         "print the status tables of a running dlbad (ENDPOINT: unix socket path or HOST:PORT; default: the "
         "configuration's monitor.unix) and exit")
        ("json,j", "with --status: print the raw JSON status document")
        ("help,h", "this help")
        ("version,V", "print the version");
    // clang-format on
    return d;
}

} // namespace

void Options::print_help(std::ostream& out)
{
    out << "Usage: dlbad [-c FILE] [-f] [-w N] [-t] [-s [ENDPOINT] [-j]]\n"
           "DLBA server: L7 proxy with TLS termination, cookie injection, URL hashing and status "
           "tables.\n\n"
        << describe()
        << "\nSignals: SIGHUP reloads the configuration; SIGTERM/SIGINT drain and stop.\n";
}

Options Options::parse(int argc, const char* const argv[])
{
    Options o;
    const auto desc = describe(); // parsed options point into it
    const DaemonCommandLine cl(argc, argv, "dlbad", desc);
    const auto& vm = cl.vm;
    if (vm.count("config"))
        o.config = vm["config"].as<std::string>();
    o.check_config = vm.count("check-config") > 0;
    o.foreground = vm.count("foreground") > 0;
    if (vm.count("workers")) {
        o.workers = vm["workers"].as<unsigned>();
        if (*o.workers == 0 || *o.workers > 1024)
            throw std::invalid_argument("--workers must be between 1 and 1024");
    }
    if (vm.count("pid-file"))
        o.pid_file = vm["pid-file"].as<std::string>();
    o.log_level = cl.log_level(o.log_level);
    if (vm.count("status")) {
        o.status = true;
        o.status_endpoint = vm["status"].as<std::string>();
    }
    o.json = vm.count("json") > 0;
    if (o.json && !o.status)
        throw std::invalid_argument("--json goes with --status");
    o.help = vm.count("help") > 0;
    o.version = vm.count("version") > 0;
    return o;
}

} // namespace dlba::dlbad
