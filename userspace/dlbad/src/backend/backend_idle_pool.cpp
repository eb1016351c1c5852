#include "backend/backend_idle_pool.h"

#include <algorithm>
#include <new>

#include <dlba/event/event_loop.h>

namespace dlba::dlbad {

BackendIdlePool::~BackendIdlePool() = default;

void BackendIdlePool::put(std::unique_ptr<BackendConnection> conn, std::size_t max_idle,
                          std::chrono::milliseconds timeout) noexcept
{
    if (!conn->quiet()) {
        // More bytes than the response's framing said (the server over-sent, or a read ended
        // exactly at the response's end with more queued), or the server closed: never reuse.
        discard(std::move(conn));
        return;
    }
    if (restricted_ && !allowed_.contains(conn->stats().get())) {
        // A server the current configuration no longer sends new sessions to (a request of the
        // previous generation finished on it): close rather than park.
        conn->set_owner(nullptr);
        conn->disarm();
        loop_.retire(std::move(conn));
        return;
    }
    conn->set_owner(this);
    conn->readable = false; // the response was consumed to its end; new input means close/garbage
    std::vector<std::unique_ptr<BackendConnection>>* slot = nullptr;
    try {
        slot = &idle_[conn->stats().get()];
        slot->reserve(slot->size() + 1);
    } catch (const std::bad_alloc&) {
        // No memory to park it: close it instead (after this batch of events, which may name it).
        conn->set_owner(nullptr);
        conn->disarm();
        loop_.retire(std::move(conn));
        return;
    }
    conn->arm(timeout);
    auto& list = *slot;
    list.push_back(std::move(conn));
    while (list.size() > max_idle) {
        list.front()->set_owner(nullptr);
        list.front()->disarm();
        loop_.retire(std::move(list.front()));
        list.erase(list.begin());
    }
}

std::unique_ptr<BackendConnection> BackendIdlePool::take(const BackendStats* server)
{
    auto it = idle_.find(server);
    while (it != idle_.end() && !it->second.empty()) {
        auto conn = std::move(it->second.back());
        it->second.pop_back();
        if (it->second.empty()) {
            idle_.erase(it);
            it = idle_.end();
        }
        conn->disarm();
        conn->set_owner(nullptr);
        // Its events may not have been seen yet (they can sit in this very batch, behind the
        // request that wants the connection): ask the socket.
        if (conn->quiet())
            return conn;
        discard(std::move(conn));
    }
    return nullptr;
}

void BackendIdlePool::discard(std::unique_ptr<BackendConnection> conn) noexcept
{
    conn->stats()->idle_discarded.fetch_add(1, std::memory_order_relaxed);
    conn->set_owner(nullptr);
    conn->disarm();
    loop_.retire(std::move(conn));
}

void BackendIdlePool::retain(std::unordered_set<const BackendStats*> servers) noexcept
{
    allowed_ = std::move(servers);
    restricted_ = true;
    for (auto it = idle_.begin(); it != idle_.end();) {
        if (allowed_.contains(it->first)) {
            ++it;
            continue;
        }
        for (auto& conn : it->second) {
            conn->set_owner(nullptr);
            conn->disarm();
            loop_.retire(std::move(conn));
        }
        it = idle_.erase(it);
    }
}

std::size_t BackendIdlePool::size() const noexcept
{
    std::size_t n = 0;
    for (const auto& [k, v] : idle_)
        n += v.size();
    return n;
}

void BackendIdlePool::drop(BackendConnection& conn)
{
    auto it = idle_.find(conn.stats().get());
    if (it == idle_.end())
        return;
    auto& list = it->second;
    auto pos =
        std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.get() == &conn; });
    if (pos == list.end())
        return;
    (*pos)->set_owner(nullptr);
    (*pos)->disarm();
    loop_.retire(std::move(*pos));
    list.erase(pos);
    if (list.empty())
        idle_.erase(it);
}

void BackendIdlePool::on_backend_events(BackendConnection& conn, std::uint32_t)
{
    // Idle: the only news a server can send is that it closed (or garbage): drop it.  A pure
    // EPOLLOUT edge (writable) is not news.
    if (conn.readable || conn.hangup)
        drop(conn);
}

void BackendIdlePool::on_backend_timeout(BackendConnection& conn)
{
    drop(conn);
}

} // namespace dlba::dlbad
