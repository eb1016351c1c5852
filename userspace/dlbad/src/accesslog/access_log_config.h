#pragma once

#include <yaml-cpp/yaml.h>

#include <dlba/config/yaml_reader.h>

#include "accesslog/access_log.h"

namespace dlba::dlbad {

// dlbad.conf's access_log block: problems are reported through `reader` (FILE:LINE:COL).
[[nodiscard]] AccessLogConfig read_access_log(const config::YamlReader& reader,
                                              const YAML::Node& node);

} // namespace dlba::dlbad
