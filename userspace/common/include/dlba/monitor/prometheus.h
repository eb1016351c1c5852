#pragma once

#include <string>
#include <string_view>

namespace dlba {

// A Prometheus label value as the text exposition format wants it: backslash, double quote and
// newline escaped.  Every daemon's /metrics uses it.
inline std::string prometheus_label(std::string_view v)
{
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

} // namespace dlba
