#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "transport/ssl_types.h"
#include "transport/tls_ticket_keys.h"

namespace dlba::dlbad {

// The server-side SSL_CTX of one HTTPS virtual service: one certificate per key type (RSA and
// ECDSA may both be given; OpenSSL picks by the client's signature algorithms), TLS 1.2..1.3,
// ALPN "http/1.1", stateless session tickets under the process's TicketKeys (shared by every
// worker and generation; with ticket_key_file, by every DLBA server of the array), valid for
// ticket_lifetime.  Shared by all worker threads (SSL_CTX is thread-safe for SSL_new).
class TlsContext {
public:
    // Throws config::ConfigError with every problem of the tls section, each at the line of the
    // failing certificate or key with one reason: the system's for a file that cannot be read,
    // else OpenSSL's primary one.
    TlsContext(const TlsConfig& config, std::shared_ptr<TicketKeys> ticket_keys,
               Millis ticket_lifetime, const std::string& file, int line);

    [[nodiscard]] SSL_CTX* get() const noexcept { return ctx_.get(); }

    // The reason of the first error in the OpenSSL error queue (and clears the queue).
    static std::string last_error();

private:
    std::shared_ptr<TicketKeys> ticket_keys_; // outlives ctx_ (its callback's argument)
    SslCtxPtr ctx_;
};

} // namespace dlba::dlbad
