// dlbad_ring_bench: build time and heap size of dlbad's consistent-hash ring (HashRing) for N
// servers of one weight, and the time of one lookup (ring walk) with and without a server masked.
//
//   dlbad_ring_bench [servers=1000] [weight=100] [rounds=5]
//
// Uses only the HashRing API that every version of dlbad has (constructor, walk, primary), so the
// same source builds against an older core to measure "before" (bench/l7/README.md, "Hash ring").
// Heap bytes: glibc's mallinfo2() (in-use arena bytes + mmapped bytes) just before and after the
// ring is built, with the ring still alive.

#include <dlbad/hash.h>
#include <dlbad/hash_ring.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

using dlba::dlbad::HashNode;
using dlba::dlbad::HashRing;

namespace {

std::size_t heap_in_use()
{
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

unsigned long arg(int argc, char** argv, int i, unsigned long dflt)
{
    return argc > i ? std::strtoul(argv[i], nullptr, 10) : dflt;
}

} // namespace

int main(int argc, char** argv)
{
    const auto servers = static_cast<std::uint32_t>(arg(argc, argv, 1, 1000));
    const auto weight = static_cast<std::uint32_t>(arg(argc, argv, 2, 100));
    const auto rounds = std::max(1ul, arg(argc, argv, 3, 5));
    std::vector<HashNode> nodes;
    for (std::uint32_t i = 1; i <= servers; ++i)
        nodes.push_back({i, weight});

    std::vector<double> build_ms;
    std::size_t heap = 0;
    std::size_t points = 0;
    std::unique_ptr<HashRing> ring;
    for (unsigned long r = 0; r < rounds; ++r) {
        ring.reset();
        const std::size_t before = heap_in_use();
        const auto t0 = std::chrono::steady_clock::now();
        ring = std::make_unique<HashRing>(nodes);
        const auto t1 = std::chrono::steady_clock::now();
        heap = heap_in_use() - before;
        build_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    // Points: one full turn of the walk visits each once.
    ring->walk(0, [&](std::size_t) {
        ++points;
        return false;
    });
    std::sort(build_ms.begin(), build_ms.end());

    // Lookups: 1M keyed positions; all up, then with server 1 masked (the walk skips it).
    constexpr int kLookups = 1'000'000;
    std::uint64_t sink = 0;
    auto lookup_ns = [&](std::size_t masked) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < kLookups; ++i)
            sink += *ring->walk(dlba::dlbad::mix64(static_cast<std::uint64_t>(i)),
                                [&](std::size_t n) { return n != masked; });
        const auto t1 = std::chrono::steady_clock::now();
        return std::chrono::duration<double, std::nano>(t1 - t0).count() / kLookups;
    };
    const double up_ns = lookup_ns(SIZE_MAX);
    const double masked_ns = lookup_ns(0);

    std::printf("servers=%u weight=%u points=%zu heap_bytes=%zu build_ms_median=%.1f build_ms_min=%.1f "
                "build_ms_max=%.1f rounds=%lu lookup_ns=%.0f lookup_masked_ns=%.0f (sink %llu)\n",
                servers, weight, points, heap, build_ms[build_ms.size() / 2], build_ms.front(), build_ms.back(),
                rounds, up_ns, masked_ns, static_cast<unsigned long long>(sink & 1));
    return 0;
}
