#include "status/status_page.h"

#include <dlba/monitor/monitor_page.h>

namespace dlba::arrayd {

extern const char* const kStatusPageHtml; // status_page_html.cpp, made from status_page.html

MonitorPage array_status_page()
{
    return make_monitor_page(kStatusPageHtml);
}

} // namespace dlba::arrayd
