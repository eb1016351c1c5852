#!/usr/bin/env bash
# Build the admin socket's command parser fuzzer with clang + libFuzzer and run it.
# Usage: userspace/dlbad/fuzz/run.sh [SECONDS]   (default 60)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$repo/build/fuzz/dlbad
cmake -S "$repo/userspace" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLBA_FUZZ=ON >/dev/null
cmake --build "$build" --target dlbad_admin_command_fuzz -j2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/admin_corpus/* "$work"/
"$build/dlbad/dlbad_admin_command_fuzz" -max_total_time="${1:-60}" -rss_limit_mb=1024 "$work"
