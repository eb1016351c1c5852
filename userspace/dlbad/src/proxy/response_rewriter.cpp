#include "proxy/response_rewriter.h"

#include <dlbad/cache_control.h>
#include <dlbad/head_writer.h>
#include <dlbad/header_util.h>

namespace dlba::dlbad {

namespace {

std::string status_line(const ResponseHead& head)
{
    std::string start = "HTTP/1.1 " + std::to_string(head.status());
    if (!head.reason().empty()) {
        start += ' ';
        start.append(head.reason());
    }
    return start;
}

// A fresh edit that removes the back-end's hop-by-hop fields (they describe its connection to
// dlbad, not the client's).
template <typename Headers>
void drop_hop_by_hop(HeaderEdit& edit, const Headers& headers)
{
    edit.clear();
    for (std::size_t i = 0; i < headers.size(); ++i)
        if (is_hop_by_hop(headers, headers[i].name))
            edit.remove_index.push_back(i);
}

} // namespace

void ResponseRewriter::write_interim(std::string& out, const ResponseHead& head)
{
    thread_local HeaderEdit edit;
    auto headers = head.headers();
    drop_hop_by_hop(edit, headers);
    write_head(out, status_line(head), headers, edit);
}

Http10Body ResponseRewriter::http10_body(const ResponseHead& head) noexcept
{
    if (head.framing().kind == BodyKind::kNone)
        return Http10Body::kAsIs; // HEAD, 204, 304: the field goes, there is no body to decode
    bool any = false;
    for (const auto& h : head.headers()) {
        if (!iequals(h.name, "Transfer-Encoding"))
            continue;
        ListIterator it(h.value);
        std::string_view coding;
        while (it.next(coding)) {
            if (!iequals(coding, "chunked"))
                return Http10Body::kRefuse;
            any = true;
        }
    }
    return any && head.framing().kind == BodyKind::kChunked ? Http10Body::kDechunk
                                                            : Http10Body::kAsIs;
}

bool ResponseRewriter::write(std::string& out, const ResponseHead& head, const ResponseContext& ctx)
{
    const std::string start = status_line(head);

    thread_local HeaderEdit edit;
    auto headers = head.headers();
    drop_hop_by_hop(edit, headers);

    bool injected = false;
    if (ctx.injector && ctx.codec) {
        if (auto idx = ctx.injector->session_set_cookie(headers)) {
            ctx.injector->inject(headers, *idx, ctx.codec->issue(ctx.server_key, ctx.now_unix),
                                 edit);
            injected = true;
        } else if (ctx.reissue) {
            // The client's persistence cookie was forged, stale or names a server that can no
            // longer serve it, and this server did not start a new session: give it a cookie for
            // the server that answered, session-scoped, with the session's Path and Domain
            // (cookie.path, cookie.domain) so it replaces the old cookie rather than joining it.
            const auto& name = ctx.injector->config().persistence_cookie;
            edit.add.emplace_back("Set-Cookie",
                                  CookieInjector::make_set_cookie(
                                      name, ctx.codec->issue(ctx.server_key, ctx.now_unix),
                                      ctx.injector->reissue_attributes()));
            for (std::size_t i = 0; i < headers.size(); ++i) {
                // Drop a back-end Set-Cookie for our own cookie name: it would fight ours.
                if (iequals(headers[i].name, "Set-Cookie")) {
                    auto v = headers[i].value;
                    auto eq = v.find('=');
                    if (eq != std::string_view::npos && trim_ows(v.substr(0, eq)) == name)
                        edit.remove_index.push_back(i);
                }
            }
            if (ctx.injector->config().nocache) {
                if (auto cc = private_cache_control(headers)) {
                    edit.remove_name.emplace_back("Cache-Control");
                    edit.add.emplace_back("Cache-Control", std::move(*cc));
                }
            }
            injected = true;
        }
    }
    if (ctx.client_http10) {
        // An HTTP/1.0 client knows no transfer coding (the body reaches it de-chunked, see
        // http10_body) and so no trailer section either.
        edit.remove_name.emplace_back("Transfer-Encoding");
        edit.remove_name.emplace_back("Trailer");
    }
    if (!ctx.keep_alive)
        edit.add.emplace_back("Connection", "close");
    else if (ctx.client_http10)
        edit.add.emplace_back("Connection", "keep-alive");

    write_head(out, start, headers, edit);
    return injected;
}

} // namespace dlba::dlbad
