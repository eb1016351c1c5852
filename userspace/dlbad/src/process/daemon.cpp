#include "process/daemon.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "config/config_loader.h"
#include "monitor/status_page.h"
#include "monitor/status_report.h"
#include <dlba/config/error.h>
#include <dlba/net/listen_socket.h>
#include <dlba/process/logger.h>
#include <dlba/process/signal_watcher.h>
#include <dlba/process/systemd_notifier.h>

namespace dlba::dlbad {

namespace {

// The CPUs of this process's affinity mask, in order.
std::vector<unsigned> allowed_cpus()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<unsigned> cpus;
    if (::sched_getaffinity(0, sizeof(set), &set) == 0)
        for (unsigned c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &set))
                cpus.push_back(c);
    return cpus;
}

// The default worker count: one per CPU this process may run on (its affinity mask, as set by
// taskset, systemd's CPUAffinity= or a container's cpuset), not one per CPU of the machine, which
// would put several event loops on one CPU to take turns for it.
unsigned usable_cpus()
{
    if (auto n = allowed_cpus().size())
        return static_cast<unsigned>(n);
    return std::max(1u, std::thread::hardware_concurrency());
}

void daemonize()
{
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid > 0)
        ::_exit(0);
    ::setsid();
    pid = ::fork();
    if (pid < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid > 0)
        ::_exit(0);
    if (::chdir("/") != 0) {}
    UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (null) {
        ::dup2(null.get(), STDIN_FILENO);
        ::dup2(null.get(), STDOUT_FILENO);
        ::dup2(null.get(), STDERR_FILENO);
    }
}

} // namespace

Daemon::Daemon(Options options)
    : options_(std::move(options)),
      started_(std::chrono::steady_clock::now()),
      drain_timer_([this] { check_drained(); })
{}

Daemon::~Daemon()
{
    for (auto& w : workers_)
        w->stop();
    for (auto& w : workers_)
        w->join();
    workers_.clear();
    admin_.reset();
    monitor_.reset();
    if (!options_.pid_file.empty() && runtime_)
        ::unlink(options_.pid_file.c_str());
}

std::size_t Daemon::per_worker_limit(const Config& config) const
{
    auto n = workers_.empty() ? 1 : workers_.size();
    return (config.max_connections + n - 1) / n;
}

Daemon::SocketMap Daemon::open_sockets(const Runtime& runtime, const SocketMap& existing) const
{
    SocketMap out;
    for (const auto& s : runtime.services()) {
        auto key = s->config().listen.to_string();
        if (auto it = existing.find(key);
            it != existing.end() && it->second.size() == workers_.size()) {
            out[key] = it->second;
            continue;
        }
        std::vector<std::shared_ptr<UniqueFd>> fds;
        for (std::size_t i = 0; i < workers_.size(); ++i) {
            try {
                fds.push_back(
                    std::make_shared<UniqueFd>(ListenSocket::open(s->config().listen, true)));
            } catch (const std::system_error& e) {
                throw config::ConfigError(runtime.config().path, s->config().line,
                                          "service '" + s->name() + "': " + e.what());
            }
        }
        out[key] = std::move(fds);
    }
    return out;
}

void Daemon::publish()
{
    auto limit = per_worker_limit(runtime_->config());
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        std::vector<Worker::Binding> bindings;
        for (const auto& s : runtime_->services())
            bindings.push_back({s, sockets_.at(s->config().listen.to_string())[i]});
        workers_[i]->apply(std::move(bindings), runtime_, limit);
    }
}

void Daemon::configure_admin(const AdminConfig& config)
{
    if (admin_ && admin_->config() == config)
        return;
    if (config.unix_socket.empty()) {
        admin_.reset();
        return;
    }
    // The same path: the old socket's file goes first (it would remove the new one's at exit).
    if (admin_ && admin_->config().unix_socket == config.unix_socket)
        admin_.reset();
    admin_ = std::make_unique<AdminSocket>(
        loop_, config, [this](std::string_view line) { return admin_api_.execute(line); });
}

AdminInfo Daemon::info() const
{
    AdminInfo info;
    info.pid = static_cast<long>(::getpid());
    info.uptime_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    info.workers = static_cast<unsigned>(workers_.size());
    for (const auto& w : workers_)
        info.connections += w->active_connections();
    return info;
}

void Daemon::apply_overrides(ServerOverrides next)
{
    if (stopping_)
        throw std::runtime_error("dlbad is stopping");
    auto generation = runtime_->generation() + 1;
    auto runtime = std::make_shared<const Runtime>(next.apply(file_config_), generation,
                                                   static_cast<unsigned>(workers_.size()), secrets_,
                                                   registry_);
    auto sockets = open_sockets(*runtime, sockets_);
    runtime_ = std::move(runtime);
    sockets_ = std::move(sockets);
    overrides_ = std::move(next);
    publish();
}

nlohmann::json Daemon::snapshot() const
{
    DaemonInfo info;
    info.pid = static_cast<long>(::getpid());
    info.uptime_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    info.workers = static_cast<unsigned>(workers_.size());
    for (const auto& w : workers_) {
        info.connections += w->active_connections();
        info.loop_yields += w->loop_yields();
    }
    if (access_log_) {
        const auto c = access_log_->counters();
        info.access_log_lines = c.lines;
        info.access_log_dropped = c.dropped;
    }
    return StatusReport::build(*runtime_, info);
}

void Daemon::reload()
{
    if (stopping_)
        return;
    SystemdNotifier::notify("RELOADING=1");
    auto generation = runtime_->generation() + 1;
    try {
        auto config = ConfigLoader::load_file(options_.config);
        if (config.workers != runtime_->config().workers && !options_.workers)
            DLBA_LOG(LogLevel::Warning,
                     "reload: a change of 'workers' takes effect at the next restart");
        if (config.cpu_affinity != runtime_->config().cpu_affinity)
            DLBA_LOG(LogLevel::Warning,
                     "reload: a change of 'cpu_affinity' takes effect at the next restart");
        // Runtime changes of the admin socket stay unless the file changed the same setting.
        ServerOverrides overrides = overrides_;
        auto dropped = overrides.rebase(file_config_, config);
        Config file = config;
        config = overrides.apply(std::move(config));
        auto next = std::make_shared<const Runtime>(std::move(config), generation,
                                                    static_cast<unsigned>(workers_.size()),
                                                    secrets_, registry_);
        auto sockets = open_sockets(*next, sockets_);
        monitor_->configure(next->config().monitor);
        configure_admin(next->config().admin);
        // The ticket keys of the file as it is now (rotation: the new key second, then first...).
        secrets_.ticket_keys->configure(next->config().ticket_keys,
                                        next->config().ticket_key_rotation,
                                        next->config().ticket_lifetime);
        runtime_ = std::move(next);
        sockets_ = std::move(sockets);
        file_config_ = std::move(file);
        overrides_ = std::move(overrides);
        publish();
        DLBA_LOG(LogLevel::Notice, "configuration %s reloaded: generation %llu, %zu services",
                 options_.config.c_str(), static_cast<unsigned long long>(generation),
                 runtime_->services().size());
        for (const auto& d : dropped)
            DLBA_LOG(LogLevel::Warning, "reload: admin change of %s", d.c_str());
        if (overrides_.size())
            DLBA_LOG(LogLevel::Notice, "reload: %zu servers keep their admin socket changes",
                     overrides_.size());
    } catch (const config::ConfigError& e) {
        for (const auto& line : e.report())
            DLBA_LOG(LogLevel::Error, "reload failed, generation %llu stays in service: %s",
                     static_cast<unsigned long long>(runtime_->generation()), line.c_str());
    } catch (const std::exception& e) {
        DLBA_LOG(LogLevel::Error, "reload failed, generation %llu stays in service: %s",
                 static_cast<unsigned long long>(runtime_->generation()), e.what());
    }
    SystemdNotifier::notify("READY=1");
}

void Daemon::begin_shutdown()
{
    if (stopping_)
        return;
    stopping_ = true;
    SystemdNotifier::notify("STOPPING=1");
    DLBA_LOG(LogLevel::Notice, "stopping: draining connections (at most %lld ms)",
             static_cast<long long>(runtime_->config().drain_timeout.count()));
    drain_deadline_ = std::chrono::steady_clock::now() + runtime_->config().drain_timeout;
    for (auto& w : workers_)
        w->drain();
    sockets_.clear();
    loop_.arm(drain_timer_, std::chrono::milliseconds(50));
}

void Daemon::check_drained()
{
    std::size_t open = 0;
    for (const auto& w : workers_)
        open += w->active_connections();
    if (open == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
        if (open)
            DLBA_LOG(LogLevel::Warning, "drain timeout: closing %zu connections", open);
        loop_.stop();
        return;
    }
    loop_.arm(drain_timer_, std::chrono::milliseconds(50));
}

void Daemon::on_signal(int signo)
{
    if (signo == SIGHUP) {
        reload();
        // The file is reopened even when the reload failed (logrotate's postrotate).
        if (access_log_)
            access_log_->configure(runtime_->config().access_log);
    } else {
        begin_shutdown();
    }
}

int Daemon::run()
{
    Logger::init("dlbad", !options_.foreground, options_.log_level);
    Config config;
    try {
        config = ConfigLoader::load_file(options_.config);
    } catch (const config::ConfigError& e) {
        config::print_report(std::cerr, "dlbad", e);
        return 1;
    }
    unsigned workers = options_.workers.value_or(config.workers);
    if (workers == 0)
        workers = usable_cpus();
    try {
        secrets_ = Secrets::random();
        secrets_.ticket_keys->configure(config.ticket_keys, config.ticket_key_rotation,
                                        config.ticket_lifetime);
        file_config_ = config;
        runtime_ =
            std::make_shared<const Runtime>(std::move(config), 1, workers, secrets_, registry_);
    } catch (const config::ConfigError& e) {
        config::print_report(std::cerr, "dlbad", e);
        return 1;
    }
    if (options_.check_config) {
        std::size_t servers = 0;
        for (const auto& p : runtime_->pools())
            servers += p->servers().size();
        std::cout << "dlbad: " << options_.config << ": configuration OK ("
                  << runtime_->services().size() << " services, " << runtime_->pools().size()
                  << " backends, " << servers << " servers)\n";
        runtime_.reset();
        return 0;
    }
    if (runtime_->config().persistence_keys.empty())
        for (const auto& s : runtime_->services())
            if (s->config().policy == Policy::Cookie) {
                DLBA_LOG(LogLevel::Warning,
                         "no persistence_key_file: persistence cookies are signed with a random "
                         "key, valid only "
                         "for this process (not across the array, nor across restarts)");
                break;
            }

    access_log_ = std::make_unique<AccessLog>(workers);
    access_log_->configure(runtime_->config().access_log);
    for (unsigned i = 0; i < workers; ++i) {
        workers_.push_back(std::make_unique<Worker>(i, 0));
        workers_.back()->set_access_log(&access_log_->channel(i));
    }
    for (auto& w : workers_) {
        std::vector<Worker*> peers;
        for (auto& other : workers_)
            if (other != w)
                peers.push_back(other.get());
        w->set_peers(std::move(peers));
    }
    try {
        sockets_ = open_sockets(*runtime_, {});
        monitor_ = std::make_unique<MonitorServer>(
            loop_, [this] { return snapshot().dump(2) + "\n"; },
            [this] { return StatusReport::prometheus(snapshot()); }, StatusPage::page());
        monitor_->configure(runtime_->config().monitor);
        configure_admin(runtime_->config().admin);
    } catch (const std::exception& e) {
        std::cerr << "dlbad: " << e.what() << '\n';
        workers_.clear();
        return 1;
    }

    if (!options_.foreground)
        daemonize();
    if (!options_.pid_file.empty()) {
        std::ofstream pf(options_.pid_file);
        pf << ::getpid() << '\n';
    }
    ::signal(SIGPIPE, SIG_IGN);
    // Blocked here, before the workers start, so every thread inherits the mask and only the
    // signalfd sees these signals.
    signals_ = std::make_unique<SignalWatcher>(
        loop_, std::initializer_list<int>{SIGHUP, SIGTERM, SIGINT, SIGQUIT},
        [this](int s) { on_signal(s); });
    // cpu_affinity: auto: worker i on the i-th allowed CPU (wrapping when there are more
    // workers than CPUs), so two event loops never take turns on one CPU while another idles.
    const auto cpus = runtime_->config().cpu_affinity == CpuAffinity::Auto
                          ? allowed_cpus()
                          : std::vector<unsigned>{};
    access_log_->start();
    for (std::size_t i = 0; i < workers_.size(); ++i)
        workers_[i]->start(cpus.empty() ? std::nullopt
                                        : std::optional<unsigned>(cpus[i % cpus.size()]));
    publish();
    DLBA_LOG(LogLevel::Notice, "started: %u workers, %zu services, configuration %s", workers,
             runtime_->services().size(), options_.config.c_str());
    SystemdNotifier::notify("READY=1");
    loop_.run();

    for (auto& w : workers_)
        w->stop();
    for (auto& w : workers_)
        w->join();
    workers_.clear();
    admin_.reset();
    access_log_->stop(); // what the workers logged is written
    monitor_.reset();
    signals_.reset();
    DLBA_LOG(LogLevel::Notice, "stopped");
    return 0;
}

} // namespace dlba::dlbad
