#pragma once

#include <algorithm>
#include <deque>
#include <string>

#include "transport/transport.h"

namespace dlba::dlbad::test {

// In-memory Transport: reads come from scripted chunks (then WouldBlock, or the scripted end),
// writes are accepted up to a settable budget (then WouldBlock), everything written is kept.
class FakeTransport final : public Transport {
public:
    void feed(std::string chunk) { input_.push_back(std::move(chunk)); }
    void end_with(IoStatus s) { end_ = s; }
    void set_write_budget(std::size_t n) { write_budget_ = n; }
    void set_read_wants_write(bool v) { read_wants_write_ = v; }

    IoResult handshake() override { return {IoStatus::Ok, 0, false}; }
    IoResult read(char* buf, std::size_t len) override
    {
        ++read_calls;
        if (read_wants_write_)
            return {IoStatus::WouldBlock, 0, true};
        if (input_.empty())
            return end_ == IoStatus::Ok ? IoResult{IoStatus::WouldBlock, 0, false}
                                        : IoResult{end_, 0, false};
        auto& front = input_.front();
        std::size_t n = std::min(len, front.size());
        std::copy_n(front.data(), n, buf);
        front.erase(0, n);
        if (front.empty())
            input_.pop_front();
        bytes_read += n;
        // Like a socket: a short read means nothing more is queued right now.
        return {IoStatus::Ok, n, false, n < len && input_.empty()};
    }
    IoResult write(const char* buf, std::size_t len) override
    {
        if (write_budget_ == 0)
            return {IoStatus::WouldBlock, 0, true};
        std::size_t n = std::min(len, write_budget_);
        written.append(buf, n);
        write_budget_ -= n;
        return {IoStatus::Ok, n, false};
    }
    void shutdown_write() override { shut = true; }
    [[nodiscard]] std::size_t pending() const override { return 0; }
    [[nodiscard]] bool secure() const override { return false; }
    [[nodiscard]] bool resumed() const override { return false; }

    std::size_t pending_input() const
    {
        std::size_t n = 0;
        for (const auto& c : input_)
            n += c.size();
        return n;
    }

    std::string written;
    std::size_t bytes_read = 0;
    std::size_t read_calls = 0;
    bool shut = false;

private:
    std::deque<std::string> input_;
    IoStatus end_ = IoStatus::Ok;
    std::size_t write_budget_ = static_cast<std::size_t>(-1);
    bool read_wants_write_ = false;
};

} // namespace dlba::dlbad::test
