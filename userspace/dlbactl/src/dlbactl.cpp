#include "dlba/ctl/commands.h"

#include "dlba/config/error.h"
#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"
#include "dlba/nl/error.h"
#include "dlba/version.h"

#include <boost/program_options.hpp>

#include <array>
#include <string_view>

namespace po = boost::program_options;

namespace dlba::ctl {

namespace {

constexpr std::array kCommands{
    Command{"service", service_main,
            "service add SVC [--buckets N] [--timeout SEC] [--mode forward] [--hash-key HEX]\n"
            "service set SVC [--timeout SEC]\n"
            "service del SVC\n"
            "service list [SVC]"},
    Command{"server", server_main,
            "server add SVC --id ID --addr ADDR [--port P] [--mac MAC] [--weight W]\n"
            "           [--method dr|nat|tun] [--state ready|drain|maint]\n"
            "server set SVC ID|ADDR [--weight W] [--state ready|drain|maint]\n"
            "           [--mac MAC] [--addr ADDR] [--port P]\n"
            "server del SVC ID|ADDR\n"
            "server list [SVC]"},
    Command{"buckets", buckets_main,
            "buckets SVC [--summary]\n"
            "buckets save SVC -o FILE\n"
            "buckets load SVC -i FILE\n"
            "buckets touch [SVC]"},
    Command{"panic", panic_main, "panic on|off SVC"},
    Command{"stats", stats_main, "stats [SVC] [--rate [--interval SEC] | --zero]"},
    Command{"flush", flush_main, "flush"},
    Command{"apply", apply_main, "apply -f FILE [--dry-run | --check]"},
    Command{"save", save_main, "save [-o FILE]"},
    Command{"dump", dump_main, "dump services | servers SVC | buckets SVC"},
    Command{"monitor", monitor_main, "monitor [SVC]"},
};

void print_lines(std::ostream& out, std::string_view s)
{
    while (!s.empty()) {
        size_t nl = s.find('\n');
        std::string_view line = s.substr(0, nl);
        // Continuation lines (indented) line up under the command words.
        out << (line.starts_with(' ') ? "          " : "  dlbactl ") << line << '\n';
        s = nl == std::string_view::npos ? std::string_view{} : s.substr(nl + 1);
    }
}

void print_usage(std::ostream& out)
{
    out << "usage: dlbactl [-j|--json] [-h|--help] [-V|--version] COMMAND [ARGS]\n\n"
           "SVC is ADDR:PORT/PROTO, e.g. 10.0.0.10:80/tcp or [fd00::10]:80/tcp.\n\n"
           "Commands:\n";
    for (const auto& c : kCommands)
        print_lines(out, c.synopsis);
    out << "\nEach command takes -h for its options.  See dlbactl(8) and dlba.conf(5).\n";
}

int dispatch(Context& ctx, const Args& args)
{
    // Global options are the words before the command.
    size_t first = 0;
    while (first < args.size() && args[first].size() > 1 && args[first][0] == '-')
        first++;
    Args global(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(first));

    po::options_description desc("Global options");
    desc.add_options()("json,j", "JSON output")("help,h", "show help")("version,V", "show version");
    po::variables_map vm;
    try {
        auto style =
            po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
        po::store(po::command_line_parser(global).options(desc).style(style).run(), vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (vm.count("version")) {
        ctx.out() << "dlbactl " << DLBA_VERSION << '\n';
        return 0;
    }
    if (vm.count("help") || (first < args.size() && args[first] == "help")) {
        print_usage(ctx.out());
        return 0;
    }
    if (vm.count("json"))
        ctx.set_json(true);
    if (first == args.size()) {
        print_usage(ctx.err());
        return 1;
    }
    const std::string& name = args[first];
    for (const auto& c : kCommands) {
        if (name == c.name)
            return c.run(ctx,
                         Args(args.begin() + static_cast<std::ptrdiff_t>(first) + 1, args.end()));
    }
    throw UsageError("unknown command '" + name + "' (see dlbactl --help)");
}

} // namespace

std::span<const Command> commands()
{
    return kCommands;
}

void print_synopsis(std::ostream& out, std::string_view name)
{
    for (const auto& c : kCommands) {
        if (name == c.name) {
            out << "usage:\n";
            print_lines(out, c.synopsis);
        }
    }
}

int run_dlbactl(Context& ctx, const Args& args)
{
    try {
        return dispatch(ctx, args);
    } catch (const config::ConfigError& e) {
        for (const auto& line : e.report())
            ctx.err() << line << '\n';
        ctx.err() << "dlbactl: " << e.what() << '\n';
    } catch (const nl::Error& e) {
        ctx.err() << "dlbactl: " << e.what() << '\n';
    } catch (const UsageError& e) {
        ctx.err() << "dlbactl: " << e.what() << '\n';
    } catch (const ParseError& e) {
        ctx.err() << "dlbactl: " << e.what() << '\n';
    } catch (const std::exception& e) {
        ctx.err() << "dlbactl: " << e.what() << '\n';
    }
    return 1;
}

} // namespace dlba::ctl
