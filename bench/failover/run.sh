#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - `make bench-failover`: the array's failover (corosync + dlba-arrayd
# + dlba.ko with live table sync) against keepalived (VRRP) + IPVS, without
# and with IPVS's connection sync daemon, on the same topology and load, in
# one QEMU VM.  Method: bench/failover/failover-bench.sh and
# Documentation/bench.md ("Failover").
#
# Needs `make userspace` (dlbactl, dlba-arrayd) and keepalived (make deps).
# Prints one line per trial, then a table, and last
#   ratio=<keepalived default failover time / DLBA default failover time>
#
# Environment:
#   BENCH_KERNEL       kernel to boot (default: the newest with headers and an image)
#   BENCH_STABLE_S     seconds of steady load before each failover (default 120)
#   BENCH_LOAD         busy processes in the VM during each trial (default 1)
#   BENCH_DLBA_TOKENS  corosync token values in ms, the default first (default "300 1000")
#   BENCH_KA_ADVERTS   keepalived advert_int values in s, the default first (default "1 0.1")
#   BENCH_RESULTS      host directory for the raw results (default build/bench/failover/results)
set -euo pipefail
# Parsed as one block before it runs: editing this file meanwhile is harmless.
{

REPO=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
OUTDIR=$REPO/build/bench/failover
RESULTS=${BENCH_RESULTS:-$OUTDIR/results}

log() { echo "bench-failover: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (QEMU, network namespaces in the VM)"
command -v keepalived >/dev/null || die "keepalived not installed (make deps)"
KVER=${BENCH_KERNEL:-$("$REPO/scripts/kernels.sh" list | tail -n 1)}
[ -n "$KVER" ] || die "no kernel with headers and an image (run scripts/install-deps.sh)"
for b in dlbactl/dlbactl arrayd/dlba-arrayd; do
	[ -x "$REPO/build/userspace/$b" ] || die "build/userspace/$b missing: run make userspace"
done
mkdir -p "$OUTDIR" "$RESULTS"
log "building dlba.ko for $KVER"
DLBA_KO=$(bash "$REPO/scripts/build-kmod.sh" "$KVER" 2>"$OUTDIR/build-kmod.log") ||
	{ tail -n 30 "$OUTDIR/build-kmod.log" >&2; die "cannot build dlba.ko"; }

VMARGS=(--kernel "$KVER" --mem 3072 --timeout "${BENCH_TIMEOUT:-3600}" --results "$RESULTS" --quiet
	--env "DLBA_KO=$DLBA_KO" --env BENCH_OUT=/run/vm/results)
for v in BENCH_STABLE_S BENCH_LOAD BENCH_DLBA_TOKENS BENCH_KA_ADVERTS; do
	[ -z "${!v:-}" ] || VMARGS+=(--env "$v=${!v}")
done
log "running the trials in a VM ($KVER; 5 trials of BENCH_STABLE_S=${BENCH_STABLE_S:-120} s + a failover each)"
start=$(date +%s)
rc=0
# the VM runs a copy, so that editing the tree meanwhile cannot disturb it
cp "$REPO/bench/failover/failover-bench.sh" "$OUTDIR/failover-bench.sh"
bash "$REPO/selftests/vm/run-vm.sh" "${VMARGS[@]}" --env "BENCH_REPO=$REPO" -- \
	bash "$OUTDIR/failover-bench.sh" >"$RESULTS/vm.log" 2>&1 || rc=$?
grep '^trial ' "$RESULTS/vm.log" || true
[ "$rc" = 0 ] || { tail -n 40 "$RESULTS/vm.log" >&2; die "the VM run failed (exit $rc); log: $RESULTS/vm.log"; }
log "VM run took $(($(date +%s) - start))s"

# field KEY LINE
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
printf '\n%-16s %-8s %12s %16s %8s\n' system setting failover_ms false_failovers broken
dlba_default='' ka_default=''
while read -r line; do
	sys=$(field system "$line")
	set=$(field setting "$line")
	ms=$(field failover_ms "$line")
	printf '%-16s %-8s %12s %16s %8s\n' "$sys" "$set" "$ms" "$(field false_failovers "$line")" \
		"$(field broken "$line")"
	[ "$sys" = dlba ] && [ -z "$dlba_default" ] && dlba_default=$ms
	[ "$sys" = keepalived ] && [ -z "$ka_default" ] && ka_default=$ms
done < <(grep '^trial system=' "$RESULTS/vm.log")
log "failover time: last new connection answered before the holder's power-off to the first after"
log "kernel $KVER, QEMU TCG; host load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$dlba_default" ] && [ -n "$ka_default" ] && [ "$dlba_default" -gt 0 ] ||
	die "no default-setting failover time for both systems (dlba '$dlba_default', keepalived '$ka_default')"
awk -v k="$ka_default" -v d="$dlba_default" 'BEGIN { printf "ratio=%.2f\n", k / d }'
exit
}
