#include "http_internal.h"

#include <dlbad/header_util.h>

#include <cstring>

namespace dlba::dlbad::detail {

ParseResult HeadScanner::scan(std::string_view buf, const Limits& l) noexcept
{
    const std::size_t size = buf.size();
    while (!started) {
        if (pos >= size)
            return ParseResult::more();
        const char c = buf[pos];
        if (c == '\n')
            return ParseResult::fail(l.syntax_status, "bare LF before start line");
        if (c != '\r') {
            started = true;
            start = line_start = pos;
            break;
        }
        if (pos + 1 >= size)
            return ParseResult::more();
        if (buf[pos + 1] != '\n')
            return ParseResult::fail(l.syntax_status, "bare CR before start line");
        if (!l.allow_leading_crlf || ++skipped > 8)
            return ParseResult::fail(l.syntax_status, "empty lines before start line");
        pos += 2;
    }

    for (;;) {
        const void* p = pos < size ? std::memchr(buf.data() + pos, '\n', size - pos) : nullptr;
        if (p == nullptr) {
            pos = size;
            if (lines == 0 && size - line_start > l.max_start_line + 1)
                return ParseResult::fail(l.start_line_status, "start line too long");
            if (size - start > l.max_head)
                return ParseResult::fail(lines == 0 ? l.start_line_status : l.head_status,
                                         "header section too large");
            return ParseResult::more();
        }
        const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(p) - buf.data());
        // Size limits first, in the same terms as the partial-line checks
        // above, so the verdict never depends on how the bytes arrived.
        if (lines == 0 && lf - line_start > l.max_start_line + 1)
            return ParseResult::fail(l.start_line_status, "start line too long");
        if (lf + 1 - start > l.max_head)
            return ParseResult::fail(lines == 0 ? l.start_line_status : l.head_status,
                                     "header section too large");
        if (lf == line_start || buf[lf - 1] != '\r')
            return ParseResult::fail(l.syntax_status, "bare LF in header section");
        const std::size_t line_len = lf - 1 - line_start;
        if (lines == 0 && line_len > l.max_start_line)
            return ParseResult::fail(l.start_line_status, "start line too long");
        pos = lf + 1;
        if (line_len == 0)
            return ParseResult::done(pos); // lines > 0: start line is never empty here
        if (++lines > l.max_fields + 1)
            return ParseResult::fail(l.head_status, "too many header fields");
        line_start = pos;
    }
}

bool valid_field_value(std::string_view v) noexcept
{
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHigh = 0x8080808080808080ull;
    const char* p = v.data();
    std::size_t n = v.size();
    while (n >= 8) {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        // Any byte < 0x20 (bytes >= 0x80 never match: obs-text is allowed)...
        const std::uint64_t ctl = (x - kOnes * 0x20) & ~x & kHigh;
        // ...or equal to 0x7f (DEL).
        const std::uint64_t y = x ^ (kOnes * 0x7f);
        const std::uint64_t del = (y - kOnes) & ~y & kHigh;
        if ((ctl | del) != 0) {
            // Rare: a HTAB, or a real error; decide byte by byte.
            for (std::size_t i = 0; i < 8; ++i) {
                if (!kFieldValueChar[static_cast<unsigned char>(p[i])])
                    return false;
            }
        }
        p += 8;
        n -= 8;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (!kFieldValueChar[static_cast<unsigned char>(p[i])])
            return false;
    }
    return true;
}

std::optional<ParseResult> parse_fields(std::string_view block, std::vector<HeaderField>& out,
                                        std::size_t max_fields, int syntax_status, int limit_status)
{
    std::size_t pos = 0;
    for (;;) {
        const void* p = std::memchr(block.data() + pos, '\n', block.size() - pos);
        if (p == nullptr) // the scanner guarantees a final CRLF
            return ParseResult::fail(syntax_status, "unterminated header section");
        const std::size_t lf = static_cast<std::size_t>(static_cast<const char*>(p) - block.data());
        if (lf == pos || block[lf - 1] != '\r')
            return ParseResult::fail(syntax_status, "bare LF in header section");
        const std::string_view line = block.substr(pos, lf - 1 - pos);
        pos = lf + 1;
        if (line.empty())
            return std::nullopt;
        if (line.front() == ' ' || line.front() == '\t')
            return ParseResult::fail(syntax_status, "obsolete line folding");
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            return ParseResult::fail(syntax_status, "header line without colon");
        const std::string_view name = line.substr(0, colon);
        if (!is_token(name))
            return ParseResult::fail(syntax_status, "invalid header field name");
        const std::string_view raw = line.substr(colon + 1);
        if (!valid_field_value(raw))
            return ParseResult::fail(syntax_status, "invalid character in header value");
        if (out.size() >= max_fields)
            return ParseResult::fail(limit_status, "too many header fields");
        out.push_back(HeaderField{name, trim_ows(raw)});
    }
}

std::optional<HttpVersion> parse_version(std::string_view v, int& major) noexcept
{
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.')
        return std::nullopt;
    if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
        return std::nullopt;
    major = v[5] - '0';
    return (v[7] == '0') ? HttpVersion::kHttp10 : HttpVersion::kHttp11;
}

bool parse_decimal(std::string_view s, std::uint64_t& out) noexcept
{
    if (s.empty())
        return false;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

std::optional<ParseResult> analyse_framing(std::span<const HeaderField> headers, FramingHeaders& f,
                                           int syntax_status)
{
    for (const HeaderField& h : headers) {
        if (iequals(h.name, "Content-Length")) {
            std::uint64_t v = 0;
            if (!parse_decimal(h.value, v))
                return ParseResult::fail(syntax_status, "malformed Content-Length");
            if (f.has_cl)
                return ParseResult::fail(syntax_status, "duplicate Content-Length");
            f.has_cl = true;
            f.cl = v;
        } else if (iequals(h.name, "Transfer-Encoding")) {
            // Codings accumulate across fields in order (RFC 9110 5.3).
            ListIterator it(h.value);
            std::string_view coding;
            bool any = false;
            while (it.next(coding)) {
                any = true;
                if (!is_token(coding))
                    return ParseResult::fail(syntax_status, "malformed Transfer-Encoding");
                if (f.te_final_chunked) // something after chunked, or chunked twice
                    return ParseResult::fail(syntax_status, "chunked is not the final coding");
                if (iequals(coding, "chunked"))
                    f.te_final_chunked = true;
                else
                    f.te_other_codings = true;
            }
            // An empty list element-only value ("", ",") is not a coding.
            if (!any)
                return ParseResult::fail(syntax_status, "empty Transfer-Encoding");
            f.has_te = true;
        }
    }
    if (f.has_cl && f.has_te)
        return ParseResult::fail(syntax_status, "Content-Length with Transfer-Encoding");
    return std::nullopt;
}

} // namespace dlba::dlbad::detail
