// /dev/dlba readers: the buffer grows to what the kernel reports.
#include "dlba/ctl/dev_monitor.h"
#include "dlba/ctl/parse.h"
#include "dlba/nl/error.h"

#include <gtest/gtest.h>
#include <linux/dlba.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace dlba::ctl {
namespace {

// Plays the kernel side of the ioctls with tables of the given sizes.
struct FakeDevice {
    uint32_t nservices = 0;
    uint32_t nservers = 0;
    uint32_t nbuckets = 0;
    std::vector<uint32_t> capacities; // every capacity offered

    int operator()(int, unsigned long req, void* arg)
    {
        if (req == DLBA_IOC_SERVICES) {
            auto* r = static_cast<dlba_ioc_services*>(arg);
            capacities.push_back(r->capacity);
            auto* rows = reinterpret_cast<dlba_ioc_service*>(r->ptr);
            r->total = nservices;
            r->count = std::min(r->capacity, nservices);
            for (uint32_t i = 0; i < r->count; i++) {
                rows[i] = {};
                rows[i].key.family = AF_INET;
                rows[i].key.port = static_cast<uint16_t>(1000 + i);
                rows[i].key.proto = IPPROTO_TCP;
                rows[i].key.addr[0] = 10;
                rows[i].buckets = 16;
                rows[i].packets = i;
            }
            return 0;
        }
        if (req == DLBA_IOC_SERVERS) {
            auto* r = static_cast<dlba_ioc_servers*>(arg);
            capacities.push_back(r->capacity);
            if (r->key.port != 80) {
                errno = ENOENT;
                return -1;
            }
            auto* rows = reinterpret_cast<dlba_ioc_server*>(r->ptr);
            r->total = nservers;
            r->count = std::min(r->capacity, nservers);
            for (uint32_t i = 0; i < r->count; i++) {
                rows[i] = {};
                rows[i].id = i + 1;
                rows[i].addr[0] = 10;
                rows[i].addr[3] = static_cast<uint8_t>(i);
                rows[i].method = DLBA_FWD_DR;
                rows[i].mac[0] = i % 2 ? 2 : 0; // odd ids have a MAC
            }
            return 0;
        }
        if (req == DLBA_IOC_BUCKETS) {
            auto* r = static_cast<dlba_ioc_buckets*>(arg);
            capacities.push_back(r->capacity);
            auto* rows = reinterpret_cast<dlba_ioc_bucket*>(r->ptr);
            r->total = nbuckets;
            r->version = 5;
            r->count = std::min(r->capacity, nbuckets - std::min(r->start, nbuckets));
            for (uint32_t i = 0; i < r->count; i++)
                rows[i] = {r->start + i, 2 * (r->start + i)};
            return 0;
        }
        errno = ENOTTY;
        return -1;
    }
};

TEST(DevMonitor, ServicesTableGrowsUntilItFits)
{
    FakeDevice dev;
    dev.nservices = 1000;
    DevMonitor mon(UniqueFd(), std::ref(dev));
    auto svcs = mon.services();
    ASSERT_EQ(svcs.size(), 1000u);
    EXPECT_EQ(svcs[999].key.port, 1999);
    EXPECT_EQ(svcs[999].stats.packets, 999u);
    EXPECT_EQ(svcs[0].stats.errors, std::nullopt);
    ASSERT_EQ(dev.capacities.size(), 2u);
    EXPECT_LT(dev.capacities[0], 1000u);
    EXPECT_GE(dev.capacities[1], 1000u);
}

TEST(DevMonitor, ServersConvertedAndUnknownServiceReported)
{
    FakeDevice dev;
    dev.nservers = 3;
    DevMonitor mon(UniqueFd(), std::ref(dev));
    auto srvs = mon.servers(parse_service("10.0.0.0:80/tcp"));
    ASSERT_EQ(srvs.size(), 3u);
    EXPECT_EQ(format_address(srvs[2].addr), "10.0.0.2");
    EXPECT_EQ(srvs[0].mac, std::nullopt);
    EXPECT_TRUE(srvs[1].mac.has_value());
    try {
        mon.servers(parse_service("10.0.0.0:81/tcp"));
        FAIL();
    } catch (const nl::Error& e) {
        EXPECT_EQ(e.code(), ENOENT);
        EXPECT_STREQ(e.what(), "/dev/dlba: servers: No such file or directory");
    }
}

TEST(DevMonitor, BigBucketTableReadWhole)
{
    FakeDevice dev;
    dev.nbuckets = 1u << 20;
    DevMonitor mon(UniqueFd(), std::ref(dev));
    BucketTable t = mon.buckets(parse_service("10.0.0.0:80/tcp"));
    EXPECT_EQ(t.count, 1u << 20);
    EXPECT_EQ(t.version, 5u);
    ASSERT_EQ(t.assign.size(), 1u << 20);
    EXPECT_EQ(t.assign.back(), (1u << 20) - 1);
    EXPECT_EQ(t.idle_ms[10], 20u);
}

TEST(DevMonitor, ImplausibleSizesAreRefusedNotAllocated)
{
    FakeDevice dev;
    dev.nservers = DLBA_SERVERS_MAX + 1;
    DevMonitor mon(UniqueFd(), std::ref(dev));
    try {
        mon.servers(parse_service("10.0.0.0:80/tcp"));
        FAIL();
    } catch (const nl::Error& e) {
        EXPECT_EQ(e.code(), EPROTO);
    }
    dev.nbuckets = DLBA_BUCKETS_MAX * 2;
    EXPECT_THROW(mon.buckets(parse_service("10.0.0.0:80/tcp")), nl::Error);
}

TEST(DevMonitor, MissingDeviceIsAClearError)
{
    try {
        DevMonitor mon("/nonexistent/dlba");
        FAIL();
    } catch (const nl::Error& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/dlba: No such file or directory");
    }
}

} // namespace
} // namespace dlba::ctl
