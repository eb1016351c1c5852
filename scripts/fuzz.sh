#!/usr/bin/env bash
# Build one of the daemons' and dlbactl's libFuzzer targets with clang and run it on a copy of its
# seed corpus (the corpora are replayed under ctest too).  dlbad_core's parsers have their own
# script, userspace/dlbad/core/fuzz/run.sh (a standalone build with a kept corpus).
# Usage: scripts/fuzz.sh TOOL [SECONDS] [TARGET]   (default 60 seconds, the tool's first target)
#   TOOL     TARGET (first is the default)                       what
#   dlbad    admin_command | access_log                          admin socket commands, log format
#   arrayd   config_message | sync | neighbour                   CPG message decoders, ARP/NS parser
#   dlbactl  reply                                               netlink replies
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

# TOOL TARGET CORPUS (a folder in userspace/TOOL/fuzz); the binary is TOOL_TARGET_fuzz.
table="dlbad admin_command admin_corpus
dlbad access_log corpus_accesslog
arrayd config_message corpus
arrayd sync sync_corpus
arrayd neighbour neighbour_corpus
dlbactl reply corpus"

usage() {
	echo "usage: $0 TOOL [SECONDS] [TARGET]; TOOL TARGET is one of:" >&2
	echo "$table" | cut -d' ' -f1,2 | sed 's/^/  /' >&2
	exit 2
}

tool=${1:-}
[ -n "$tool" ] || usage
seconds=${2:-60}
target=${3:-$(echo "$table" | awk -v t="$tool" '$1 == t { print $2; exit }')}
corpus=$(echo "$table" | awk -v t="$tool" -v g="$target" '$1 == t && $2 == g { print $3 }')
[ -n "$corpus" ] || usage

build=$repo/build/fuzz/$tool
cmake -S "$repo/userspace" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLBA_FUZZ=ON >/dev/null
cmake --build "$build" --target "${tool}_${target}_fuzz" -j2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$repo/userspace/$tool/fuzz/$corpus"/* "$work"/
"$build/$tool/${tool}_${target}_fuzz" -max_total_time="$seconds" -rss_limit_mb=1024 "$work"
