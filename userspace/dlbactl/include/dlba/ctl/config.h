#pragma once

#include "dlba/ctl/types.h"

#include <vector>

namespace dlba::ctl {

// The desired state read from a dlba.conf(5) file, fully validated, with
// defaults filled in.

struct ServerSpec {
    ServerConfig config;
    bool failed_given = false; // 'failed' absent: keep the kernel's value
    int line = 0;
    int column = 0; // of the entry's position, for messages
};

struct ServiceSpec {
    ServiceKey key;
    uint32_t buckets = 0;
    uint32_t timeout = 0;
    uint8_t mode = 0;
    std::optional<HashKey> hash_key; // unset: the kernel's random key
    std::vector<ServerSpec> servers;
    int line = 0;
    int column = 0; // of the entry's position, for messages
};

struct Config {
    std::vector<ServiceSpec> services;
};

} // namespace dlba::ctl
