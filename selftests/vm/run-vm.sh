#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh - run one command inside a throw-away QEMU VM booting a Debian
# kernel (installed, or unpacked by scripts/kernels.sh without installing
# it), with the host's root file system as its root.
#
# Usage:
#   selftests/vm/run-vm.sh --kernel VER [options] -- CMD [ARG...]
#
# Options:
#   --kernel VER     kernel release: boots ROOT/boot/vmlinuz-VER with modules
#                    from ROOT/lib/modules/VER, ROOT being / or its entry in
#                    the kernel cache (scripts/kernels.sh root VER; required)
#   --timeout S      kill the VM after S seconds and fail (default 900)
#   --results DIR    host directory shared writable with the VM (created;
#                    kept).  Default: a temporary directory, removed on exit.
#   --env VAR=VAL    export VAR=VAL to CMD (repeatable).  Variables named
#                    DLBA_* in the caller's environment are passed as well.
#   --mem MB         guest memory (default 2048)
#   --smp N          guest CPUs (default 2)
#   --append ARGS    extra kernel command line arguments
#   --panic-on-warn  panic (and so stop the VM) at the first WARNING, to
#                    debug it from the state it left; by default the run
#                    goes on so that every test reports, and the WARNING
#                    still fails the run when the log is scanned
#   --quiet          don't echo the serial console live; print only the
#                    command's output and any kernel problem at the end
#
# How it works:
#   - The initramfs (busybox-static + the virtio/9p modules of VER, unpacked
#     from .ko.xz on the host, built-in ones skipped) is cached in
#     build/vm/VER/ and rebuilt when its init scripts, busybox or the
#     modules change.
#   - Acceleration: TCG (-cpu max) unless DLBA_VM_ACCEL says otherwise.
#     KVM is not the default: on the nested hosts this project is tested
#     on it aborts (-cpu host: an MSR qemu cannot set), hangs at boot
#     (qemu64), or passes a short probe boot and then dies in the real run
#     (seen once in CI with 6.12 while 6.1 ran).  DLBA_VM_ACCEL=kvm forces
#     it; DLBA_VM_ACCEL=auto uses it when /dev/kvm is usable and a probe
#     boot of VER (powering off at once, 20 s at most) completes, the
#     verdict kept per host boot and kernel in build/vm/accel.BOOT_ID.VER.
#   - The VM mounts the host's / read-only over 9p (tag "hostroot"), tmpfs on
#     /tmp /run /var/tmp /var/log /var/lib/nginx /root /dev/shm, fresh
#     proc/sys/devtmpfs, and the results directory (tag "results") at
#     /run/vm/results, and the repository (read-only, tag "repo") again at
#     its own path, so that a checkout below /tmp (a CI clone) stays
#     visible, and for a cached kernel its modules (tag "kmods") at
#     /lib/modules; then it switch_root's into the host root.  The kernel's
#     usermode helpers (request_module -> /sbin/modprobe) therefore work.
#   - CMD runs with cwd = the caller's cwd, stdin /dev/null, as root, with
#     env DLBA_VM=1 and DLBA_VM_RESULTS=/run/vm/results.  Its output goes to
#     the console and to RESULTS/output; its exit code to RESULTS/exit-code;
#     the full kernel log to RESULTS/dmesg.  Then the VM powers off.
#   - The serial console is logged to RESULTS/console.log.  Every kernel
#     line of it and the final dmesg are scanned for BUG:, WARNING:, Oops,
#     hung tasks, general protection faults, panics, KASAN, UBSAN, refcount_t
#     and RCU stalls; any hit fails the run and the lines are printed.  A
#     kernel whose watchdog reports a soft lockup three times (over a minute
#     wedged) is stopped at once instead of at the time-out.
#   - The guest has no network device: all traffic stays inside the VM.
#
# Exit status: CMD's exit status if the kernel log is clean; 1 for a kernel
# problem, a timeout or a VM that did not finish; 4 (skip) only when QEMU or
# the kernel image is not available.
set -euo pipefail

SELF=$(readlink -f "$0")
REPO=$(cd "$(dirname "$SELF")/../.." && pwd)

KVER=
TIMEOUT=900
RESULTS=
KEEP_RESULTS=0
MEM=2048
SMP=2
APPEND=
QUIET=0
ENVS=()

usage() {
	sed -n '4,28p' "$SELF" | sed 's/^# \{0,1\}//' >&2
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) KVER=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--results) RESULTS=$2; KEEP_RESULTS=1; shift 2 ;;
	--env) ENVS+=("$2"); shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--quiet) QUIET=1; shift ;;
	--panic-on-warn) APPEND+=" panic_on_warn=1"; shift ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) echo "run-vm: unknown option $1" >&2; usage ;;
	esac
done
[ -n "$KVER" ] || { echo "run-vm: --kernel VER is required" >&2; usage; }
[ $# -gt 0 ] || { echo "run-vm: no command given" >&2; usage; }

log() { echo "run-vm[$KVER]: $*" >&2; }

# RESULTS/verdict: ok | kernel-problem | timeout | no-exit | skip
# RESULTS/verdict-detail: one line saying why, for the failure's summary line
verdict() {
	[ -z "$RESULTS" ] || { mkdir -p "$RESULTS" && echo "$1" >"$RESULTS/verdict"; }
	[ -z "$RESULTS" ] || [ -z "${2:-}" ] || echo "$2" >"$RESULTS/verdict-detail"
}
# last_console_line: the console's last non-empty line, shortened
last_console_line() {
	tr -d '\r' <"$CONSOLE" | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-160
}

QEMU=$(command -v qemu-system-x86_64 || true)
BUSYBOX=/bin/busybox
if [ -z "$QEMU" ]; then
	log "SKIP: qemu-system-x86_64 not installed"; verdict skip; exit 4
fi
if ! KROOT=$("$REPO/scripts/kernels.sh" root "$KVER"); then
	log "SKIP: kernel $KVER neither installed nor in the cache (scripts/install-deps.sh)"
	verdict skip; exit 4
fi
KROOT=${KROOT%/}
KIMG=$KROOT/boot/vmlinuz-$KVER
if ! "$BUSYBOX" --list 2>/dev/null | grep -x switch_root >/dev/null; then
	log "SKIP: $BUSYBOX (busybox-static) not available"; verdict skip; exit 4
fi

# ---------------------------------------------------------------- initramfs
# Modules the initramfs loads, in this order, dependencies first.
INITRD_MODS=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev
	     virtio_pci netfs fscache 9pnet 9pnet_virtio 9p virtio_rng)

# Resolve NAME to "path" lines for it and its dependencies (deps first).
# Built-in or absent modules print nothing.
declare -A SEEN=()
resolve_mod() {
	local name=$1 path dep
	[ -z "${SEEN[$name]:-}" ] || return 0
	SEEN[$name]=1
	path=$(modinfo -b "${KROOT:-/}" -k "$KVER" -n "$name" 2>/dev/null || true)
	case "$path" in
	""|"(builtin)") return 0 ;;
	esac
	for dep in $(modinfo -b "${KROOT:-/}" -k "$KVER" -F depends "$name" 2>/dev/null | tr ',' ' '); do
		resolve_mod "$dep"
	done
	echo "$path"
}

# The /init of the initramfs (busybox sh).
init_script() {
	cat <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
fail() {
	echo "dlba-vm-init: FATAL: $*"
	echo "dlba-vm-init: FATAL" >/dev/kmsg
	poweroff -f
}
for m in $(cat /modules.order); do
	insmod "/modules/$m" || fail "insmod $m"
done
mkdir -p /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose \
	hostroot /newroot || fail "mount hostroot"
mount -t proc proc /newroot/proc || fail "mount proc"
mount -t sysfs sys /newroot/sys || fail "mount sys"
mount -t devtmpfs dev /newroot/dev || fail "mount dev"
mkdir -p /newroot/dev/pts /newroot/dev/shm 2>/dev/null
mount -t devpts devpts /newroot/dev/pts -o ptmxmode=0666
mount -t tmpfs tmpfs /newroot/dev/shm
# what udev adds on a real system: bash's process substitution uses /dev/fd
ln -s /proc/self/fd /newroot/dev/fd
ln -s /proc/self/fd/0 /newroot/dev/stdin
ln -s /proc/self/fd/1 /newroot/dev/stdout
ln -s /proc/self/fd/2 /newroot/dev/stderr
for d in tmp run var/tmp var/log var/lib/nginx root; do
	[ -d "/newroot/$d" ] || continue
	mount -t tmpfs -o mode=0755 tmpfs "/newroot/$d" || fail "tmpfs $d"
done
chmod 1777 /newroot/tmp /newroot/var/tmp
mkdir -p /newroot/run/vm/results /newroot/run/lock /newroot/var/log/nginx
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 \
	results /newroot/run/vm/results || fail "mount results"
# The repository again at its own path: a checkout below one of the tmpfs
# directories above (a CI clone in /tmp, say) would be hidden otherwise.
repo=$(sed -n 's/.*dlba\.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$repo" ]; then
	mkdir -p "/newroot$repo" 2>/dev/null
	mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144 \
		repo "/newroot$repo" || fail "mount repo"
fi
# A kernel from the cache: its modules where modprobe looks for them.
if grep -q 'dlba\.kmods=1' /proc/cmdline; then
	mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144 \
		kmods /newroot/lib/modules || fail "mount kmods"
fi
[ -d /sys/kernel/debug ] && mount -t debugfs none /newroot/sys/kernel/debug 2>/dev/null
cp /stage2.sh /newroot/run/vm/stage2.sh
exec switch_root /newroot /bin/bash /run/vm/stage2.sh
fail "switch_root"
INIT
}

# Stage 2: PID 1 inside the host root.  bash reaps orphaned children.
stage2_script() {
	cat <<'STAGE2'
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
R=/run/vm/results
hostname dlba-vm 2>/dev/null
ip link set lo up
# Hold one socket with SO_TIMESTAMP for the whole run, so that the kernel's
# netstamp_needed_key stays on: otherwise every ping (SO_TIMESTAMP) switches
# it on and off, each time patching the code of the receive path, and under
# TCG a vCPU running that code while the other patches it took an int3 Oops
# (6.12, __netif_receive_skb_core, 2026-12-07).
python3 -c 'import signal, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_TIMESTAMP, 1)
signal.pause()' </dev/null >/dev/null 2>&1 &
# The same for the netfilter hooks dlba.ko uses: rmmod (and a namespace's
# deletion) switched nf_hooks_needed off while other vCPUs sent through
# NF_HOOK, and a 6.1 VM stayed stuck at that patch site in ip6_xmit (soft
# lockups, unload.sh, 2026-12-07).  Accepting base chains in this namespace
# keep those keys on; the tests' own namespaces have no hook from them.
if modprobe nf_tables 2>/dev/null; then
	nft -f - <<'NFT' || echo "dlba-vm: could not add the keep-alive nftables chains"
table inet dlba_vm_keys {
	chain keep_pre {
		type filter hook prerouting priority 0; policy accept;
	}
	chain keep_fwd {
		type filter hook forward priority 0; policy accept;
	}
	chain keep_out {
		type filter hook output priority 0; policy accept;
	}
}
NFT
else
	echo "dlba-vm: no nf_tables module: netfilter's static keys follow the tests"
fi
echo "dlba-vm: booted $(uname -r) in $(cut -d' ' -f1 /proc/uptime)s, running command"
(
	bash "$R/cmd.sh" </dev/null
	echo $? >"$R/exit-code.tmp"
) 2>&1 | tee "$R/output"
mv "$R/exit-code.tmp" "$R/exit-code" 2>/dev/null
dmesg >"$R/dmesg" 2>/dev/null
echo "dlba-vm: done at $(cut -d' ' -f1 /proc/uptime)s, exit code $(cat "$R/exit-code" 2>/dev/null)"
sync
umount "$R" 2>/dev/null
/bin/busybox poweroff -f
echo o >/proc/sysrq-trigger
sleep 100
STAGE2
}

VMDIR=$REPO/build/vm/$KVER
INITRD=$VMDIR/initramfs.cpio.gz
mkdir -p "$VMDIR"

mapfile -t MODPATHS < <(for m in "${INITRD_MODS[@]}"; do resolve_mod "$m"; done)
KEY=$({
	echo "$KVER"
	init_script
	stage2_script
	stat -c '%n %s %Y' "$BUSYBOX" "${MODPATHS[@]}"
} | sha256sum | cut -d' ' -f1)

if [ ! -s "$INITRD" ] || [ "$(cat "$VMDIR/initramfs.key" 2>/dev/null)" != "$KEY" ]; then
	log "building initramfs ($INITRD)"
	stage=$(mktemp -d "$VMDIR/stage.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,modules,newroot}
	cp "$BUSYBOX" "$stage/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
	done
	: >"$stage/modules.order"
	for p in "${MODPATHS[@]}"; do
		b=$(basename "$p")
		case "$p" in
		*.ko.xz) xz -dc "$p" >"$stage/modules/${b%.xz}"; b=${b%.xz} ;;
		*.ko.zst) zstd -qdc "$p" >"$stage/modules/${b%.zst}"; b=${b%.zst} ;;
		*.ko.gz) gzip -dc "$p" >"$stage/modules/${b%.gz}"; b=${b%.gz} ;;
		*) cp "$p" "$stage/modules/$b" ;;
		esac
		echo "$b" >>"$stage/modules.order"
	done
	init_script >"$stage/init"
	stage2_script >"$stage/stage2.sh"
	chmod 755 "$stage/init" "$stage/stage2.sh"
	(cd "$stage" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$INITRD.tmp"
	mv "$INITRD.tmp" "$INITRD"
	echo "$KEY" >"$VMDIR/initramfs.key"
	rm -rf "$stage"
fi

# ------------------------------------------------------------------ results
if [ -z "$RESULTS" ]; then
	RESULTS=$(mktemp -d /tmp/dlba-vm.XXXXXX)
fi
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
rm -f "$RESULTS"/{exit-code,exit-code.tmp,output,dmesg,console.log,cmd.sh,verdict,verdict-detail}
QPID=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
		kill -KILL "$QPID" 2>/dev/null || true
	fi
	if [ "$KEEP_RESULTS" = 0 ]; then
		rm -rf "$RESULTS"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
	echo '#!/bin/bash'
	printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
	echo 'export DLBA_VM=1 DLBA_VM_RESULTS=/run/vm/results'
	while IFS='=' read -r name _; do
		case "$name" in
		DLBA_VM|DLBA_VM_RESULTS) ;;
		DLBA_*) printf 'export %s=%q\n' "$name" "${!name}" ;;
		esac
	done < <(env | grep -E '^DLBA_[A-Za-z0-9_]*=' || true)
	for e in "${ENVS[@]+"${ENVS[@]}"}"; do
		printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
	done
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$RESULTS/cmd.sh"

# --------------------------------------------------------------------- boot
# loglevel=5: warnings and worse reach the console (and so the scan even if
# the VM dies); oops=panic + panic=1 + -no-reboot: an oops ends the VM at
# once instead of leaving a half-dead kernel to time out; hung tasks are
# reported after 60 s.
CMDLINE="console=ttyS0,115200 loglevel=5 printk.time=1 panic=1 oops=panic"
CMDLINE+=" sysctl.kernel.hung_task_timeout_secs=60"
CMDLINE+=" rdinit=/init mitigations=off net.ifnames=0 dlba.repo=$REPO $APPEND"

KMODS=()
if [ -n "$KROOT" ]; then
	CMDLINE+=" dlba.kmods=1"
	KMODS=(-virtfs "local,path=$KROOT/lib/modules,mount_tag=kmods,security_model=none,readonly=on,multidevs=remap")
fi

# kvm_works: a probe boot under KVM (the kernel powers off from the
# initramfs at once) finishes within 20 s
kvm_works() {
	local out
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	out=$(timeout -s KILL 20 "$QEMU" -accel kvm -cpu host -m 256 -nographic -no-reboot \
		-monitor none -nic none -kernel "$KIMG" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 rdinit=/bin/poweroff -- -f" </dev/null 2>&1) || return 1
	grep -q 'reboot: Power down' <<<"$out"
}
ACCEL=${DLBA_VM_ACCEL:-tcg}
if [ "$ACCEL" = auto ]; then
	probe=$REPO/build/vm/accel.$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown).$KVER
	ACCEL=$(cat "$probe" 2>/dev/null || true)
	if [ -z "$ACCEL" ]; then
		if kvm_works; then ACCEL=kvm; else ACCEL=tcg; fi
		echo "$ACCEL" >"$probe"
	fi
fi
case "$ACCEL" in
kvm) ACCEL_ARGS=(-accel kvm -cpu host) ;;
# TCG with one host thread for all vCPUs (thread=single): with a thread per
# vCPU (MTTCG, QEMU's default), a vCPU could still run a static key's int3
# after another vCPU had patched the site back, an "Oops: int3" in the
# receive path (6.12, netif_receive_skb and __netif_receive_skb_core,
# 2026-12-07) that the keys held on below only made rarer.  The guest keeps
# its CPUs; each VM uses one host core, and make check runs two VMs.
tcg) ACCEL_ARGS=(-accel "tcg,thread=single" -cpu max) ;;
*) log "DLBA_VM_ACCEL must be tcg, kvm or auto, not '$ACCEL'"; exit 2 ;;
esac

CONSOLE=$RESULTS/console.log
: >"$CONSOLE"
start=$(date +%s%N)
set +e
"$QEMU" "${ACCEL_ARGS[@]}" -smp "$SMP" -m "$MEM" -nographic -no-reboot \
	-monitor none -nic none \
	-kernel "$KIMG" -initrd "$INITRD" -append "$CMDLINE" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$RESULTS,mount_tag=results,security_model=none,multidevs=remap" \
	-virtfs "local,path=$REPO,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
	"${KMODS[@]+"${KMODS[@]}"}" -device virtio-rng-pci \
	</dev/null >"$CONSOLE" 2>&1 &
QPID=$!
TAILPID=
if [ "$QUIET" = 0 ]; then
	tail -n +1 -f --pid="$QPID" "$CONSOLE" | tr -d '\r' &
	TAILPID=$!
fi
timed_out=0
wedged=0
deadline=$(( $(date +%s) + TIMEOUT ))
next_look=0
while kill -0 "$QPID" 2>/dev/null; do
	now=$(date +%s)
	if [ "$now" -ge "$deadline" ]; then
		timed_out=1
		kill -KILL "$QPID" 2>/dev/null
		break
	fi
	# A guest whose kernel is wedged (the watchdog has reported the same
	# soft lockup three times: over a minute stuck) never finishes its
	# command, and the run fails on that kernel problem anyway: stop it
	# now rather than at the time-out, which may be hours away.
	if [ "$now" -ge "$next_look" ]; then
		next_look=$((now + 10))
		if [ "$(grep -c 'soft lockup - CPU' "$CONSOLE" 2>/dev/null)" -ge 3 ]; then
			wedged=1
			kill -KILL "$QPID" 2>/dev/null
			break
		fi
	fi
	sleep 0.5
done
{ wait "$QPID"; } 2>/dev/null
qrc=$?
QPID=
[ -z "$TAILPID" ] || wait "$TAILPID" 2>/dev/null
set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
elapsed=$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))

# ------------------------------------------------------------------- verdict
PATTERN='BUG:|WARNING:|Oops|hung task|blocked for more than|general protection|Kernel panic|KASAN|UBSAN|refcount_t|detected stall|dlba-vm-init: FATAL'
problems=$( {
	# only kernel lines (with a printk timestamp) of the console, so that
	# test output can never be mistaken for a kernel problem
	tr -d '\r' <"$CONSOLE" | grep -E '^(<[0-9]>)?\[ *[0-9]+\.[0-9]+\]' || true
	cat "$RESULTS/dmesg" 2>/dev/null || true
} | grep -E "$PATTERN" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' | awk '!seen[$0]++' || true)

rc=
if [ -f "$RESULTS/exit-code" ]; then
	rc=$(cat "$RESULTS/exit-code")
fi

if [ "$QUIET" = 1 ] && [ -f "$RESULTS/output" ]; then
	cat "$RESULTS/output"
fi

if [ -n "$problems" ]; then
	log "FAIL: kernel problem in the log:"
	# shellcheck disable=SC2001 # indents every line of a multi-line value
	echo "$problems" | sed 's/^/    /' >&2
	if [ "$QUIET" = 1 ]; then
		log "kernel log around the first problem:"
		first=$(echo "$problems" | head -n1)
		tr -d '\r' <"$CONSOLE" | grep -F -A40 -- "$first" | head -n 60 | sed 's/^/    /' >&2 || true
	fi
	[ "$KEEP_RESULTS" = 1 ] && log "full console log: $CONSOLE"
	[ "$wedged" = 0 ] || log "the VM was stopped after ${elapsed}s: its kernel stayed locked up"
	verdict kernel-problem "$ACCEL: $(echo "$problems" | head -n1 | cut -c1-160)"
	exit 1
fi
if [ "$timed_out" = 1 ]; then
	log "FAIL: timed out after ${TIMEOUT}s (VM killed)"
	verdict timeout "$ACCEL: killed after ${TIMEOUT}s; console ended: $(last_console_line)"
	[ "$QUIET" = 1 ] && tail -n 40 "$CONSOLE" | tr -d '\r' | sed 's/^/    /' >&2
	exit 1
fi
if [ -z "$rc" ]; then
	log "FAIL: the VM stopped (qemu exit $qrc) before the command finished"
	verdict no-exit "$ACCEL: qemu exit $qrc after ${elapsed}s; console ended: $(last_console_line)"
	[ "$QUIET" = 1 ] && tail -n 40 "$CONSOLE" | tr -d '\r' | sed 's/^/    /' >&2
	exit 1
fi
log "command exit code $rc, VM time ${elapsed}s ($ACCEL)"
verdict ok
exit "$rc"
