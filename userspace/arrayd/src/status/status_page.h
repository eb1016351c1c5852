#pragma once

#include <dlba/monitor/monitor_server.h>

namespace dlba::arrayd {

// dlba-arrayd's status web page (src/status/status_page.html, embedded at build time): served at
// GET / (and /stats) on the status.metrics address, it renders the document of GET /status every
// ?refresh= seconds: the array, the VIP groups' holders, the sync and a picture of each service's
// bucket table.  With its Content-Security-Policy (dlba::make_monitor_page).
[[nodiscard]] MonitorPage array_status_page();

} // namespace dlba::arrayd
