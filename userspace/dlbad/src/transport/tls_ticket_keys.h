#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dlba::dlbad {

// The keys of stateless TLS session tickets (RFC 5077 layout, as OpenSSL's own: a 16-byte key
// name, an HMAC-SHA256 key, an AES-256-CBC key; 80 bytes each), shared by every worker thread and
// every configuration generation of the process.  The first key encrypts new tickets; every key
// decrypts, and a ticket decrypted with another than the first is renewed under the first, so an
// array can rotate its keys without breaking resumption:
//  * ticket_key_file: the keys are the file's, in its order; SIGHUP re-reads it (put the new key
//    second on every server, then first, then drop the old one);
//  * no file: keys are made in-process, a new one every `rotation`, each kept for decryption
//    for `lifetime` after it stopped encrypting (a ticket it issued is valid that long).
// Thread-safe: the key list is an immutable snapshot swapped under a mutex; handshakes copy the
// pointer, never the keys.
class TicketKeys {
public:
    static constexpr std::size_t kKeyBytes = 80;
    static constexpr std::size_t kMaxKeys = 1000;

    using Clock = std::chrono::steady_clock;

    // Generated keys, one made now; rotation 1 h, lifetime 2 h until configure() says otherwise.
    TicketKeys();

    // `file_keys` (80 bytes each, at most kMaxKeys) non-empty: exactly these keys.  Empty: keys made
    // in-process (the current ones are kept if they already were; otherwise a fresh one).
    void configure(const std::vector<std::string>& file_keys, std::chrono::milliseconds rotation,
                   std::chrono::milliseconds lifetime);

    // Parses a ticket key file: hex lines (160 hex digits a key; blank lines and lines starting
    // with '#' skipped) or raw binary (80 bytes a key, concatenated).  Throws std::invalid_argument
    // naming the line or the size at fault.
    static std::vector<std::string> parse_file(std::string_view data);

    // Installs the ticket callback on `ctx`; `keys` must outlive it (TlsContext holds it).
    static void install(SSL_CTX* ctx, TicketKeys* keys);

    // Keys in use now (the first encrypts), after any due rotation.  For tests and the status.
    [[nodiscard]] std::size_t count(Clock::time_point now = Clock::now());
    // The name (first 16 bytes) of the key that encrypts at `now`.
    [[nodiscard]] std::array<unsigned char, 16> primary_name(Clock::time_point now = Clock::now());

    // The OpenSSL callback's body (SSL_CTX_set_tlsext_ticket_key_evp_cb): 1 = done, 2 = decrypted
    // with an older key (renew the ticket), 0 = unknown key name (full handshake), -1 = failure.
    int handle(unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* mctx,
               int enc, Clock::time_point now = Clock::now());

private:
    struct Key {
        std::array<unsigned char, 16> name{};
        std::array<unsigned char, 32> hmac{};
        std::array<unsigned char, 32> aes{};
        Clock::time_point created{};
    };
    using KeyList = std::vector<Key>;

    static Key random_key(Clock::time_point now);
    static Key key_from(std::string_view raw);
    // The current snapshot, rotating first when a generated key is due.
    std::shared_ptr<const KeyList> current(Clock::time_point now);

    std::mutex mutex_;
    std::shared_ptr<const KeyList> keys_;
    bool generated_ = true;
    std::chrono::milliseconds rotation_{std::chrono::hours(1)};
    std::chrono::milliseconds lifetime_{std::chrono::hours(2)};
};

} // namespace dlba::dlbad
