#!/usr/bin/env bash
# Build one of dlbad's fuzzers (the admin socket's command parser, the access log format) with
# clang + libFuzzer and run it.
# Usage: userspace/dlbad/fuzz/run.sh [SECONDS] [admin_command|access_log]
#        (default 60, admin_command)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build/fuzz/dlbad
target=${2:-admin_command}
case $target in
admin_command) corpus=$here/admin_corpus ;;
access_log) corpus=$here/corpus_accesslog ;;
*) echo "usage: $0 [SECONDS] [admin_command|access_log]" >&2; exit 2 ;;
esac
cmake -S "$repo/userspace" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLBA_FUZZ=ON >/dev/null
cmake --build "$build" --target "dlbad_${target}_fuzz" -j2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$corpus"/* "$work"/
"$build/dlbad/dlbad_${target}_fuzz" -max_total_time="${1:-60}" -rss_limit_mb=1024 "$work"
