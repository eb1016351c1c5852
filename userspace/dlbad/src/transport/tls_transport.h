#pragma once

#include "transport/ssl_types.h"
#include "transport/transport.h"

namespace dlba::dlbad {

// Server side TLS over a non-blocking socket (does not own the fd; owns the SSL object).
//
// The socket is reached through dlbad's own BIO (recv/send on the fd) rather than OpenSSL's socket
// BIO, so the transport knows whether its last recv() came back short: with read-ahead on, OpenSSL
// asks for a whole buffer at once, and a short answer means the socket is drained.  read() then
// reports `drained` (nothing left in the socket nor in OpenSSL's buffers), and the edge-triggered
// caller skips the read that would only say EAGAIN: one recv per request instead of three (record
// header, record body, EAGAIN) over the socket BIO without read-ahead.
class TlsTransport final : public Transport {
public:
    TlsTransport(SSL_CTX* ctx, int fd);
    ~TlsTransport() override;

    TlsTransport(const TlsTransport&) = delete;
    TlsTransport& operator=(const TlsTransport&) = delete;

    IoResult handshake() override;
    IoResult read(char* buf, std::size_t len) override;
    IoResult write(const char* buf, std::size_t len) override;
    void shutdown_write() override;
    [[nodiscard]] std::size_t pending() const override;
    [[nodiscard]] bool secure() const override { return true; }

    [[nodiscard]] bool resumed() const override;
    [[nodiscard]] bool handshake_starting() const override;
    [[nodiscard]] const char* version() const;

private:
    IoResult status(int ret);
    static BIO_METHOD* bio_method();
    static int bio_read(BIO* bio, char* buf, std::size_t len, std::size_t* done);
    static int bio_write(BIO* bio, const char* buf, std::size_t len, std::size_t* done);
    static long bio_ctrl(BIO* bio, int cmd, long num, void* ptr);

    SslPtr ssl_;
    int fd_;
    bool handshake_done_ = false;
    bool socket_drained_ = false; // the last recv() got less than asked (or EAGAIN)
    bool socket_eof_ = false;     // recv() returned 0
};

} // namespace dlba::dlbad
