#pragma once

#include "transport/transport.h"

namespace dlba::dlbad {

// Transport over a non-blocking TCP socket.  Does not own the fd (its connection does).
class PlainTransport final : public Transport {
public:
    explicit PlainTransport(int fd) noexcept : fd_(fd) {}

    IoResult handshake() override { return {IoStatus::Ok, 0, false}; }
    IoResult read(char* buf, std::size_t len) override;
    IoResult write(const char* buf, std::size_t len) override;
    void shutdown_write() override;
    [[nodiscard]] std::size_t pending() const override { return 0; }
    [[nodiscard]] bool secure() const override { return false; }
    [[nodiscard]] bool resumed() const override { return false; }

private:
    int fd_;
};

} // namespace dlba::dlbad
