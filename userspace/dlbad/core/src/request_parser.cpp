#include <dlbad/header_util.h>
#include <dlbad/request_parser.h>

#include "http_internal.h"

#include <array>

namespace dlba::dlbad {

namespace {

// request-target octets: visible ASCII except '#' (a fragment is never sent).
// Anything else (SP, CTL, DEL, bytes >= 0x80) is rejected.
constexpr std::array<bool, 256> make_target_table() noexcept
{
    std::array<bool, 256> t{};
    for (int c = 0x21; c <= 0x7e; ++c)
        t[c] = true;
    t['#'] = false;
    return t;
}
constexpr std::array<bool, 256> kTargetChar = make_target_table();

// Host header / authority octets: reg-name, IP-literal, port (RFC 3986).
constexpr std::array<bool, 256> kHostChar = detail::make_alnum_table("-._~!$&'()*+,;=:[]%");

bool valid_host(std::string_view h) noexcept
{
    for (char c : h) {
        if (!kHostChar[static_cast<unsigned char>(c)])
            return false;
    }
    return true;
}

Method classify(std::string_view m) noexcept
{
    struct Known {
        std::string_view name;
        Method kind;
    };
    static constexpr Known kKnown[] = {
        {"GET", Method::kGet},         {"HEAD", Method::kHead},     {"POST", Method::kPost},
        {"PUT", Method::kPut},         {"DELETE", Method::kDelete}, {"CONNECT", Method::kConnect},
        {"OPTIONS", Method::kOptions}, {"TRACE", Method::kTrace},   {"PATCH", Method::kPatch},
    };
    for (const Known& k : kKnown) {
        if (m == k.name) // methods are case-sensitive
            return k.kind;
    }
    return Method::kOther;
}

constexpr std::string_view kRootPath = "/";

} // namespace

void RequestParser::reset() noexcept
{
    head_.clear();
    scanner_.reset();
    result_ = {};
}

ParseResult RequestParser::parse(std::string_view buf)
{
    if (result_.status != ParseStatus::kNeedMore)
        return result_;
    const detail::HeadScanner::Limits sl{
        .max_start_line = limits_.max_request_line,
        .start_line_status = 414,
        .max_head = limits_.max_head_bytes,
        .max_fields = limits_.max_header_count,
        .head_status = 431,
        .syntax_status = 400,
        .allow_leading_crlf = true,
    };
    ParseResult r = scanner_.scan(buf, sl);
    if (r.complete()) {
        const std::size_t end = r.length;
        r = parse_head(buf.substr(scanner_.start, end - scanner_.start));
        if (r.complete())
            r.length = end;
    }
    if (!r.need_more())
        result_ = r;
    return r;
}

ParseResult RequestParser::parse_request_line(std::string_view line)
{
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos)
        return ParseResult::fail(400, "malformed request line");
    const std::string_view method = line.substr(0, sp1);
    if (!is_token(method))
        return ParseResult::fail(400, "invalid method");
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos)
        return ParseResult::fail(400, "malformed request line");
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (target.empty())
        return ParseResult::fail(400, "empty request target");
    for (char c : target) {
        if (!kTargetChar[static_cast<unsigned char>(c)])
            return ParseResult::fail(400, "invalid character in request target");
    }
    int major = 0;
    const std::optional<HttpVersion> v = detail::parse_version(version, major);
    if (!v)
        return ParseResult::fail(400, "malformed HTTP version");
    if (major != 1)
        return ParseResult::fail(505, "HTTP version not supported");

    head_.method_ = method;
    head_.method_kind_ = classify(method);
    head_.target_ = target;
    head_.version_ = *v;

    // Target form must match the method (RFC 9112 3.2).
    const bool connect = head_.method_kind_ == Method::kConnect;
    if (connect) {
        // authority-form: host ":" port
        const std::size_t colon = target.rfind(':');
        if (target.front() == '/' || colon == std::string_view::npos ||
            colon + 1 == target.size() || !valid_host(target))
            return ParseResult::fail(400, "CONNECT needs host:port");
        for (char c : target.substr(colon + 1)) {
            if (c < '0' || c > '9')
                return ParseResult::fail(400, "CONNECT needs host:port");
        }
        head_.host_ = target;
        return ParseResult::done(0);
    }
    if (target == "*") {
        if (head_.method_kind_ != Method::kOptions)
            return ParseResult::fail(400, "asterisk-form only for OPTIONS");
        return ParseResult::done(0);
    }
    std::string_view path_and_query;
    if (target.front() == '/') {
        path_and_query = target;
    } else {
        // absolute-form: http:// or https:// authority path-abempty [? query]
        const std::size_t sep = target.find("://");
        if (sep == std::string_view::npos)
            return ParseResult::fail(400, "invalid request target");
        const std::string_view scheme = target.substr(0, sep);
        if (!iequals(scheme, "http") && !iequals(scheme, "https"))
            return ParseResult::fail(400, "unsupported URI scheme");
        std::string_view rest = target.substr(sep + 3);
        const std::size_t auth_end = rest.find_first_of("/?");
        const std::string_view authority = rest.substr(0, auth_end);
        if (authority.empty() || !valid_host(authority) ||
            authority.find('@') != std::string_view::npos)
            return ParseResult::fail(400, "invalid authority in request target");
        head_.host_ = authority;
        path_and_query =
            auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
    }
    const std::size_t q = path_and_query.find('?');
    head_.path_ = path_and_query.substr(0, q);
    if (head_.path_.empty())
        head_.path_ = kRootPath;
    if (q != std::string_view::npos)
        head_.query_ = path_and_query.substr(q + 1);
    return ParseResult::done(0);
}

ParseResult RequestParser::parse_head(std::string_view head)
{
    head_.clear();
    const std::size_t eol = head.find("\r\n"); // the scanner guarantees one
    ParseResult r = parse_request_line(head.substr(0, eol));
    if (r.error())
        return r;
    if (auto err = detail::parse_fields(head.substr(eol + 2), head_.headers_,
                                        limits_.max_header_count, 400, 431))
        return *err;

    const auto& headers = head_.headers_;
    const bool http11 = head_.version_ == HttpVersion::kHttp11;

    // Host (RFC 9112 3.2): exactly one in HTTP/1.1, at most one in 1.0.
    std::size_t hosts = 0;
    std::string_view host;
    for (const HeaderField& h : headers) {
        if (iequals(h.name, "Host")) {
            ++hosts;
            host = h.value;
        }
    }
    if (hosts > 1)
        return ParseResult::fail(400, "multiple Host headers");
    if (hosts == 0 && http11)
        return ParseResult::fail(400, "missing Host header");
    if (hosts == 1) {
        if (!valid_host(host))
            return ParseResult::fail(400, "invalid Host header");
        if (head_.host_.empty()) // absolute-form authority takes precedence
            head_.host_ = host;
    }

    detail::FramingHeaders f;
    if (auto err = detail::analyse_framing(headers, f, 400))
        return *err;
    if (f.has_te) {
        if (!http11)
            return ParseResult::fail(400, "Transfer-Encoding in HTTP/1.0 request");
        if (!f.te_final_chunked)
            return ParseResult::fail(400, "Transfer-Encoding without final chunked");
        if (f.te_other_codings)
            return ParseResult::fail(501, "unsupported transfer coding");
        head_.framing_ = {BodyKind::kChunked, 0};
    } else if (f.has_cl) {
        if (limits_.max_body_bytes != 0 && f.cl > limits_.max_body_bytes)
            return ParseResult::fail(413, "request body too large");
        head_.framing_ = {BodyKind::kContentLength, f.cl};
    } else {
        head_.framing_ = {BodyKind::kNone, 0};
    }

    if (http11)
        head_.keep_alive_ = !has_token(headers, "Connection", "close");
    else
        head_.keep_alive_ = has_token(headers, "Connection", "keep-alive") &&
                            !has_token(headers, "Connection", "close");
    // RFC 9110 10.1.1: ignore 100-continue from an HTTP/1.0 client.
    head_.expect_continue_ = http11 && has_token(headers, "Expect", "100-continue");
    return ParseResult::done(head.size());
}

} // namespace dlba::dlbad
