#pragma once

// Strict, incremental HTTP/1.1 response-head parser (RFC 9112) for replies
// read from back-end servers.  Same calling convention as RequestParser.
// Every error has http_status 502 (the proxy answers Bad Gateway).
//
// Framing (RFC 9112 6.3): HEAD requests, 1xx, 204 and 304 have no body; a
// 2xx to CONNECT and 101 are tunnels; Transfer-Encoding with final "chunked"
// -> chunked; Transfer-Encoding without final chunked -> until close;
// otherwise Content-Length; otherwise until close.  Rejected: everything the
// request parser rejects in the header section (bare LF/CR, obs-fold, CTLs,
// bad names, malformed/conflicting Content-Length, Content-Length together with
// Transfer-Encoding), a status code outside 100..599, bad HTTP-version, and
// oversize heads.  The reason-phrase may be empty and its preceding SP may be
// missing ("HTTP/1.1 200\r\n"), as real servers send it.

#include <dlbad/detail/head_scanner.h>
#include <dlbad/http_types.h>
#include <dlbad/request_head.h>
#include <dlbad/response_head.h>

#include <string_view>

namespace dlba::dlbad {

class ResponseParser {
public:
    explicit ResponseParser(const ParserLimits& limits = {}) noexcept : limits_(limits) {}

    // buf starts at the first byte of the response; request_method is the
    // method of the request this answers (HEAD and CONNECT change framing).
    ParseResult parse(std::string_view buf, Method request_method = Method::kGet);

    [[nodiscard]] const ResponseHead& head() const noexcept { return head_; }
    void reset() noexcept;

private:
    ParseResult parse_head(std::string_view head, Method request_method);

    ParserLimits limits_;
    ResponseHead head_;
    detail::HeadScanner scanner_;
    ParseResult result_;
};

} // namespace dlba::dlbad
