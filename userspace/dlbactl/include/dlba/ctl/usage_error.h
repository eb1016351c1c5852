#pragma once

#include <stdexcept>

namespace dlba::ctl {

// A bad command line: unknown subcommand or option, missing argument.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace dlba::ctl
