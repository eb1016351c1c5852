#pragma once

#include <string>
#include <string_view>

#include <dlba/monitor/monitor_server.h>

namespace dlba::dlbad {

// dlbad's status web page (src/monitor/status_page.html, embedded at build time): served at GET /
// on the monitor.metrics port, it renders the document of GET /status every ?refresh= seconds.
class StatusPage {
public:
    // The page and its Content-Security-Policy: nothing from elsewhere, fetches to its own origin
    // only, and of inline code only the page's own <style> and <script> (by SHA-256).
    static MonitorPage page();

    // The CSP source for an inline element's text: 'sha256-BASE64'.
    static std::string csp_hash(std::string_view text);
    // The text of the first <TAG>...</TAG> in html (empty if none).
    static std::string_view element_text(std::string_view html, std::string_view tag);
};

} // namespace dlba::dlbad
