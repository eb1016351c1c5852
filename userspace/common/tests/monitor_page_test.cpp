// A daemon's status web page and its Content-Security-Policy (dlba/monitor/monitor_page.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlba/monitor/monitor_page.h>

namespace dlba {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;

constexpr const char* kPage = "<!DOCTYPE html><html><head><style>p{}</style></head><body>"
                              "<script>fetch(\"status\")</script></body></html>";

TEST(MonitorPage, CspHash)
{
    // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
    EXPECT_EQ(csp_hash("alert(1)"), "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='");
}

TEST(MonitorPage, ElementText)
{
    EXPECT_EQ(element_text("<p><script>x()</script>", "script"), "x()");
    EXPECT_EQ(element_text("<script>x()", "script"), "");
    EXPECT_EQ(element_text("none", "style"), "");
}

TEST(MonitorPage, CspNamesTheInlineScriptAndStyleOnly)
{
    auto page = make_monitor_page(kPage);
    EXPECT_EQ(page.html, kPage);
    EXPECT_EQ(page.content_security_policy,
              "default-src 'none'; script-src " + csp_hash("fetch(\"status\")") + "; style-src " +
                  csp_hash("p{}") +
                  "; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                  "frame-ancestors 'none'");
    EXPECT_THAT(monitor_page_problems(page), IsEmpty());
}

// Each fault the daemons' page tests rely on monitor_page_problems() to find.
TEST(MonitorPage, ProblemsFound)
{
    auto with = [](std::string html) {
        return monitor_page_problems(make_monitor_page(std::move(html)));
    };
    std::string page = kPage;
    auto edit = [&](const std::string& from, const std::string& to) {
        std::string s = page;
        s.replace(s.find(from), from.size(), to);
        return s;
    };
    EXPECT_THAT(with(edit("<!DOCTYPE html>", "")), Contains("does not start with <!DOCTYPE html>"));
    EXPECT_THAT(with(edit("</body>", "<script>x()</script></body>")),
                Contains("not exactly one <script> and one <style>"));
    EXPECT_THAT(with(edit("fetch", "fetch(\"https://example.org/\");fetch")),
                Contains("names another host"));
    EXPECT_THAT(with(edit("p{}", "p{background:url(x.png)}")), Contains("names another host"));
    EXPECT_THAT(with(edit("fetch(\"status\")", "document.body.innerHTML=1")),
                Contains("makes markup from text (innerHTML, document.write, eval)"));
    EXPECT_THAT(with(edit("</body>", "<form></form></body>")), Contains("has a form"));
    EXPECT_THAT(with(edit("p{}", "/*@DLBA_STATUS_PAGE_CSS@*/")),
                Contains("a placeholder of the shared part is left"));
    auto page_ok = make_monitor_page(kPage);
    page_ok.content_security_policy += "; script-src 'unsafe-inline'";
    EXPECT_THAT(monitor_page_problems(page_ok),
                Contains("the CSP is not default-src 'none' with connect-src 'self' only"));
    auto other = make_monitor_page(kPage);
    other.html = edit("p{}", "p{color:red}");
    EXPECT_THAT(monitor_page_problems(other), Contains("the CSP does not name the style's hash"));
}

} // namespace
} // namespace dlba
