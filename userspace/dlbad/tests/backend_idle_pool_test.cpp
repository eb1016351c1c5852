// BackendIdlePool: a parked keep-alive connection is handed out only if nothing is waiting on it.
// Real loopback TCP connections; the event loop is never run, so the pool sees no readiness
// event for what the server sends: the state in which a request reuses a connection whose
// server over-sent in the same batch of events (issue 10).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string_view>

#include <dlba/unique_fd.h>

#include "backend/backend_connection.h"
#include "backend/backend_idle_pool.h"
#include "monitor/backend_stats.h"
#include <dlba/event/event_loop.h>
#include <dlba/net/socket_address.h>

namespace dlba::dlbad {
namespace {

using namespace std::chrono_literals;

class IdlePoolTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(listener_);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
        ASSERT_EQ(::listen(listener_.get(), 8), 0);
        socklen_t len = sizeof(sin);
        ASSERT_EQ(::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&sin), &len), 0);
        addr_ = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&sin), len);
    }

    // A connected back-end connection and the server's end of it.
    std::unique_ptr<BackendConnection> connect(UniqueFd& server_end)
    {
        int err = 0;
        auto conn = BackendConnection::open(loop_, addr_, stats_, nullptr, err);
        EXPECT_TRUE(conn) << err;
        server_end = UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        EXPECT_TRUE(server_end);
        conn->connected = true;
        return conn;
    }

    static void send(const UniqueFd& fd, std::string_view bytes)
    {
        ASSERT_EQ(::send(fd.get(), bytes.data(), bytes.size(), 0),
                  static_cast<ssize_t>(bytes.size()));
        ::usleep(10000); // loopback delivery
    }

    EventLoop loop_;
    BackendIdlePool pool_{loop_};
    std::shared_ptr<BackendStats> stats_ = std::make_shared<BackendStats>();
    UniqueFd listener_;
    SocketAddress addr_;
};

TEST_F(IdlePoolTest, QuietConnectionIsReused)
{
    UniqueFd srv;
    auto conn = connect(srv);
    auto* raw = conn.get();
    pool_.put(std::move(conn), 4, 10s);
    EXPECT_EQ(pool_.size(), 1u);
    auto again = pool_.take(stats_.get());
    EXPECT_EQ(again.get(), raw);
    EXPECT_EQ(stats_->idle_discarded, 0u);
}

TEST_F(IdlePoolTest, BytesArrivedWhileParkedAreNotHandedOut)
{
    UniqueFd srv;
    pool_.put(connect(srv), 4, 10s);
    ASSERT_EQ(pool_.size(), 1u);
    // A second, bogus response behind the one already relayed: the next request must not get it.
    send(srv, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nBOGUS");
    EXPECT_EQ(pool_.take(stats_.get()), nullptr);
    EXPECT_EQ(pool_.size(), 0u);
    EXPECT_EQ(stats_->idle_discarded, 1u);
}

TEST_F(IdlePoolTest, ClosedWhileParkedIsNotHandedOut)
{
    UniqueFd srv;
    pool_.put(connect(srv), 4, 10s);
    srv.reset();
    ::usleep(10000);
    EXPECT_EQ(pool_.take(stats_.get()), nullptr);
    EXPECT_EQ(stats_->idle_discarded, 1u);
}

TEST_F(IdlePoolTest, SkipsStaleConnectionForAQuietOne)
{
    UniqueFd srv_old, srv_new;
    auto older = connect(srv_old);
    auto* quiet = older.get();
    pool_.put(std::move(older), 4, 10s);
    pool_.put(connect(srv_new), 4, 10s); // the most recent one, taken first
    send(srv_new, "extra");
    EXPECT_EQ(pool_.take(stats_.get()).get(), quiet);
    EXPECT_EQ(stats_->idle_discarded, 1u);
    EXPECT_EQ(pool_.size(), 0u);
}

TEST_F(IdlePoolTest, UnreadBytesAtParkTimeAreNotPooled)
{
    // The response was read to its end but the server had sent more behind it.
    UniqueFd srv;
    auto conn = connect(srv);
    send(srv, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nBOGUS");
    pool_.put(std::move(conn), 4, 10s);
    EXPECT_EQ(pool_.size(), 0u);
    EXPECT_EQ(stats_->idle_discarded, 1u);
}

// A reload whose configuration no longer sends new sessions to a server (removed, disabled,
// weight 0): its parked connections close at once, and one released to the pool afterwards (a
// request of the previous generation finishing on it) is closed instead of parked.  Servers that
// stay keep theirs.
TEST_F(IdlePoolTest, ReloadDropsConnectionsToServersNoLongerInUse)
{
    auto other = std::make_shared<BackendStats>(); // a server that stays
    UniqueFd srv_gone, srv_kept, srv_late;
    pool_.put(connect(srv_gone), 4, 10s);
    int err = 0;
    auto kept = BackendConnection::open(loop_, addr_, other, nullptr, err);
    ASSERT_TRUE(kept) << err;
    srv_kept = UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    kept->connected = true;
    auto* kept_raw = kept.get();
    pool_.put(std::move(kept), 4, 10s);
    ASSERT_EQ(pool_.size(), 2u);

    pool_.retain({other.get()});
    EXPECT_EQ(pool_.size(), 1u);
    EXPECT_EQ(pool_.take(stats_.get()), nullptr);
    pool_.put(connect(srv_late), 4, 10s); // released after the reload: closed, not parked
    EXPECT_EQ(pool_.size(), 1u);
    EXPECT_EQ(pool_.take(stats_.get()), nullptr);
    EXPECT_EQ(pool_.take(other.get()).get(), kept_raw);
    EXPECT_EQ(pool_.size(), 0u);
    EXPECT_EQ(stats_->idle_discarded, 0u); // closed by the reload, not found unusable
}

} // namespace
} // namespace dlba::dlbad
