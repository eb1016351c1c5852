#pragma once

// Helpers shared by the dedicated fuzz targets (response_fuzz, chunked_fuzz).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace dlba::dlbad::fuzz {

// A violated property aborts, which libFuzzer reports as a crash (and the replay ctest as a
// failed test).
inline void check(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz property violated: %s\n", what);
        std::abort();
    }
}

inline bool inside(std::string_view v, std::string_view buf)
{
    return v.empty() || (v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size());
}

// Piece sizes for feeding an input "as a socket would": a small xorshift generator seeded from
// the input, so a split is reproducible from the crasher alone.  Sizes are 0..max (0 included:
// an empty read must change nothing).
class Splitter {
public:
    Splitter(std::uint8_t seed, std::size_t max) noexcept
        : state_(0x9e3779b9u ^ (static_cast<std::uint32_t>(seed) * 0x01000193u)),
          max_(max)
    {
        if (state_ == 0)
            state_ = 1;
    }

    std::size_t next() noexcept
    {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return state_ % (max_ + 1);
    }

private:
    std::uint32_t state_;
    std::size_t max_;
};

} // namespace dlba::dlbad::fuzz
