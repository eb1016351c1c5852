#include <gtest/gtest.h>

#include <dlba/nl/genl_socket.h>

#include <fcntl.h>

namespace dlba::nl {
namespace {

// The generic netlink controller is always there, and its "notify" group needs no privilege.
TEST(GenlSocketTest, ReadPendingReturnsOnAnEmptyNonBlockingSocket)
{
    GenlSocket sock;
    ASSERT_GE(sock.fd(), 0);
    sock.join_group(sock.mcast_group_id("nlctrl", "notify"));
    sock.set_nonblocking();
    EXPECT_TRUE(fcntl(sock.fd(), F_GETFL) & O_NONBLOCK);
    int messages = 0, lost = 0;
    sock.read_pending([&](const nlmsghdr*) { ++messages; }, [&] { ++lost; });
    EXPECT_EQ(lost, 0);
    EXPECT_GE(messages, 0);
}

} // namespace
} // namespace dlba::nl
