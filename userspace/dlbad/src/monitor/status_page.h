#pragma once

#include <dlba/monitor/monitor_server.h>

namespace dlba::dlbad {

// dlbad's status web page (src/monitor/status_page.html, embedded at build time): served at GET /
// on the monitor.metrics port, it renders the document of GET /status every ?refresh= seconds.
class StatusPage {
public:
    // The page and its Content-Security-Policy (dlba::make_monitor_page).
    static MonitorPage page();
};

} // namespace dlba::dlbad
