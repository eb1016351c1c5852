// SPDX-License-Identifier: GPL-2.0
/*
 * DLBA netfilter hooks: the packet path.
 *
 * Hooks per family, registered in every network namespace; each asks one
 * question of an IPv4/IPv6 TCP/UDP packet, a lock-free hash lookup under the
 * RCU read lock that netfilter holds around hooks:
 *
 *  1. PRE_ROUTING: is it addressed to a virtual service (VIP, port,
 *     protocol)?  Then the bucket table picks a server and xmit.c forwards
 *     the packet.
 *  2. FORWARD: is it being routed on from a nat server's (address, port),
 *     having come in from that server's side?  Then it is a reply to a
 *     client and leaves with the VIP:port as its source.  Here, after
 *     routing and the filter table, as IPVS reverses its nat replies:
 *     routing saw the server's real address (no accept_local needed for
 *     the VIP as a source), the operator's FORWARD rules see the real
 *     server, and the LB's own traffic with a server (health checks, ssh)
 *     goes to LOCAL_IN, never here, so it is left alone.  A "reply" that
 *     came in from elsewhere is a spoof and is not given the VIP.
 *
 * Anything else is accepted untouched; when the namespace has no service the
 * hooks return after one load.
 *
 * ICMP errors about balanced traffic (see "ICMP errors" below) go where the
 * flow's other end is: an error to the VIP about a server's response goes
 * to the server that owns the client's bucket (PRE_ROUTING), an error about
 * a client's packet that nat rewrote quotes VIP:port on its way to the
 * client, whether a server or router behind the LB sent it (FORWARD) or the
 * LB itself (one LOCAL_OUT hook per family: time exceeded, fragmentation
 * needed / packet too big, unreachable, what the forwarding path owes).
 * Path MTU discovery then works in every mode, and a client never learns a
 * nat server's real address.
 *
 * PRE_ROUTING priority: by default NF_IP_PRI_CONNTRACK_DEFRAG + 1 (-399; the
 * module parameter "priority" moves it, see below), i.e.
 *  - after defragmentation: where conntrack's defragmentation is active in
 *    the namespace (a conntrack rule there registers it; loading
 *    nf_defrag_ipv4/6 alone does not) fragmented datagrams are whole again
 *    when we see them, so they are scheduled like any other datagram;
 *    otherwise fragments are accepted untouched, because only the first
 *    fragment carries the ports the bucket is chosen by: for a VIP that is
 *    a local address the LB's own stack reassembles and delivers them;
 *  - before the raw table (-300) and conntrack (-200): forwarded packets are
 *    marked untracked (xmit.c) or stolen before conntrack would allocate an
 *    entry per flow, so LB memory stays independent of the number of flows,
 *    as with IPVS's default;
 *  - before routing, so nat-rewritten packets that xmit.c leaves to the
 *    normal forwarding path are routed to their new destination.
 *
 * Context: a hook usually runs in the softirq that received the packet, but
 * not always.  An NFQUEUE verdict re-injects a packet from the verdict
 * program's sendmsg(), i.e. in process context, with softirqs enabled and,
 * under PREEMPT_RCU (Debian's kernels), preemptible inside the RCU read
 * lock (nf_reinject() runs the hooks after the queueing one so; it only
 * disables BH around the final okfn).  The LOCAL_OUT hooks run in the
 * sender's context anyway.  The packet path needs BH disabled: per-CPU
 * counters (u64_stats on this_cpu_ptr), the per-CPU route cache
 * (dst_cache), the __IP_INC_STATS-style MIB counters, and the assign lock,
 * which it takes with plain spin_lock() because a softirq on the same CPU
 * may take it too.  So every hook disables BH around its work where it is
 * not disabled yet, as the x_tables core (ipt_do_table) does; in a softirq
 * that costs one test, and the hooks return before it when the namespace
 * has no service.
 */
#include <linux/kernel.h>
#include <linux/bottom_half.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/preempt.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "dlba.h"

/* A packet to a service: schedule it and forward it. */
static unsigned int dlba_hook_service(struct sk_buff *skb,
				      struct dlba_service *svc,
				      const union nf_inet_addr *caddr,
				      __be16 cport)
{
	struct dlba_server *srv;

	/*
	 * Later issues add modes (divert to dlbad, port redirection); until
	 * a mode is implemented its packets pass untouched.
	 */
	if (READ_ONCE(svc->mode) != DLBA_MODE_FORWARD)
		return NF_ACCEPT;

	srv = dlba_sched_pick(svc, caddr, cport);
	if (unlikely(!srv)) {
		dlba_stats_inc(svc->stats, noserver);
		dlba_stats_inc(svc->dn->stats, noserver);
		return NF_DROP;
	}
	return dlba_xmit(skb, svc, srv);
}

/* A reply from a nat server: give it the VIP:port back. */
static unsigned int dlba_hook_nat_reply(struct sk_buff *skb,
					struct dlba_server *srv)
{
	struct dlba_service *svc = srv->svc;

	if (unlikely(dlba_nat_reverse(skb, srv))) {
		dlba_stats_inc(srv->stats, errors);
		dlba_stats_inc(svc->stats, errors);
		dlba_stats_inc(svc->dn->stats, errors);
		return NF_DROP;
	}
	dlba_stats_inc(srv->stats, replies);
	dlba_stats_inc(svc->stats, replies);
	dlba_stats_inc(svc->dn->stats, replies);
	return NF_ACCEPT;
}

static unsigned int dlba_dispatch(struct sk_buff *skb, struct dlba_net *dn,
				  const struct nf_hook_state *state,
				  u16 family, u8 proto, unsigned int thoff,
				  union nf_inet_addr *saddr,
				  union nf_inet_addr *daddr)
{
	struct dlba_service *svc;
	struct dlba_server *srv;
	__be16 _ports[2];
	const __be16 *ports;

	/* Both TCP and UDP start with source port, destination port. */
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
	if (unlikely(!ports))
		return NF_ACCEPT;

	if (state->hook == NF_INET_PRE_ROUTING) {
		svc = dlba_service_find(dn, family, daddr, ports[1], proto);
		if (!svc)
			return NF_ACCEPT;
		skb_set_transport_header(skb, thoff);
		return dlba_hook_service(skb, svc, saddr, ports[0]);
	}

	/* NF_INET_FORWARD */
	srv = dlba_nat_find_rcu(dn, family, saddr, ports[0], proto);
	if (!srv || !dlba_srv_behind(state->net, srv, state->in))
		return NF_ACCEPT;
	skb_set_transport_header(skb, thoff);
	return dlba_hook_nat_reply(skb, srv);
}

/* ---- ICMP errors ---------------------------------------------------- */

/* An ICMP error about a TCP/UDP packet, and the packet it quotes. */
struct dlba_icmp_err {
	union nf_inet_addr daddr;	/* the error's destination */
	union nf_inet_addr isaddr;	/* the quoted packet's source */
	union nf_inet_addr idaddr;	/* ... and destination */
	unsigned int icmpoff;		/* ICMP header */
	unsigned int ioff;		/* quoted IP header */
	unsigned int toff;		/* quoted TCP/UDP header */
	__be16 isport, idport;
	u16 family;
	u8 proto;
};

/* The ports of a quoted TCP/UDP packet; false for anything else. */
static bool dlba_icmp_ports(const struct sk_buff *skb, struct dlba_icmp_err *e)
{
	__be16 _ports[2];
	const __be16 *ports;

	if (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP)
		return false;
	/* RFC 792: an error quotes at least 8 bytes past the IP header. */
	ports = skb_header_pointer(skb, e->toff, sizeof(_ports), _ports);
	if (!ports)
		return false;
	e->isport = ports[0];
	e->idport = ports[1];
	return true;
}

/* An IPv4 packet (not a fragment) that is an ICMP error about TCP/UDP? */
static bool dlba_icmp_parse4(const struct sk_buff *skb, struct dlba_icmp_err *e)
{
	const struct iphdr *iph = ip_hdr(skb), *inner;
	const struct icmphdr *ih;
	struct icmphdr _ih;
	struct iphdr _inner;

	e->icmpoff = ip_hdrlen(skb);
	ih = skb_header_pointer(skb, e->icmpoff, sizeof(_ih), &_ih);
	if (!ih || !icmp_is_err(ih->type))
		return false;
	e->ioff = e->icmpoff + sizeof(_ih);
	inner = skb_header_pointer(skb, e->ioff, sizeof(_inner), &_inner);
	if (!inner || inner->ihl < 5 || (inner->frag_off & htons(IP_OFFSET)))
		return false;
	e->family = AF_INET;
	e->proto = inner->protocol;
	e->toff = e->ioff + inner->ihl * 4;
	memset(&e->daddr, 0, sizeof(e->daddr));
	memset(&e->isaddr, 0, sizeof(e->isaddr));
	memset(&e->idaddr, 0, sizeof(e->idaddr));
	e->daddr.ip = iph->daddr;
	e->isaddr.ip = inner->saddr;
	e->idaddr.ip = inner->daddr;
	return dlba_icmp_ports(skb, e);
}

/* The same for ICMPv6, whose header is at @icmpoff. */
static bool dlba_icmp_parse6(const struct sk_buff *skb, unsigned int icmpoff,
			     struct dlba_icmp_err *e)
{
	const struct ipv6hdr *inner;
	const struct icmp6hdr *ih;
	struct icmp6hdr _ih;
	struct ipv6hdr _inner;
	__be16 frag_off;
	u8 nexthdr;
	int toff;

	e->icmpoff = icmpoff;
	ih = skb_header_pointer(skb, icmpoff, sizeof(_ih), &_ih);
	if (!ih || !icmpv6_is_err(ih->icmp6_type))
		return false;
	e->ioff = icmpoff + sizeof(_ih);
	inner = skb_header_pointer(skb, e->ioff, sizeof(_inner), &_inner);
	if (!inner)
		return false;
	nexthdr = inner->nexthdr;
	toff = ipv6_skip_exthdr(skb, e->ioff + sizeof(_inner), &nexthdr,
				&frag_off);
	if (toff < 0 || (ntohs(frag_off) & ~0x7))
		return false;
	e->family = AF_INET6;
	e->proto = nexthdr;
	e->toff = toff;
	e->daddr.in6 = ipv6_hdr(skb)->daddr;
	e->isaddr.in6 = inner->saddr;
	e->idaddr.in6 = inner->daddr;
	return dlba_icmp_ports(skb, e);
}

/*
 * PRE_ROUTING: an error sent to a VIP about a packet a server sent from it
 * (a router on the way to the client found the response too big, its TTL
 * ran out, the client's host has no such port).  It belongs to the server
 * that sent that packet, and the bucket of the quoted destination (the
 * client's address and port) names it: ICMP errors routed by the embedded
 * port, as in Oblak, Barcelo and Guler's "Load balancing system and method
 * for data communication network", without state.  dr and tun servers
 * get the error as it is, by their method; for a nat server the error is
 * readdressed to its real address and port (outer destination and quote)
 * and routed there.  An error about a bucket no usable server owns goes to
 * the LB's own stack, as before.
 */
static unsigned int dlba_icmp_to_vip(struct sk_buff *skb, struct dlba_net *dn,
				     struct dlba_icmp_err *e)
{
	struct dlba_service *svc;
	struct dlba_server *srv;

	/* Errors go to the quoted packet's source: the VIP itself. */
	if (memcmp(&e->daddr, &e->isaddr, dlba_addr_len(e->family)))
		return NF_ACCEPT;
	svc = dlba_service_find(dn, e->family, &e->isaddr, e->isport, e->proto);
	if (!svc || READ_ONCE(svc->mode) != DLBA_MODE_FORWARD)
		return NF_ACCEPT;
	srv = dlba_sched_owner(svc, &e->idaddr, e->idport);
	if (!srv)
		return NF_ACCEPT;
	if (READ_ONCE(srv->method) != DLBA_FWD_NAT)
		return dlba_xmit(skb, svc, srv);
	if (dlba_nat_quote(skb, srv, e->icmpoff, e->ioff, e->toff, true))
		return NF_DROP;
	return NF_ACCEPT;
}

/*
 * FORWARD: an error about a client's packet that the LB rewrote for a nat
 * server, on its way back to the client (the server's port unreachable, or
 * a router behind the LB that could not deliver it).  It quotes the server's
 * real address and port: quote VIP:port instead (and the VIP as the source
 * when the server itself sent it), so that the client's socket takes the
 * error and learns nothing of the server.  Only from the server's side, as
 * for replies.
 */
static unsigned int dlba_icmp_from_server(struct sk_buff *skb,
					  struct dlba_net *dn,
					  const struct nf_hook_state *state,
					  struct dlba_icmp_err *e)
{
	struct dlba_server *srv;

	srv = dlba_nat_find_rcu(dn, e->family, &e->idaddr, e->idport, e->proto);
	if (!srv || !dlba_srv_behind(state->net, srv, state->in))
		return NF_ACCEPT;
	if (dlba_nat_quote(skb, srv, e->icmpoff, e->ioff, e->toff, false))
		return NF_DROP;
	return NF_ACCEPT;
}

/*
 * LOCAL_OUT: an error the LB itself sends about a packet it forwarded to a
 * nat server quotes that packet as rewritten; make it quote VIP:port.  As
 * for replies, a nat server's address and port belong to its service: an
 * error quoting them is taken to be about a client of the VIP.
 */
static unsigned int dlba_icmp_from_lb(struct sk_buff *skb, struct dlba_net *dn,
				      struct dlba_icmp_err *e)
{
	struct dlba_server *srv;

	srv = dlba_nat_find_rcu(dn, e->family, &e->idaddr, e->idport, e->proto);
	if (!srv)
		return NF_ACCEPT;
	if (dlba_nat_quote(skb, srv, e->icmpoff, e->ioff, e->toff, false))
		return NF_DROP;
	return NF_ACCEPT;
}

static unsigned int dlba_icmp(struct sk_buff *skb, struct dlba_net *dn,
			      const struct nf_hook_state *state,
			      struct dlba_icmp_err *e)
{
	switch (state->hook) {
	case NF_INET_PRE_ROUTING:
		return dlba_icmp_to_vip(skb, dn, e);
	case NF_INET_FORWARD:
		return dlba_icmp_from_server(skb, dn, state, e);
	default:
		return dlba_icmp_from_lb(skb, dn, e);
	}
}

/* The hooks' work, with BH disabled (see "Context" at the top). */
static unsigned int dlba_ipv4(struct sk_buff *skb, struct dlba_net *dn,
			      const struct nf_hook_state *state)
{
	union nf_inet_addr saddr = {}, daddr = {};
	const struct iphdr *iph;

	/* ip_rcv_core() validated and pulled the IP header. */
	iph = ip_hdr(skb);
	if (ip_is_fragment(iph))
		return NF_ACCEPT;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP) {
		struct dlba_icmp_err e;

		if (iph->protocol == IPPROTO_ICMP && dlba_icmp_parse4(skb, &e))
			return dlba_icmp(skb, dn, state, &e);
		return NF_ACCEPT;
	}

	saddr.ip = iph->saddr;
	daddr.ip = iph->daddr;
	return dlba_dispatch(skb, dn, state, AF_INET, iph->protocol, ip_hdrlen(skb),
			     &saddr, &daddr);
}

static unsigned int dlba_ipv6(struct sk_buff *skb, struct dlba_net *dn,
			      const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h;
	union nf_inet_addr saddr, daddr;
	int thoff = sizeof(*ip6h);
	u8 nexthdr;

	/* ipv6_rcv_core() validated and pulled the fixed header. */
	ip6h = ipv6_hdr(skb);
	nexthdr = ip6h->nexthdr;
	if (nexthdr != IPPROTO_TCP && nexthdr != IPPROTO_UDP) {
		__be16 frag_off;

		/*
		 * Walk extension headers only when there are some.  A non-zero
		 * frag_off (offset or MF) is a fragment: accepted untouched,
		 * see the priority note at the top.
		 */
		thoff = ipv6_skip_exthdr(skb, thoff, &nexthdr, &frag_off);
		if (thoff < 0 || frag_off)
			return NF_ACCEPT;
		if (nexthdr == IPPROTO_ICMPV6) {
			struct dlba_icmp_err e;

			if (!dlba_icmp_parse6(skb, thoff, &e))
				return NF_ACCEPT;
			return dlba_icmp(skb, dn, state, &e);
		}
		if (nexthdr != IPPROTO_TCP && nexthdr != IPPROTO_UDP)
			return NF_ACCEPT;
	}

	saddr.in6 = ip6h->saddr;
	daddr.in6 = ip6h->daddr;
	return dlba_dispatch(skb, dn, state, AF_INET6, nexthdr, thoff,
			     &saddr, &daddr);
}

/* The LB's own ICMP errors (LOCAL_OUT). */
static unsigned int dlba_icmp_out4(struct sk_buff *skb, struct dlba_net *dn,
				   const struct nf_hook_state *state)
{
	const struct iphdr *iph;
	struct dlba_icmp_err e;

	iph = ip_hdr(skb);
	if (iph->protocol != IPPROTO_ICMP || ip_is_fragment(iph) ||
	    !dlba_icmp_parse4(skb, &e))
		return NF_ACCEPT;
	return dlba_icmp(skb, dn, state, &e);
}

static unsigned int dlba_icmp_out6(struct sk_buff *skb, struct dlba_net *dn,
				   const struct nf_hook_state *state)
{
	struct dlba_icmp_err e;

	/* icmp6_send() puts no extension header before its ICMPv6 header. */
	if (ipv6_hdr(skb)->nexthdr != IPPROTO_ICMPV6 ||
	    !dlba_icmp_parse6(skb, sizeof(struct ipv6hdr), &e))
		return NF_ACCEPT;
	return dlba_icmp(skb, dn, state, &e);
}

/*
 * The netfilter entry points: one load when the namespace has no service,
 * else the work with BH disabled, whatever context the hook was called in
 * (see "Context" at the top).  In a softirq, or where BH is disabled
 * already, there is nothing to do: the common case pays one test of
 * preempt_count instead of a local_bh_enable() call.  Always inlined, so
 * @work is a direct call.
 */
static __always_inline unsigned int
dlba_hook(struct sk_buff *skb, const struct nf_hook_state *state,
	  unsigned int (*work)(struct sk_buff *skb, struct dlba_net *dn,
			       const struct nf_hook_state *state))
{
	struct dlba_net *dn = dlba_pernet(state->net);
	unsigned int verdict;
	bool bh;

	if (!READ_ONCE(dn->nservices))
		return NF_ACCEPT;
	/* One call site of @work, so that it stays inlined. */
	bh = unlikely(!softirq_count());
	if (bh)
		local_bh_disable();
	verdict = work(skb, dn, state);
	if (bh)
		local_bh_enable();
	return verdict;
}

static unsigned int dlba_hook_ipv4(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	return dlba_hook(skb, state, dlba_ipv4);
}

static unsigned int dlba_hook_ipv6(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	return dlba_hook(skb, state, dlba_ipv6);
}

static unsigned int dlba_hook_icmp_out4(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	return dlba_hook(skb, state, dlba_icmp_out4);
}

static unsigned int dlba_hook_icmp_out6(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	return dlba_hook(skb, state, dlba_icmp_out6);
}

/*
 * Where balanced packets are taken: the PRE_ROUTING priority of the service
 * hooks (see the top of this file for why -399 is the default).  Firewall
 * rules for balanced traffic must run before it: an nftables prerouting
 * chain of lower priority (e.g. "priority raw - 100"), not the input chain,
 * which these packets never reach.  A later priority (after conntrack, or
 * after the mangle table) is the operator's choice; then conntrack, if it
 * is in use, tracks the balanced flows too.  Documentation/admin-guide.md.
 */
static int priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1;
module_param(priority, int, 0444);
MODULE_PARM_DESC(priority,
		 "PRE_ROUTING priority of the service hooks, above -400 (default -399: before raw, conntrack and mangle)");

static struct nf_hook_ops dlba_ops_ipv4[] __ro_after_init = {
	{
		.hook		= dlba_hook_ipv4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	}, {
		/* nat replies: after the filter and security tables */
		.hook		= dlba_hook_ipv4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_FORWARD,
		.priority	= NF_IP_PRI_NAT_SRC,
	}, {
		.hook		= dlba_hook_icmp_out4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
};

static struct nf_hook_ops dlba_ops_ipv6[] __ro_after_init = {
	{
		.hook		= dlba_hook_ipv6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	}, {
		.hook		= dlba_hook_ipv6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_FORWARD,
		.priority	= NF_IP6_PRI_NAT_SRC,
	}, {
		.hook		= dlba_hook_icmp_out6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
};

int __init dlba_hooks_init(void)
{
	/*
	 * After defragmentation (-400): only whole datagrams can be
	 * scheduled.  INT_MAX is conntrack's confirm, which must come last.
	 */
	if (priority <= NF_IP_PRI_CONNTRACK_DEFRAG || priority >= NF_IP_PRI_LAST) {
		pr_err("dlba: priority=%d: must be from %d to %d\n", priority,
		       NF_IP_PRI_CONNTRACK_DEFRAG + 1, NF_IP_PRI_LAST - 1);
		return -EINVAL;
	}
	/* IPv4 and IPv6 use the same numbers for these points. */
	dlba_ops_ipv4[0].priority = priority;
	dlba_ops_ipv6[0].priority = priority;
	return 0;
}

int dlba_hooks_init_net(struct net *net)
{
	int err;

	err = nf_register_net_hooks(net, dlba_ops_ipv4,
				    ARRAY_SIZE(dlba_ops_ipv4));
	if (err)
		return err;
	err = nf_register_net_hooks(net, dlba_ops_ipv6,
				    ARRAY_SIZE(dlba_ops_ipv6));
	if (err)
		goto err_ipv4;
	return 0;

err_ipv4:
	nf_unregister_net_hooks(net, dlba_ops_ipv4, ARRAY_SIZE(dlba_ops_ipv4));
	return err;
}

void dlba_hooks_uninit_net(struct net *net)
{
	nf_unregister_net_hooks(net, dlba_ops_ipv6, ARRAY_SIZE(dlba_ops_ipv6));
	nf_unregister_net_hooks(net, dlba_ops_ipv4, ARRAY_SIZE(dlba_ops_ipv4));
}
