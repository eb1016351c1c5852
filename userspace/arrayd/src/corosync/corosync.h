#pragma once

#include <corosync/cpg.h>
#include <corosync/votequorum.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <dlba/event/event_handler.h>

namespace dlba {
class EventLoop;
}

// RAII connections to the local corosync: the closed process group "dlba-array" (membership and
// messages in agreed order) and votequorum (quorate flag and member list).  Each registers its fd
// with the event loop and dispatches with CS_DISPATCH_ALL.  When corosync goes away (the fd hangs
// up or a call fails with anything but CS_ERR_TRY_AGAIN), `lost` is called once: the daemon gives
// up its VIPs and exits non-zero, and systemd restarts it once corosync is back.
namespace dlba::arrayd {

// A corosync call that failed: what() names the call and the cs_error_t.
class CorosyncError : public std::runtime_error {
public:
    CorosyncError(const std::string& call, cs_error_t error);
    [[nodiscard]] cs_error_t error() const noexcept { return error_; }

private:
    cs_error_t error_;
};

// What both connections share: their fd in the event loop, and the one call of `lost` when
// corosync goes away.
class CorosyncConnection : public EventHandler {
public:
    explicit CorosyncConnection(EventLoop& loop, std::function<void(const std::string&)> lost)
        : loop_(loop),
          lost_callback_(std::move(lost))
    {}
    ~CorosyncConnection() override;
    CorosyncConnection(const CorosyncConnection&) = delete;
    CorosyncConnection& operator=(const CorosyncConnection&) = delete;

protected:
    void watch(int fd);
    // Out of the loop (before the handle, and so the fd, is finalized).
    void unwatch() noexcept;
    // Gives up the connection and calls `lost` (once).
    void fail(const std::string& why);
    // After a dispatch that returned `e` on `events`: fails unless the connection is still good.
    void after_dispatch(cs_error_t e, std::uint32_t events, const char* what);
    [[nodiscard]] bool lost() const noexcept { return lost_; }

private:
    EventLoop& loop_;
    std::function<void(const std::string&)> lost_callback_;
    int fd_ = -1;
    bool lost_ = false;
};

class CpgGroup final : public CorosyncConnection {
public:
    struct Callbacks {
        // The group's members (corosync nodeids) after a change, with those that left.
        std::function<void(const std::vector<std::uint32_t>& members,
                           const std::vector<std::uint32_t>& left)>
            membership;
        std::function<void(std::uint32_t nodeid, std::string_view message)> message;
        std::function<void(const std::string& why)> lost;
    };

    // Connects and joins `group`.  Throws CorosyncError.
    CpgGroup(EventLoop& loop, const std::string& group, Callbacks callbacks);
    ~CpgGroup() override;
    CpgGroup(const CpgGroup&) = delete;
    CpgGroup& operator=(const CpgGroup&) = delete;

    // Multicast to the group in agreed order; false if corosync could not take it now
    // (CS_ERR_TRY_AGAIN: flow control), so the caller sends again later.
    bool send(std::string_view message);
    [[nodiscard]] std::uint32_t local_nodeid() const noexcept { return nodeid_; }
    void on_events(std::uint32_t events) override;

private:
    static void on_deliver(cpg_handle_t, const cpg_name*, uint32_t nodeid, uint32_t, void* msg,
                           size_t len);
    static void on_confchg(cpg_handle_t, const cpg_name*, const cpg_address* members,
                           size_t n_members, const cpg_address* left, size_t n_left,
                           const cpg_address*, size_t);

    Callbacks callbacks_;
    cpg_handle_t handle_ = 0;
    cpg_name group_{};
    std::uint32_t nodeid_ = 0;
};

class VoteQuorum final : public CorosyncConnection {
public:
    struct Callbacks {
        // The quorate flag and the nodeids of the quorum's members.
        std::function<void(bool quorate, const std::vector<std::uint32_t>& members)> quorum;
        std::function<void(const std::string& why)> lost;
    };

    // Connects and starts tracking changes (the current state is delivered at once).  Throws
    // CorosyncError.
    VoteQuorum(EventLoop& loop, Callbacks callbacks);
    ~VoteQuorum() override;
    VoteQuorum(const VoteQuorum&) = delete;
    VoteQuorum& operator=(const VoteQuorum&) = delete;

    void on_events(std::uint32_t events) override;

private:
    static void on_quorum(votequorum_handle_t, uint64_t, uint32_t quorate, uint32_t n,
                          votequorum_node_t nodes[]);

    Callbacks callbacks_;
    votequorum_handle_t handle_ = 0;
};

} // namespace dlba::arrayd
