#include "process/options.h"

#include <boost/program_options.hpp>

#include <dlba/process/verbosity.h>

#include <stdexcept>

namespace dlba::arrayd {

namespace po = boost::program_options;

namespace {

po::options_description describe()
{
    po::options_description d("Options");
    // clang-format off
    d.add_options()
        ("config,c", po::value<std::string>()->value_name("FILE"), "configuration file (default /etc/dlba/array.yaml)")
        ("check,t", "validate the configuration and exit")
        ("corosync-conf", "print the corosync.conf generated from the configuration and exit")
        ("syslog", "log to syslog (default: stderr, which systemd's journal takes)")
        ("verbose,v", "log more (-v info, -vv debug)")
        ("quiet,q", "log warnings and errors only")
        ("help,h", "this help")
        ("version,V", "print the version");
    // clang-format on
    return d;
}

} // namespace

void Options::print_help(std::ostream& out)
{
    out << "Usage: dlba-arrayd [-c FILE] [-t | --corosync-conf] [-v | -q]\n"
           "       dlba-arrayd [-c FILE] push CONF   (push dlba.conf CONF to every node)\n"
           "DLBA array daemon: membership, quorum and scheduler election over corosync, VIP "
           "takeover.\n\n"
        << describe()
        << "\nSignals: SIGTERM/SIGINT release the VIPs and stop.  Exit status 1 when corosync "
           "goes away.\n";
}

Options Options::parse(int argc, const char* const argv[])
{
    Options o;
    const auto desc = describe(); // parsed options point into it
    po::options_description all;
    all.add(desc).add_options()("command", po::value<std::string>())("file",
                                                                     po::value<std::string>());
    po::positional_options_description positional;
    positional.add("command", 1).add("file", 1);
    const DaemonCommandLine cl(argc, argv, "dlba-arrayd", all, &positional);
    const auto& vm = cl.vm;
    if (vm.count("config"))
        o.config = vm["config"].as<std::string>();
    o.check = vm.count("check") > 0;
    o.corosync_conf = vm.count("corosync-conf") > 0;
    if (o.check && o.corosync_conf)
        throw std::invalid_argument("--check and --corosync-conf exclude each other");
    if (vm.count("command")) {
        if (vm["command"].as<std::string>() != "push")
            throw std::invalid_argument("unknown command '" + vm["command"].as<std::string>() +
                                        "' (the only one is 'push FILE')");
        if (!vm.count("file"))
            throw std::invalid_argument("push: missing FILE (a dlba.conf(5) file)");
        o.push_file = vm["file"].as<std::string>();
        if (o.check || o.corosync_conf)
            throw std::invalid_argument("push excludes --check and --corosync-conf");
    }
    o.syslog = vm.count("syslog") > 0;
    o.log_level = cl.log_level(o.log_level);
    o.help = vm.count("help") > 0;
    o.version = vm.count("version") > 0;
    return o;
}

} // namespace dlba::arrayd
