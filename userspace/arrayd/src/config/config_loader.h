#pragma once

#include <string>

#include "config/array_config.h"

namespace dlba::arrayd {

// Reads array.yaml (dlba-array.yaml(5)).  Every problem of the file is reported at once, each as
// "FILE:LINE:COLUMN: message", in a config::ConfigError; nothing of a rejected file is used.
class ArrayConfigLoader {
public:
    static ArrayConfig load_file(const std::string& path);
    static ArrayConfig load_string(const std::string& text, const std::string& name = "<string>");
};

} // namespace dlba::arrayd
