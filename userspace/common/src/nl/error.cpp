#include "dlba/nl/error.h"

#include <cstring>

namespace dlba::nl {

namespace {

std::string describe(int code, const std::string& extack)
{
    std::string text = std::strerror(code);
    if (extack.empty())
        return text;
    return extack + ": " + text;
}

} // namespace

Error::Error(int code, std::string extack)
    : std::runtime_error(describe(code, extack)),
      code_(code),
      extack_(std::move(extack))
{}

} // namespace dlba::nl
