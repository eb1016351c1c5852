#pragma once

#include <string>

#include "config/config.h"

namespace dlba::dlbad {

// Reads dlbad.conf(5) (YAML).  The whole file is validated before anything is returned; every
// error is a ConfigError "FILE:LINE: message".  Unknown keys are errors (typos must not be silently
// ignored on a load balancer).  Key files named by the configuration are read here too, so a reload
// with a missing key file fails without touching the running configuration.
class ConfigLoader {
public:
    static Config load_file(const std::string& path);
    // `name` stands for the file name in messages; relative key/cert paths are taken as given.
    static Config load_string(const std::string& text, const std::string& name);
};

} // namespace dlba::dlbad
