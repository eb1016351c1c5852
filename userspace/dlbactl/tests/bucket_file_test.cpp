#include "dlba/ctl/bucket_file.h"
#include "dlba/ctl/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dlba::ctl {
namespace {

using ::testing::HasSubstr;

TEST(BucketFile, RoundTrip)
{
    BucketFile f;
    f.service = "10.0.0.10:80/tcp";
    f.version = 1ULL << 40;
    f.assign.assign(16, 0);
    f.assign[3] = 65535;
    BucketFile g = BucketFile::from_text(f.to_text());
    EXPECT_EQ(g.service, f.service);
    EXPECT_EQ(g.version, f.version);
    EXPECT_EQ(g.assign, f.assign);
}

TEST(BucketFile, SaveIsAtomicAndLoadReadsIt)
{
    BucketFile f;
    f.service = "x";
    f.version = 3;
    f.assign.assign(32, 1);
    std::string path = ::testing::TempDir() + "dlba_bucket_file.json";
    f.save(path);
    EXPECT_EQ(BucketFile::load(path).assign, f.assign);
}

std::string error_of(const std::string& text)
{
    try {
        BucketFile::from_text(text);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "accepted";
}

TEST(BucketFile, RejectsMalformedFiles)
{
    std::string ones = "[" + std::string(15 * 2, ' ') + "]";
    auto doc = [](const std::string& assign, const std::string& count = "16") {
        return R"({"format":"dlba-buckets","format_version":1,"service":"s","version":1,"count":)" +
               count + R"(,"assign":)" + assign + "}";
    };
    std::string sixteen = "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]";
    EXPECT_EQ(error_of(doc(sixteen)), "accepted");
    EXPECT_THAT(error_of("{"), HasSubstr("not a bucket file"));
    EXPECT_THAT(error_of(R"({"format":"other"})"), HasSubstr("format is not"));
    EXPECT_THAT(error_of(doc(sixteen, "17")), HasSubstr("'count' does not match"));
    EXPECT_THAT(error_of(doc("[0,0]", "2")), HasSubstr("out of range"));
    EXPECT_THAT(error_of(doc("[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,65536]")),
                HasSubstr("entry 15 is not a server id"));
    EXPECT_THAT(error_of(doc("[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,-1]")), HasSubstr("entry 15"));
    EXPECT_THAT(error_of(doc("[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,\"1\"]")), HasSubstr("entry 15"));
}

} // namespace
} // namespace dlba::ctl
