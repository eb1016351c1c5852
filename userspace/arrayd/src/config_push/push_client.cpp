#include "config_push/push_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dlba/ctl/config_parser.h"
#include <dlba/config/error.h>
#include <dlba/config/yaml_reader.h>
#include <dlba/unique_fd.h>

namespace dlba::arrayd {

namespace {

constexpr const char* kTool = "dlba-arrayd push";
// Beyond the daemon's own wait: its answer is on the way.
constexpr int kSlackMs = 5000;

bool write_all(int fd, std::string_view data)
{
    while (!data.empty()) {
        auto n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

} // namespace

int push_command(const ArrayConfig& config, const std::string& file, std::ostream& out,
                 std::ostream& err)
{
    std::string text;
    try {
        text = config::read_config_file(file);
        ctl::ConfigParser(file).parse(text);
    } catch (const config::ConfigError& e) {
        config::print_report(err, kTool, e);
        err << kTool << ": nothing sent\n";
        return 1;
    }
    const auto& path = config.config.control_socket;
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.c_str(), path.size() + 1); // the loader checked the length
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) < 0) {
        err << kTool << ": cannot reach dlba-arrayd at " << path << ": " << std::strerror(errno)
            << (errno == ENOENT || errno == ECONNREFUSED ? " (is dlba-arrayd running?)"
                : errno == EACCES                        ? " (root only)"
                                                         : "")
            << "\n";
        return 2;
    }
    if (!write_all(fd.get(), "push\n") || !write_all(fd.get(), text) ||
        ::shutdown(fd.get(), SHUT_WR) < 0) {
        err << kTool << ": sending to dlba-arrayd at " << path << ": " << std::strerror(errno)
            << "\n";
        return 1;
    }
    std::string answer;
    int budget = static_cast<int>(config.config.apply_wait.count()) + kSlackMs;
    for (;;) {
        pollfd p{fd.get(), POLLIN, 0};
        int r = ::poll(&p, 1, budget);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            err << kTool << ": no answer from dlba-arrayd within " << budget << " ms\n";
            return 1;
        }
        char buf[4096];
        auto n = ::read(fd.get(), buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        answer.append(buf, static_cast<std::size_t>(n));
    }
    auto j = nlohmann::json::parse(answer, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("result")) {
        err << kTool << ": unexpected answer from dlba-arrayd: " << answer << "\n";
        return 1;
    }
    auto result = j.value("result", "");
    auto node = j.value("node", config.node);
    if (result == "applied") {
        out << file << ": generation " << j.value("generation", 0ULL) << " (sha256 "
            << j.value("digest", "") << ") pushed to the array; applied on " << node << " ("
            << j.value("changes", 0ULL) << " changes)\n";
        return 0;
    }
    if (result == "failed") {
        err << kTool << ": " << file << ": generation " << j.value("generation", 0ULL)
            << " (sha256 " << j.value("digest", "") << ") pushed to the array, but not applied on "
            << node << ": " << j.value("error", "") << "\n";
        return 1;
    }
    err << kTool << ": " << file << ": " << result << ": " << j.value("error", "") << "\n";
    return 1;
}

} // namespace dlba::arrayd
