#pragma once

#include <ostream>
#include <string>

#include "config/array_config.h"

namespace dlba::arrayd {

// `dlba-arrayd push FILE`: validates FILE as dlbactl does (every problem as FILE:LINE:COLUMN,
// nothing sent), hands it to the running daemon over config.control, waits for this node's
// result and prints it.  Returns the exit status: 0 applied here, 1 refused, failed or no answer,
// 2 the daemon is not running.
int push_command(const ArrayConfig& config, const std::string& file, std::ostream& out,
                 std::ostream& err);

} // namespace dlba::arrayd
