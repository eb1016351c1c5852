#include "transport/tls_context.h"

#include <openssl/err.h>

#include <cstring>
#include <set>
#include <vector>

#include <dlba/config/error.h>
#include <dlba/config/file.h>

namespace dlba::dlbad {

namespace {

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned inlen, void*)
{
    // Only HTTP/1.1 is spoken.  A client offering only other protocols (h2) gets no ALPN answer
    // and may fall back to HTTP/1.1, rather than a fatal alert.
    static const unsigned char kProto[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
    for (unsigned i = 0; i < inlen;) {
        unsigned len = in[i];
        if (i + 1 + len > inlen)
            break;
        if (len == sizeof(kProto) && std::memcmp(in + i + 1, kProto, len) == 0) {
            *out = in + i + 1;
            *outlen = static_cast<unsigned char>(len);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

// TLS 1.2 suites when tls.ciphers is not given: Mozilla's "intermediate" profile without DHE,
// i.e. ECDHE (forward secrecy) with an AEAD (AES-GCM, ChaCha20-Poly1305) only.  Static RSA key
// exchange (AES128-SHA, AES256-GCM-SHA384...) and CBC suites are not offered.  TLS 1.3 suites
// are all forward secret and AEAD; OpenSSL's default list is kept for them.
constexpr const char* kDefaultCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

int version_of(const std::string& v)
{
    return v == "TLSv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
}

} // namespace

std::string TlsContext::last_error()
{
    // The first error queued is the primary one ("no start line", "bad decrypt"); the later ones
    // are the calls that passed it up, of no use to an operator.  One reason, on one line.
    unsigned long first = ERR_get_error();
    ERR_clear_error();
    if (first == 0)
        return "unknown OpenSSL error";
    if (const char* reason = ERR_reason_error_string(first))
        return reason;
    char buf[256];
    ERR_error_string_n(first, buf, sizeof(buf));
    return buf;
}

TlsContext::TlsContext(const TlsConfig& config, std::shared_ptr<TicketKeys> ticket_keys,
                       Millis ticket_lifetime, const std::string& file, int line)
    : ticket_keys_(std::move(ticket_keys)),
      ctx_(SSL_CTX_new(TLS_server_method()))
{
    if (!ctx_)
        throw config::ConfigError(file, line, "SSL_CTX_new: " + last_error());
    // Every problem of the tls section, as the configuration loader reports its own: one line
    // each, at the line of the certificate or key concerned.
    std::vector<config::Diagnostic> problems;
    auto problem = [&](int l, int col, const std::string& message) {
        problems.push_back({file, l, message, l ? col : 0});
    };
    SSL_CTX* ctx = ctx_.get();
    SSL_CTX_set_min_proto_version(ctx, version_of(config.min_version));
    SSL_CTX_set_max_proto_version(ctx, version_of(config.max_version));
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Not SSL_MODE_RELEASE_BUFFERS: it trades a malloc/free per record for idle memory.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_dh_auto(ctx, 1); // DHE is used only if a tls.ciphers list names DHE suites
    if (config.ciphers.empty()) {
        if (SSL_CTX_set_cipher_list(ctx, kDefaultCiphers) != 1)
            problem(line, 0, std::string("default tls.ciphers: ") + last_error());
    } else if (SSL_CTX_set_cipher_list(ctx, config.ciphers.c_str()) != 1) {
        problem(line, 0, "tls.ciphers '" + config.ciphers + "': " + last_error());
    }
    if (!config.ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(ctx, config.ciphersuites.c_str()) != 1)
        problem(line, 0, "tls.ciphersuites '" + config.ciphersuites + "': " + last_error());

    std::set<int> key_types;
    for (const auto& c : config.certificates) {
        ERR_clear_error();
        const int cert_line = c.cert_line ? c.cert_line : c.line;
        const int cert_column = c.cert_line ? c.cert_column : c.column;
        const int key_line = c.key_line ? c.key_line : c.line;
        const int key_column = c.key_line ? c.key_column : c.column;
        // "tls.certificates.key: PATH: No such file or directory" rather than OpenSSL's "system
        // lib" stack; the loader checked too, but a file may go between a check and a reload.
        auto readable = [&](const std::string& path, const char* what, int l, int col) {
            try {
                config::check_readable(path);
                return true;
            } catch (const config::FileError& e) {
                problem(l, col, std::string(what) + ": " + e.what());
                return false;
            }
        };
        bool cert_ok = readable(c.cert, "tls.certificates.cert", cert_line, cert_column);
        bool key_ok = readable(c.key, "tls.certificates.key", key_line, key_column);
        if (cert_ok && SSL_CTX_use_certificate_chain_file(ctx, c.cert.c_str()) != 1) {
            problem(cert_line, cert_column,
                    "tls.certificates.cert: " + c.cert + ": " + last_error());
            cert_ok = false;
        }
        // The key is read alone when the certificate could not be (into a throwaway context,
        // whose certificate it need not match), so that it too is reported in this run.
        if (!cert_ok) {
            if (!key_ok)
                continue;
            SslCtxPtr scratch(SSL_CTX_new(TLS_server_method()));
            if (scratch &&
                SSL_CTX_use_PrivateKey_file(scratch.get(), c.key.c_str(), SSL_FILETYPE_PEM) != 1)
                problem(key_line, key_column,
                        "tls.certificates.key: " + c.key + ": " + last_error());
            continue;
        }
        X509* leaf = SSL_CTX_get0_certificate(ctx);
        EVP_PKEY* pub = leaf ? X509_get0_pubkey(leaf) : nullptr;
        int type = pub ? EVP_PKEY_get_base_id(pub) : 0;
        if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
            problem(c.line, c.column,
                    "certificate '" + c.cert + "': only RSA and ECDSA keys are supported");
            continue;
        }
        if (!key_types.insert(type).second) {
            problem(c.line, c.column,
                    "certificate '" + c.cert + "': a second " +
                        (type == EVP_PKEY_RSA ? "RSA" : "ECDSA") +
                        " certificate (give at most one per key type)");
            continue;
        }
        if (!key_ok)
            continue;
        if (SSL_CTX_use_PrivateKey_file(ctx, c.key.c_str(), SSL_FILETYPE_PEM) != 1)
            problem(key_line, key_column, "tls.certificates.key: " + c.key + ": " + last_error());
        else if (SSL_CTX_check_private_key(ctx) != 1)
            problem(c.line, c.column,
                    "key '" + c.key + "' does not match certificate '" + c.cert + "'");
        ERR_clear_error();
    }
    if (problems.size() == 1)
        throw config::ConfigError(std::move(problems.front()));
    if (!problems.empty())
        throw config::ConfigError(file, std::move(problems));

    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);

    static const unsigned char kSidContext[] = "dlbad";
    SSL_CTX_set_session_id_context(ctx, kSidContext, sizeof(kSidContext) - 1);
    if (config.session_tickets) {
        // Stateless resumption only: no server-side cache to share between workers or servers.
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        // The ticket lifetime hint and the age limit of a resumed session.
        SSL_CTX_set_timeout(
            ctx, static_cast<long>(
                     std::chrono::duration_cast<std::chrono::seconds>(ticket_lifetime).count()));
        if (ticket_keys_)
            TicketKeys::install(ctx, ticket_keys_.get());
    } else {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx, 0);
    }
}

} // namespace dlba::dlbad
