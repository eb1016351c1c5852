#include "monitor/status_page.h"

#include <dlba/monitor/monitor_page.h>

namespace dlba::dlbad {

extern const char* const kStatusPageHtml; // status_page_html.cpp, made from status_page.html

MonitorPage StatusPage::page()
{
    return make_monitor_page(kStatusPageHtml);
}

} // namespace dlba::dlbad
