#include "probe.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <dlba/event/event_loop.h>

#include "dlba/arrayd/sweep/sweeper.h"

namespace dlba::arrayd {

namespace {

// The status line of an HTTP check must come within this many bytes.
constexpr std::size_t kMaxStatusLine = 8192;

std::string errno_text(const char* what, int err)
{
    return std::string(what) + ": " + std::strerror(err);
}

// OpenSSL's queued errors as one line (cleared), or `fallback`.
std::string ssl_error_text(const char* fallback)
{
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof(buf));
        if (!out.empty())
            out += "; ";
        out += buf;
    }
    return out.empty() ? std::string(fallback) : "tls: " + out;
}

// OpenSSL's socket BIO writes with write(2), not send(MSG_NOSIGNAL): a TLS peer that has gone
// (a check answered with garbage and closed) would raise SIGPIPE, which kills a process that does
// not ignore it.  Around each OpenSSL call SIGPIPE is blocked in this thread and one it raised
// is taken back before the mask is restored; one that was already pending is left alone.
class SigpipeGuard {
public:
    SigpipeGuard()
    {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    }
    ~SigpipeGuard()
    {
        if (!was_pending_) {
            sigset_t pending;
            sigemptyset(&pending);
            sigpending(&pending);
            if (sigismember(&pending, SIGPIPE) == 1) {
                timespec zero{};
                sigtimedwait(&pipe_, nullptr, &zero);
            }
        }
        pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

private:
    sigset_t pipe_{};
    sigset_t old_{};
    bool was_pending_ = false;
};

} // namespace

SSL_CTX* TlsContexts::get(bool verify)
{
    SslCtxPtr& slot = verify ? verify_ : no_verify_;
    if (!slot) {
        SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
        if (!ctx)
            throw std::runtime_error(ssl_error_text("SSL_CTX_new failed"));
        SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
        if (verify) {
            SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
            if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1)
                throw std::runtime_error(ssl_error_text("no CA store"));
        } else {
            SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
        }
        slot = std::move(ctx);
    }
    return slot.get();
}

std::optional<unsigned> parse_status_line(std::string_view line)
{
    // HTTP-version SP status-code SP [reason-phrase] (RFC 9112 section 4); the reason may be
    // missing altogether from old servers.
    constexpr std::string_view kPrefix = "HTTP/1.";
    if (line.size() < 12 || line.substr(0, kPrefix.size()) != kPrefix)
        return std::nullopt;
    if ((line[7] != '0' && line[7] != '1') || line[8] != ' ')
        return std::nullopt;
    unsigned code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9')
            return std::nullopt;
        code = code * 10 + static_cast<unsigned>(line[i] - '0');
    }
    if (code < 100 || (line.size() > 12 && line[12] != ' '))
        return std::nullopt;
    return code;
}

Probe::Probe(EventLoop& loop, const Member& member, std::chrono::milliseconds timeout,
             TlsContexts& tls, Done done)
    : loop_(loop),
      member_(member),
      timeout_(timeout),
      tls_(tls),
      done_(std::move(done)),
      timer_(
          [this] { finish(false, "no answer within " + std::to_string(timeout_.count()) + " ms"); })
{}

Probe::~Probe()
{
    close_socket();
}

void Probe::close_socket() noexcept
{
    timer_.cancel();
    ssl_.reset();
    if (fd_) {
        if (registered_)
            loop_.remove(fd_.get());
        registered_ = false;
        fd_.reset();
    }
}

void Probe::abort() noexcept
{
    phase_ = Phase::Done;
    close_socket();
}

void Probe::start()
{
    began_ = std::chrono::steady_clock::now();
    int family = member_.address.family();
    if (family != AF_INET && family != AF_INET6) {
        finish(false, "no address");
        return;
    }
    fd_.reset(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_) {
        finish(false, errno_text("socket", errno));
        return;
    }
    // A check's connection ends with the check: no TIME_WAIT pile-up on the scheduler when a
    // member is swept every second (the close is an abort, RST, rather than a FIN).
    linger lg{1, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    int one = 1;
    ::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_.get(), member_.address.sockaddr_ptr(), member_.address.length()) < 0 &&
        errno != EINPROGRESS) {
        finish(false, errno_text("connect", errno));
        return;
    }
    loop_.arm(timer_, timeout_);
    try {
        loop_.add(fd_.get(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, this);
    } catch (const std::exception& e) {
        finish(false, e.what());
        return;
    }
    registered_ = true;
}

void Probe::on_events(std::uint32_t events)
{
    switch (phase_) {
    case Phase::Done:
        return;
    case Phase::Connecting: {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
            return;
        int err = 0;
        socklen_t len = sizeof(err);
        if (::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        if (err != 0) {
            finish(false, errno_text("connect", err));
            return;
        }
        connected();
        return;
    }
    case Phase::Writing:
        write_request();
        return;
    case Phase::Reading:
        read_answer();
        return;
    case Phase::Handshake:
        handshake();
        return;
    }
}

void Probe::connected()
{
    switch (member_.kind) {
    case CheckKind::Tcp:
        finish(true, {});
        return;
    case CheckKind::Status:
        // dlbad's endpoint writes the document and closes; what is sent is ignored.
        phase_ = Phase::Reading;
        read_answer();
        return;
    case CheckKind::Http: {
        const std::string& path = member_.http_path;
        if (path.empty() || path[0] != '/' || path.find_first_of(" \r\n\t") != std::string::npos) {
            finish(false, "bad http path");
            return;
        }
        out_ = "GET " + path + " HTTP/1.1\r\nHost: " + member_.address.to_string() +
               "\r\nUser-Agent: dlba-arrayd\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        phase_ = Phase::Writing;
        write_request();
        return;
    }
    case CheckKind::Tls: {
        SSL_CTX* ctx = nullptr;
        try {
            ctx = tls_.get(member_.tls_verify);
        } catch (const std::exception& e) {
            finish(false, e.what());
            return;
        }
        ssl_.reset(SSL_new(ctx));
        if (!ssl_ || SSL_set_fd(ssl_.get(), fd_.get()) != 1) {
            finish(false, ssl_error_text("SSL_new failed"));
            return;
        }
        if (!member_.tls_sni.empty()) {
            if (SSL_set_tlsext_host_name(ssl_.get(), member_.tls_sni.c_str()) != 1) {
                finish(false, ssl_error_text("bad sni"));
                return;
            }
            if (member_.tls_verify && SSL_set1_host(ssl_.get(), member_.tls_sni.c_str()) != 1) {
                finish(false, ssl_error_text("bad sni"));
                return;
            }
        }
        SSL_set_connect_state(ssl_.get());
        phase_ = Phase::Handshake;
        handshake();
        return;
    }
    }
}

void Probe::write_request()
{
    while (out_pos_ < out_.size()) {
        ssize_t n = ::send(fd_.get(), out_.data() + out_pos_, out_.size() - out_pos_, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            finish(false, errno_text("send", errno));
            return;
        }
        out_pos_ += static_cast<std::size_t>(n);
    }
    phase_ = Phase::Reading;
    read_answer();
}

void Probe::read_answer()
{
    char buf[16384];
    for (;;) {
        ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            finish(false, errno_text("recv", errno));
            return;
        }
        if (n == 0) {
            answer_complete();
            return;
        }
        in_.append(buf, static_cast<std::size_t>(n));
        if (in_.size() > Sweeper::kMaxAnswer) {
            finish(false, "answer larger than " + std::to_string(Sweeper::kMaxAnswer) + " bytes");
            return;
        }
        if (member_.kind == CheckKind::Http) {
            auto eol = in_.find('\n');
            if (eol != std::string::npos) {
                answer_complete();
                return;
            }
            if (in_.size() > kMaxStatusLine) {
                finish(false,
                       "no status line in the first " + std::to_string(kMaxStatusLine) + " bytes");
                return;
            }
        }
    }
}

void Probe::answer_complete()
{
    if (member_.kind == CheckKind::Http) {
        auto eol = in_.find('\n');
        if (eol == std::string::npos) {
            finish(false, in_.empty() ? "closed without an answer" : "closed in the status line");
            return;
        }
        std::string_view line(in_.data(), eol);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        auto code = parse_status_line(line);
        if (!code) {
            finish(false, "not an HTTP status line");
            return;
        }
        if (*code != member_.expect_status) {
            finish(false, "status " + std::to_string(*code) + ", expected " +
                              std::to_string(member_.expect_status));
            return;
        }
        finish(true, {});
        return;
    }
    // Status: the whole document, up to EOF.
    if (in_.empty()) {
        finish(false, "closed without an answer");
        return;
    }
    nlohmann::json doc = nlohmann::json::parse(in_, nullptr, false);
    if (doc.is_discarded()) {
        finish(false, "answer is not JSON");
        return;
    }
    try {
        auto figures = parse_status_document(doc);
        finish(true, {}, std::move(figures));
    } catch (const std::exception& e) {
        finish(false, std::string("not a dlbad status document: ") + e.what());
    }
}

void Probe::handshake()
{
    SigpipeGuard no_sigpipe;
    ERR_clear_error();
    int rc = SSL_do_handshake(ssl_.get());
    if (rc == 1) {
        if (member_.tls_verify && SSL_get_verify_result(ssl_.get()) != X509_V_OK) {
            finish(false, std::string("tls: certificate: ") +
                              X509_verify_cert_error_string(SSL_get_verify_result(ssl_.get())));
            return;
        }
        // One close_notify, not waited for: the socket is closed right after.
        SSL_shutdown(ssl_.get());
        ERR_clear_error();
        finish(true, {});
        return;
    }
    int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return;
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        int e = errno;
        finish(false, e != 0 ? errno_text("tls handshake", e) : "tls handshake: peer closed");
        return;
    }
    finish(false, ssl_error_text("tls handshake failed"));
}

void Probe::finish(bool good, std::string error, std::optional<StatusFigures> figures)
{
    if (phase_ == Phase::Done)
        return;
    phase_ = Phase::Done;
    ProbeOutcome outcome;
    outcome.good = good;
    outcome.error = std::move(error);
    outcome.latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - began_);
    outcome.figures = std::move(figures);
    close_socket();
    in_.clear();
    in_.shrink_to_fit();
    // Last: `done` may hand this probe to EventLoop::retire().
    auto done = std::move(done_);
    done(std::move(outcome));
}

} // namespace dlba::arrayd
