#pragma once

#include <vector>

#include <dlba/process/logger.h>

namespace dlba {

// The daemons' -v / -vv / --verbose, which may repeat (Boost.Program_options takes a switch once):
// counted here and left out of `rest`, which gets argv[0] (or `name`) and every other argument.
int take_verbosity(int argc, const char* const argv[], const char* name,
                   std::vector<const char*>& rest);

// The log level of `verbosity` -v switches (0: `base`, 1: Info, 2 and more: Debug).
LogLevel verbosity_level(int verbosity, LogLevel base);

} // namespace dlba
