#include "tls_transport.h"

#include <openssl/err.h>

#include <cerrno>
#include <stdexcept>

namespace dlba::dlbad {

TlsTransport::TlsTransport(SSL_CTX* ctx, int fd) : ssl_(SSL_new(ctx))
{
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd) != 1)
        throw std::runtime_error("SSL_new/SSL_set_fd failed");
    SSL_set_accept_state(ssl_.get());
}

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
    int r = SSL_read_ex(ssl_.get(), buf, len, &n);
    if (r == 1)
        return {IoStatus::Ok, n, false};
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

void TlsTransport::shutdownWrite()
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
