// dlba-arrayd's status web page (src/status/status_page.html) and its Content-Security-Policy;
// how headless Chromium renders it: integration/it_webpage.sh.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlba/monitor/monitor_page.h>

#include "status/status_page.h"

namespace dlba::arrayd {
namespace {

TEST(ArrayStatusPage, SelfContainedWithItsOwnHashes)
{
    auto page = array_status_page();
    EXPECT_THAT(monitor_page_problems(page), ::testing::IsEmpty());
    // The part shared with dlbad's page is in, and the array's own sections.
    EXPECT_NE(page.html.find("function table(id, cols, rows)"), std::string::npos);
    EXPECT_NE(page.html.find("fetch(\"status\""), std::string::npos);
    for (const char* id : {"\"array\"", "\"members\"", "\"vips\"", "\"sync\"", "\"scheduler\""})
        EXPECT_NE(page.html.find(std::string("<div id=") + id + "></div>"), std::string::npos)
            << id;
    // The picture's colours are set through the CSSOM (allowed by the CSP), never as a style
    // attribute (refused by it).
    EXPECT_EQ(page.html.find("setAttribute(\"style\""), std::string::npos);
    EXPECT_EQ(page.html.find(" style=\""), std::string::npos);
}

} // namespace
} // namespace dlba::arrayd
