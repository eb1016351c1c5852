#pragma once

// Authenticated, opaque persistence-cookie values.
//
// A token names a back-end by its configured integer key (WO 01/69890: "Each
// server can have a unique integer key, defined in the configuration file")
// without revealing it, and cannot be forged without the array's shared
// secret.  Every DLBA server of the array configures the same secret(s), so
// a cookie issued by one is honoured by all.
//
// Format: base64url, no padding, exactly kTokenLength (48) characters, of
// 36 bytes:
//   key_id(1) || nonce(11, random) || ct(8) || tag(16)
//   pt  = server_key (u32 BE) || issued_at (u32 BE, unix seconds)
//   ct  = pt XOR HMAC-SHA256(K_enc, "dlba-ks" || key_id || nonce)[0..8)
//   tag = HMAC-SHA256(K_mac, "dlba-tag" || key_id || nonce || ct)[0..16)
//   K_enc = HMAC-SHA256(secret, "dlba persistence enc v1")
//   K_mac = HMAC-SHA256(secret, "dlba persistence mac v1")
// (encrypt-then-MAC with HMAC as a PRF; 128-bit tag compared with
// CRYPTO_memcmp).  The random nonce makes every cookie different, so two
// clients cannot even tell whether they were sent to the same back-end.
//
// Staleness: verify() checks only authenticity and (optionally) age.  The
// caller must still check that server_key names a configured, healthy
// back-end and otherwise schedule anew (and inject a fresh cookie).
// Key rotation: configure the new key first in the list (it signs), keep the
// old one after it until old cookies have expired.

#include <dlbad/http_types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dlba::dlbad {

struct TokenKey {
    std::uint8_t id = 0;
    std::vector<std::uint8_t> secret; // at least 32 bytes

    // Parses 64+ hex digits (even count).  Throws std::invalid_argument.
    static TokenKey from_hex(std::uint8_t id, std::string_view hex);
};

class PersistenceTokenCodec {
public:
    static constexpr std::size_t kTokenLength = 48;
    static constexpr std::size_t kMinSecretBytes = 32;

    // keys.front() signs new tokens; every key verifies.  max_age 0 means
    // tokens never expire by age (the cookie's own attributes bound its
    // life).  Throws std::invalid_argument on an empty key list, a short
    // secret, or duplicate key ids.
    explicit PersistenceTokenCodec(std::span<const TokenKey> keys,
                                   std::chrono::seconds max_age = std::chrono::seconds{0});
    ~PersistenceTokenCodec();
    PersistenceTokenCodec(PersistenceTokenCodec&&) noexcept;
    PersistenceTokenCodec& operator=(PersistenceTokenCodec&&) noexcept;
    PersistenceTokenCodec(const PersistenceTokenCodec&) = delete;
    PersistenceTokenCodec& operator=(const PersistenceTokenCodec&) = delete;

    // New token for `server_key`, issued at `now_unix` (seconds).  Throws
    // std::runtime_error only if OpenSSL fails (RNG/HMAC).
    [[nodiscard]] std::string issue(std::uint32_t server_key, std::uint64_t now_unix) const;

    // The server key carried by `token`, or nullopt when the token is
    // malformed, truncated, forged, signed by an unknown key, issued more
    // than 300 s in the future, or older than max_age.  Thread-safe.
    [[nodiscard]] std::optional<std::uint32_t> verify(std::string_view token,
                                                      std::uint64_t now_unix) const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The clock tokens are issued and verified against: seconds since the Unix epoch.
[[nodiscard]] std::uint64_t unix_now() noexcept;

// The persistence cookie of a request, as the scheduler needs it.
struct PersistenceCookie {
    bool present = false;                    // at least one cookie of that name was sent
    std::optional<std::uint32_t> server_key; // of the first occurrence that verified
};

// Looks at every cookie named `name` (case-sensitive), in every Cookie header, in order: the first
// one that verifies decides; forged, stale or malformed ones before or after it are ignored (a
// browser sends a path-specific cookie first, and a planted one cannot hide a valid one).
[[nodiscard]] PersistenceCookie find_persistence_cookie(std::span<const HeaderField> headers,
                                                        std::string_view name,
                                                        const PersistenceTokenCodec& codec,
                                                        std::uint64_t now_unix) noexcept;

} // namespace dlba::dlbad
