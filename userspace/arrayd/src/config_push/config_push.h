#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/array_config.h"
#include "config_push/config_sync.h"
#include "config_push/control_server.h"
#include <dlba/event/event_loop.h>
#include <dlba/event/timer.h>

namespace dlba::ctl {
class Backend;
}

namespace dlba::arrayd {

// The configuration push (WO 01/69890 "Configuration": the configuration is pushed to every
// node): `dlba-arrayd push FILE` on any node hands a dlba.conf(5) to the local daemon over the
// control socket; it multicasts it in the CPG group; every node, the origin included, numbers it
// in delivery order (ConfigSync), applies it to its own dlba.ko with dlbactl's planner (the code
// of `dlbactl apply`), and keeps it in the state directory, from which a restarted node applies
// it again.  After a membership change the nodes offer their configuration, so a node that joins
// catches up.  A node where the apply fails keeps what its dlba.ko has, reports the error in its
// status, and still knows the array's configuration (its generation) to offer it.  The push's
// answer waits (config.apply_wait at most) for the origin's own result.
class ConfigPush {
public:
    // Multicasts in the CPG group; false when corosync cannot take it now (sent again later).
    using Send = std::function<bool(std::string_view)>;
    // dlba.ko's control plane (NetlinkBackend), opened for each apply.
    using BackendFactory = std::function<std::unique_ptr<ctl::Backend>()>;

    ConfigPush(EventLoop& loop, const ArrayConfig& config, Send send, BackendFactory backend = {});
    ~ConfigPush();
    ConfigPush(const ConfigPush&) = delete;
    ConfigPush& operator=(const ConfigPush&) = delete;

    // Reads the state directory and applies what it holds; opens the control socket (unless
    // config.control is empty).
    void start();
    void on_membership();
    void on_message(std::uint32_t nodeid, std::string_view message);
    // dlba.ko was loaded again (FamilyWatch): the fresh module has no services, so the array's
    // configuration is applied to it again, before the bucket tables are synced into it.
    void module_loaded();

    // A push as the control socket receives it: `done` gets the answer (JSON) once this node has
    // applied it, or refused or timed out.
    void submit(std::string text, std::function<void(const nlohmann::json&)> done);

    [[nodiscard]] nlohmann::json status() const;
    [[nodiscard]] std::string metrics() const;
    [[nodiscard]] const std::optional<AgreedConfig>& latest() const noexcept
    {
        return sync_.latest();
    }
    [[nodiscard]] std::uint64_t applied_generation() const noexcept { return applied_generation_; }
    [[nodiscard]] const std::string& last_error() const noexcept { return last_error_; }

    // The state directory's file.
    static constexpr const char* kStateFile = "config.state";

private:
    struct Pending {
        std::function<void(const nlohmann::json&)> done;
        std::unique_ptr<Timer> timeout;
    };

    void send(std::string message);
    void flush();
    void adopt(const AgreedConfig& c);
    // Applies the latest configuration to dlba.ko: the number of changes, or the error.
    void apply();
    void save() const;
    void answer(std::uint64_t request, const nlohmann::json& j);
    void on_control(std::uint64_t client, std::string request);

    EventLoop& loop_;
    const ArrayConfig& config_;
    Send send_;
    BackendFactory backend_;
    ConfigSync sync_;
    std::unique_ptr<ControlServer> control_;
    std::deque<std::string> outbox_; // refused by corosync (flow control), sent again
    Timer resend_timer_;
    std::uint64_t next_request_;
    std::map<std::uint64_t, Pending> pending_; // this node's pushes, by request id

    std::uint64_t applied_generation_ = 0;
    std::string applied_digest_;
    std::optional<std::chrono::system_clock::time_point> applied_at_;
    std::size_t last_changes_ = 0;
    std::string last_error_;
    std::uint64_t pushes_ = 0;   // pushes delivered
    std::uint64_t applies_ = 0;  // applies that succeeded
    std::uint64_t failures_ = 0; // applies that failed
    std::uint64_t rejected_ = 0; // messages that are not valid config messages
};

} // namespace dlba::arrayd
