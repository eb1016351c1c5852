// The status web page (src/monitor/status_page.html) and its Content-Security-Policy.
#include <gtest/gtest.h>

#include <regex>

#include "monitor/status_page.h"

namespace dlba::dlbad {
namespace {

std::size_t count(const std::string& s, const std::string& what)
{
    std::size_t n = 0;
    for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1))
        ++n;
    return n;
}

TEST(StatusPage, CspHash)
{
    // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
    EXPECT_EQ(StatusPage::csp_hash("alert(1)"),
              "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='");
}

TEST(StatusPage, ElementText)
{
    EXPECT_EQ(StatusPage::element_text("<p><script>x()</script>", "script"), "x()");
    EXPECT_EQ(StatusPage::element_text("<script>x()", "script"), "");
    EXPECT_EQ(StatusPage::element_text("none", "style"), "");
}

TEST(StatusPage, SelfContainedWithItsOwnHashes)
{
    auto page = StatusPage::page();
    const auto& html = page.html;
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    // One inline script and one style, no other: the CSP names exactly these two.
    EXPECT_EQ(count(html, "<script"), 1u);
    EXPECT_EQ(count(html, "<style"), 1u);
    auto script = StatusPage::csp_hash(StatusPage::element_text(html, "script"));
    auto style = StatusPage::csp_hash(StatusPage::element_text(html, "style"));
    EXPECT_NE(page.content_security_policy.find("script-src " + script + ";"), std::string::npos)
        << page.content_security_policy;
    EXPECT_NE(page.content_security_policy.find("style-src " + style + ";"), std::string::npos);
    EXPECT_EQ(page.content_security_policy.rfind("default-src 'none';", 0), 0u);
    EXPECT_NE(page.content_security_policy.find("connect-src 'self'"), std::string::npos);
    EXPECT_EQ(page.content_security_policy.find("unsafe"), std::string::npos);
    // Nothing from elsewhere, no markup from data, nothing that changes state.
    EXPECT_EQ(count(html, "http://") + count(html, "https://"), 0u);
    EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href|action)\s*=\s*"?//)")));
    EXPECT_EQ(count(html, "innerHTML") + count(html, "outerHTML") + count(html, "document.write") +
                  count(html, "insertAdjacentHTML") + count(html, "eval("),
              0u);
    EXPECT_EQ(count(html, "<form"), 0u);
    EXPECT_NE(html.find("fetch(\"status\""), std::string::npos);
}

} // namespace
} // namespace dlba::dlbad
