// dlbactl: administration of the dlba.ko scheduler.  See dlbactl(8).
#include "dlba/ctl/commands.h"
#include "dlba/ctl/dev_monitor.h"
#include "dlba/ctl/netlink_backend.h"

#include <iostream>

int main(int argc, char** argv)
{
    using namespace dlba::ctl;
    // Only iostreams are used; unsynced they buffer (big bucket tables).
    std::ios::sync_with_stdio(false);
    Context ctx(
        std::cout, std::cerr,
        [] {
            auto backend = std::make_unique<NetlinkBackend>();
            backend->set_warning_handler(
                [](const std::string& msg) { std::cerr << "dlbactl: warning: " << msg << '\n'; });
            return std::unique_ptr<Backend>(std::move(backend));
        },
        [] { return std::unique_ptr<Monitor>(std::make_unique<DevMonitor>()); });
    int rc = run_dlbactl(ctx, Args(argv + 1, argv + argc));
    std::cout.flush();
    if (!std::cout) {
        std::cerr << "dlbactl: write error on standard output\n";
        return 1;
    }
    return rc;
}
