#include <dlbad/head_writer.h>
#include <dlbad/header_util.h>

#include <algorithm>

namespace dlba::dlbad {

namespace {

bool has_crlf(std::string_view s) noexcept
{
    return s.find_first_of("\r\n") != std::string_view::npos;
}

} // namespace

void write_head(std::string& out, std::string_view start_line, std::span<const HeaderField> headers,
                const HeaderEdit& edit)
{
    std::size_t size = start_line.size() + 4;
    for (const HeaderField& h : headers)
        size += h.name.size() + h.value.size() + 4;
    for (const auto& [name, value] : edit.add)
        size += name.size() + value.size() + 4;
    out.reserve(out.size() + size);

    out.append(start_line);
    out.append("\r\n");
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const HeaderField& h = headers[i];
        if (std::find(edit.remove_index.begin(), edit.remove_index.end(), i) !=
            edit.remove_index.end())
            continue;
        if (std::any_of(edit.remove_name.begin(), edit.remove_name.end(),
                        [&](const std::string& n) { return iequals(n, h.name); }))
            continue;
        out.append(h.name);
        out.append(": ");
        out.append(h.value);
        out.append("\r\n");
    }
    for (const auto& [name, value] : edit.add) {
        if (!is_token(name) || has_crlf(value))
            continue;
        out.append(name);
        out.append(": ");
        out.append(value);
        out.append("\r\n");
    }
    out.append("\r\n");
}

} // namespace dlba::dlbad
