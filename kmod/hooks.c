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
 * One LOCAL_OUT hook per family looks at the ICMP errors the LB itself sends
 * (time exceeded, fragmentation needed / packet too big, no route, neighbour
 * unreachable: what the forwarding path owes the sender of a packet it could
 * not deliver).  About a packet forwarded by nat they quote it as rewritten,
 * to the server's real address and port; dlba_nat_unquote() makes the quote
 * name VIP:port again, so the client learns nothing of the server and its
 * socket gets the error (PMTU discovery works).  As for replies, a nat
 * server's address and port belong to its service: an error quoting them is
 * taken to be about a client of the VIP.
 *
 * PRE_ROUTING priority: NF_IP_PRI_CONNTRACK_DEFRAG + 1 (-399), i.e.
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
 */
#include <linux/kernel.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
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

static unsigned int dlba_hook_ipv4(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct dlba_net *dn = dlba_pernet(state->net);
	union nf_inet_addr saddr = {}, daddr = {};
	const struct iphdr *iph;

	if (!READ_ONCE(dn->nservices))
		return NF_ACCEPT;

	/* ip_rcv_core() validated and pulled the IP header. */
	iph = ip_hdr(skb);
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return NF_ACCEPT;
	if (ip_is_fragment(iph))
		return NF_ACCEPT;

	saddr.ip = iph->saddr;
	daddr.ip = iph->daddr;
	return dlba_dispatch(skb, dn, state, AF_INET, iph->protocol, ip_hdrlen(skb),
			     &saddr, &daddr);
}

static unsigned int dlba_hook_ipv6(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct dlba_net *dn = dlba_pernet(state->net);
	const struct ipv6hdr *ip6h;
	union nf_inet_addr saddr, daddr;
	int thoff = sizeof(*ip6h);
	u8 nexthdr;

	if (!READ_ONCE(dn->nservices))
		return NF_ACCEPT;

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
		if (nexthdr != IPPROTO_TCP && nexthdr != IPPROTO_UDP)
			return NF_ACCEPT;
	}

	saddr.in6 = ip6h->saddr;
	daddr.in6 = ip6h->daddr;
	return dlba_dispatch(skb, dn, state, AF_INET6, nexthdr, thoff,
			     &saddr, &daddr);
}

/*
 * An ICMP error at @icmpoff quoting an IP packet at @ioff whose TCP/UDP header
 * is at @toff, to @daddr: if that is a nat server's address and port, the LB
 * forwarded the quoted packet there.  Unquote it; drop the error rather than
 * let it out with the server's address if that fails.
 */
static unsigned int dlba_icmp_quote(struct sk_buff *skb, struct dlba_net *dn,
				    u16 family, u8 proto,
				    const union nf_inet_addr *daddr,
				    unsigned int icmpoff, unsigned int ioff,
				    unsigned int toff)
{
	struct dlba_server *srv;
	__be16 _ports[2];
	const __be16 *ports;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return NF_ACCEPT;
	ports = skb_header_pointer(skb, toff, sizeof(_ports), _ports);
	if (!ports)
		return NF_ACCEPT;
	srv = dlba_nat_find_rcu(dn, family, daddr, ports[1], proto);
	if (!srv)
		return NF_ACCEPT;
	if (dlba_nat_unquote(skb, srv, icmpoff, ioff, toff))
		return NF_DROP;
	return NF_ACCEPT;
}

static unsigned int dlba_hook_icmp_out4(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	struct dlba_net *dn = dlba_pernet(state->net);
	union nf_inet_addr daddr = {};
	const struct iphdr *iph, *inner;
	const struct icmphdr *ih;
	unsigned int ioff;
	struct icmphdr _ih;
	struct iphdr _inner;

	if (!READ_ONCE(dn->nservices))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (iph->protocol != IPPROTO_ICMP || ip_is_fragment(iph))
		return NF_ACCEPT;
	ih = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_ih), &_ih);
	if (!ih || !icmp_is_err(ih->type))
		return NF_ACCEPT;
	ioff = ip_hdrlen(skb) + sizeof(_ih);
	inner = skb_header_pointer(skb, ioff, sizeof(_inner), &_inner);
	if (!inner || inner->ihl < 5 || (inner->frag_off & htons(IP_OFFSET)))
		return NF_ACCEPT;
	daddr.ip = inner->daddr;
	return dlba_icmp_quote(skb, dn, AF_INET, inner->protocol, &daddr,
			       ip_hdrlen(skb), ioff, ioff + inner->ihl * 4);
}

static unsigned int dlba_hook_icmp_out6(void *priv, struct sk_buff *skb,
					const struct nf_hook_state *state)
{
	struct dlba_net *dn = dlba_pernet(state->net);
	unsigned int icmpoff = sizeof(struct ipv6hdr), ioff;
	const struct ipv6hdr *inner;
	const struct icmp6hdr *ih;
	union nf_inet_addr daddr;
	struct icmp6hdr _ih;
	struct ipv6hdr _inner;
	__be16 frag_off;
	u8 nexthdr;
	int toff;

	if (!READ_ONCE(dn->nservices))
		return NF_ACCEPT;
	/* icmp6_send() puts no extension header before its ICMPv6 header. */
	if (ipv6_hdr(skb)->nexthdr != IPPROTO_ICMPV6)
		return NF_ACCEPT;
	ih = skb_header_pointer(skb, icmpoff, sizeof(_ih), &_ih);
	if (!ih || !icmpv6_is_err(ih->icmp6_type))
		return NF_ACCEPT;
	ioff = icmpoff + sizeof(_ih);
	inner = skb_header_pointer(skb, ioff, sizeof(_inner), &_inner);
	if (!inner)
		return NF_ACCEPT;
	nexthdr = inner->nexthdr;
	toff = ipv6_skip_exthdr(skb, ioff + sizeof(_inner), &nexthdr, &frag_off);
	if (toff < 0 || (ntohs(frag_off) & ~0x7))
		return NF_ACCEPT;
	daddr.in6 = inner->daddr;
	return dlba_icmp_quote(skb, dn, AF_INET6, nexthdr, &daddr, icmpoff,
			       ioff, toff);
}

static const struct nf_hook_ops dlba_ops_ipv4[] = {
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

static const struct nf_hook_ops dlba_ops_ipv6[] = {
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
