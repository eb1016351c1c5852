#pragma once

#include "dlba/ctl/monitor.h"
#include "dlba/unique_fd.h"

#include <functional>
#include <string>

namespace dlba::ctl {

// Monitor over the /dev/dlba ioctls (DLBA_IOC_SERVICES / SERVERS /
// BUCKETS).  Each table is read into a buffer that grows to the 'total' the
// kernel reports until everything fits.
class DevMonitor : public Monitor {
public:
    // ioctl(fd, request, arg); replaceable so tests can play the kernel.
    using IoctlFn = std::function<int(int fd, unsigned long request, void* arg)>;

    // Opens 'path'; throws nl::Error(errno, path) on failure.
    explicit DevMonitor(const std::string& path = "/dev/dlba");
    // Uses an open fd (may be invalid when 'ioctl' is a fake).
    DevMonitor(UniqueFd fd, IoctlFn ioctl);

    std::vector<ServiceInfo> services() override;
    std::vector<ServerInfo> servers(const ServiceKey& key) override;
    BucketTable buckets(const ServiceKey& key) override;

private:
    void call(unsigned long request, void* arg, const char* what);

    UniqueFd fd_;
    IoctlFn ioctl_;
};

} // namespace dlba::ctl
