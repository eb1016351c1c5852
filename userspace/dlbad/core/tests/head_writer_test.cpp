#include <dlbad/head_writer.h>

#include <gtest/gtest.h>

namespace dlba::dlbad {
namespace {

TEST(HeadWriter, KeepsRemovesAndAdds)
{
    const HeaderField h[] = {{"Content-Length", "5"},
                             {"Set-Cookie", "SpServer=forged"},
                             {"Cache-Control", "public"},
                             {"X-Keep", "1"},
                             {"cache-control", "max-age=5"}};
    HeaderEdit e;
    e.remove_index = {1};
    e.remove_name = {"Cache-Control"};
    e.add = {{"Set-Cookie", "SpServer=t; Path=/"}, {"Cache-Control", "private"}};
    std::string out = "prefix|";
    write_head(out, "HTTP/1.1 200 OK", h, e);
    EXPECT_EQ(out, "prefix|HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Keep: 1\r\n"
                   "Set-Cookie: SpServer=t; Path=/\r\nCache-Control: private\r\n\r\n");
}

TEST(HeadWriter, NeverEmitsInjectedLines)
{
    HeaderEdit e;
    e.add = {{"X-Ok", "v"}, {"X-Bad", "v\r\nInjected: 1"}, {"Bad Name", "v"}, {"X-Lf", "a\nb"}};
    std::string out;
    write_head(out, "GET / HTTP/1.1", {}, e);
    EXPECT_EQ(out, "GET / HTTP/1.1\r\nX-Ok: v\r\n\r\n");
}

} // namespace
} // namespace dlba::dlbad
