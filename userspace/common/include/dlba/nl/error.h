#pragma once

#include <stdexcept>
#include <string>

namespace dlba::nl {

// A failed netlink operation: an errno value plus, when the kernel sent one,
// its extended-ack message.  what() is "<extack>: <strerror>" or
// "<strerror>", the text dlbactl prints after "dlbactl: ".
class Error : public std::runtime_error {
public:
    Error(int code, std::string extack = {});

    [[nodiscard]] int code() const noexcept { return code_; }
    [[nodiscard]] const std::string& extack() const noexcept { return extack_; }

private:
    int code_;
    std::string extack_;
};

} // namespace dlba::nl
