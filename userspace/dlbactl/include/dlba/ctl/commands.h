#pragma once

#include "dlba/ctl/command_line.h"
#include "dlba/ctl/context.h"

#include <ostream>
#include <span>
#include <string_view>

namespace dlba::ctl {

// One entry per subcommand (wireguard-tools style): dlbactl WORD ARGS...
// The handlers live in one file each (service.cpp, server.cpp, ...) and
// return the process exit status.
struct Command {
    const char* name;
    int (*run)(Context& ctx, const Args& args); // args after WORD
    const char* synopsis;                       // lines for "dlbactl help"
};

int service_main(Context& ctx, const Args& args);
int server_main(Context& ctx, const Args& args);
int buckets_main(Context& ctx, const Args& args);
int panic_main(Context& ctx, const Args& args);
int stats_main(Context& ctx, const Args& args);
int flush_main(Context& ctx, const Args& args);
int apply_main(Context& ctx, const Args& args);
int save_main(Context& ctx, const Args& args);
int dump_main(Context& ctx, const Args& args);
int monitor_main(Context& ctx, const Args& args);

std::span<const Command> commands();

// Prints the synopsis lines of command 'name' (for "dlbactl WORD -h").
void print_synopsis(std::ostream& out, std::string_view name);

// The whole tool: global options (-j, -h, -V), dispatch, error reporting.
// 'args' excludes argv[0].  Returns the exit status (0 ok, 1 error).
int run_dlbactl(Context& ctx, const Args& args);

} // namespace dlba::ctl
