#pragma once

#include <string>

#include "config/array_config.h"

namespace dlba::arrayd {

// The corosync.conf(5) of the array described by array.yaml (`dlba-arrayd --corosync-conf`):
// totem version 2 over knet with the cluster's name and token, one nodelist entry per node
// (ring0_addr, nodeid, name), votequorum, logging to stderr.  The same text on every node.
[[nodiscard]] std::string corosync_conf(const ArrayConfig& config);

} // namespace dlba::arrayd
