#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The configuration push's CPG message (dlba-arrayd(8) "CONFIGURATION PUSH"; WO 01/69890
// "Configuration": the configuration is pushed to every node).  One text header line, then the
// dlba.conf(5) text itself:
//
//   dlba-config 1 KIND ORIGIN REQUEST GENERATION DIGEST LENGTH\n<LENGTH bytes of dlba.conf>
//
// KIND is "push" (an operator's new configuration: GENERATION is 0, every node numbers it in
// delivery order) or "offer" (a node's current configuration, sent after a membership change so a
// joining or returning node catches up: GENERATION is the one it was given).  ORIGIN is the nodeid
// where it was pushed, REQUEST that push's id there (0 when unknown), DIGEST the text's SHA-256 in
// lower-case hex (what `sha256sum FILE` prints).  The state file of the state directory holds an
// offer too.  The bucket-table sync's binary messages and the election's "dlba-array 1 " states
// share the group: the magic keeps them apart.
namespace dlba::arrayd {

struct ConfigMessage {
    static constexpr std::string_view kMagic = "dlba-config ";
    static constexpr unsigned kVersion = 1;
    static constexpr std::size_t kMaxText = 1 << 20; // a dlba.conf is a few kB

    enum class Kind { push, offer };

    Kind kind = Kind::push;
    std::uint32_t origin = 0;
    std::uint64_t request = 0;
    std::uint64_t generation = 0;
    std::string digest; // of text
    std::string text;

    // A message with its digest computed.
    static ConfigMessage make(Kind kind, std::uint32_t origin, std::uint64_t request,
                              std::uint64_t generation, std::string text);

    [[nodiscard]] std::string encode() const;
    // Nothing for anything but a well-formed version-1 message whose text matches its digest
    // and length.
    [[nodiscard]] static std::optional<ConfigMessage> decode(std::string_view message);
    [[nodiscard]] static bool is_config(std::string_view message) noexcept
    {
        return message.substr(0, kMagic.size()) == kMagic;
    }
};

// SHA-256 of `text` in lower-case hex.
[[nodiscard]] std::string sha256_hex(std::string_view text);

} // namespace dlba::arrayd
