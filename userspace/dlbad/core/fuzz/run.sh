#!/bin/bash
# Builds one of dlbad_core's libFuzzer targets with clang in build/fuzz and runs it.
#   [TARGET=http|response|chunked] userspace/dlbad/core/fuzz/run.sh [seconds=60] [extra libFuzzer args...]
# TARGET picks the harness: http (every parser, the default), response (the
# response head parser) or chunked (the chunked body decoder).  Its seed corpus
# (fuzz/corpus, fuzz/corpus_response, fuzz/corpus_chunked) is read-only input;
# new inputs go to build/fuzz/corpus[_TARGET], crashes to
# build/fuzz/artifacts[_TARGET].  Exit status is libFuzzer's: non-zero when it
# found a crash or a property violation.
set -euo pipefail

SECONDS_TO_RUN=${1:-60}
shift || true
HERE=$(cd "$(dirname "$0")" && pwd)
CORE=$(dirname "$HERE")
ROOT=$(cd "$CORE/../../.." && pwd)
BUILD=${DLBA_FUZZ_BUILD:-$ROOT/build/fuzz}
JOBS=${JOBS:-2}
TARGET=${TARGET:-http}

case "$TARGET" in
http)     BIN=dlbad_core_fuzz;          SEEDS=corpus;          SUFFIX= ;;
response) BIN=dlbad_core_response_fuzz; SEEDS=corpus_response; SUFFIX=_response ;;
chunked)  BIN=dlbad_core_chunked_fuzz;  SEEDS=corpus_chunked;  SUFFIX=_chunked ;;
*) echo "run.sh: TARGET must be http, response or chunked (got '$TARGET')" >&2; exit 2 ;;
esac

cmake -S "$CORE" -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DDLBA_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target "$BIN" -j"$JOBS"

mkdir -p "$BUILD/corpus$SUFFIX" "$BUILD/artifacts$SUFFIX"
exec "$BUILD/$BIN" "$BUILD/corpus$SUFFIX" "$HERE/$SEEDS" \
    -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$BUILD/artifacts$SUFFIX/" -print_final_stats=1 "$@"
