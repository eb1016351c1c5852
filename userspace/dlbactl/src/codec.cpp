#include "dlba/ctl/codec.h"

#include "dlba/nl/attrs.h"
#include "dlba/nl/error.h"

#include <linux/dlba.h>
#include <linux/genetlink.h>

#include <cerrno>
#include <cstring>
#include <span>
#include <string>

namespace dlba::ctl::codec {

namespace {

[[noreturn]] void malformed(const std::string& what)
{
    throw nl::Error(EPROTO, "malformed netlink reply: " + what);
}

void put_key_attrs(nl::Message& msg, const ServiceKey& key)
{
    msg.put_u16(DLBA_SVC_A_FAMILY, key.addr.family);
    msg.put_bytes(DLBA_SVC_A_ADDR, std::span(key.addr.bytes.data(), key.addr.size()));
    msg.put_u16(DLBA_SVC_A_PORT, key.port);
    msg.put_u8(DLBA_SVC_A_PROTO, key.proto);
}

Address get_address(const nl::Attrs& attrs, uint16_t type, uint16_t family)
{
    auto bytes = attrs.bytes(type);
    Address a;
    a.family = family;
    if (bytes.size() != a.size())
        malformed("address of " + std::to_string(bytes.size()) + " bytes for family " +
                  std::to_string(family));
    std::memcpy(a.bytes.data(), bytes.data(), bytes.size());
    return a;
}

ServiceKey get_key(const nl::Attrs& svc)
{
    ServiceKey key;
    uint16_t family = svc.u16(DLBA_SVC_A_FAMILY);
    if (family != AF_INET && family != AF_INET6)
        malformed("unknown address family " + std::to_string(family));
    key.addr = get_address(svc, DLBA_SVC_A_ADDR, family);
    key.port = svc.u16(DLBA_SVC_A_PORT);
    key.proto = svc.u8(DLBA_SVC_A_PROTO);
    return key;
}

Stats get_stats(const nl::Attrs& parent, uint16_t type)
{
    Stats s;
    if (!parent.has(type))
        return s;
    auto st = parent.nest(type, DLBA_STATS_A_MAX);
    s.packets = st.opt_u64(DLBA_STATS_A_PACKETS);
    s.bytes = st.opt_u64(DLBA_STATS_A_BYTES);
    s.new_assign = st.opt_u64(DLBA_STATS_A_NEW_ASSIGN);
    s.reassign = st.opt_u64(DLBA_STATS_A_REASSIGN);
    s.noserver = st.opt_u64(DLBA_STATS_A_NOSERVER);
    s.errors = st.opt_u64(DLBA_STATS_A_ERRORS);
    s.replies = st.opt_u64(DLBA_STATS_A_REPLIES);
    return s;
}

nl::Attrs top(const nlmsghdr* nlh)
{
    return nl::Attrs::parse(nlh, GENL_HDRLEN, DLBA_A_MAX);
}

std::vector<uint32_t> get_u32_array(const nl::Attrs& attrs, uint16_t type)
{
    auto bytes = attrs.bytes(type);
    if (bytes.size() % sizeof(uint32_t))
        malformed("bucket array length " + std::to_string(bytes.size()) +
                  " is not a multiple of 4");
    std::vector<uint32_t> out(bytes.size() / sizeof(uint32_t));
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
}

HashKey get_hash_key(const nl::Attrs& attrs, uint16_t type)
{
    auto bytes = attrs.bytes(type);
    HashKey key{};
    if (bytes.size() != key.size())
        malformed("hash key of " + std::to_string(bytes.size()) + " bytes");
    std::memcpy(key.data(), bytes.data(), key.size());
    return key;
}

} // namespace

void put_service_key(nl::Message& msg, const ServiceKey& key)
{
    nlattr* nest = msg.begin_nest(DLBA_A_SERVICE);
    put_key_attrs(msg, key);
    msg.end_nest(nest);
}

void put_service_config(nl::Message& msg, const ServiceConfig& config)
{
    nlattr* nest = msg.begin_nest(DLBA_A_SERVICE);
    put_key_attrs(msg, config.key);
    if (config.buckets)
        msg.put_u32(DLBA_SVC_A_BUCKETS, *config.buckets);
    if (config.timeout)
        msg.put_u32(DLBA_SVC_A_TIMEOUT, *config.timeout);
    if (config.mode)
        msg.put_u8(DLBA_SVC_A_MODE, *config.mode);
    if (config.hash_key)
        msg.put_bytes(DLBA_SVC_A_HASH_KEY, *config.hash_key);
    msg.end_nest(nest);
}

void put_service_change(nl::Message& msg, const ServiceChange& change)
{
    nlattr* nest = msg.begin_nest(DLBA_A_SERVICE);
    put_key_attrs(msg, change.key);
    if (change.timeout)
        msg.put_u32(DLBA_SVC_A_TIMEOUT, *change.timeout);
    msg.end_nest(nest);
}

void put_server_config(nl::Message& msg, const ServerConfig& config)
{
    nlattr* nest = msg.begin_nest(DLBA_A_SERVER);
    msg.put_u32(DLBA_SRV_A_ID, config.id);
    msg.put_bytes(DLBA_SRV_A_ADDR, std::span(config.addr.bytes.data(), config.addr.size()));
    if (config.port)
        msg.put_u16(DLBA_SRV_A_PORT, *config.port);
    if (config.mac)
        msg.put_bytes(DLBA_SRV_A_MAC, *config.mac);
    msg.put_u32(DLBA_SRV_A_WEIGHT, config.weight);
    msg.put_u8(DLBA_SRV_A_ENABLED, config.enabled);
    msg.put_u8(DLBA_SRV_A_FAILED, config.failed);
    msg.put_u8(DLBA_SRV_A_METHOD, config.method);
    msg.end_nest(nest);
}

void put_server_change(nl::Message& msg, const ServerChange& change)
{
    nlattr* nest = msg.begin_nest(DLBA_A_SERVER);
    msg.put_u32(DLBA_SRV_A_ID, change.id);
    if (change.weight)
        msg.put_u32(DLBA_SRV_A_WEIGHT, *change.weight);
    if (change.enabled)
        msg.put_u8(DLBA_SRV_A_ENABLED, *change.enabled);
    if (change.failed)
        msg.put_u8(DLBA_SRV_A_FAILED, *change.failed);
    msg.end_nest(nest);
}

void put_server_id(nl::Message& msg, uint32_t id)
{
    nlattr* nest = msg.begin_nest(DLBA_A_SERVER);
    msg.put_u32(DLBA_SRV_A_ID, id);
    msg.end_nest(nest);
}

void put_buckets(nl::Message& msg, uint32_t start, const uint32_t* ids, uint32_t n,
                 std::optional<uint64_t> version, const std::optional<HashKey>& hash_key)
{
    nlattr* nest = msg.begin_nest(DLBA_A_BUCKETS);
    msg.put_u32(DLBA_BKT_A_START, start);
    msg.put_bytes(DLBA_BKT_A_ASSIGN,
                  std::span(reinterpret_cast<const uint8_t*>(ids), size_t(n) * sizeof(uint32_t)));
    if (version)
        msg.put_u64(DLBA_BKT_A_VERSION, *version);
    if (hash_key)
        msg.put_bytes(DLBA_BKT_A_HASH_KEY, *hash_key);
    msg.end_nest(nest);
}

ServiceInfo parse_service(const nlmsghdr* nlh)
{
    auto svc = top(nlh).nest(DLBA_A_SERVICE, DLBA_SVC_A_MAX);
    ServiceInfo info;
    info.key = get_key(svc);
    info.buckets = svc.opt_u32(DLBA_SVC_A_BUCKETS).value_or(0);
    info.timeout = svc.opt_u32(DLBA_SVC_A_TIMEOUT).value_or(0);
    info.mode = svc.opt_u8(DLBA_SVC_A_MODE).value_or(0);
    info.panic = svc.opt_u8(DLBA_SVC_A_PANIC).value_or(0) != 0;
    info.version = svc.opt_u64(DLBA_SVC_A_VERSION).value_or(0);
    info.nservers = svc.opt_u32(DLBA_SVC_A_NSERVERS).value_or(0);
    info.stats = get_stats(svc, DLBA_SVC_A_STATS);
    if (svc.has(DLBA_SVC_A_HASH_KEY))
        info.hash_key = get_hash_key(svc, DLBA_SVC_A_HASH_KEY);
    return info;
}

std::optional<Mac> get_mac(const nl::Attrs& attrs, uint16_t type, const char* what)
{
    if (!attrs.has(type))
        return std::nullopt;
    auto bytes = attrs.bytes(type);
    if (bytes.size() != 6)
        malformed(std::string(what) + " of " + std::to_string(bytes.size()) + " bytes");
    Mac m;
    std::memcpy(m.data(), bytes.data(), 6);
    return m;
}

ServerInfo parse_server(const nlmsghdr* nlh, const std::optional<ServiceKey>& fallback)
{
    auto attrs = top(nlh);
    ServerInfo info;
    if (attrs.has(DLBA_A_SERVICE))
        info.service = get_key(attrs.nest(DLBA_A_SERVICE, DLBA_SVC_A_MAX));
    else if (fallback)
        info.service = *fallback;
    else
        malformed("server without its service");
    auto srv = attrs.nest(DLBA_A_SERVER, DLBA_SRV_A_MAX);
    info.id = srv.u32(DLBA_SRV_A_ID);
    info.addr = get_address(srv, DLBA_SRV_A_ADDR, info.service.addr.family);
    info.port = srv.opt_u16(DLBA_SRV_A_PORT).value_or(0);
    info.mac = get_mac(srv, DLBA_SRV_A_MAC, "MAC");
    info.neigh_state = srv.opt_u16(DLBA_SRV_A_NEIGH_STATE);
    info.lladdr = get_mac(srv, DLBA_SRV_A_LLADDR, "neighbour MAC");
    info.weight = srv.opt_u32(DLBA_SRV_A_WEIGHT).value_or(0);
    info.enabled = srv.opt_u8(DLBA_SRV_A_ENABLED).value_or(1) != 0;
    info.failed = srv.opt_u8(DLBA_SRV_A_FAILED).value_or(0) != 0;
    info.method = srv.opt_u8(DLBA_SRV_A_METHOD).value_or(0);
    info.buckets = srv.opt_u32(DLBA_SRV_A_BUCKETS).value_or(0);
    info.stats = get_stats(srv, DLBA_SRV_A_STATS);
    return info;
}

GlobalStats parse_global_stats(const nlmsghdr* nlh)
{
    auto attrs = top(nlh);
    GlobalStats g;
    g.stats = get_stats(attrs, DLBA_A_STATS);
    if (attrs.has(DLBA_A_STATS))
        g.services = attrs.nest(DLBA_A_STATS, DLBA_STATS_A_MAX).opt_u32(DLBA_STATS_A_SERVICES);
    return g;
}

std::string attribute_name(const std::vector<uint16_t>& path)
{
    if (path.empty())
        return {};
    uint16_t inner = path.size() > 1 ? path[1] : 0;
    switch (path[0]) {
    case DLBA_A_SERVICE:
        switch (inner) {
        case DLBA_SVC_A_FAMILY:
            return "service address family";
        case DLBA_SVC_A_ADDR:
            return "service address";
        case DLBA_SVC_A_PORT:
            return "service port";
        case DLBA_SVC_A_PROTO:
            return "service protocol";
        case DLBA_SVC_A_BUCKETS:
            return "bucket count";
        case DLBA_SVC_A_TIMEOUT:
            return "timeout";
        case DLBA_SVC_A_MODE:
            return "service mode";
        case DLBA_SVC_A_HASH_KEY:
            return "hash key";
        default:
            return "service";
        }
    case DLBA_A_SERVER:
        switch (inner) {
        case DLBA_SRV_A_ID:
            return "server id";
        case DLBA_SRV_A_ADDR:
            return "server address";
        case DLBA_SRV_A_PORT:
            return "server port";
        case DLBA_SRV_A_MAC:
            return "MAC address";
        case DLBA_SRV_A_WEIGHT:
            return "weight";
        case DLBA_SRV_A_ENABLED:
            return "enabled";
        case DLBA_SRV_A_FAILED:
            return "failed";
        case DLBA_SRV_A_METHOD:
            return "forwarding method";
        case DLBA_SRV_A_NEIGH_STATE:
            return "neighbour state";
        case DLBA_SRV_A_LLADDR:
            return "neighbour MAC";
        default:
            return "server";
        }
    case DLBA_A_BUCKETS:
        switch (inner) {
        case DLBA_BKT_A_START:
            return "bucket start index";
        case DLBA_BKT_A_ASSIGN:
            return "bucket assignment array";
        case DLBA_BKT_A_VERSION:
            return "bucket table version";
        case DLBA_BKT_A_HASH_KEY:
            return "hash key";
        default:
            return "buckets";
        }
    case DLBA_A_PANIC:
        return "panic state";
    default:
        return {};
    }
}

BucketChunk parse_buckets(const nlmsghdr* nlh)
{
    auto bkt = top(nlh).nest(DLBA_A_BUCKETS, DLBA_BKT_A_MAX);
    BucketChunk c;
    c.version = bkt.opt_u64(DLBA_BKT_A_VERSION);
    c.count = bkt.opt_u32(DLBA_BKT_A_COUNT);
    c.start = bkt.opt_u32(DLBA_BKT_A_START).value_or(0);
    if (bkt.has(DLBA_BKT_A_HASH_KEY))
        c.hash_key = get_hash_key(bkt, DLBA_BKT_A_HASH_KEY);
    if (bkt.has(DLBA_BKT_A_ASSIGN))
        c.assign = get_u32_array(bkt, DLBA_BKT_A_ASSIGN);
    if (bkt.has(DLBA_BKT_A_IDLE)) {
        c.idle_ms = get_u32_array(bkt, DLBA_BKT_A_IDLE);
        if (c.idle_ms.size() != c.assign.size())
            malformed("bucket idle array and assignment array differ in length");
    }
    if (c.count && uint64_t(c.start) + c.assign.size() > *c.count)
        malformed("bucket chunk beyond the table end");
    return c;
}

BucketChange parse_bucket_change(const nlmsghdr* nlh)
{
    auto attrs = top(nlh);
    BucketChange c;
    c.key = get_key(attrs.nest(DLBA_A_SERVICE, DLBA_SVC_A_MAX));
    auto bkt = attrs.nest(DLBA_A_BUCKETS, DLBA_BKT_A_MAX);
    c.version = bkt.u64(DLBA_BKT_A_VERSION);
    c.count = bkt.u32(DLBA_BKT_A_COUNT);
    c.start = bkt.u32(DLBA_BKT_A_START);
    c.assign = get_u32_array(bkt, DLBA_BKT_A_ASSIGN);
    if (c.assign.empty())
        malformed("bucket change of no bucket");
    if (uint64_t(c.start) + c.assign.size() > c.count)
        malformed("bucket change beyond the table end");
    return c;
}

} // namespace dlba::ctl::codec
