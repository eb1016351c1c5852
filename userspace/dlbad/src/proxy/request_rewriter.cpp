#include "proxy/request_rewriter.h"

#include <dlbad/cookie_header.h>
#include <dlbad/head_writer.h>
#include <dlbad/header_util.h>
#include <dlbad/uri_util.h>

#include <sys/socket.h>

namespace dlba::dlbad {

std::string RequestRewriter::forwarded_node(const SocketAddress& addr)
{
    if (addr.family() == AF_INET6)
        return "\"[" + addr.host() + "]\"";
    return addr.host();
}

namespace {

bool quotable_host(std::string_view h)
{
    for (unsigned char c : h)
        if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f)
            return false;
    return !h.empty();
}

// The Cookie value without cookie `name`; `changed` tells whether it was there.
std::string without_cookie(std::string_view value, std::string_view name, bool& changed)
{
    std::string out;
    CookieIterator it(value);
    CookiePair p;
    changed = false;
    while (it.next(p)) {
        if (p.name == name) {
            changed = true;
            continue;
        }
        if (!out.empty())
            out += "; ";
        out.append(p.name);
        out += '=';
        out.append(p.value);
    }
    return out;
}

} // namespace

void RequestRewriter::write(std::string& out, const RequestHead& head, const ForwardContext& ctx)
{
    // An absolute-form target goes out in origin-form with its authority as the Host (RFC 9112
    // 3.2.2: a server receiving absolute-form ignores Host and uses the target's authority).
    thread_local std::string origin_storage;
    const std::string_view target = origin_form(head.target(), origin_storage);
    const bool absolute_form =
        target.data() != head.target().data() || target.size() != head.target().size();
    std::string start;
    start.reserve(head.method().size() + target.size() + 10);
    start.append(head.method());
    start += ' ';
    start.append(target);
    start += head.version() == HttpVersion::kHttp10 ? " HTTP/1.0" : " HTTP/1.1";

    thread_local HeaderEdit edit;
    edit.clear();
    auto headers = head.headers();
    std::string prior_xff;
    std::string prior_forwarded;
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const auto& h = headers[i];
        if (is_hop_by_hop(headers, h.name) || iequals(h.name, "Expect")) {
            edit.remove_index.push_back(i);
            continue;
        }
        if (absolute_form && iequals(h.name, "Host")) {
            edit.remove_index.push_back(i);
            continue;
        }
        if (iequals(h.name, "Transfer-Encoding")) {
            // The parser accepted it as exactly one final "chunked" (other codings are 501), however
            // spelt ("Chunked", "chunked,", ", chunked"): send the one spelling
            // every back-end reads the same way.
            edit.remove_index.push_back(i);
            continue;
        }
        if (iequals(h.name, "Trailer") && head.framing().kind == BodyKind::kChunked) {
            // The trailer section is dropped when the body is re-framed (ClientConnection): no
            // field announces one.
            edit.remove_index.push_back(i);
            continue;
        }
        if (iequals(h.name, "X-Forwarded-For")) {
            edit.remove_index.push_back(i);
            if (ctx.trust_forwarded) {
                if (!prior_xff.empty())
                    prior_xff += ", ";
                prior_xff.append(h.value);
            }
            continue;
        }
        if (iequals(h.name, "Forwarded")) {
            edit.remove_index.push_back(i);
            if (ctx.trust_forwarded) {
                if (!prior_forwarded.empty())
                    prior_forwarded += ", ";
                prior_forwarded.append(h.value);
            }
            continue;
        }
        if (!ctx.trust_forwarded &&
            (iequals(h.name, "X-Forwarded-Proto") || iequals(h.name, "X-Forwarded-Host") ||
             iequals(h.name, "X-Forwarded-Port"))) {
            edit.remove_index.push_back(i);
            continue;
        }
        if (!ctx.strip_cookie.empty() && iequals(h.name, "Cookie")) {
            bool changed = false;
            auto rest = without_cookie(h.value, ctx.strip_cookie, changed);
            if (changed) {
                edit.remove_index.push_back(i);
                if (!rest.empty())
                    edit.add.emplace_back("Cookie", std::move(rest));
            }
        }
    }
    if (absolute_form)
        edit.add.emplace_back("Host", std::string(head.host()));
    if (head.framing().kind == BodyKind::kChunked)
        edit.add.emplace_back("Transfer-Encoding", "chunked");
    bool http10 = head.version() == HttpVersion::kHttp10;
    if (ctx.backend_keepalive) {
        if (http10)
            edit.add.emplace_back("Connection", "keep-alive");
    } else {
        edit.add.emplace_back("Connection", "close");
    }
    std::string client_ip = ctx.client ? ctx.client->host() : std::string("unknown");
    edit.add.emplace_back("X-Forwarded-For",
                          prior_xff.empty() ? client_ip : prior_xff + ", " + client_ip);
    if (!ctx.trust_forwarded || !head.header("X-Forwarded-Proto"))
        edit.add.emplace_back("X-Forwarded-Proto", ctx.secure ? "https" : "http");
    std::string fwd = "for=" + (ctx.client ? forwarded_node(*ctx.client) : std::string("unknown"));
    if (quotable_host(head.host()))
        fwd += ";host=\"" + std::string(head.host()) + "\"";
    fwd += ctx.secure ? ";proto=https" : ";proto=http";
    edit.add.emplace_back("Forwarded",
                          prior_forwarded.empty() ? fwd : prior_forwarded + ", " + fwd);

    write_head(out, start, headers, edit);
}

} // namespace dlba::dlbad
