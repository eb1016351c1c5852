#pragma once

#include "dlba/ctl/types.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace dlba::ctl {

// The scheduler's control plane as dlbactl sees it.  The real one talks
// generic netlink to dlba.ko (NetlinkBackend); tests use an in-memory fake.
// Failures throw nl::Error (errno + the kernel's extack message).
class Backend {
public:
    virtual ~Backend() = default;

    virtual std::vector<ServiceInfo> services() = 0;
    virtual ServiceInfo service(const ServiceKey& key) = 0;
    virtual void add_service(const ServiceConfig& config) = 0;
    virtual void set_service(const ServiceChange& change) = 0;
    virtual void del_service(const ServiceKey& key) = 0;

    // All servers of all services, or those of one service.
    virtual std::vector<ServerInfo> servers(const std::optional<ServiceKey>& key) = 0;
    virtual void add_server(const ServiceKey& key, const ServerConfig& config) = 0;
    virtual void set_server(const ServiceKey& key, const ServerChange& change) = 0;
    virtual void del_server(const ServiceKey& key, uint32_t id) = 0;

    // The whole bucket table.  'with_idle' also reads the idle times.
    virtual BucketTable buckets(const ServiceKey& key, bool with_idle) = 0;
    // Installs the whole assignment array, and the version if given.
    virtual void set_buckets(const ServiceKey& key, const std::vector<uint32_t>& assign,
                             std::optional<uint64_t> version,
                             const std::optional<HashKey>& hash_key) = 0;

    // Installs buckets [start, start + assign.size()) only, and the version if given (once the
    // whole range is in).  The kernel refuses a range beyond the table (ERANGE), an unknown
    // server id (nothing of that part changes) and, with a hash key, a table made under
    // another key.
    virtual void set_bucket_range(const ServiceKey& key, uint32_t start,
                                  const std::vector<uint32_t>& assign,
                                  std::optional<uint64_t> version,
                                  const std::optional<HashKey>& hash_key) = 0;

    // Every bucket's last access to now: of one service, or of every one.
    virtual void touch_buckets(const std::optional<ServiceKey>& key) = 0;
    // Listens for bucket-table changes (every service) and calls
    // 'on_change' for each until it returns false.  'on_lost' is called
    // when the kernel dropped some (the reader was too slow): copies kept
    // from them are stale until re-read; listening goes on unless it
    // returns false.
    virtual void watch_buckets(const std::function<bool(const BucketChange&)>& on_change,
                               const std::function<bool()>& on_lost) = 0;

    virtual void set_panic(const ServiceKey& key, bool on) = 0;
    virtual void flush() = 0;
    virtual GlobalStats stats() = 0;
    // Zeroes the counters of one service and its servers or, without a key, the global ones
    // and every service's and server's.  No state changes.  Not atomic against traffic: a
    // packet counted meanwhile may survive it (dlbactl(8), stats --zero).
    virtual void zero_stats(const std::optional<ServiceKey>& key) = 0;
};

} // namespace dlba::ctl
