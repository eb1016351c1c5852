// The state each node broadcasts to the CPG group: text, versioned, malformed ones refused.
#include <gtest/gtest.h>

#include "election/state_message.h"

namespace dlba::arrayd {
namespace {

TEST(StateMessage, RoundTrip)
{
    StateMessage m{"n1", 100, config::parse_ip("10.77.0.1"), {"web", "db"}};
    EXPECT_EQ(m.encode(), "dlba-array 1 n1 100 10.77.0.1 db,web");
    EXPECT_EQ(StateMessage::decode(m.encode()), m);
    StateMessage none{"n2", 0, config::parse_ip("fd00::2"), {}};
    EXPECT_EQ(none.encode(), "dlba-array 1 n2 0 fd00::2 -");
    EXPECT_EQ(StateMessage::decode(none.encode()), none);
}

TEST(StateMessage, LaterFieldsIgnored)
{
    auto m = StateMessage::decode("dlba-array 1 n1 5 10.0.0.1 web extra=1");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->holds, std::set<std::string>{"web"});
}

TEST(StateMessage, Refused)
{
    EXPECT_FALSE(StateMessage::decode(""));
    EXPECT_FALSE(StateMessage::decode("dlba-array 2 n1 100 10.0.0.1 -"));
    EXPECT_FALSE(StateMessage::decode("other 1 n1 100 10.0.0.1 -"));
    EXPECT_FALSE(StateMessage::decode("dlba-array 1 n1 high 10.0.0.1 -"));
    EXPECT_FALSE(StateMessage::decode("dlba-array 1 n1 100 10.0.0.999 -"));
    EXPECT_FALSE(StateMessage::decode("dlba-array 1 n1 100 10.0.0.1 web,,db"));
    EXPECT_FALSE(StateMessage::decode("dlba-array 1 n1 100"));
}

} // namespace
} // namespace dlba::arrayd
