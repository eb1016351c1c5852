#pragma once

#include "ssl_types.h"
#include "transport.h"

namespace dlba::dlbad {

// Server side TLS over a non-blocking socket (does not own the fd; owns the SSL object).
class TlsTransport final : public Transport {
public:
    TlsTransport(SSL_CTX* ctx, int fd);

    IoResult handshake() override;
    IoResult read(char* buf, std::size_t len) override;
    IoResult write(const char* buf, std::size_t len) override;
    void shutdownWrite() override;
    [[nodiscard]] std::size_t pending() const override;
    [[nodiscard]] bool secure() const override { return true; }

    [[nodiscard]] bool resumed() const override;
    [[nodiscard]] const char* version() const;

private:
    IoResult status(int ret);

    SslPtr ssl_;
    bool handshake_done_ = false;
};

} // namespace dlba::dlbad
