#include "dlba/ctl/command_line.h"

#include "dlba/ctl/parse.h"
#include "dlba/ctl/usage_error.h"

#include <sstream>

namespace po = boost::program_options;

namespace dlba::ctl {

CommandLine::CommandLine(std::string usage) : usage_(std::move(usage)), desc_("Options")
{
    desc_.add_options()("help,h", "show this help")("json,j", "JSON output");
}

bool CommandLine::parse(Context& ctx, const Args& args)
{
    po::options_description all;
    all.add(desc_);
    all.add_options()("words", po::value<std::vector<std::string>>(&words_));
    po::positional_options_description pos;
    pos.add("words", -1);
    try {
        // No guessing of abbreviated option names: scripts must stay valid
        // when options are added.
        auto style =
            po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
        po::store(po::command_line_parser(args).options(all).positional(pos).style(style).run(),
                  vm_);
        po::notify(vm_);
    } catch (const po::error& e) {
        throw UsageError(std::string(e.what()) + "\nusage: " + usage_);
    }
    if (vm_.count("json"))
        ctx.set_json(true);
    if (vm_.count("help")) {
        ctx.out() << "usage: " << usage_ << "\n\n" << desc_;
        return false;
    }
    return true;
}

std::optional<std::string> CommandLine::value(const char* name) const
{
    if (!vm_.count(name))
        return std::nullopt;
    return vm_[name].as<std::string>();
}

bool CommandLine::flag(const char* name) const
{
    return vm_.count(name) > 0;
}

void CommandLine::expect_words(size_t min, size_t max, std::string_view what) const
{
    if (words_.size() < min)
        throw UsageError("missing " + std::string(what) + "\nusage: " + usage_);
    if (words_.size() > max)
        throw UsageError("unexpected argument '" + words_[max] + "'\nusage: " + usage_);
}

std::optional<ServiceKey> CommandLine::optional_service() const
{
    expect_words(0, 1, "SVC");
    if (words_.empty())
        return std::nullopt;
    return parse_service(words_[0]);
}

} // namespace dlba::ctl
