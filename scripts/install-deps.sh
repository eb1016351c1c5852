#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages DLBA needs to build, test, benchmark and
# demo.  Idempotent: when everything is already installed this is a single
# dpkg-query and returns at once.  Otherwise (as root) it runs `apt-get
# update` once and installs only the missing packages.
#
# The kernels the VMs boot (6.1 and 6.12) are not installed: a new
# linux-image package would become the machine's default boot kernel.  Only
# their headers are; each image is unpacked into a cache by
# scripts/kernels.sh (unless the machine has it installed already).
#
# Usage: scripts/install-deps.sh [--check]
#   --check   only report missing packages (exit 1 if any), install nothing
set -euo pipefail

PKGS=(
	# headers of the kernels the VM selftests boot, for building dlba.ko (the
	# images: scripts/kernels.sh, below)
	linux-headers-amd64 linux-headers-6.12-amd64
	# VM harness
	qemu-system-x86 busybox-static kmod xz-utils
	# test topology, backends, clients and anchors (jq: JSON checks; gojq
	# runs them in the VM, where jq 1.6 takes ~0.7 s to start)
	nginx-light curl wrk haproxy ipvsadm python3 python3-scapy nftables
	iproute2 iputils-ping ethtool procps psmisc util-linux
	openssl jq gojq
	# dlbad's and dlba-arrayd's status web pages, rendered by their tests (it_webpage.sh)
	chromium-headless-shell
	# kernel module build / checks
	sparse dkms make
	# linters (scripts/lint.sh): checkpatch.pl comes from the kernel source
	clang-format-14 clang-tidy-14 shellcheck linux-source-6.1
	# the netlink family's YNL spec: the generators (scripts/nlgen.py) and its
	# check against the kernel's schema (scripts/nlspec-check.py), which
	# linux-source-6.12 carries (6.1's has none)
	python3-yaml python3-jsonschema linux-source-6.12
	# userspace build and unit tests
	cmake g++ pkg-config libmnl-dev libboost-program-options-dev
	nlohmann-json3-dev libyaml-cpp-dev libssl-dev
	# dlba-arrayd: its libraries, and corosync for its integration test
	corosync libcpg-dev libvotequorum-dev libquorum-dev
	# make bench-failover: the anchor (VRRP + IPVS)
	keepalived
	libgtest-dev libgmock-dev googletest
	# libFuzzer targets
	clang libclang-rt-14-dev
	# make install's check (scripts/install-check.sh): systemd-analyze, man
	systemd man-db
	# make deb (scripts/deb.sh: dpkg-shlibdeps) and its check
	# (scripts/deb-check.sh: lintian; busybox-static, above, is the shell of
	# the scratch root the packages are installed into)
	dpkg-dev lintian
)

missing=()
# One dpkg-query for all packages: print "name status" for the installed
# ones; anything not printed as "install ok installed" is missing.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null |
	awk '$NF == "installed" && $(NF-1) == "ok" { print $1 }') || true
for p in "${PKGS[@]}"; do
	if ! grep -qxF -- "$p" <<<"$installed"; then
		missing+=("$p")
	fi
done

# The tests and benchmarks start nginx, HAProxy, corosync and keepalived themselves, in
# network namespaces; the Debian packages enable them as boot services, which
# this machine must not be left with.
disable_services() {
	local svc
	command -v systemctl >/dev/null || return 0
	for svc in nginx haproxy corosync keepalived; do
		if [ "$(systemctl is-enabled "$svc" 2>/dev/null)" = enabled ]; then
			# no --now: without a running systemd (containers, CI)
			# stopping fails although disabling worked
			systemctl disable "$svc" >/dev/null 2>&1 ||
				echo "install-deps: could not disable $svc" >&2
		fi
		if systemctl is-active --quiet "$svc" 2>/dev/null; then
			systemctl stop "$svc" >/dev/null 2>&1 ||
				echo "install-deps: could not stop $svc" >&2
		fi
	done
}

KERNELS=$(dirname "$(readlink -f "$0")")/kernels.sh
# The wanted kernels that are neither installed nor cached.
missing_kernels() {
	local v
	for v in $("$KERNELS" wanted); do
		"$KERNELS" root "$v" >/dev/null || echo "$v"
	done
}

UPDATED=0
fetch_kernels() {
	local v mk
	mk=$(missing_kernels)
	[ -n "$mk" ] || return 0
	[ "$UPDATED" = 1 ] || apt-get update
	for v in $mk; do
		"$KERNELS" fetch "$v"
	done
}

if [ ${#missing[@]} -eq 0 ]; then
	if [ "${1:-}" = "--check" ]; then
		mk=$(missing_kernels)
		[ -z "$mk" ] || { echo "kernel images not cached: $mk" >&2; exit 1; }
		exit 0
	fi
	[ "$(id -u)" -ne 0 ] || { disable_services; fetch_kernels; }
	exit 0
fi

if [ "${1:-}" = "--check" ]; then
	echo "missing packages: ${missing[*]}" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
UPDATED=1
apt-get install -y --no-install-recommends "${missing[@]}"
disable_services
fetch_kernels
