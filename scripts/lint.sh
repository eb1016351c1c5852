#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's linters, one line per linter in the format of
# scripts/check.sh ("TEST: <desc>  [ OK ]" or "[FAIL]"), the findings below
# a failed one.  scripts/check.sh runs it as its "lint" part.
#
#   - clang-format --dry-run -Werror over the userspace C++ (.clang-format;
#     kmod/ and include/ are kernel C, not formatted by it)
#   - shellcheck over every shell script (.shellcheckrc)
#   - clang-tidy (.clang-tidy) over every userspace C++ translation unit
#     in build/userspace's compile commands (make userspace), so a finding
#     anywhere fails, not only in the files a branch changes (3 min 10 s
#     on 2 idle cores).  LINT_TIDY=changed checks only the C++ files
#     changed since the branch left origin/main (or in the last commit)
#   - checkpatch.pl --no-tree over the kernel module and its UAPI header
#     (with the part build/userspace generates from the YNL spec),
#     from the linux-source package (scripts/install-deps.sh)
#
# Environment: LINT_JOBS=N runs N linter processes at a time (default 2);
# LINT_TIDY=all|changed (default all) chooses clang-tidy's files.
# Exit status: 0 when every line is OK, 1 otherwise.
set -uo pipefail

REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$REPO" || exit 1
JOBS=${LINT_JOBS:-2}
OUT=$REPO/build/lint
mkdir -p "$OUT"
FAILED=0

# result OK|FAIL DESC [LOG]: one line; a failure's log (its first 40 lines)
# follows it, indented
result() {
	printf "TEST: %-70s  [%s]\n" "$2" "$([ "$1" = OK ] && echo " OK " || echo "$1")"
	if [ "$1" != OK ]; then
		FAILED=$((FAILED + 1))
		[ -z "${3:-}" ] || sed -n '1,40s/^/\t/p' "$3"
	fi
}

# first_tool NAME...: the first of the commands that is installed
first_tool() {
	local t
	for t in "$@"; do
		if command -v "$t" >/dev/null 2>&1; then
			echo "$t"
			return 0
		fi
	done
	return 1
}

mapfile -t CXX < <(git ls-files -- 'userspace/*.cpp' 'userspace/*.cc' 'userspace/*.h' 'userspace/*.hpp')
# shell scripts: *.sh and the extension-less ones with a shell #! line
mapfile -t SH < <(git ls-files | while IFS= read -r f; do
	case $f in
	*.sh) echo "$f" ;;
	*/corpus/*) ;;
	# the Debian packages' maintainer scripts (/bin/sh)
	packaging/deb/*.postinst | packaging/deb/*.prerm | packaging/deb/*.postrm) echo "$f" ;;
	*/*.* | *.*) [ "$f" != .ci/run ] || echo "$f" ;;
	*) [ -f "$f" ] && head -n 1 "$f" | grep -q '^#!.*sh\b' && echo "$f" ;;
	esac
done)

# ---------------------------------------------------------- clang-format
if CF=$(first_tool clang-format-14 clang-format); then
	if printf '%s\0' "${CXX[@]}" |
		xargs -0 -P "$JOBS" -n 20 "$CF" --dry-run -Werror >"$OUT/clang-format.log" 2>&1; then
		result OK "lint: clang-format: ${#CXX[@]} userspace C++ files formatted"
	else
		result FAIL "lint: clang-format: userspace C++ not formatted (clang-format -i FILE)" \
			"$OUT/clang-format.log"
	fi
else
	result FAIL "lint: clang-format: not installed"
fi

# ------------------------------------------------------------- shellcheck
if command -v shellcheck >/dev/null 2>&1; then
	if printf '%s\0' "${SH[@]}" |
		xargs -0 -P "$JOBS" -n 8 shellcheck -f gcc >"$OUT/shellcheck.log" 2>&1; then
		result OK "lint: shellcheck: ${#SH[@]} shell scripts"
	else
		result FAIL "lint: shellcheck: $(grep -c ': \(error\|warning\|note\|style\):' \
			"$OUT/shellcheck.log") findings in shell scripts" "$OUT/shellcheck.log"
	fi
else
	result FAIL "lint: shellcheck: not installed"
fi

# ------------------------------------------------------------- clang-tidy
DB=$REPO/build/userspace/compile_commands.json
TIDY_SCOPE=${LINT_TIDY:-all}
# LINT_TIDY=changed: the branch's changes, or on main itself (CI's fresh
# clone) the last commit's
BASE=
if [ "$TIDY_SCOPE" = changed ]; then
	BASE=$(git merge-base HEAD origin/main 2>/dev/null || true)
	if [ -z "$BASE" ] || [ "$BASE" = "$(git rev-parse HEAD)" ]; then
		BASE=$(git rev-parse -q --verify HEAD~1 || true)
	fi
fi
if ! CT=$(first_tool clang-tidy-14 clang-tidy); then
	result FAIL "lint: clang-tidy: not installed"
elif [ ! -f "$DB" ]; then
	result OK "lint: clang-tidy: skipped, no build/userspace/compile_commands.json"
elif [ "$TIDY_SCOPE" = changed ] && [ -z "$BASE" ]; then
	result OK "lint: clang-tidy: skipped, no base commit to compare with"
else
	# only the translation units (headers are checked through them)
	if [ "$TIDY_SCOPE" = changed ]; then
		WHAT="C++ files changed since ${BASE:0:12}"
		mapfile -t TIDY < <(git diff --name-only --diff-filter=d "$BASE" HEAD -- \
			'userspace/*.cpp' 'userspace/*.cc')
	else
		WHAT="userspace C++ translation units"
		mapfile -t TIDY < <(git ls-files -- 'userspace/*.cpp' 'userspace/*.cc')
	fi
	mapfile -t TIDY < <(for f in "${TIDY[@]}"; do
		grep -qF "\"file\": \"$REPO/$f\"" "$DB" && echo "$f"
	done)
	START=$SECONDS
	if [ "${#TIDY[@]}" = 0 ]; then
		result OK "lint: clang-tidy: no $WHAT"
	elif printf '%s\0' "${TIDY[@]}" |
		xargs -0 -P "$JOBS" -n 4 "$CT" -p "$REPO/build/userspace" --quiet \
			>"$OUT/clang-tidy.log" 2>&1; then
		result OK "lint: clang-tidy: ${#TIDY[@]} $WHAT ($((SECONDS - START)) s)"
	else
		# the findings, not clang-tidy's "N warnings generated." per file
		grep -vE '^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$' \
			"$OUT/clang-tidy.log" >"$OUT/clang-tidy.findings"
		result FAIL "lint: clang-tidy: findings in the $WHAT ($((SECONDS - START)) s)" \
			"$OUT/clang-tidy.findings"
	fi
fi

# ------------------------------------------------------------ checkpatch
# Debian ships checkpatch.pl only inside the kernel source tarball
# (linux-source-VER): extract it (and the word lists it reads) once.
checkpatch() {
	local tar top
	if command -v checkpatch.pl >/dev/null 2>&1; then
		command -v checkpatch.pl
		return 0
	fi
	if [ -x "$OUT/checkpatch/checkpatch.pl" ]; then
		echo "$OUT/checkpatch/checkpatch.pl"
		return 0
	fi
	tar=$(find /usr/src -maxdepth 1 -name 'linux-source-*.tar.*' 2>/dev/null | sort -V | tail -n 1)
	[ -n "$tar" ] || return 1
	top=$(basename "$tar")
	top=${top%.tar.*}
	rm -rf "$OUT/checkpatch.tmp"
	mkdir -p "$OUT/checkpatch.tmp"
	tar -xf "$tar" -C "$OUT/checkpatch.tmp" --strip-components=2 --occurrence=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch" 2>/dev/null || return 1
	mv "$OUT/checkpatch.tmp" "$OUT/checkpatch"
	echo "$OUT/checkpatch/checkpatch.pl"
}
# LINUX_VERSION_CODE (and the CONSTANT_COMPARISON it draws): the module is
# built out of tree for several kernels, so it tests their version.
# The generated netlink part of the UAPI header too, when `make userspace`
# has made it.
GEN_UAPI=()
[ ! -f build/userspace/generated/uapi/linux/dlba_genl.h ] ||
	GEN_UAPI=(build/userspace/generated/uapi/linux/dlba_genl.h)
if CP=$(checkpatch); then
	if "$CP" --no-tree --terse --show-types --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		--file kmod/*.c kmod/*.h include/uapi/linux/dlba.h "${GEN_UAPI[@]}" \
		>"$OUT/checkpatch.log" 2>&1; then
		result OK "lint: checkpatch.pl: kmod/ and include/uapi/linux/dlba.h${GEN_UAPI:+ (+ dlba_genl.h)}"
	else
		result FAIL "lint: checkpatch.pl: $(grep -c ': \(ERROR\|WARNING\|CHECK\):' \
			"$OUT/checkpatch.log") findings in kmod/ and the UAPI header" "$OUT/checkpatch.log"
	fi
else
	result FAIL "lint: checkpatch.pl: not found (Debian package linux-source-6.1)"
fi

exit $((FAILED > 0))
