#include <dlbad/header_util.h>
#include <dlbad/response_head.h>

namespace dlba::dlbad {

std::optional<std::string_view> ResponseHead::header(std::string_view name) const noexcept
{
    return find_header(headers_, name);
}

void ResponseHead::clear() noexcept
{
    version_ = HttpVersion::kHttp11;
    status_ = 0;
    reason_ = {};
    status_line_ = {};
    headers_.clear();
    framing_ = {};
    keep_alive_ = true;
}

} // namespace dlba::dlbad
