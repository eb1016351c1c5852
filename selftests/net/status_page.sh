#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The daemons' status web pages in headless Chromium, for their tests (dlbad's and dlba-arrayd's
# it_webpage.sh) and the VM selftests (selftests/dlba/array.sh): sourced, it defines
#   chrome_find: sets CHROME to the first headless Chromium installed (Debian:
#     chromium-headless-shell, scripts/install-deps.sh); returns 1 without one
#   chrome_render URL OUT [WIDTHxHEIGHT] [WRAP...]: the page as Chromium renders it after 2.5 s
#     of virtual time (with ?refresh=1, the first sample and two more) into OUT.html (the DOM)
#     and OUT.png (a screenshot of WIDTHxHEIGHT, default 1600x1000); WRAP runs Chromium (e.g. ip
#     netns exec NS).  Its profile and log (chrome.log) go to $CHROME_TMP (set it to the test's
#     own temporary directory; else one is made under /tmp and left).  Returns 1 if Chromium
#     failed, with the end of its log on stderr.
#   array_page_check DOM STATUS.json: dlba-arrayd's page (OUT.html above) shows what the status
#     document has (array_page_check.py)
# Chromium refuses to run as root with its sandbox; elsewhere the sandbox may be unavailable (no
# user namespaces): then once more without it.
STATUS_PAGE_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")

chrome_find() {
	local c
	CHROME=
	for c in chromium-headless-shell chrome-headless-shell chromium chromium-browser; do
		if command -v "$c" >/dev/null 2>&1; then
			CHROME=$(command -v "$c")
			return 0
		fi
	done
	return 1
}

# _chrome_run FLAG: one run of Chromium on chrome_render's URL (its variables)
_chrome_run() {
	timeout 30 "${wrap[@]}" "$CHROME" "${args[@]}" --virtual-time-budget=2500 "$1" "$url" \
		2>>"$tmp/chrome.log"
}

chrome_render() {
	local url=$1 out=$2 size=${3:-1600x1000} tmp args wrap try
	shift $(($# < 3 ? $# : 3))
	wrap=("$@")
	[ -n "${CHROME_TMP:-}" ] || CHROME_TMP=$(mktemp -d /tmp/dlba-chrome.XXXXXX) || return 1
	tmp=$CHROME_TMP
	args=(--headless --disable-gpu --no-first-run --hide-scrollbars
		--user-data-dir="$tmp/profile" "--window-size=${size/x/,}")
	[ "$(id -u)" -ne 0 ] || args+=(--no-sandbox)
	for try in 1 2; do
		if _chrome_run --dump-dom >"$out.html" && [ -s "$out.html" ] &&
			_chrome_run --screenshot="$out.png" >/dev/null; then
			return 0
		fi
		[ "$try" = 1 ] || break
		[[ " ${args[*]} " != *" --no-sandbox "* ]] || break
		grep -qi sandbox "$tmp/chrome.log" || break
		args+=(--no-sandbox)
	done
	tail -n 20 "$tmp/chrome.log" >&2
	return 1
}

array_page_check() {
	python3 "$STATUS_PAGE_DIR/array_page_check.py" "$@"
}
