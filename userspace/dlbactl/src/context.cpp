#include "dlba/ctl/context.h"

namespace dlba::ctl {

Context::Context(std::ostream& out, std::ostream& err, BackendFactory backend,
                 MonitorFactory monitor)
    : out_(out),
      err_(err),
      backend_factory_(std::move(backend)),
      monitor_factory_(std::move(monitor))
{}

Backend& Context::backend()
{
    if (!backend_)
        backend_ = backend_factory_();
    return *backend_;
}

Monitor& Context::monitor()
{
    if (!monitor_)
        monitor_ = monitor_factory_();
    return *monitor_;
}

} // namespace dlba::ctl
