#pragma once

// The line format of dlbad's access log (dlbad.conf(5) access_log.format): literal text and
// %-variables, parsed once when the configuration is read, rendered once per logged request.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <dlba/net/socket_address.h>

namespace dlba::dlbad {

// What one request did, as the access log sees it.  Views point into the connection and its
// service; they are only read while the line is rendered.
struct AccessRecord {
    std::chrono::system_clock::time_point time{}; // first byte of the request head
    const SocketAddress* client = nullptr;
    std::string_view service;
    std::string_view backend;
    bool has_server = false; // a server was chosen
    std::uint32_t server_key = 0;
    const SocketAddress* server_addr = nullptr;
    std::string_view method; // empty: the head was not read
    std::string_view target;
    bool tls = false;
    // Milliseconds; -1 = the phase was not reached (HAProxy's convention).
    long long tq = -1; // first byte of the head to its end
    long long tw = -1; // end of the head to the connect (or reuse) of the last server tried
    long long tc = -1; // connect of the last server tried (0: a parked connection reused)
    long long tr = -1; // request out (connected) to the response head
    long long tt = -1; // first byte of the head to the end of the exchange
    int status = 0;    // 0 = no response
    std::uint64_t bytes_out = 0; // bytes of the response queued to the client
    std::uint64_t bytes_in = 0;  // bytes of the request (head and body) read from the client
    char termination[2] = {'-', '-'};
    std::string_view persistence = "-";
};

// A format that cannot be parsed: `offset` is the byte of the spec at fault.
class AccessLogFormatError : public std::invalid_argument {
public:
    AccessLogFormatError(std::size_t offset, const std::string& what)
        : std::invalid_argument(what),
          offset_(offset)
    {}
    [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

private:
    std::size_t offset_;
};

class AccessLogFormat {
public:
    // Every field (Documentation/man/dlbad.conf.5 lists the variables).
    static constexpr std::string_view kDefault =
        "%t %ca %ft %b/%s %sa %Tq/%Tw/%Tc/%Tr/%Tt %st %B %ts %ps \"%r\"";

    AccessLogFormat() : AccessLogFormat(parse(kDefault)) {}
    AccessLogFormat(const AccessLogFormat&) = default;
    AccessLogFormat(AccessLogFormat&&) noexcept = default;
    AccessLogFormat& operator=(const AccessLogFormat&) = default;
    AccessLogFormat& operator=(AccessLogFormat&&) noexcept = default;
    ~AccessLogFormat() = default;

    // Throws AccessLogFormatError: an unknown variable, a lone '%', a control character.
    static AccessLogFormat parse(std::string_view spec);

    // Appends the line (without a newline) to `out`.
    void render(const AccessRecord& r, std::string& out) const;

    [[nodiscard]] const std::string& spec() const noexcept { return spec_; }
    // The format shows the request line (%r, %HM, %HU): the connection keeps a copy of it.
    [[nodiscard]] bool needs_request_line() const noexcept { return needs_request_line_; }

private:
    struct Private {};
    explicit AccessLogFormat(Private) {}

    enum class Var : std::uint8_t {
        Literal,
        Time,
        ClientAddr,
        ClientIp,
        ClientPort,
        Service,
        Backend,
        Server,
        ServerAddr,
        Tq,
        Tw,
        Tc,
        Tr,
        Tt,
        Status,
        BytesOut,
        BytesIn,
        Termination,
        Persistence,
        Method,
        Target,
        RequestLine,
        ServiceTls,
    };
    struct Item {
        Var var;
        std::string text; // Literal
    };

    std::string spec_;
    std::vector<Item> items_;
    bool needs_request_line_ = false;
};

} // namespace dlba::dlbad
