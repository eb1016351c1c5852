#include "dlba/ctl/netlink_backend.h"

#include "dlba/ctl/bucket_assembler.h"
#include "dlba/ctl/codec.h"
#include "dlba/nl/error.h"

#include <libmnl/libmnl.h>
#include <linux/dlba.h>
#include <linux/genetlink.h>

#include <algorithm>
#include <cerrno>

namespace dlba::ctl {

namespace {

// Bucket dumps read the table in parts; a busy service assigns new buckets
// between parts.  Try this many times for a snapshot with one version.
constexpr int kConsistentReadAttempts = 5;

} // namespace

namespace {

// Dumps that name a service fail in their start callback when it does not
// exist; 6.1 kernels send no extack from there.
[[noreturn]] void rethrow_no_service(const nl::Error& e)
{
    if (e.code() == ENOENT && e.extack().empty())
        throw nl::Error(ENOENT, "no such service");
    throw e;
}

} // namespace

NetlinkBackend::NetlinkBackend()
{
    sock_.set_attribute_namer(codec::attribute_name);
    try {
        family_ = sock_.family_id(DLBA_GENL_NAME);
    } catch (const nl::Error& e) {
        if (e.code() == ENOENT)
            throw nl::Error(ENOENT, e.extack() + " (is dlba.ko loaded?)");
        throw;
    }
}

void NetlinkBackend::set_warning_handler(std::function<void(const std::string&)> handler)
{
    sock_.set_warning_handler(std::move(handler));
}

nl::Message NetlinkBackend::message(uint8_t cmd, size_t capacity) const
{
    return nl::Message(family_, cmd, DLBA_GENL_VERSION, capacity);
}

std::vector<ServiceInfo> NetlinkBackend::services()
{
    std::vector<ServiceInfo> out;
    auto msg = message(DLBA_CMD_SERVICE_GET);
    sock_.dump(
        msg, [&](const nlmsghdr* nlh) { out.push_back(codec::parse_service(nlh)); },
        [&] { out.clear(); });
    return out;
}

ServiceInfo NetlinkBackend::service(const ServiceKey& key)
{
    auto msg = message(DLBA_CMD_SERVICE_GET);
    codec::put_service_key(msg, key);
    std::optional<ServiceInfo> info;
    sock_.request(msg, [&](const nlmsghdr* nlh) { info = codec::parse_service(nlh); });
    if (!info)
        throw nl::Error(EPROTO, "no reply to the service query");
    return *info;
}

void NetlinkBackend::add_service(const ServiceConfig& config)
{
    auto msg = message(DLBA_CMD_SERVICE_NEW);
    codec::put_service_config(msg, config);
    sock_.request(msg);
}

void NetlinkBackend::set_service(const ServiceChange& change)
{
    auto msg = message(DLBA_CMD_SERVICE_SET);
    codec::put_service_change(msg, change);
    sock_.request(msg);
}

void NetlinkBackend::del_service(const ServiceKey& key)
{
    auto msg = message(DLBA_CMD_SERVICE_DEL);
    codec::put_service_key(msg, key);
    sock_.request(msg);
}

std::vector<ServerInfo> NetlinkBackend::servers(const std::optional<ServiceKey>& key)
{
    std::vector<ServerInfo> out;
    auto msg = message(DLBA_CMD_SERVER_GET);
    if (key)
        codec::put_service_key(msg, *key);
    try {
        sock_.dump(
            msg, [&](const nlmsghdr* nlh) { out.push_back(codec::parse_server(nlh, key)); },
            [&] { out.clear(); });
    } catch (const nl::Error& e) {
        rethrow_no_service(e);
    }
    return out;
}

void NetlinkBackend::add_server(const ServiceKey& key, const ServerConfig& config)
{
    auto msg = message(DLBA_CMD_SERVER_NEW);
    codec::put_service_key(msg, key);
    codec::put_server_config(msg, config);
    sock_.request(msg);
}

void NetlinkBackend::set_server(const ServiceKey& key, const ServerChange& change)
{
    auto msg = message(DLBA_CMD_SERVER_SET);
    codec::put_service_key(msg, key);
    codec::put_server_change(msg, change);
    sock_.request(msg);
}

void NetlinkBackend::del_server(const ServiceKey& key, uint32_t id)
{
    auto msg = message(DLBA_CMD_SERVER_DEL);
    codec::put_service_key(msg, key);
    codec::put_server_id(msg, id);
    sock_.request(msg);
}

BucketTable NetlinkBackend::buckets(const ServiceKey& key, bool with_idle)
{
    // dlba.ko flags a bucket dump NLM_F_DUMP_INTR when the table's version
    // changed between parts.  Retry for a clean snapshot, but a busy
    // service may never hold still: then the last read stands, reporting
    // its oldest version (see BucketAssembler).
    BucketAssembler parts(with_idle);
    for (int attempt = 0; attempt < kConsistentReadAttempts; attempt++) {
        parts.reset();
        auto msg = message(DLBA_CMD_BUCKETS_GET);
        codec::put_service_key(msg, key);
        bool clean = false;
        try {
            clean = sock_.dump_once(
                msg, [&](const nlmsghdr* nlh) { parts.add(codec::parse_buckets(nlh)); });
        } catch (const nl::Error& e) {
            rethrow_no_service(e);
        }
        if (clean && parts.consistent())
            break;
    }
    return parts.finish();
}

void NetlinkBackend::set_buckets(const ServiceKey& key, const std::vector<uint32_t>& assign,
                                 std::optional<uint64_t> version,
                                 const std::optional<HashKey>& hash_key)
{
    set_bucket_range(key, 0, assign, version, hash_key);
}

void NetlinkBackend::set_bucket_range(const ServiceKey& key, uint32_t first,
                                      const std::vector<uint32_t>& assign,
                                      std::optional<uint64_t> version,
                                      const std::optional<HashKey>& hash_key)
{
    // One message per DLBA_BKT_CHUNK entries; the version goes with the
    // last one so that it is installed once the whole array is.
    size_t start = 0;
    do {
        auto n = static_cast<uint32_t>(std::min<size_t>(DLBA_BKT_CHUNK, assign.size() - start));
        bool last = start + n == assign.size();
        auto msg = message(DLBA_CMD_BUCKETS_SET, size_t(n) * sizeof(uint32_t) + 512);
        codec::put_service_key(msg, key);
        codec::put_buckets(msg, static_cast<uint32_t>(first + start), assign.data() + start, n,
                           last ? version : std::nullopt, hash_key);
        sock_.request(msg);
        start += n;
    } while (start < assign.size());
}

void NetlinkBackend::touch_buckets(const std::optional<ServiceKey>& key)
{
    auto msg = message(DLBA_CMD_BUCKETS_TOUCH);
    if (key)
        codec::put_service_key(msg, *key);
    sock_.request(msg);
}

void NetlinkBackend::watch_buckets(const std::function<bool(const BucketChange&)>& on_change,
                                   const std::function<bool()>& on_lost)
{
    // Requests and notifications do not share a socket: a notification
    // would be read as a reply.
    nl::GenlSocket events;
    events.join_group(events.mcast_group_id(DLBA_GENL_NAME, DLBA_MCGRP_BUCKETS));
    events.listen(
        [&](const nlmsghdr* nlh) {
            auto* genl = static_cast<const genlmsghdr*>(mnl_nlmsg_get_payload(nlh));
            if (nlh->nlmsg_type != family_ || genl->cmd != DLBA_CMD_BUCKETS_NTF)
                return true;
            return on_change(codec::parse_bucket_change(nlh));
        },
        on_lost);
}

void NetlinkBackend::set_panic(const ServiceKey& key, bool on)
{
    auto msg = message(DLBA_CMD_PANIC);
    codec::put_service_key(msg, key);
    msg.put_u8(DLBA_A_PANIC, on ? 1 : 0);
    sock_.request(msg);
}

void NetlinkBackend::flush()
{
    auto msg = message(DLBA_CMD_FLUSH);
    sock_.request(msg);
}

void NetlinkBackend::zero_stats(const std::optional<ServiceKey>& key)
{
    auto msg = message(DLBA_CMD_STATS_ZERO);
    if (key)
        codec::put_service_key(msg, *key);
    sock_.request(msg);
}

GlobalStats NetlinkBackend::stats()
{
    auto msg = message(DLBA_CMD_STATS_GET);
    std::optional<GlobalStats> out;
    sock_.request(msg, [&](const nlmsghdr* nlh) { out = codec::parse_global_stats(nlh); });
    if (!out)
        throw nl::Error(EPROTO, "no reply to the stats query");
    return *out;
}

} // namespace dlba::ctl
