#include "config_push/config_push.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include "dlba/ctl/config_parser.h"
#include "dlba/ctl/netlink_backend.h"
#include "dlba/ctl/planner.h"
#include "status/array_status.h"
#include <dlba/config/error.h>
#include <dlba/process/logger.h>

namespace dlba::arrayd {

namespace {

constexpr std::chrono::milliseconds kResend{100};
constexpr std::string_view kPushRequest = "push\n";

// Every problem of a rejected file, one a line, as dlbactl prints them.
std::string report(const config::ConfigError& e)
{
    std::string out;
    for (const auto& line : e.report())
        out += (out.empty() ? "" : "\n") + line;
    return out.empty() ? e.what() : out;
}

std::uint64_t first_request_id()
{
    // Random, so that a restarted daemon does not take its answers for the last run's.
    std::random_device rd;
    std::uint64_t id = (std::uint64_t{rd()} << 32) ^ rd();
    return id == 0 ? 1 : id;
}

} // namespace

ConfigPush::ConfigPush(EventLoop& loop, const ArrayConfig& config, Send send,
                       BackendFactory backend)
    : loop_(loop),
      config_(config),
      send_(std::move(send)),
      backend_(std::move(backend)),
      resend_timer_([this] { flush(); }),
      next_request_(first_request_id())
{
    if (!backend_)
        backend_ = [] { return std::make_unique<ctl::NetlinkBackend>(); };
}

ConfigPush::~ConfigPush() = default;

void ConfigPush::start()
{
    auto path = std::filesystem::path(config_.config.state_dir) / kStateFile;
    std::ifstream in(path, std::ios::binary);
    if (in) {
        std::stringstream text;
        text << in.rdbuf();
        auto m = ConfigMessage::decode(text.str());
        if (m && m->kind == ConfigMessage::Kind::offer) {
            sync_ = ConfigSync(AgreedConfig::from(*m, m->generation));
            DLBA_LOG(LogLevel::Notice, "configuration generation %llu from %s: applying it again",
                     static_cast<unsigned long long>(m->generation), path.c_str());
            apply();
        } else {
            DLBA_LOG(LogLevel::Warning, "%s is not a configuration state file: ignored",
                     path.c_str());
        }
    }
    if (!config_.config.control_socket.empty())
        control_ = std::make_unique<ControlServer>(
            loop_, config_.config.control_socket, ConfigMessage::kMaxText + kPushRequest.size(),
            [this](std::uint64_t client, std::string request) {
                on_control(client, std::move(request));
            });
}

void ConfigPush::module_loaded()
{
    if (!sync_.latest())
        return;
    DLBA_LOG(LogLevel::Notice, "dlba.ko loaded again: applying configuration generation %llu",
             static_cast<unsigned long long>(sync_.latest()->generation));
    apply();
}

void ConfigPush::on_control(std::uint64_t client, std::string request)
{
    if (request.compare(0, kPushRequest.size(), kPushRequest) != 0) {
        control_->reply(client,
                        nlohmann::json{{"result", "refused"}, {"error", "unknown request"}}.dump());
        return;
    }
    request.erase(0, kPushRequest.size());
    submit(std::move(request), [this, client](const nlohmann::json& j) {
        if (control_)
            control_->reply(client, j.dump());
    });
}

void ConfigPush::submit(std::string text, std::function<void(const nlohmann::json&)> done)
{
    auto refuse = [&](const std::string& why) {
        done({{"result", "refused"}, {"node", config_.node}, {"error", why}});
    };
    if (text.size() > ConfigMessage::kMaxText) {
        refuse("larger than " + std::to_string(ConfigMessage::kMaxText) + " bytes");
        return;
    }
    // The client checked it; a configuration every node would refuse is not sent either way.
    try {
        ctl::ConfigParser("pushed configuration").parse(text);
    } catch (const config::ConfigError& e) {
        refuse(report(e));
        return;
    }
    auto request = next_request_++;
    if (next_request_ == 0)
        next_request_ = 1;
    Pending p;
    p.done = std::move(done);
    p.timeout = std::make_unique<Timer>([this, request] {
        answer(request, {{"result", "timeout"},
                         {"node", config_.node},
                         {"error", "not delivered back by corosync within " +
                                       std::to_string(config_.config.apply_wait.count()) +
                                       " ms: is this node in the array (see its status)?"}});
    });
    loop_.arm(*p.timeout, config_.config.apply_wait);
    pending_.emplace(request, std::move(p));
    auto m = ConfigMessage::make(ConfigMessage::Kind::push, config_.self().id, request, 0,
                                 std::move(text));
    DLBA_LOG(LogLevel::Notice, "pushing a configuration (sha256 %s) to the array",
             m.digest.c_str());
    send(m.encode());
}

void ConfigPush::answer(std::uint64_t request, const nlohmann::json& j)
{
    auto it = pending_.find(request);
    if (it == pending_.end())
        return;
    auto done = std::move(it->second.done);
    it->second.timeout->cancel();
    // The timer may be the caller: destroyed once this batch of events is done.
    loop_.defer([t = std::shared_ptr<Timer>(std::move(it->second.timeout))] {});
    pending_.erase(it);
    if (done)
        done(j);
}

void ConfigPush::send(std::string message)
{
    outbox_.push_back(std::move(message));
    flush();
}

void ConfigPush::flush()
{
    while (!outbox_.empty()) {
        if (!send_(outbox_.front())) {
            if (!resend_timer_.armed())
                loop_.arm(resend_timer_, kResend);
            return;
        }
        outbox_.pop_front();
    }
}

void ConfigPush::on_membership()
{
    if (auto offer = sync_.on_membership())
        send(offer->encode());
}

void ConfigPush::on_message(std::uint32_t nodeid, std::string_view message)
{
    auto m = ConfigMessage::decode(message);
    if (!m) {
        ++rejected_;
        DLBA_LOG(LogLevel::Warning,
                 "node %u: a configuration message that is not a valid version-%u one: ignored",
                 nodeid, ConfigMessage::kVersion);
        return;
    }
    if (m->kind == ConfigMessage::Kind::push) {
        if (m->origin != nodeid) {
            ++rejected_;
            DLBA_LOG(LogLevel::Warning, "node %u sent a push that names node %u: ignored", nodeid,
                     m->origin);
            return;
        }
        ++pushes_;
        auto c = sync_.on_push(*m);
        DLBA_LOG(LogLevel::Notice, "configuration generation %llu (sha256 %s) pushed on node %u",
                 static_cast<unsigned long long>(c.generation), c.digest.c_str(), c.origin);
        adopt(c);
        if (m->origin == config_.self().id) {
            nlohmann::json j{
                {"node", config_.node}, {"generation", c.generation}, {"digest", c.digest}};
            if (applied_generation_ == c.generation && applied_digest_ == c.digest) {
                j["result"] = "applied";
                j["changes"] = last_changes_;
            } else {
                j["result"] = "failed";
                j["error"] = last_error_;
            }
            answer(m->request, j);
        }
        return;
    }
    auto outcome = sync_.on_offer(*m);
    if (outcome.adopt) {
        const auto& c = *sync_.latest();
        DLBA_LOG(LogLevel::Notice,
                 "configuration generation %llu (sha256 %s) offered by node %u: newer, taken",
                 static_cast<unsigned long long>(c.generation), c.digest.c_str(), nodeid);
        adopt(c);
    } else if (outcome.answer) {
        DLBA_LOG(LogLevel::Info, "node %u offered an older configuration: offering ours", nodeid);
        send(sync_.latest()->offer().encode());
    }
}

void ConfigPush::adopt(const AgreedConfig&)
{
    save();
    apply();
}

void ConfigPush::save() const
{
    const auto& c = *sync_.latest();
    std::filesystem::path dir(config_.config.state_dir);
    auto path = dir / kStateFile;
    auto tmp = dir / (std::string(kStateFile) + ".tmp");
    try {
        std::filesystem::create_directories(dir);
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            out << c.offer().encode();
            out.flush();
            if (!out)
                throw std::system_error(errno, std::generic_category(), "write " + tmp.string());
        }
        std::filesystem::rename(tmp, path);
    } catch (const std::exception& e) {
        // The node keeps the configuration in memory; a restart takes it from the others again.
        DLBA_LOG(LogLevel::Warning, "configuration generation %llu not saved: %s",
                 static_cast<unsigned long long>(c.generation), e.what());
    }
}

void ConfigPush::apply()
{
    const auto& c = *sync_.latest();
    auto gen = static_cast<unsigned long long>(c.generation);
    try {
        ctl::ConfigParser parser("generation " + std::to_string(gen));
        ctl::Config desired;
        try {
            desired = parser.parse(c.text);
        } catch (const config::ConfigError& e) {
            throw std::runtime_error(report(e));
        }
        auto backend = backend_();
        auto plan = ctl::Planner::plan(desired, *backend);
        std::size_t done = 0;
        try {
            ctl::Planner::apply(*backend, plan, [&](const ctl::Change&) { ++done; });
        } catch (const std::exception& e) {
            throw std::runtime_error("stopped at '" + plan[done].describe() + "' after " +
                                     std::to_string(done) + " of " + std::to_string(plan.size()) +
                                     " changes: " + e.what());
        }
        applied_generation_ = c.generation;
        applied_digest_ = c.digest;
        applied_at_ = std::chrono::system_clock::now();
        last_changes_ = plan.size();
        last_error_.clear();
        ++applies_;
        DLBA_LOG(LogLevel::Notice, "configuration generation %llu applied to dlba.ko: %zu changes",
                 gen, plan.size());
    } catch (const std::exception& e) {
        last_error_ = e.what();
        ++failures_;
        DLBA_LOG(LogLevel::Error,
                 "configuration generation %llu not applied (dlba.ko keeps generation %llu): %s",
                 gen, static_cast<unsigned long long>(applied_generation_), e.what());
    }
}

nlohmann::json ConfigPush::status() const
{
    const auto& c = sync_.latest();
    nlohmann::json j;
    j["generation"] = c ? nlohmann::json(c->generation) : nlohmann::json();
    j["digest"] = c ? nlohmann::json(c->digest) : nlohmann::json();
    j["origin"] = c ? nlohmann::json(c->origin) : nlohmann::json();
    j["applied_generation"] = applied_generation_;
    j["applied_at"] = applied_at_ ? nlohmann::json(iso8601(*applied_at_)) : nlohmann::json();
    j["last_changes"] = last_changes_;
    j["last_error"] = last_error_.empty() ? nlohmann::json() : nlohmann::json(last_error_);
    j["pushes"] = pushes_;
    j["applies"] = applies_;
    j["failures"] = failures_;
    j["rejected"] = rejected_;
    return j;
}

std::string ConfigPush::metrics() const
{
    const auto& c = sync_.latest();
    std::ostringstream out;
    out << "# HELP dlba_arrayd_config_generation The array's configuration generation as this "
           "node knows it (0: none pushed).\n"
        << "# TYPE dlba_arrayd_config_generation gauge\n"
        << "dlba_arrayd_config_generation " << (c ? c->generation : 0) << "\n"
        << "# HELP dlba_arrayd_config_applied_generation The configuration generation applied "
           "to this node's dlba.ko.\n"
        << "# TYPE dlba_arrayd_config_applied_generation gauge\n"
        << "dlba_arrayd_config_applied_generation " << applied_generation_ << "\n"
        << "# HELP dlba_arrayd_config_apply_error 1 when the last apply to dlba.ko failed.\n"
        << "# TYPE dlba_arrayd_config_apply_error gauge\n"
        << "dlba_arrayd_config_apply_error " << (last_error_.empty() ? 0 : 1) << "\n"
        << "# HELP dlba_arrayd_config_pushes_total Configuration pushes delivered.\n"
        << "# TYPE dlba_arrayd_config_pushes_total counter\n"
        << "dlba_arrayd_config_pushes_total " << pushes_ << "\n"
        << "# HELP dlba_arrayd_config_applies_total Configurations applied to dlba.ko.\n"
        << "# TYPE dlba_arrayd_config_applies_total counter\n"
        << "dlba_arrayd_config_applies_total " << applies_ << "\n"
        << "# HELP dlba_arrayd_config_apply_failures_total Configurations that failed to apply.\n"
        << "# TYPE dlba_arrayd_config_apply_failures_total counter\n"
        << "dlba_arrayd_config_apply_failures_total " << failures_ << "\n"
        << "# HELP dlba_arrayd_config_rejected_total Invalid configuration messages ignored.\n"
        << "# TYPE dlba_arrayd_config_rejected_total counter\n"
        << "dlba_arrayd_config_rejected_total " << rejected_ << "\n";
    return out.str();
}

} // namespace dlba::arrayd
