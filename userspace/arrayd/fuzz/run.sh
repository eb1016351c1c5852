#!/usr/bin/env bash
# Build one of dlba-arrayd's fuzzers (the CPG messages' decoders, the ARP/NS frame parser) with
# clang + libFuzzer and run it.
# Usage: userspace/arrayd/fuzz/run.sh [SECONDS] [config_message|sync|neighbour]
#        (default 60, config_message)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build/fuzz/arrayd
target=${2:-config_message}
case $target in
config_message) corpus=$here/corpus ;;
sync) corpus=$here/sync_corpus ;;
neighbour) corpus=$here/neighbour_corpus ;;
*) echo "usage: $0 [SECONDS] [config_message|sync|neighbour]" >&2; exit 2 ;;
esac
cmake -S "$repo/userspace" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLBA_FUZZ=ON >/dev/null
cmake --build "$build" --target "arrayd_${target}_fuzz" -j2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$corpus"/* "$work"/
"$build/arrayd/arrayd_${target}_fuzz" -max_total_time="${1:-60}" -rss_limit_mb=1024 "$work"
