#include <dlbad/header_util.h>
#include <dlbad/request_head.h>

namespace dlba::dlbad {

bool RequestHead::idempotent() const noexcept
{
    switch (method_kind_) {
    case Method::kGet:
    case Method::kHead:
    case Method::kOptions:
    case Method::kTrace:
    case Method::kPut:
    case Method::kDelete:
        return true;
    default:
        return false;
    }
}

std::optional<std::string_view> RequestHead::header(std::string_view name) const noexcept
{
    return find_header(headers_, name);
}

void RequestHead::clear() noexcept
{
    method_ = {};
    method_kind_ = Method::kOther;
    target_ = {};
    path_ = {};
    query_ = {};
    version_ = HttpVersion::kHttp11;
    headers_.clear();
    host_ = {};
    framing_ = {};
    keep_alive_ = true;
    expect_continue_ = false;
}

} // namespace dlba::dlbad
