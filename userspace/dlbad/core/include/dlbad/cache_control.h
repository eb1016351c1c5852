#pragma once

// "Never cached downstream" rule for responses that carry a persistence
// cookie (the equivalent of HAProxy's `cookie ... nocache`).
//
// Rule, applied to the union of all Cache-Control fields of the response:
//  * already not storable by a shared cache -- it has `no-store` or an
//    unqualified `private` -- : unchanged (nullopt);
//  * otherwise: the response becomes `private` and its Set-Cookie fields
//    must not be reused without revalidation: every Cache-Control field is
//    replaced by ONE field whose value is `private, no-cache="set-cookie"`
//    followed by the original directives except `public`, `s-maxage` (shared
//    cache only), a qualified `private="..."` (superseded) and a qualified
//    `no-cache="..."` (merged: its field names are added to ours).
//    A response without any Cache-Control therefore gets
//    `Cache-Control: private, no-cache="set-cookie"`.
// The browser may still cache the page for its own user (max-age etc. are
// kept); proxies and CDNs may not store it, so one user's persistence
// cookie is never served to another.

#include <dlbad/http_types.h>

#include <optional>
#include <span>
#include <string>

namespace dlba::dlbad {

// New Cache-Control value per the rule above, or nullopt to leave the
// response alone.  When a value is returned, the caller removes every
// Cache-Control field and adds one with this value.
[[nodiscard]] std::optional<std::string>
private_cache_control(std::span<const HeaderField> headers);

} // namespace dlba::dlbad
