#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages DLBA needs to build, test, benchmark and
# demo.  Idempotent: when everything is already installed this is a single
# dpkg-query and returns at once.  Otherwise (as root) it runs `apt-get
# update` once and installs only the missing packages.
#
# Usage: scripts/install-deps.sh [--check]
#   --check   only report missing packages (exit 1 if any), install nothing
set -euo pipefail

PKGS=(
	# kernels the VM selftests boot, and their headers for building dlba.ko
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# VM harness
	qemu-system-x86 busybox-static kmod xz-utils
	# test topology, backends, clients and anchors (jq: JSON checks)
	nginx-light curl wrk haproxy ipvsadm python3 python3-scapy nftables
	iproute2 iputils-ping ethtool procps psmisc util-linux
	openssl jq
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
	libgtest-dev libgmock-dev googletest
	# libFuzzer targets
	clang libclang-rt-14-dev
	# make install's check (scripts/install-check.sh): systemd-analyze, man
	systemd man-db
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

# The tests and benchmarks start nginx and HAProxy themselves, in network
# namespaces; the Debian packages enable them as boot services, which this
# machine must not be left with.
disable_services() {
	local svc
	command -v systemctl >/dev/null || return 0
	for svc in nginx haproxy; do
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

if [ ${#missing[@]} -eq 0 ]; then
	[ "${1:-}" = "--check" ] || [ "$(id -u)" -ne 0 ] || disable_services
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
apt-get install -y --no-install-recommends "${missing[@]}"
disable_services
