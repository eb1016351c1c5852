#include <dlba/monitor/monitor_page.h>

#include <openssl/evp.h>

#include <array>
#include <regex>
#include <stdexcept>

namespace dlba {

namespace {

std::size_t count(std::string_view s, std::string_view what)
{
    std::size_t n = 0;
    for (auto pos = s.find(what); pos != std::string_view::npos; pos = s.find(what, pos + 1))
        ++n;
    return n;
}

} // namespace

std::string csp_hash(std::string_view text)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    if (EVP_Digest(text.data(), text.size(), md.data(), &md_len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("status page: SHA-256 failed");
    std::string b64(4 * ((md_len + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), md.data(),
                            static_cast<int>(md_len));
    b64.resize(static_cast<std::size_t>(n));
    return "'sha256-" + b64 + "'";
}

std::string_view element_text(std::string_view html, std::string_view tag)
{
    std::string open = "<" + std::string(tag) + ">";
    std::string close = "</" + std::string(tag) + ">";
    auto start = html.find(open);
    if (start == std::string_view::npos)
        return {};
    start += open.size();
    auto end = html.find(close, start);
    if (end == std::string_view::npos)
        return {};
    return html.substr(start, end - start);
}

MonitorPage make_monitor_page(std::string html)
{
    std::string csp = "default-src 'none'; script-src " + csp_hash(element_text(html, "script")) +
                      "; style-src " + csp_hash(element_text(html, "style")) +
                      "; connect-src 'self'; img-src data:; base-uri 'none'; form-action "
                      "'none'; frame-ancestors 'none'";
    return {std::move(html), std::move(csp)};
}

std::vector<std::string> monitor_page_problems(const MonitorPage& page)
{
    std::vector<std::string> bad;
    const auto& html = page.html;
    const auto& csp = page.content_security_policy;
    if (html.rfind("<!DOCTYPE html>", 0) != 0)
        bad.emplace_back("does not start with <!DOCTYPE html>");
    // One inline script and one style, no other: the CSP names exactly these two.
    if (count(html, "<script") != 1 || count(html, "<style") != 1)
        bad.emplace_back("not exactly one <script> and one <style>");
    if (csp.find("script-src " + csp_hash(element_text(html, "script")) + ";") == std::string::npos)
        bad.emplace_back("the CSP does not name the script's hash");
    if (csp.find("style-src " + csp_hash(element_text(html, "style")) + ";") == std::string::npos)
        bad.emplace_back("the CSP does not name the style's hash");
    if (csp.rfind("default-src 'none';", 0) != 0 ||
        csp.find("connect-src 'self'") == std::string::npos ||
        csp.find("unsafe") != std::string::npos)
        bad.emplace_back("the CSP is not default-src 'none' with connect-src 'self' only");
    // The shared part was inserted (dlba_status_page()).
    if (html.find("@DLBA_STATUS_PAGE_") != std::string::npos)
        bad.emplace_back("a placeholder of the shared part is left");
    // Nothing from elsewhere, no markup from data, nothing that changes state.
    if (count(html, "http://") + count(html, "https://") != 0 ||
        std::regex_search(html, std::regex(R"((src|href|action)\s*=\s*"?//)")) ||
        count(html, "@import") != 0 || count(html, "url(") != 0)
        bad.emplace_back("names another host");
    if (count(html, "innerHTML") + count(html, "outerHTML") + count(html, "document.write") +
            count(html, "insertAdjacentHTML") + count(html, "eval(") !=
        0)
        bad.emplace_back("makes markup from text (innerHTML, document.write, eval)");
    if (count(html, "<form") != 0)
        bad.emplace_back("has a form");
    return bad;
}

} // namespace dlba
