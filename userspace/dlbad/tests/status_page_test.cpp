// The status web page (src/monitor/status_page.html) and its Content-Security-Policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlba/monitor/monitor_page.h>

#include "monitor/status_page.h"

namespace dlba::dlbad {
namespace {

TEST(StatusPage, SelfContainedWithItsOwnHashes)
{
    auto page = StatusPage::page();
    EXPECT_THAT(monitor_page_problems(page), ::testing::IsEmpty());
    // The shared part is in (the table maker), and dlbad's own tables.
    EXPECT_NE(page.html.find("function table(id, cols, rows)"), std::string::npos);
    EXPECT_NE(page.html.find("fetch(\"status\""), std::string::npos);
    EXPECT_NE(page.html.find("Web Server Status Table"), std::string::npos);
}

} // namespace
} // namespace dlba::dlbad
