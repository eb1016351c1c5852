#pragma once

#include "dlba/ctl/types.h"
#include "dlba/nl/message.h"

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dlba::ctl::codec {

// Encoding of dlbactl's data into "dlba" generic netlink attributes and
// back (include/uapi/linux/dlba.h).  Pure functions: the netlink backend
// uses them, tests build and parse messages with them.

// DLBA_A_SERVICE nest with the key (+ the config / change fields).
void put_service_key(nl::Message& msg, const ServiceKey& key);
void put_service_config(nl::Message& msg, const ServiceConfig& config);
void put_service_change(nl::Message& msg, const ServiceChange& change);
// DLBA_A_SERVER nest.
void put_server_config(nl::Message& msg, const ServerConfig& config);
void put_server_change(nl::Message& msg, const ServerChange& change);
void put_server_id(nl::Message& msg, uint32_t id);
// DLBA_A_BUCKETS nest for BUCKETS_SET: entries [start, start + n); with a
// hash key the kernel refuses the part unless the service has that key.
void put_buckets(nl::Message& msg, uint32_t start, const uint32_t* ids, uint32_t n,
                 std::optional<uint64_t> version,
                 const std::optional<HashKey>& hash_key = std::nullopt);

// Decoders for reply messages (generic netlink header included).  They
// throw nl::Error(EPROTO) on a malformed reply.
ServiceInfo parse_service(const nlmsghdr* nlh);
// A server reply names its service in DLBA_A_SERVICE; 'fallback' (the dump
// filter) is used if it does not.
ServerInfo parse_server(const nlmsghdr* nlh, const std::optional<ServiceKey>& fallback = {});
GlobalStats parse_global_stats(const nlmsghdr* nlh);

// A readable name for the request attribute at 'path' (top-level type,
// then nested types), e.g. {DLBA_A_SERVER, DLBA_SRV_A_WEIGHT} -> "weight";
// "" if unknown.  Used to say which value the kernel rejected.
std::string attribute_name(const std::vector<uint16_t>& path);

// One part of a bucket dump.
struct BucketChunk {
    std::optional<uint64_t> version;
    std::optional<uint32_t> count; // total buckets in the table
    uint32_t start = 0;
    std::vector<uint32_t> assign;
    std::vector<uint32_t> idle_ms;
    std::optional<HashKey> hash_key;
};
BucketChunk parse_buckets(const nlmsghdr* nlh);

// A buckets-ntf notification: service key, count, start, assign, version
// all required; a stretch beyond the table is malformed.
BucketChange parse_bucket_change(const nlmsghdr* nlh);

} // namespace dlba::ctl::codec
