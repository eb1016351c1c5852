#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kmod-sources.sh DEST: copy what a source release of dlba.ko carries (what
# dkms builds from) into DEST: dkms.conf, Kconfig, VERSION, the uapi headers,
# kmod/'s sources and Makefiles, and the YNL spec with the generator that
# kmod/Makefile turns into <linux/dlba_genl.h>.  No build products of the
# work tree.  Used by dkms-install.sh and dkms-check.sh.
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
DEST=${1:?usage: kmod-sources.sh DEST}
mkdir -p "$DEST/kmod" "$DEST/Documentation/netlink/specs" "$DEST/scripts"
cp -r "$REPO/dkms.conf" "$REPO/Kconfig" "$REPO/VERSION" "$REPO/include" "$DEST/"
cp "$REPO"/kmod/*.c "$REPO"/kmod/*.h "$REPO/kmod/Makefile" "$REPO/kmod/Kbuild" "$DEST/kmod/"
cp "$REPO/Documentation/netlink/specs/dlba.yaml" "$DEST/Documentation/netlink/specs/"
cp "$REPO/scripts/nlgen.py" "$REPO/scripts/nlspec.py" "$DEST/scripts/"
