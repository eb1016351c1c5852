#include "monitor/status_page.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace dlba::dlbad {

extern const char* const kStatusPageHtml; // status_page_html.cpp, made from status_page.html

std::string StatusPage::csp_hash(std::string_view text)
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

std::string_view StatusPage::element_text(std::string_view html, std::string_view tag)
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

MonitorPage StatusPage::page()
{
    std::string html = kStatusPageHtml;
    std::string csp = "default-src 'none'; script-src " + csp_hash(element_text(html, "script")) +
                      "; style-src " + csp_hash(element_text(html, "style")) +
                      "; connect-src 'self'; img-src data:; base-uri 'none'; form-action "
                      "'none'; frame-ancestors 'none'";
    return {std::move(html), std::move(csp)};
}

} // namespace dlba::dlbad
