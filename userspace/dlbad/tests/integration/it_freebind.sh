#!/bin/bash
# A VIP configured after dlbad starts (dlbad.conf(5) listen: "it may be configured after dlbad
# starts"; IP_FREEBIND / IPV6_FREEBIND): in a network namespace of its own, dlbad listens on
# 198.18.5.1 and 2001:db8:5::1, addresses that are on no interface yet; once they are added to lo,
# clients connect and are served.  Only addresses inside that private namespace are used.
if [ -z "${DLBA_IT_NETNS:-}" ]; then
    if unshare -n true 2>/dev/null; then
        exec unshare -n env DLBA_IT_NETNS=1 bash "$0" "$@"
    fi
    source "$(dirname "$0")/lib.sh"
    skip_all "needs a network namespace of its own (unshare -n, as root)"
fi
source "$(dirname "$0")/lib.sh"

ip link set lo up || setup_fail "lo up in the private namespace"
VIP4=198.18.5.1
VIP6=2001:db8:5::1
check "$VIP4 is on no interface yet" bash -c "! ip -4 addr show | grep -q ' $VIP4/'"
start_nginx 1
cat >"$T/dlbad.conf" <<CONF
$(conf_head 2)
backends:
$(web_backend 1)
services:
  - {name: v4, listen: "$VIP4:$HTTP_PORT", backend: web}
  - {name: v6, listen: "[$VIP6]:$HTTP_PORT", backend: web}
CONF
check "dlbad starts before its VIPs exist" start_dlbad "$T/dlbad.conf"
expect_eq "no connection before the address exists" 000 \
    "$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' "http://$VIP4:$HTTP_PORT/")"

ip addr add "$VIP4/32" dev lo
ip -6 addr add "$VIP6/128" dev lo nodad
out=$(curl -s --max-time 5 "http://$VIP4:$HTTP_PORT/vip")
expect_eq "IPv4 VIP added afterwards: served" 1 "$(backend_of "$out")"
out=$(curl -s --max-time 5 -g "http://[$VIP6]:$HTTP_PORT/vip")
expect_eq "IPv6 VIP added afterwards: served" 1 "$(backend_of "$out")"
check "the VIPs' clients reached the back-end through dlbad" \
    test "$(jget "sum(s['stats']['connections'] for s in d['services'])")" -ge 2

finish
