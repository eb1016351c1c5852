#pragma once

#include <vector>

#include <boost/program_options.hpp>

#include <dlba/process/logger.h>

namespace dlba {

// The daemons' -v / -vv / --verbose, which may repeat (Boost.Program_options takes a switch once):
// counted here and left out of `rest`, which gets argv[0] (or `name`) and every other argument.
int take_verbosity(int argc, const char* const argv[], const char* name,
                   std::vector<const char*>& rest);

// The log level of `verbosity` -v switches (0: `base`, 1: Info, 2 and more: Debug).
LogLevel verbosity_level(int verbosity, LogLevel base);

// A daemon's command line read against `options` (which must outlive `vm`: the values point into
// it) and `positional` if given, the -v switches counted apart (take_verbosity).  Boost's errors
// are thrown as std::invalid_argument, with its message for the user.
struct DaemonCommandLine {
    boost::program_options::variables_map vm;
    int verbosity = 0;

    DaemonCommandLine(
        int argc, const char* const argv[], const char* name,
        const boost::program_options::options_description& options,
        const boost::program_options::positional_options_description* positional = nullptr);

    // `base` raised by the -v switches; Warning with -q (the option "quiet").
    [[nodiscard]] LogLevel log_level(LogLevel base) const;
};

} // namespace dlba
