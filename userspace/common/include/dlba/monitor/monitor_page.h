#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <dlba/monitor/monitor_server.h>

// A daemon's status web page (MonitorPage) from its HTML.  Each daemon's page is one
// self-contained document made at build time from its own HTML and the part every page shares
// (src/monitor/status_page_common.{css,js}, inserted by dlba_status_page() in
// userspace/CMakeLists.txt); served with a Content-Security-Policy naming the SHA-256 of its one
// <style> and one <script>.
namespace dlba {

// The page and its Content-Security-Policy: nothing from elsewhere, fetches to its own origin
// only, and of inline code only the page's own <style> and <script> (by SHA-256).
[[nodiscard]] MonitorPage make_monitor_page(std::string html);

// The CSP source for an inline element's text: 'sha256-BASE64'.
[[nodiscard]] std::string csp_hash(std::string_view text);
// The text of the first <TAG>...</TAG> in html (empty if none).
[[nodiscard]] std::string_view element_text(std::string_view html, std::string_view tag);

// What makes a page unfit to serve, for the daemons' tests: not one <script> and one <style>
// with their hashes in the CSP, anything from another host, markup made from data (innerHTML,
// document.write, eval), a form.  Empty when the page is fine.
[[nodiscard]] std::vector<std::string> monitor_page_problems(const MonitorPage& page);

} // namespace dlba
