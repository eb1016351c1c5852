#pragma once

#include "dlba/ctl/context.h"
#include "dlba/ctl/types.h"

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlba::ctl {

using Args = std::vector<std::string>;

// Option parsing shared by the subcommands (Boost.Program_options): each
// subcommand declares its options, gets -h/--help and -j/--json for free,
// and receives its positional words in order.  Boost errors become
// UsageError.
class CommandLine {
public:
    // 'usage' is the synopsis printed by --help, e.g.
    // "dlbactl service add SVC [--buckets N] ...".
    explicit CommandLine(std::string usage);

    boost::program_options::options_description_easy_init options() { return desc_.add_options(); }

    // Parses 'args'.  Returns false when --help was given (help printed).
    bool parse(Context& ctx, const Args& args);

    [[nodiscard]] bool has(const char* name) const { return vm_.count(name) > 0; }
    [[nodiscard]] std::optional<std::string> value(const char* name) const;
    [[nodiscard]] bool flag(const char* name) const;

    // Positional words; count checks throw UsageError naming 'what'.
    [[nodiscard]] const std::vector<std::string>& words() const { return words_; }
    void expect_words(size_t min, size_t max, std::string_view what) const;
    // The one optional word SVC: no service, or the one it names (parse_service()).
    [[nodiscard]] std::optional<ServiceKey> optional_service() const;

    [[nodiscard]] const std::string& usage() const { return usage_; }

private:
    std::string usage_;
    boost::program_options::options_description desc_;
    boost::program_options::variables_map vm_;
    std::vector<std::string> words_;
};

} // namespace dlba::ctl
