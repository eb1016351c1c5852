#include <dlba/process/verbosity.h>

#include <stdexcept>
#include <string>

namespace dlba {

int take_verbosity(int argc, const char* const argv[], const char* name,
                   std::vector<const char*>& rest)
{
    rest.assign(1, argc > 0 ? argv[0] : name);
    int verbosity = 0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--verbose") {
            ++verbosity;
            continue;
        }
        if (a.size() >= 2 && a[0] == '-' && a.find_first_not_of('v', 1) == std::string::npos) {
            verbosity += static_cast<int>(a.size() - 1);
            continue;
        }
        rest.push_back(argv[i]);
    }
    return verbosity;
}

LogLevel verbosity_level(int verbosity, LogLevel base)
{
    if (verbosity <= 0)
        return base;
    return verbosity >= 2 ? LogLevel::Debug : LogLevel::Info;
}

DaemonCommandLine::DaemonCommandLine(
    int argc, const char* const argv[], const char* name,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description* positional)
{
    namespace po = boost::program_options;
    std::vector<const char*> args;
    verbosity = take_verbosity(argc, argv, name, args);
    try {
        po::command_line_parser parser(static_cast<int>(args.size()), args.data());
        parser.options(options);
        if (positional)
            parser.positional(*positional);
        po::store(parser.run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw std::invalid_argument(e.what());
    }
}

LogLevel DaemonCommandLine::log_level(LogLevel base) const
{
    if (vm.count("quiet"))
        return LogLevel::Warning;
    return verbosity_level(verbosity, base);
}

} // namespace dlba
