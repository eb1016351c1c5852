#include <dlbad/cache_control.h>
#include <dlbad/header_util.h>

#include <string_view>
#include <vector>

namespace dlba::dlbad {

namespace {

struct Directive {
    std::string_view name;
    std::string_view arg; // raw, may be quoted
    bool has_arg = false;
    std::string_view text; // the whole element
};

Directive split(std::string_view element) noexcept
{
    Directive d;
    d.text = element;
    const std::size_t eq = element.find('=');
    d.name = trim_ows(element.substr(0, eq));
    if (eq != std::string_view::npos) {
        d.arg = trim_ows(element.substr(eq + 1));
        d.has_arg = true;
    }
    return d;
}

std::string_view unquote(std::string_view s) noexcept
{
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"')
        return s.substr(1, s.size() - 2);
    return s;
}

} // namespace

std::optional<std::string> private_cache_control(std::span<const HeaderField> headers)
{
    std::vector<Directive> directives;
    for (const HeaderField& h : headers) {
        if (!iequals(h.name, "Cache-Control"))
            continue;
        ListIterator it(h.value);
        std::string_view e;
        while (it.next(e))
            directives.push_back(split(e));
    }

    bool plain_no_cache = false;
    std::vector<std::string_view> no_cache_fields{"set-cookie"};
    for (const Directive& d : directives) {
        if (iequals(d.name, "no-store") || (iequals(d.name, "private") && !d.has_arg))
            return std::nullopt; // already never stored by a shared cache
        if (iequals(d.name, "no-cache")) {
            if (!d.has_arg) {
                plain_no_cache = true;
                continue;
            }
            // Merge the field names of a qualified no-cache into ours.
            ListIterator fields(unquote(d.arg));
            std::string_view f;
            while (fields.next(f)) {
                if (!iequals(f, "set-cookie"))
                    no_cache_fields.push_back(f);
            }
        }
    }

    std::string out = "private";
    if (plain_no_cache) {
        out += ", no-cache";
    } else {
        out += ", no-cache=\"";
        for (std::size_t i = 0; i < no_cache_fields.size(); ++i) {
            if (i != 0)
                out += ", ";
            out += no_cache_fields[i];
        }
        out += '"';
    }
    for (const Directive& d : directives) {
        if (iequals(d.name, "public") || iequals(d.name, "s-maxage") ||
            iequals(d.name, "private") || iequals(d.name, "no-cache"))
            continue;
        out += ", ";
        out += d.text;
    }
    return out;
}

} // namespace dlba::dlbad
