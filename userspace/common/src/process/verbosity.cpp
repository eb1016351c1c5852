#include <dlba/process/verbosity.h>

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

} // namespace dlba
