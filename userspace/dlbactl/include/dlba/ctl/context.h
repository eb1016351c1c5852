#pragma once

#include "dlba/ctl/backend.h"
#include "dlba/ctl/monitor.h"

#include <functional>
#include <memory>
#include <ostream>

namespace dlba::ctl {

// What a subcommand runs against: output streams, the -j flag, and the
// kernel interfaces, opened on first use (so "dlbactl -h" needs no module).
class Context {
public:
    using BackendFactory = std::function<std::unique_ptr<Backend>()>;
    using MonitorFactory = std::function<std::unique_ptr<Monitor>()>;

    Context(std::ostream& out, std::ostream& err, BackendFactory backend, MonitorFactory monitor);

    [[nodiscard]] std::ostream& out() const { return out_; }
    [[nodiscard]] std::ostream& err() const { return err_; }
    [[nodiscard]] bool json() const { return json_; }
    void set_json(bool on) { json_ = on; }

    Backend& backend();
    Monitor& monitor();

private:
    std::ostream& out_;
    std::ostream& err_;
    bool json_ = false;
    BackendFactory backend_factory_;
    MonitorFactory monitor_factory_;
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<Monitor> monitor_;
};

} // namespace dlba::ctl
