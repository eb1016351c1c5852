#include <dlbad/header_util.h>
#include <dlbad/response_parser.h>

#include "http_internal.h"

namespace dlba::dlbad {

void ResponseParser::reset() noexcept
{
    head_.clear();
    scanner_.reset();
    result_ = {};
}

ParseResult ResponseParser::parse(std::string_view buf, Method request_method)
{
    if (result_.status != ParseStatus::kNeedMore)
        return result_;
    const detail::HeadScanner::Limits sl{
        .max_start_line = limits_.max_request_line,
        .start_line_status = 502,
        .max_head = limits_.max_head_bytes,
        .max_fields = limits_.max_header_count,
        .head_status = 502,
        .syntax_status = 502,
        .allow_leading_crlf = false,
    };
    ParseResult r = scanner_.scan(buf, sl);
    if (r.complete()) {
        const std::size_t end = r.length;
        r = parse_head(buf.substr(0, end), request_method);
        if (r.complete())
            r.length = end;
    }
    if (!r.need_more())
        result_ = r;
    return r;
}

ParseResult ResponseParser::parse_head(std::string_view head, Method request_method)
{
    head_.clear();
    const std::size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head_.status_line_ = line;

    // status-line = HTTP-version SP 3DIGIT SP [reason-phrase]
    int major = 0;
    const std::optional<HttpVersion> v = detail::parse_version(line.substr(0, 8), major);
    if (!v || major != 1)
        return ParseResult::fail(502, "bad HTTP version in status line");
    head_.version_ = *v;
    if (line.size() < 12 || line[8] != ' ')
        return ParseResult::fail(502, "malformed status line");
    int status = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9')
            return ParseResult::fail(502, "malformed status code");
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599)
        return ParseResult::fail(502, "status code out of range");
    head_.status_ = status;
    if (line.size() > 12) {
        if (line[12] != ' ')
            return ParseResult::fail(502, "malformed status line");
        const std::string_view reason = line.substr(13);
        for (char c : reason) {
            if (!detail::kFieldValueChar[static_cast<unsigned char>(c)])
                return ParseResult::fail(502, "invalid character in reason phrase");
        }
        head_.reason_ = reason;
    }

    if (auto err = detail::parse_fields(head.substr(eol + 2), head_.headers_,
                                        limits_.max_header_count, 502, 502))
        return *err;

    const auto& headers = head_.headers_;
    detail::FramingHeaders f;
    if (auto err = detail::analyse_framing(headers, f, 502))
        return *err;

    bool close_delimited = false;
    if (request_method == Method::kHead || (status >= 100 && status < 200 && status != 101) ||
        status == 204 || status == 304) {
        head_.framing_ = {BodyKind::kNone, 0};
    } else if (status == 101 ||
               (request_method == Method::kConnect && status >= 200 && status < 300)) {
        head_.framing_ = {BodyKind::kTunnel, 0};
        close_delimited = true;
    } else if (f.has_te) {
        if (head_.version_ == HttpVersion::kHttp10)
            return ParseResult::fail(502, "Transfer-Encoding in HTTP/1.0 response");
        if (f.te_final_chunked) {
            head_.framing_ = {BodyKind::kChunked, 0};
        } else {
            head_.framing_ = {BodyKind::kUntilClose, 0};
            close_delimited = true;
        }
    } else if (f.has_cl) {
        head_.framing_ = {BodyKind::kContentLength, f.cl};
    } else {
        head_.framing_ = {BodyKind::kUntilClose, 0};
        close_delimited = true;
    }

    if (close_delimited)
        head_.keep_alive_ = false;
    else if (head_.version_ == HttpVersion::kHttp11)
        head_.keep_alive_ = !has_token(headers, "Connection", "close");
    else
        head_.keep_alive_ = has_token(headers, "Connection", "keep-alive") &&
                            !has_token(headers, "Connection", "close");
    return ParseResult::done(head.size());
}

} // namespace dlba::dlbad
