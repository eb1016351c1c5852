#include "transport/tls_transport.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>

namespace dlba::dlbad {

BIO_METHOD* TlsTransport::bio_method()
{
    // One method table for the process, built on first use (C++ guarantees thread-safe
    // initialisation) and kept until exit.
    static BIO_METHOD* const kMethod = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "dlbad socket");
        if (!m || BIO_meth_set_read_ex(m, bio_read) != 1 ||
            BIO_meth_set_write_ex(m, bio_write) != 1 || BIO_meth_set_ctrl(m, bio_ctrl) != 1)
            throw std::runtime_error("BIO_meth_new failed");
        return m;
    }();
    return kMethod;
}

int TlsTransport::bio_read(BIO* bio, char* buf, std::size_t len, std::size_t* done)
{
    auto* self = static_cast<TlsTransport*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    for (;;) {
        ssize_t n = ::recv(self->fd_, buf, len, 0);
        if (n > 0) {
            self->socket_drained_ = static_cast<std::size_t>(n) < len;
            *done = static_cast<std::size_t>(n);
            return 1;
        }
        if (n == 0) {
            self->socket_drained_ = false; // EOF: let the caller read it
            self->socket_eof_ = true;
            *done = 0;
            return 0;
        }
        if (errno == EINTR)
            continue;
        self->socket_drained_ = false;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            self->socket_drained_ = true;
            BIO_set_retry_read(bio);
        }
        *done = 0;
        return 0;
    }
}

int TlsTransport::bio_write(BIO* bio, const char* buf, std::size_t len, std::size_t* done)
{
    auto* self = static_cast<TlsTransport*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);
    for (;;) {
        ssize_t n = ::send(self->fd_, buf, len, MSG_NOSIGNAL);
        if (n >= 0) {
            *done = static_cast<std::size_t>(n);
            return 1;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            BIO_set_retry_write(bio);
        *done = 0;
        return 0;
    }
}

long TlsTransport::bio_ctrl(BIO* bio, int cmd, long, void*)
{
    // Writes go straight to the socket: nothing to flush.  BIO_eof() tells OpenSSL a read of 0
    // was the peer's FIN (with SSL_OP_IGNORE_UNEXPECTED_EOF: a clean end without close_notify).
    // Everything else (kTLS, fd queries, push/pop) is unsupported, as for a plain source/sink.
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return static_cast<TlsTransport*>(BIO_get_data(bio))->socket_eof_ ? 1 : 0;
    default:
        return 0;
    }
}

TlsTransport::TlsTransport(SSL_CTX* ctx, int fd) : ssl_(SSL_new(ctx)), fd_(fd)
{
    if (!ssl_)
        throw std::runtime_error("SSL_new failed");
    BIO* bio = BIO_new(bio_method());
    if (!bio)
        throw std::runtime_error("BIO_new failed");
    BIO_set_data(bio, this);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_.get(), bio, bio); // the SSL object owns the BIO from here
    // Read whole buffers, not record header then record body: one recv() for all that is queued.
    SSL_set_read_ahead(ssl_.get(), 1);
    SSL_set_accept_state(ssl_.get());
}

TlsTransport::~TlsTransport() = default;

IoResult TlsTransport::status(int ret)
{
    int err = SSL_get_error(ssl_.get(), ret);
    switch (err) {
    case SSL_ERROR_WANT_READ:
        return {IoStatus::WouldBlock, 0, false};
    case SSL_ERROR_WANT_WRITE:
        return {IoStatus::WouldBlock, 0, true};
    case SSL_ERROR_ZERO_RETURN:
        return {IoStatus::Closed, 0, false};
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0 && errno == 0)
            return {IoStatus::Closed, 0, false};
        [[fallthrough]];
    default:
        // Malformed record, bad handshake, alert: this connection only.
        ERR_clear_error();
        return {IoStatus::Error, 0, false};
    }
}

bool TlsTransport::handshake_starting() const
{
    // No handshake message processed yet: the ClientHello is still to come or to be answered.
    return !handshake_done_ && SSL_in_before(ssl_.get()) == 1;
}

IoResult TlsTransport::handshake()
{
    if (handshake_done_)
        return {IoStatus::Ok, 0, false};
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(ssl_.get());
    if (r == 1) {
        handshake_done_ = true;
        return {IoStatus::Ok, 0, false};
    }
    auto st = status(r);
    if (st.status == IoStatus::Closed)
        st.status = IoStatus::Error; // EOF inside a handshake
    return st;
}

IoResult TlsTransport::read(char* buf, std::size_t len)
{
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    socket_drained_ = false; // set again only if this call's recv() finds the socket empty
    int r = SSL_read_ex(ssl_.get(), buf, len, &n);
    if (r == 1) {
        // Drained: this call emptied the socket and nothing decrypted or read ahead is left.
        return {IoStatus::Ok, n, false, socket_drained_ && SSL_has_pending(ssl_.get()) == 0};
    }
    return status(r);
}

IoResult TlsTransport::write(const char* buf, std::size_t len)
{
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    int r = SSL_write_ex(ssl_.get(), buf, len, &n);
    if (r == 1)
        return {IoStatus::Ok, n, false};
    return status(r);
}

void TlsTransport::shutdown_write()
{
    if (!handshake_done_)
        return;
    ERR_clear_error();
    SSL_shutdown(ssl_.get()); // close_notify, best effort: the socket is closed right after
    ERR_clear_error();
}

std::size_t TlsTransport::pending() const
{
    return static_cast<std::size_t>(SSL_pending(ssl_.get()));
}

bool TlsTransport::resumed() const
{
    return SSL_session_reused(ssl_.get()) == 1;
}

const char* TlsTransport::version() const
{
    return SSL_get_version(ssl_.get());
}

} // namespace dlba::dlbad
