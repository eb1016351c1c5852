#pragma once

#include <optional>
#include <ostream>
#include <string>

#include <dlba/process/logger.h>

namespace dlba::dlbad {

// dlbad's command line (dlbad(8)), parsed with Boost.Program_options.
struct Options {
    std::string config = "/etc/dlbad/dlbad.conf";
    bool check_config = false;
    bool foreground = false;
    std::optional<unsigned> workers;
    std::string pid_file;
    LogLevel log_level = LogLevel::Notice;
    bool status = false;         // query a running daemon and print its status tables
    std::string status_endpoint; // unix socket path or HOST:PORT; empty = from the config
    bool json = false;           // --status: print the raw JSON document
    bool help = false;
    bool version = false;

    // Throws std::invalid_argument with a message for the user on a bad command line.
    static Options parse(int argc, const char* const argv[]);
    static void print_help(std::ostream& out);
};

} // namespace dlba::dlbad
