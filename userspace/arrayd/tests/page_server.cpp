// arrayd_page_server ADDRESS:PORT STATUS.json...: dlba-arrayd's status page and HTTP monitoring
// endpoint (the daemon's MonitorServer, its page and CSP) serving fixed status documents, for the
// page's test in headless Chromium (integration/it_webpage.sh) where no corosync or dlba.ko runs:
// the Nth GET /status answers the Nth file (read then), the last one from then on, so a page
// that refreshes shows the array changing.  Stops on SIGTERM or SIGINT.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <dlba/event/event_loop.h>
#include <dlba/monitor/monitor_server.h>
#include <dlba/net/socket_address.h>
#include <dlba/process/signal_watcher.h>

#include "status/status_page.h"

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: arrayd_page_server ADDRESS:PORT STATUS.json...\n");
        return 2;
    }
    auto address = dlba::SocketAddress::parse(argv[1]);
    if (!address) {
        std::fprintf(stderr, "arrayd_page_server: bad address %s\n", argv[1]);
        return 2;
    }
    const std::vector<std::string> files(argv + 2, argv + argc);
    std::size_t served = 0;
    try {
        ::signal(SIGPIPE, SIG_IGN);
        dlba::EventLoop loop;
        dlba::SignalWatcher signals(loop, {SIGTERM, SIGINT}, [&loop](int) { loop.stop(); });
        dlba::MonitorServer server(
            loop,
            [&files, &served] {
                std::ifstream in(files[std::min(served++, files.size() - 1)]);
                std::ostringstream text;
                text << in.rdbuf();
                return text.str();
            },
            [] { return std::string(); }, dlba::arrayd::array_status_page());
        server.configure(dlba::MonitorConfig{{}, {}, *address});
        loop.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "arrayd_page_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
