#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh RAW [INFO] - print the table of an L4 benchmark run from the raw
# results lb-bench.sh wrote, ending with the line `ratio=<x>`.
#
# LB cost per packet of a variant in a round = its ns/pkt minus that round's
# indrop ns/pkt (the same frames dropped at the LB's ingress): the LB
# namespace's own work.  Reported: the median over rounds, and the spread
# (min..max) so that noise is visible.  ratio = geometric mean over dr and nat
# of (IPVS cost / dlba cost) for established flows.
set -euo pipefail

RAW=${1:?usage: report.sh RAW [INFO]}
INFO=${2:-}

awk -v info="$INFO" '
function median(arr, n,    i, j, t, a) {
	for (i = 1; i <= n; i++) a[i] = arr[i]
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	if (n % 2) return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}
function kv(s, key,    m) {
	if (match(s, key "=[^ ]*")) return substr(s, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
	return ""
}
function qv(s, key,    m) {	# key="a b c"
	if (match(s, key "=\"[^\"]*\"")) return substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 3)
	return ""
}
/^round=/ {
	r = kv($0, "round"); v = kv($0, "variant"); t = kv($0, "test")
	T[r, v, t] = kv($0, "ns_per_pkt"); R[r] = 1; V[v] = 1
	next
}
/^variant=.*mem0=/ {
	# snapshots: "kernel_kib ip_vs_conn_objects ip_vs_conn_objsize"
	v = kv($0, "variant"); MV[v] = 1
	split(kv($0, "flows"), fl, ","); FA = fl[1]; FB = fl[2]
	split(qv($0, "mem0"), m0, " "); split(qv($0, "mem_svc"), m1, " ")
	split(qv($0, "mem_a"), ma, " "); split(qv($0, "mem_b"), mb, " ")
	FIX[v] = m1[1] - m0[1]
	DA[v] = ma[1] - m1[1]
	DB[v] = mb[1] - m1[1]
	OBJ[v] = mb[2] - m1[2]; OSZ[v] = mb[3]
	CONNS[v] = kv($0, "ipvs_conns")
	next
}
/validate servers:/ { VAL[$1] = $4 "/" $5 "/" $6 }
END {
	nr = 0
	for (r in R) nr++
	if (!nr) { print "report: no results" > "/dev/stderr"; exit 1 }
	# cost per round, then median and spread per variant and test
	split("est new neww", tests, " ")
	for (v in V) for (ti = 1; ti <= 3; ti++) {
		t = tests[ti]; n = 0; lo = ""; hi = ""
		for (r in R) {
			if (!((r, v, t) in T) || !((r, "indrop", t) in T)) continue
			c = T[r, v, t] - T[r, "indrop", t]
			c_[++n] = c
			if (lo == "" || c < lo) lo = c
			if (hi == "" || c > hi) hi = c
		}
		if (n) { C[v, t] = median(c_, n); LO[v, t] = lo; HI[v, t] = hi }
		tot = 0; n2 = 0
		for (r in R) if ((r, v, t) in T) { a_[++n2] = T[r, v, t] }
		if (n2) TOT[v, t] = median(a_, n2)
	}

	if (info != "") print info
	printf "LB cost per packet = t(variant) - t(frame dropped at LB ingress), median of %d rounds [min..max]\n", nr
	printf "Mpps = 1000 / cost: the packet rate one CPU could forward if it did nothing else\n\n"
	printf "%-6s %-12s %24s %24s %10s %10s %10s\n", "method", "test", "dlba ns/pkt", "ipvs ns/pkt", "ipvs/dlba", "dlba Mpps", "ipvs Mpps"
	split("dr nat", meth, " ")
	lname["est"] = "established"; lname["new"] = "new, cold"; lname["neww"] = "new, warm"
	for (mi = 1; mi <= 2; mi++) for (ti = 1; ti <= 3; ti++) {
		m = meth[mi]; t = tests[ti]; d = "dlba-" m; i = "ipvs-" m
		if (!((i, t) in C) && !((d, t) in C)) continue
		ds = ((d, t) in C) ? sprintf("%.0f [%.0f..%.0f]", C[d, t], LO[d, t], HI[d, t]) : "-"
		is = ((i, t) in C) ? sprintf("%.0f [%.0f..%.0f]", C[i, t], LO[i, t], HI[i, t]) : "-"
		rs = ((d, t) in C) && ((i, t) in C) && C[d, t] > 0 ? sprintf("%.2f", C[i, t] / C[d, t]) : "-"
		dm = ((d, t) in C) && C[d, t] > 0 ? sprintf("%.3f", 1000 / C[d, t]) : "-"
		im = ((i, t) in C) && C[i, t] > 0 ? sprintf("%.3f", 1000 / C[i, t]) : "-"
		printf "%-6s %-12s %24s %24s %10s %10s %10s\n", m, lname[t], ds, is, rs, dm, im
		if (((d, t) in C) && HI[d, t] - LO[d, t] > 0.1 * (C[d, t] < 0 ? -C[d, t] : C[d, t])) NOISY = NOISY " dlba-" m "/" t
		if (((i, t) in C) && HI[i, t] - LO[i, t] > 0.1 * (C[i, t] < 0 ? -C[i, t] : C[i, t])) NOISY = NOISY " ipvs-" m "/" t
		if (t == "est" && rs != "-") { RAT[m] = C[i, t] / C[d, t] }
	}
	if (("fwd", "est") in C)
		printf "%-6s %-12s %24s   (plain IP forwarding, no LB, for reference)\n", "-", "routing", \
			sprintf("%.0f [%.0f..%.0f]", C["fwd", "est"], LO["fwd", "est"], HI["fwd", "est"])
	if (("indrop", "est") in TOT)
		printf "%-6s %-12s %24s   (sender + veth + LB ingress, subtracted above)\n", "-", "ingress drop", \
			sprintf("%.0f", TOT["indrop", "est"])

	nm = 0
	for (v in MV) nm++
	if (nm) {
		printf "\nKernel memory held (KiB of SUnreclaim + VmallocUsed + Percpu)\n"
		printf "%-9s %12s %12s %12s %12s %12s %12s\n", "variant", "fixed (svc)", \
			sprintf("+%dk flows", FA / 1000), sprintf("+%dk flows", FB / 1000), "B/flow", \
			"ip_vs_conn", "IPVS conns"
		split("dlba-dr ipvs-dr dlba-nat ipvs-nat", mvs, " ")
		for (k = 1; k <= 4; k++) {
			v = mvs[k]
			if (!(v in MV)) continue
			printf "%-9s %12d %12d %12d %12.0f %12s %12s\n", v, FIX[v], DA[v], DB[v], \
				DB[v] * 1024 / FB, OBJ[v] ? sprintf("%d x %dB", OBJ[v], OSZ[v]) : "-", \
				v ~ /^ipvs/ ? CONNS[v] : "-"
		}
		printf "(fixed = loading the module and adding the service with its 3 servers; +N flows =\n"
		printf " growth once N flows are live (a SYN then an ACK from each client address:port pair))\n"
	}

	nv = 0
	for (v in VAL) { nv++ }
	if (nv) {
		printf "\nValidation (SYNs of the 992 established flows reaching servers 1 2 3 with the expected headers, accepted by their TCP with valid checksums):"
		for (v in VAL) printf " %s:%s", v, VAL[v]
		printf "\n"
	}

	if (NOISY != "")
		printf "\nWARNING: spread over rounds above 10%% of the median for%s: these figures are noise\n", NOISY
	if (("dr" in RAT) && ("nat" in RAT)) {
		printf "ratio = geometric mean over dr and nat of IPVS/dlba cost, established flows (dr %.2f, nat %.2f)\n", RAT["dr"], RAT["nat"]
		printf "ratio=%.2f\n", sqrt(RAT["dr"] * RAT["nat"])
	} else if ("dr" in RAT) {
		printf "ratio = IPVS/dlba cost, established flows, dr only\n"
		printf "ratio=%.2f\n", RAT["dr"]
	} else {
		printf "ratio=n/a\n"
	}
}' "$RAW"
