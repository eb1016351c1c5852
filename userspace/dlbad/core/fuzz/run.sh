#!/bin/bash
# Builds dlbad_core's libFuzzer target with clang in build/fuzz and runs it.
#   userspace/dlbad/core/fuzz/run.sh [seconds=60] [extra libFuzzer args...]
# The seed corpus (fuzz/corpus) is read-only input; new inputs go to
# build/fuzz/corpus, crashes to build/fuzz/artifacts.  Exit status is
# libFuzzer's: non-zero when it found a crash or a property violation.
set -euo pipefail

SECONDS_TO_RUN=${1:-60}
shift || true
HERE=$(cd "$(dirname "$0")" && pwd)
CORE=$(dirname "$HERE")
ROOT=$(cd "$CORE/../../.." && pwd)
BUILD=${DLBA_FUZZ_BUILD:-$ROOT/build/fuzz}
JOBS=${JOBS:-2}

cmake -S "$CORE" -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DDLBA_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target dlbad_core_fuzz -j"$JOBS"

mkdir -p "$BUILD/corpus" "$BUILD/artifacts"
exec "$BUILD/dlbad_core_fuzz" "$BUILD/corpus" "$HERE/corpus" \
    -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$BUILD/artifacts/" -print_final_stats=1 "$@"
