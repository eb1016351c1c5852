// libFuzzer target: the admin socket's command parser (AdminCommandParser) on any bytes, one call
// per line as the socket makes them.  Properties: an error is one printable line, never beside a
// command; a blank line is neither.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "admin/admin_command.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);
    while (!in.empty()) {
        auto nl = in.find('\n');
        auto line = in.substr(0, nl);
        in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
        auto p = dlba::dlbad::AdminCommandParser::parse(line);
        if (p.command && !p.error.empty())
            std::abort();
        for (char c : p.error)
            if (static_cast<unsigned char>(c) < 0x20)
                std::abort(); // the answer would not be one line
        if (p.error.size() > 512)
            std::abort();
    }
    return 0;
}
