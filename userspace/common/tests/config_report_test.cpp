// The reporting side of the configuration library: FILE:LINE:COLUMN diagnostics, the report limit,
// "did you mean" and file errors with the system's reason.
#include <dlba/config/error.h>
#include <dlba/config/file.h>
#include <dlba/config/suggest.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <string_view>

namespace dlba::config {
namespace {

TEST(Diagnostic, ColumnFollowsTheLine)
{
    EXPECT_EQ((Diagnostic{"a.conf", 12, "tls.key: gone", 5}).str(), "a.conf:12:5: tls.key: gone");
    EXPECT_EQ((Diagnostic{"a.conf", 12, "no column"}).str(), "a.conf:12: no column");
    EXPECT_EQ((Diagnostic{"a.conf", 0, "no line", 5}).str(), "a.conf: no line");
    ConfigError e("a.conf", 3, "bad", 7);
    EXPECT_STREQ(e.what(), "a.conf:3:7: bad");
}

TEST(ConfigError, ReportListsAtMostTheLimit)
{
    std::vector<Diagnostic> many;
    for (int i = 1; i <= 25; ++i)
        many.push_back({"a.conf", i, "error " + std::to_string(i), 1});
    ConfigError e("a.conf", many);
    EXPECT_STREQ(e.what(), "a.conf: 25 errors, nothing changed");
    auto lines = e.report();
    ASSERT_EQ(lines.size(), ConfigError::kReportLimit + 1);
    EXPECT_EQ(lines.front(), "a.conf:1:1: error 1");
    EXPECT_EQ(lines[19], "a.conf:20:1: error 20");
    EXPECT_EQ(lines.back(), "a.conf: 5 more errors");
    auto most = e.report(24);
    ASSERT_EQ(most.size(), 25u);
    EXPECT_EQ(most.back(), "a.conf: 1 more error");
    EXPECT_EQ(e.errors().size(), 25u);
    EXPECT_EQ(ConfigError("a.conf", many).report(25).size(), 25u);
}

TEST(Suggest, EditDistance)
{
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("timeout", "timeout"), 0u);
    EXPECT_EQ(edit_distance("timout", "timeout"), 1u);   // deletion
    EXPECT_EQ(edit_distance("weigth", "weight"), 1u);    // transposition
    EXPECT_EQ(edit_distance("servces", "services"), 1u); // deletion
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("Policy", "policy"), 0u); // letter case is ignored
    EXPECT_EQ(edit_distance("abc", ""), 3u);
}

TEST(Suggest, OnlyCloseKeysAreSuggested)
{
    static constexpr std::array<std::string_view, 4> kKeys{"timeout", "buckets", "mode", "servers"};
    EXPECT_EQ(closest("timout", kKeys), "timeout");
    EXPECT_EQ(closest("bukcets", kKeys), "buckets");
    EXPECT_EQ(closest("SERVERS", kKeys), "servers");
    EXPECT_EQ(closest("mdoe", kKeys), "mode");
    EXPECT_EQ(closest("color", kKeys), std::nullopt);
    EXPECT_EQ(closest("x", kKeys), std::nullopt);
    EXPECT_EQ(closest("", kKeys), std::nullopt);
    EXPECT_EQ(closest("completely_different", kKeys), std::nullopt);
    EXPECT_EQ(did_you_mean("timout", kKeys), " (did you mean 'timeout'?)");
    EXPECT_EQ(did_you_mean("color", kKeys), "");
}

TEST(ConfigFile, ReadsAWholeFile)
{
    std::string path = ::testing::TempDir() + "dlba_config_file_test.txt";
    std::ofstream(path) << "one\ntwo\n";
    EXPECT_EQ(read_file(path), "one\ntwo\n");
    EXPECT_NO_THROW(check_readable(path));
}

TEST(ConfigFile, ErrorsNameThePathAndTheReason)
{
    try {
        read_file("/nonexistent/dlbad.conf");
        FAIL();
    } catch (const FileError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/dlbad.conf: No such file or directory");
        EXPECT_EQ(e.error(), ENOENT);
        EXPECT_EQ(e.reason(), "No such file or directory");
    }
    try {
        check_readable("/");
        FAIL();
    } catch (const FileError& e) {
        EXPECT_EQ(e.error(), EISDIR);
        EXPECT_STREQ(e.what(), "/: Is a directory");
    }
    EXPECT_THROW(read_file(::testing::TempDir()), FileError);
}

} // namespace
} // namespace dlba::config
