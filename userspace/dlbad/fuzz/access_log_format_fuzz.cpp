// libFuzzer target: the access log format (dlbad.conf(5) access_log.format) and its rendering.
// Input: a format, then optionally '\0' and a request target (client-supplied bytes).
// Invariants: a parse either succeeds or throws AccessLogFormatError with an offset inside the
// format; a rendered line never holds a newline or another control character.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "accesslog/access_log_format.h"

using dlba::SocketAddress;
using dlba::dlbad::AccessLogFormat;
using dlba::dlbad::AccessLogFormatError;
using dlba::dlbad::AccessRecord;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto nul = in.find('\0');
    const auto spec = in.substr(0, nul);
    const auto target = nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);
    try {
        const auto format = AccessLogFormat::parse(spec);
        static const auto kClient = *SocketAddress::parse("[2001:db8::1]:65535");
        static const auto kServer = *SocketAddress::parse("10.0.1.1:80");
        AccessRecord r;
        r.client = &kClient;
        r.service = "web";
        r.backend = "pool";
        r.has_server = size % 2 == 0;
        r.server_key = 4294967295u;
        r.server_addr = &kServer;
        r.method = target.substr(0, target.size() / 3);
        r.target = target;
        r.tq = -1;
        r.tt = 9223372036854775807LL;
        r.status = 599;
        r.bytes_out = UINT64_MAX;
        std::string out;
        format.render(r, out);
        for (unsigned char c : out)
            if (c < 0x20 || c == 0x7f)
                std::abort();
    } catch (const AccessLogFormatError& e) {
        if (e.offset() > spec.size())
            std::abort();
    }
    return 0;
}
