#pragma once

// Re-serialising a parsed head with edits (remove some fields, append
// others).  Used for cookie injection, Cache-Control rewriting and the
// runtime's own edits (X-Forwarded-For, hop-by-hop removal).

#include <dlbad/http_types.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dlba::dlbad {

struct HeaderEdit {
    // Indexes into the head's headers() span to drop.
    std::vector<std::size_t> remove_index;
    // Field names (case-insensitive) to drop, every occurrence.
    std::vector<std::string> remove_name;
    // Fields appended after the kept ones, in order: {name, value}.
    std::vector<std::pair<std::string, std::string>> add;

    [[nodiscard]] bool empty() const noexcept
    {
        return remove_index.empty() && remove_name.empty() && add.empty();
    }
    void clear() noexcept
    {
        remove_index.clear();
        remove_name.clear();
        add.clear();
    }
};

// Appends to `out`: start_line CRLF, each kept field as "name: value" CRLF,
// each added field, and the final CRLF.  Added names/values must not contain
// CR or LF (checked: such a field is skipped, never emitted).
void write_head(std::string& out, std::string_view start_line, std::span<const HeaderField> headers,
                const HeaderEdit& edit);

} // namespace dlba::dlbad
