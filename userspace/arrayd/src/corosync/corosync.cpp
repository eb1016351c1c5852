#include "corosync/corosync.h"

#include <sys/epoll.h>

#include <chrono>
#include <cstring>
#include <thread>

#include <dlba/event/event_loop.h>

namespace dlba::arrayd {

namespace {

constexpr int kJoinAttempts = 50;
constexpr std::chrono::milliseconds kJoinRetry{100};

std::string cs_name(cs_error_t e)
{
    switch (e) {
    case CS_ERR_LIBRARY:
        return "CS_ERR_LIBRARY (is corosync running?)";
    case CS_ERR_TRY_AGAIN:
        return "CS_ERR_TRY_AGAIN";
    case CS_ERR_BAD_HANDLE:
        return "CS_ERR_BAD_HANDLE";
    case CS_ERR_ACCESS:
        return "CS_ERR_ACCESS (not allowed to use corosync)";
    case CS_ERR_NOT_EXIST:
        return "CS_ERR_NOT_EXIST";
    default:
        return "cs_error_t " + std::to_string(static_cast<int>(e));
    }
}

} // namespace

CorosyncError::CorosyncError(const std::string& call, cs_error_t error)
    : std::runtime_error(call + ": " + cs_name(error)),
      error_(error)
{}

// ------------------------------------------------------------------------ connection

CorosyncConnection::~CorosyncConnection()
{
    unwatch();
}

void CorosyncConnection::unwatch() noexcept
{
    if (fd_ >= 0)
        loop_.remove(fd_);
    fd_ = -1;
}

void CorosyncConnection::watch(int fd)
{
    fd_ = fd;
    loop_.add(fd_, EPOLLIN, this);
}

void CorosyncConnection::fail(const std::string& why)
{
    if (lost_)
        return;
    lost_ = true;
    unwatch();
    if (lost_callback_)
        lost_callback_(why);
}

void CorosyncConnection::after_dispatch(cs_error_t e, std::uint32_t events, const char* what)
{
    if (e != CS_OK && e != CS_ERR_TRY_AGAIN)
        fail(std::string(what) + ": " + cs_name(e));
    else if (events & (EPOLLHUP | EPOLLERR))
        fail(std::string("the ") + what + " connection to corosync was closed");
}

// ------------------------------------------------------------------------------- CPG

CpgGroup::CpgGroup(EventLoop& loop, const std::string& group, Callbacks callbacks)
    : CorosyncConnection(loop, callbacks.lost),
      callbacks_(std::move(callbacks))
{
    if (group.size() >= CPG_MAX_NAME_LENGTH)
        throw std::invalid_argument("CPG group name too long: " + group);
    cpg_model_v1_data_t model{};
    model.model = CPG_MODEL_V1;
    model.cpg_deliver_fn = &CpgGroup::on_deliver;
    model.cpg_confchg_fn = &CpgGroup::on_confchg;
    if (auto e = ::cpg_model_initialize(&handle_, CPG_MODEL_V1,
                                        reinterpret_cast<cpg_model_data_t*>(&model), this);
        e != CS_OK)
        throw CorosyncError("cpg_model_initialize", e);
    try {
        unsigned int nodeid = 0;
        if (auto e = ::cpg_local_get(handle_, &nodeid); e != CS_OK)
            throw CorosyncError("cpg_local_get", e);
        nodeid_ = nodeid;
        int fd = -1;
        if (auto e = ::cpg_fd_get(handle_, &fd); e != CS_OK)
            throw CorosyncError("cpg_fd_get", e);
        group_.length = static_cast<uint32_t>(group.size());
        std::memcpy(group_.value, group.data(), group.size());
        // CS_ERR_TRY_AGAIN while corosync synchronises a new membership: a few tries, apart.
        cs_error_t e = CS_ERR_TRY_AGAIN;
        for (int i = 0; i < kJoinAttempts && e == CS_ERR_TRY_AGAIN; ++i) {
            if (i > 0)
                std::this_thread::sleep_for(kJoinRetry);
            e = ::cpg_join(handle_, &group_);
        }
        if (e != CS_OK)
            throw CorosyncError("cpg_join " + group, e);
        watch(fd);
    } catch (...) {
        ::cpg_finalize(handle_);
        throw;
    }
}

CpgGroup::~CpgGroup()
{
    unwatch();
    if (!lost())
        ::cpg_leave(handle_, &group_);
    ::cpg_finalize(handle_);
}

bool CpgGroup::send(std::string_view message)
{
    if (lost())
        return false;
    iovec iov{const_cast<char*>(message.data()), message.size()};
    auto e = ::cpg_mcast_joined(handle_, CPG_TYPE_AGREED, &iov, 1);
    if (e == CS_OK)
        return true;
    if (e != CS_ERR_TRY_AGAIN)
        fail("cpg_mcast_joined: " + cs_name(e));
    return false;
}

void CpgGroup::on_events(std::uint32_t events)
{
    if (!lost())
        after_dispatch(::cpg_dispatch(handle_, CS_DISPATCH_ALL), events, "CPG");
}

void CpgGroup::on_deliver(cpg_handle_t handle, const cpg_name*, uint32_t nodeid, uint32_t,
                          void* msg, size_t len)
{
    void* context = nullptr;
    if (::cpg_context_get(handle, &context) != CS_OK || !context)
        return;
    auto* self = static_cast<CpgGroup*>(context);
    if (self->callbacks_.message)
        self->callbacks_.message(nodeid, std::string_view(static_cast<const char*>(msg), len));
}

void CpgGroup::on_confchg(cpg_handle_t handle, const cpg_name*, const cpg_address* members,
                          size_t n_members, const cpg_address* left, size_t n_left,
                          const cpg_address*, size_t)
{
    void* context = nullptr;
    if (::cpg_context_get(handle, &context) != CS_OK || !context)
        return;
    auto* self = static_cast<CpgGroup*>(context);
    std::vector<std::uint32_t> now, gone;
    for (size_t i = 0; i < n_members; ++i)
        now.push_back(members[i].nodeid);
    for (size_t i = 0; i < n_left; ++i)
        gone.push_back(left[i].nodeid);
    if (self->callbacks_.membership)
        self->callbacks_.membership(now, gone);
}

// ------------------------------------------------------------------------ votequorum

VoteQuorum::VoteQuorum(EventLoop& loop, Callbacks callbacks)
    : CorosyncConnection(loop, callbacks.lost),
      callbacks_(std::move(callbacks))
{
    votequorum_callbacks_t cb{};
    cb.votequorum_quorum_notify_fn = &VoteQuorum::on_quorum;
    if (auto e = ::votequorum_initialize(&handle_, &cb); e != CS_OK)
        throw CorosyncError("votequorum_initialize", e);
    try {
        if (auto e = ::votequorum_context_set(handle_, this); e != CS_OK)
            throw CorosyncError("votequorum_context_set", e);
        int fd = -1;
        if (auto e = ::votequorum_fd_get(handle_, &fd); e != CS_OK)
            throw CorosyncError("votequorum_fd_get", e);
        if (auto e = ::votequorum_trackstart(handle_, 0, CS_TRACK_CURRENT | CS_TRACK_CHANGES);
            e != CS_OK)
            throw CorosyncError("votequorum_trackstart", e);
        watch(fd);
    } catch (...) {
        ::votequorum_finalize(handle_);
        throw;
    }
}

VoteQuorum::~VoteQuorum()
{
    unwatch();
    ::votequorum_finalize(handle_);
}

void VoteQuorum::on_events(std::uint32_t events)
{
    if (!lost())
        after_dispatch(::votequorum_dispatch(handle_, CS_DISPATCH_ALL), events, "votequorum");
}

void VoteQuorum::on_quorum(votequorum_handle_t handle, uint64_t, uint32_t quorate, uint32_t n,
                           votequorum_node_t nodes[])
{
    void* context = nullptr;
    if (::votequorum_context_get(handle, &context) != CS_OK || !context)
        return;
    auto* self = static_cast<VoteQuorum*>(context);
    std::vector<std::uint32_t> members;
    for (uint32_t i = 0; i < n; ++i)
        if (nodes[i].state == VOTEQUORUM_NODESTATE_MEMBER)
            members.push_back(nodes[i].nodeid);
    if (self->callbacks_.quorum)
        self->callbacks_.quorum(quorate != 0, members);
}

} // namespace dlba::arrayd
