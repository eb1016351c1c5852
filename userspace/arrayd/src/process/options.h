#pragma once

#include <ostream>
#include <string>

#include <dlba/process/logger.h>

namespace dlba::arrayd {

// dlba-arrayd's command line (dlba-arrayd(8)), parsed with Boost.Program_options.
struct Options {
    std::string config = "/etc/dlba/array.yaml";
    bool check = false;         // validate the configuration and exit
    bool corosync_conf = false; // print the corosync.conf generated from it and exit
    bool syslog = false;        // log to syslog instead of stderr
    LogLevel log_level = LogLevel::Notice;
    // `dlba-arrayd push FILE`: hand FILE (dlba.conf(5)) to the running daemon, which pushes it to
    // every node of the array, and print this node's result.
    std::string push_file;
    bool help = false;
    bool version = false;

    // Throws std::invalid_argument with a message for the user on a bad command line.
    static Options parse(int argc, const char* const argv[]);
    static void print_help(std::ostream& out);
};

} // namespace dlba::arrayd
