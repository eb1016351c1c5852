#include "dlba/ctl/dev_monitor.h"

#include "dlba/nl/error.h"

#include <fcntl.h>
#include <linux/dlba.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dlba::ctl {

namespace {

// A table may grow between the call that reports its size and the next
// one; give up after this many rounds rather than loop forever.
constexpr int kGrowAttempts = 8;
constexpr uint32_t kInitialCapacity = 64;

dlba_ioc_svc_key to_ioc(const ServiceKey& key)
{
    dlba_ioc_svc_key k{};
    k.family = key.addr.family;
    k.port = key.port;
    k.proto = key.proto;
    std::memcpy(k.addr, key.addr.bytes.data(), key.addr.size());
    return k;
}

Address address(uint16_t family, const uint8_t* bytes)
{
    Address a;
    a.family = family;
    std::memcpy(a.bytes.data(), bytes, a.size());
    return a;
}

ServiceKey from_ioc(const dlba_ioc_svc_key& k)
{
    ServiceKey key;
    key.addr = address(k.family, k.addr);
    key.port = k.port;
    key.proto = k.proto;
    return key;
}

// Next capacity: what the kernel says it has, with room to grow.  The
// kernel's count is bounded first, so a bad answer cannot make us allocate
// without limit.
constexpr uint32_t kMaxServices = 1u << 20;

uint32_t grow(uint32_t total, uint32_t limit, const char* what)
{
    if (total > limit)
        throw nl::Error(EPROTO, std::string("/dev/dlba: implausible ") + what + " count " +
                                    std::to_string(total));
    return std::min(limit, total + total / 8 + 16);
}

[[noreturn]] void keeps_growing(const char* what)
{
    throw nl::Error(EAGAIN, std::string("/dev/dlba: the ") + what + " table kept growing");
}

} // namespace

DevMonitor::DevMonitor(const std::string& path)
    : ioctl_([](int fd, unsigned long req, void* arg) { return ::ioctl(fd, req, arg); })
{
    fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_)
        throw nl::Error(errno, path);
}

DevMonitor::DevMonitor(UniqueFd fd, IoctlFn ioctl) : fd_(std::move(fd)), ioctl_(std::move(ioctl))
{}

void DevMonitor::call(unsigned long request, void* arg, const char* what)
{
    while (ioctl_(fd_.get(), request, arg) < 0) {
        if (errno != EINTR)
            throw nl::Error(errno, std::string("/dev/dlba: ") + what);
    }
}

std::vector<ServiceInfo> DevMonitor::services()
{
    std::vector<dlba_ioc_service> rows(kInitialCapacity);
    for (int i = 0; i < kGrowAttempts; i++) {
        dlba_ioc_services req{};
        req.ptr = reinterpret_cast<uintptr_t>(rows.data());
        req.capacity = static_cast<uint32_t>(rows.size());
        call(DLBA_IOC_SERVICES, &req, "services");
        if (req.total > req.capacity) {
            rows.resize(grow(req.total, kMaxServices, "service"));
            continue;
        }
        std::vector<ServiceInfo> out;
        for (uint32_t r = 0; r < std::min(req.count, req.capacity); r++) {
            const auto& s = rows[r];
            ServiceInfo info;
            info.key = from_ioc(s.key);
            info.buckets = s.buckets;
            info.timeout = s.timeout;
            info.mode = s.mode;
            info.panic = s.panic != 0;
            info.version = s.version;
            info.nservers = s.nservers;
            info.stats.packets = s.packets;
            info.stats.bytes = s.bytes;
            info.stats.new_assign = s.new_assign;
            info.stats.reassign = s.reassign;
            info.stats.noserver = s.noserver;
            out.push_back(info);
        }
        return out;
    }
    keeps_growing("service");
}

std::vector<ServerInfo> DevMonitor::servers(const ServiceKey& key)
{
    std::vector<dlba_ioc_server> rows(kInitialCapacity);
    for (int i = 0; i < kGrowAttempts; i++) {
        dlba_ioc_servers req{};
        req.key = to_ioc(key);
        req.ptr = reinterpret_cast<uintptr_t>(rows.data());
        req.capacity = static_cast<uint32_t>(rows.size());
        call(DLBA_IOC_SERVERS, &req, "servers");
        if (req.total > req.capacity) {
            rows.resize(grow(req.total, DLBA_SERVERS_MAX, "server"));
            continue;
        }
        std::vector<ServerInfo> out;
        for (uint32_t r = 0; r < std::min(req.count, req.capacity); r++) {
            const auto& s = rows[r];
            ServerInfo info;
            info.service = key;
            info.id = s.id;
            info.addr = address(key.addr.family, s.addr);
            info.port = s.port;
            Mac mac;
            std::memcpy(mac.data(), s.mac, mac.size());
            if (std::any_of(mac.begin(), mac.end(), [](uint8_t b) { return b != 0; }))
                info.mac = mac;
            info.weight = s.weight;
            info.enabled = s.enabled != 0;
            info.failed = s.failed != 0;
            info.method = s.method;
            info.buckets = s.buckets;
            info.stats.packets = s.packets;
            info.stats.bytes = s.bytes;
            info.stats.new_assign = s.new_assign;
            out.push_back(info);
        }
        return out;
    }
    keeps_growing("server");
}

BucketTable DevMonitor::buckets(const ServiceKey& key)
{
    std::vector<dlba_ioc_bucket> rows(DLBA_BUCKETS_DEFAULT);
    for (int i = 0; i < kGrowAttempts; i++) {
        dlba_ioc_buckets req{};
        req.key = to_ioc(key);
        req.ptr = reinterpret_cast<uintptr_t>(rows.data());
        req.start = 0;
        req.capacity = static_cast<uint32_t>(rows.size());
        call(DLBA_IOC_BUCKETS, &req, "buckets");
        if (req.total > req.capacity) {
            // A bucket table's size is fixed for the service's life.
            rows.resize(grow(req.total, DLBA_BUCKETS_MAX, "bucket"));
            continue;
        }
        BucketTable t;
        t.version = req.version;
        t.count = req.total;
        uint32_t n = std::min(req.count, req.capacity);
        if (n != req.total)
            throw nl::Error(EPROTO, "/dev/dlba: got " + std::to_string(n) + " of " +
                                        std::to_string(req.total) + " buckets");
        t.assign.reserve(n);
        t.idle_ms.reserve(n);
        for (uint32_t r = 0; r < n; r++) {
            t.assign.push_back(rows[r].server_id);
            t.idle_ms.push_back(rows[r].idle_ms);
        }
        return t;
    }
    keeps_growing("bucket");
}

} // namespace dlba::ctl
