// SPDX-License-Identifier: GPL-2.0
/*
 * DLBA forwarding methods, called from the PRE_ROUTING hook (hooks.c) under
 * RCU with BH disabled (hooks.c disables it, also for a packet an NFQUEUE
 * verdict re-injects from process context), for IPv4 and IPv6:
 *
 *  dr   WO 01/69890's scheduler and the "communication on the datalink
 *       layer" of Oblak, Barcelo and Guler, "Load balancing system and
 *       method for data communication network": the IP packet leaves
 *       unchanged, only the Ethernet destination becomes the server's MAC.
 *       The server holds the VIP on loopback and answers the client directly.
 *       A dr server at one of the LB's own addresses is served locally: the
 *       packet is accepted and the stack delivers it (Fig. 2 of WO 01/69890:
 *       the scheduler is one of the DLBA servers).
 *  nat  the same patent's "communication on the network layer": destination
 *       address and port become the server's, with incremental checksum
 *       updates, and the packet is forwarded as ip_forward() would, on the
 *       server's cached route (dlba_nat_xmit4/6); unusual packets are only
 *       rewritten and left to the normal forwarding path (we run before
 *       routing, so routing sees the new destination).  Replies come back
 *       through the LB and dlba_nat_reverse() restores VIP:port as their
 *       source when they are forwarded (FORWARD hook, see hooks.c).  Needs
 *       forwarding enabled on the LB (net.ipv4.ip_forward,
 *       net.ipv6.conf.all.forwarding).
 *  tun  US 5,774,660's multi-hop delivery as a tunnel: IPIP / IP6IP6 to the
 *       server's address from the LB's own address for that route; the
 *       server decapsulates (tunl0 / ip6tnl0) and answers directly.
 *
 * A packet larger than the way to the server is treated as a router treats
 * it, in every method: fragmentation needed / packet too big to the client,
 * or fragments (IPv4 without DF; a datagram conntrack reassembled, cut up
 * again no bigger than it came).  Those checks run only once a packet has
 * failed dlba_fits(); a packet that fits pays for none of them.
 *
 * Nothing is allocated per connection.  The route to a server comes from a
 * per-server, per-CPU dst_cache, so a packet costs no FIB lookup; the cache
 * revalidates itself when routes change.  Every path either hands the skb
 * on (NF_STOLEN, NF_ACCEPT) or returns NF_DROP so the netfilter core frees
 * it: no skb is leaked.
 */
#include <linux/kernel.h>
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/version.h>
#include <net/checksum.h>
#include <net/dst.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/arp.h>
#include <net/addrconf.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/ipv6.h>
#include <net/route.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>		/* skb_gso_*() moved here */
#endif
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
#include <net/netfilter/nf_conntrack.h>
#endif

#include "dlba.h"

/* packets + bytes in one u64_stats section */
static void dlba_stats_fwd(struct dlba_pcpu_stats __percpu *pcpu,
			   unsigned int len)
{
	struct dlba_pcpu_stats *st = this_cpu_ptr(pcpu);

	u64_stats_update_begin(&st->syncp);
	u64_stats_inc(&st->packets);
	u64_stats_add(&st->bytes, len);
	u64_stats_update_end(&st->syncp);
}

static void dlba_count_fwd(struct dlba_service *svc, struct dlba_server *srv,
			   unsigned int len)
{
	dlba_stats_fwd(srv->stats, len);
	dlba_stats_fwd(svc->stats, len);
	dlba_stats_fwd(svc->dn->stats, len);
}

static void dlba_count_err(struct dlba_service *svc, struct dlba_server *srv)
{
	dlba_stats_inc(srv->stats, errors);
	dlba_stats_inc(svc->stats, errors);
	dlba_stats_inc(svc->dn->stats, errors);
}

/* Does the packet (or each of its GSO segments) fit in @mtu at L3? */
static bool dlba_fits(const struct sk_buff *skb, unsigned int mtu)
{
	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu);
	return skb->len <= mtu;
}

/*
 * Forwarded nat packets are not tracked: the LB keeps no state per flow
 * (conntrack would, for every flow) and conntrack's own NAT cannot undo our
 * rewrite.  IPVS does the same by default.  Requests: our hook runs
 * before conntrack, so no entry exists yet.  Replies: dlba_nat_reverse().
 */
static void dlba_notrack(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
#endif
}

/* ---- routes to servers ---------------------------------------------- */

int dlba_xmit_server_init(struct dlba_server *srv)
{
	return dst_cache_init(&srv->dst_cache, GFP_KERNEL_ACCOUNT);
}

void dlba_xmit_server_uninit(struct dlba_server *srv)
{
	dst_cache_destroy(&srv->dst_cache);	/* no-op if never initialised */
}

/*
 * Route to an IPv4 server and our source address for it.  Only unicast
 * routes: a server address that is local or a broadcast is a configuration
 * error, not a destination.  Returns a held route or an ERR_PTR.
 */
/*
 * The route to @srv, from its cache.  @local_ok: a server at one of the LB's
 * own addresses is a route too (dr only, see dlba_dr_xmit4()); every other
 * caller gets -EHOSTUNREACH for it, also when dr cached it earlier (the
 * method may have changed since).
 */
static struct rtable *dlba_route4(struct net *net, struct dlba_server *srv,
				  u8 proto, __be32 *saddr, bool local_ok)
{
	struct flowi4 fl4 = {
		.daddr = srv->addr.ip,
		.flowi4_proto = proto,
	};
	struct rtable *rt;

	rt = dst_cache_get_ip4(&srv->dst_cache, saddr);
	if (!rt) {
		rt = ip_route_output_key(net, &fl4);
		if (IS_ERR(rt))
			return rt;
		if (rt->rt_type != RTN_UNICAST && rt->rt_type != RTN_LOCAL) {
			ip_rt_put(rt);
			return ERR_PTR(-EHOSTUNREACH);
		}
		dst_cache_set_ip4(&srv->dst_cache, &rt->dst, fl4.saddr);
		*saddr = fl4.saddr;
	}
	if (rt->rt_type == RTN_LOCAL && !local_ok) {
		ip_rt_put(rt);
		return ERR_PTR(-EHOSTUNREACH);
	}
	return rt;
}

/* A route to one of our own IPv6 addresses leaves through loopback. */
static bool dlba_dst6_local(const struct dst_entry *dst)
{
	return dst->dev->flags & IFF_LOOPBACK;
}

/*
 * IPv6 likewise; ip6_dst_lookup() also selects the source address.
 * Returns a held dst or an ERR_PTR.
 */
static struct dst_entry *dlba_route6(struct net *net, struct dlba_server *srv,
				     u8 proto, struct in6_addr *saddr,
				     bool local_ok)
{
	struct flowi6 fl6 = {
		.daddr = srv->addr.in6,
		.flowi6_proto = proto,
	};
	struct dst_entry *dst;
	int err;

	dst = dst_cache_get_ip6(&srv->dst_cache, saddr);
	if (!dst) {
		err = ip6_dst_lookup(net, NULL, &dst, &fl6);
		if (err)
			return ERR_PTR(err);
		dst_cache_set_ip6(&srv->dst_cache, dst, &fl6.saddr);
		*saddr = fl6.saddr;
	}
	if (dlba_dst6_local(dst) && !local_ok) {
		dst_release(dst);
		return ERR_PTR(-EHOSTUNREACH);
	}
	return dst;
}

/*
 * Does the LB's route to @srv leave through @dev?  A nat reply must have
 * come in from the server's side (a reverse-path check against the cached
 * route, no FIB lookup): a packet from elsewhere that only claims the
 * server's address is not given the VIP as its source.
 */
bool dlba_srv_behind(struct net *net, struct dlba_server *srv,
		     const struct net_device *dev)
{
	struct dst_entry *dst;
	union nf_inet_addr saddr;
	bool ok;

	if (!dev)
		return false;
	if (srv->svc->family == AF_INET) {
		struct rtable *rt = dlba_route4(net, srv, srv->svc->proto,
						&saddr.ip, false);

		if (IS_ERR(rt))
			return false;
		dst = &rt->dst;
	} else {
		dst = dlba_route6(net, srv, srv->svc->proto, &saddr.in6,
				  false);
		if (IS_ERR(dst))
			return false;
	}
	ok = dst->dev == dev;
	dst_release(dst);
	return ok;
}

/* ---- packets too big ------------------------------------------------ */

/*
 * A DF packet that does not fit the way to the server (dr), or no longer
 * fits once encapsulated (tun): tell the client the MTU, as a router would.
 * icmp_send() needs an input route to pick its source; we run before
 * routing, so look one up.
 */
static void dlba_frag_needed4(struct sk_buff *skb, unsigned int mtu)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (!skb_dst(skb) &&
	    ip_route_input_noref(skb, iph->daddr, iph->saddr, iph->tos,
				 skb->dev))
		return;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
}

/* ---- dr ------------------------------------------------------------- */

/*
 * Put the link-layer header for @srv on @skb (data at the IP header, dst and
 * dev set) and queue it on skb->dev.  The one place a dr packet leaves, for
 * whole packets and fragments alike.  Consumes @skb.
 *
 * With a configured MAC the header is written directly.  Without one the
 * server's address is looked up in the neighbour table of the egress device
 * (created if missing) and neigh_output() does what ip_finish_output2()
 * does for the LB's own packets: resolve with ARP / neighbour discovery,
 * queue meanwhile, and re-resolve when the entry goes stale, so a server
 * whose MAC changes (a replaced NIC, a VM moved) is followed without the
 * operator.  The key is the server's own address, not the route's gateway:
 * dr servers are on the LB's link by definition.
 */
static int dlba_dr_emit(struct sk_buff *skb, const struct dlba_server *srv)
{
	struct net_device *dev = skb->dev;
	struct neighbour *neigh;

	if (!is_zero_ether_addr(srv->mac)) {
		/* Source MAC NULL: the device's own address. */
		if (dev_hard_header(skb, dev, ntohs(skb->protocol), srv->mac,
				    NULL, skb->len) < 0) {
			kfree_skb(skb);
			return -EINVAL;
		}
		return dev_queue_xmit(skb);
	}

	/*
	 * The route goes: a packet queued while the entry resolves would be
	 * re-aimed by neigh_update() at the neighbour of the route's next hop
	 * for its own destination, the VIP, which nobody answers for.
	 */
	skb_dst_drop(skb);
	/* Under the RCU read lock of the hook (or of the fragmenter's caller). */
	if (srv->svc->family == AF_INET)
		neigh = ip_neigh_gw4(dev, srv->addr.ip);
	else
		neigh = ip_neigh_gw6(dev, &srv->addr.in6);
	if (IS_ERR(neigh)) {
		kfree_skb(skb);
		return PTR_ERR(neigh);
	}
	return neigh_output(neigh, skb, false);
}

u16 dlba_dr_neigh_state(struct net *net, const struct dlba_server *srv,
			u8 *lladdr)
{
	struct neigh_table *tbl;
	struct net_device *dev;
	struct neighbour *n;
	u16 state = 0;

	if (srv->svc->family == AF_INET) {
		struct flowi4 fl4 = { .daddr = srv->addr.ip };
		struct rtable *rt = ip_route_output_key(net, &fl4);

		if (IS_ERR(rt))
			return 0;
		dev = rt->dst.dev;
		dev_hold(dev);
		ip_rt_put(rt);
		tbl = &arp_tbl;
	} else {
		struct flowi6 fl6 = { .daddr = srv->addr.in6 };
		struct dst_entry *dst;

		if (ip6_dst_lookup(net, NULL, &dst, &fl6))
			return 0;
		dev = dst->dev;
		dev_hold(dev);
		dst_release(dst);
		tbl = ipv6_stub->nd_tbl;
	}
	/* dr needs an Ethernet link; elsewhere there is nothing to show. */
	n = dev->addr_len == ETH_ALEN ? neigh_lookup(tbl, &srv->addr, dev) : NULL;
	if (n) {
		neigh_ha_snapshot(lladdr, n, dev);
		state = READ_ONCE(n->nud_state);
		neigh_release(n);
	}
	dev_put(dev);
	return state;
}

/*
 * The server whose packet ip_do_fragment() / ip6_fragment() is cutting up:
 * their output callback has no context argument.  Set around the call only;
 * the call is synchronous and runs with BH disabled, so it stays on this
 * CPU.  The previous value is put back, so that a transmit that reenters
 * the hook on the same CPU (a bridge delivering locally) cannot leave a
 * stale server behind for the outer call's next fragments.
 */
static DEFINE_PER_CPU(const struct dlba_server *, dlba_frag_srv);

static int dlba_dr_frag_output(struct net *net, struct sock *sk,
			       struct sk_buff *skb)
{
	return dlba_dr_emit(skb, __this_cpu_read(dlba_frag_srv));
}

/* Fragment @skb (dst, dev and protocol set) to its route's MTU; consumes it. */
static int dlba_dr_fragment(struct net *net, struct sk_buff *skb,
			    const struct dlba_server *srv)
{
	const struct dlba_server *prev = __this_cpu_read(dlba_frag_srv);
	const struct nf_ipv6_ops *v6ops;
	int err;

	__this_cpu_write(dlba_frag_srv, srv);
	if (skb->protocol == htons(ETH_P_IP)) {
		err = ip_do_fragment(net, NULL, skb, dlba_dr_frag_output);
	} else {
		/* ip6_fragment() is not exported; netfilter's ops reach it. */
		v6ops = nf_get_ipv6_ops();
		if (v6ops) {
			err = v6ops->fragment(net, NULL, skb,
					      dlba_dr_frag_output);
		} else {
			kfree_skb(skb);
			err = -EHOSTUNREACH;
		}
	}
	__this_cpu_write(dlba_frag_srv, prev);
	return err;
}

/*
 * A GSO packet without DF whose segments do not fit: segment it in software
 * and fragment each segment that is still too big, as ip_finish_output_gso()
 * does.  Consumes @skb.
 */
static int dlba_dr_gso(struct net *net, struct sk_buff *skb,
		       const struct dlba_server *srv, unsigned int mtu)
{
	struct sk_buff *segs, *next;
	int err = 0, ret;

	BUILD_BUG_ON(sizeof(*IPCB(skb)) > SKB_GSO_CB_OFFSET);
	segs = skb_gso_segment(skb, netif_skb_features(skb) &
				    ~NETIF_F_GSO_MASK);
	if (IS_ERR_OR_NULL(segs)) {
		kfree_skb(skb);
		return -ENOMEM;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, segs, next) {
		skb_mark_not_on_list(segs);
		if (segs->len <= mtu)
			ret = dlba_dr_emit(segs, srv);
		else
			ret = dlba_dr_fragment(net, segs, srv);
		if (ret && !err)
			err = ret;
	}
	return err;
}

/*
 * Is a dr packet that does not fit the route's MTU refused?  What a router
 * owes the client then was sent (ICMP), before the skb is touched: the
 * error goes out as from the input side, as the forwarding path sends it.
 *  IPv4: DF set (a datagram reassembled by conntrack keeps DF when its
 *  largest fragment had it, and may only be cut up again to its original
 *  fragments' size, IPCB()->frag_max_size) -> fragmentation needed, as
 *  ip_forward() decides; otherwise it is fragmented.
 *  IPv6: routers never fragment -> packet too big, unless it is a datagram
 *  conntrack reassembled whose fragments fit: cut up again as received,
 *  which ip6_forward() lets ip6_fragment() do.  The same conditions as
 *  ip6_fragment()'s own (same dst, so the same MTU): it never sends a
 *  packet too big of its own from the transmit side.
 */
static bool dlba_dr_refuse(struct sk_buff *skb, unsigned int mtu,
			   u16 ethertype)
{
	unsigned int fmax;

	if (ethertype == ETH_P_IP) {
		fmax = IPCB(skb)->frag_max_size;
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)) ||
		    (fmax <= mtu && skb->ignore_df))
			return false;
		dlba_frag_needed4(skb, mtu);
		return true;
	}
	fmax = IP6CB(skb)->frag_max_size;
	if (fmax && fmax <= mtu && skb->ignore_df && !skb_is_gso(skb))
		return false;
	icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	return true;
}

/* Send @skb (data at the IP header) to srv->mac on dst's device; owns @dst. */
static int dlba_dr_out(struct net *net, struct sk_buff *skb,
		       struct dst_entry *dst, const struct dlba_server *srv,
		       u16 ethertype)
{
	struct net_device *dev = dst->dev;
	unsigned int mtu;
	bool big;
	int err;

	/* A MAC address only means something on an Ethernet link. */
	if (dev->type != ARPHRD_ETHER || !dev->header_ops) {
		err = -EINVAL;
		goto err_dst;
	}
	/*
	 * The route's MTU: the link's unless the route sets one; the same
	 * that ip_do_fragment() / ip6_fragment() cut to.  Only a
	 * reassembled datagram, or a client link wider than the servers',
	 * gets past it.
	 */
	mtu = dst_mtu(dst);
	big = !dlba_fits(skb, mtu);
	if (unlikely(big) && dlba_dr_refuse(skb, mtu, ethertype)) {
		err = -EMSGSIZE;
		goto err_dst;
	}
	/* Private, large enough header room for the new Ethernet header. */
	err = skb_cow_head(skb, LL_RESERVED_SPACE(dev));
	if (err)
		goto err_dst;

	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	/* As ip_forward(): an rx checksum means nothing on tx. */
	skb_forward_csum(skb);
	/* An rx timestamp must not be taken for a tx departure time (fq). */
	skb_clear_tstamp(skb);
	skb->dev = dev;
	skb->protocol = htons(ethertype);
	/* The skb is ours from here: NF_STOLEN whatever happens to it. */
	if (likely(!big))
		dlba_dr_emit(skb, srv);
	else if (skb_is_gso(skb))
		dlba_dr_gso(net, skb, srv, mtu);
	else
		dlba_dr_fragment(net, skb, srv);
	return 0;

err_dst:
	dst_release(dst);
	return err;
}

/*
 * A dr server at one of the LB's own addresses is the scheduler's own DLBA
 * server (WO 01/69890 Fig. 2: the scheduler is one of the array's servers):
 * its buckets' packets are accepted as they are, and the local stack
 * delivers them to whatever listens on the VIP there.  The same table on
 * another node of the array sends them to this node by MAC instead.
 */
#define DLBA_XMIT_LOCAL	2

/* Only the egress device is wanted from the route; the MAC is configured. */
static int dlba_dr_xmit4(struct net *net, struct sk_buff *skb,
			 struct dlba_server *srv)
{
	struct rtable *rt;
	__be32 saddr;

	rt = dlba_route4(net, srv, 0, &saddr, true);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_type == RTN_LOCAL) {
		ip_rt_put(rt);
		return DLBA_XMIT_LOCAL;
	}
	return dlba_dr_out(net, skb, &rt->dst, srv, ETH_P_IP);
}

static int dlba_dr_xmit6(struct net *net, struct sk_buff *skb,
			 struct dlba_server *srv)
{
	struct in6_addr saddr;
	struct dst_entry *dst;

	dst = dlba_route6(net, srv, 0, &saddr, true);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	if (dlba_dst6_local(dst)) {
		dst_release(dst);
		return DLBA_XMIT_LOCAL;
	}
	return dlba_dr_out(net, skb, dst, srv, ETH_P_IPV6);
}

/* ---- nat ------------------------------------------------------------ */

/*
 * Rewrite one end of a TCP/UDP packet whose transport header is set: the
 * destination (to_server) or the source (a reply), to @addr:@port.
 * Incremental checksum updates (RFC 1624): the IPv4 header checksum, and the
 * TCP/UDP checksum for the pseudo-header address and the port.  With
 * CHECKSUM_PARTIAL the L4 field only holds the pseudo-header sum and the
 * helpers update just that.  A UDP/IPv4 checksum of 0 means "none" and stays
 * 0; a computed 0 is sent as 0xffff.
 */
static int dlba_nat_rewrite(struct sk_buff *skb, u16 family, u8 proto,
			    bool to_server, const union nf_inet_addr *addr,
			    __be16 port)
{
	unsigned int thoff = skb_transport_offset(skb);
	bool udp = proto == IPPROTO_UDP, csum = true;
	__be16 *pport;
	__sum16 *check;

	if (skb_ensure_writable(skb, thoff + (udp ? sizeof(struct udphdr) :
					      sizeof(struct tcphdr))))
		return -ENOMEM;

	if (udp) {
		struct udphdr *uh = udp_hdr(skb);

		check = &uh->check;
		pport = to_server ? &uh->dest : &uh->source;
		csum = uh->check || skb->ip_summed == CHECKSUM_PARTIAL;
	} else {
		struct tcphdr *th = tcp_hdr(skb);

		check = &th->check;
		pport = to_server ? &th->dest : &th->source;
	}

	if (family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);
		__be32 *a = to_server ? &iph->daddr : &iph->saddr;

		if (csum)
			inet_proto_csum_replace4(check, skb, *a, addr->ip, true);
		csum_replace4(&iph->check, *a, addr->ip);
		*a = addr->ip;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct in6_addr *a = to_server ? &ip6h->daddr : &ip6h->saddr;

		if (csum)
			inet_proto_csum_replace16(check, skb, a->s6_addr32,
						  addr->in6.s6_addr32, true);
		*a = addr->in6;
	}

	if (csum) {
		inet_proto_csum_replace2(check, skb, *pport, port, false);
		if (udp && !*check && skb->ip_summed != CHECKSUM_PARTIAL)
			*check = CSUM_MANGLED_0;
	}
	*pport = port;
	return 0;
}

/*
 * A nat reply in FORWARD: VIP:port as its source.  Where conntrack is active
 * it has made an unconfirmed entry for the reply by now; dropping it here
 * (dlba_notrack) keeps it out of the table, so the LB still holds no state
 * per flow.
 */
int dlba_nat_reverse(struct sk_buff *skb, struct dlba_server *srv)
{
	struct dlba_service *svc = srv->svc;
	int err;

	err = dlba_nat_rewrite(skb, svc->family, svc->proto, false,
			       &svc->addr, svc->port);
	if (err)
		return err;
	dlba_notrack(skb);
	return 0;
}

/*
 * ICMP errors about nat traffic quote a packet as it was on one side of the
 * LB; make them quote it as it was on the other side.  Away from the server
 * (@to_server false: an error about a client's packet that the LB rewrote,
 * sent by the LB itself, the server or a router behind it): the quote's
 * destination becomes VIP:port again, and the error's source the VIP when
 * the server sent it.  Towards the server (an error sent to the VIP about a
 * reply, e.g. a router's packet too big): the quote's source becomes the
 * server's real address and port, and so does the error's destination.
 * @ioff: the quoted IP header, @toff: its TCP/UDP header.  The quote is
 * plain data: its checksums are adjusted as such, whatever skb->ip_summed
 * says of the outer packet; the ICMP checksum is computed afresh.
 */
static void dlba_quote_csum(__sum16 *check, u16 family,
			    const union nf_inet_addr *from,
			    const union nf_inet_addr *to, __be16 pfrom, __be16 pto)
{
	unsigned int i;

	for (i = 0; i < dlba_addr_len(family) / 4; i++)
		csum_replace4(check, from->ip6[i], to->ip6[i]);
	csum_replace2(check, pfrom, pto);
}

int dlba_nat_quote(struct sk_buff *skb, struct dlba_server *srv,
		   unsigned int icmpoff, unsigned int ioff, unsigned int toff,
		   bool to_server)
{
	struct dlba_service *svc = srv->svc;
	const union nf_inet_addr *to = to_server ? &srv->addr : &svc->addr;
	__be16 pto = to_server ? srv->port : svc->port;
	bool udp = svc->proto == IPPROTO_UDP;
	unsigned int coff = toff + (udp ? offsetof(struct udphdr, check) :
				    offsetof(struct tcphdr, check));
	unsigned int len = skb->len - icmpoff;
	union nf_inet_addr from = {};
	__sum16 *check = NULL;
	__be16 *pport;

	/* A short quote ends after the ports (RFC 792: 8 bytes of data). */
	if (skb_ensure_writable(skb, min(skb->len, coff + 2)))
		return -ENOMEM;
	pport = (__be16 *)(skb->data + toff + (to_server ? 0 : 2));
	if (coff + 2 <= skb->len) {
		check = (__sum16 *)(skb->data + coff);
		if (udp && !*check)	/* UDP/IPv4 without checksum */
			check = NULL;
	}
	if (svc->family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);
		struct iphdr *inner = (struct iphdr *)(skb->data + ioff);
		__be32 *a = to_server ? &inner->saddr : &inner->daddr;
		__be32 *o = to_server ? &iph->daddr : &iph->saddr;

		from.ip = *a;
		csum_replace4(&inner->check, *a, to->ip);
		*a = to->ip;
		if (*o == from.ip) {
			csum_replace4(&iph->check, *o, to->ip);
			*o = to->ip;
		}
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct ipv6hdr *inner = (struct ipv6hdr *)(skb->data + ioff);
		struct in6_addr *a = to_server ? &inner->saddr : &inner->daddr;
		struct in6_addr *o = to_server ? &ip6h->daddr : &ip6h->saddr;

		from.in6 = *a;
		*a = to->in6;
		if (ipv6_addr_equal(o, &from.in6))
			*o = to->in6;
	}
	if (check) {
		dlba_quote_csum(check, svc->family, &from, to, *pport, pto);
		if (udp && !*check)
			*check = CSUM_MANGLED_0;
	}
	*pport = pto;

	if (svc->family == AF_INET) {
		struct icmphdr *ih = (struct icmphdr *)(skb->data + icmpoff);

		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, icmpoff, len, 0));
	} else {
		struct icmp6hdr *ih = (struct icmp6hdr *)(skb->data + icmpoff);
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ih->icmp6_cksum = 0;
		ih->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
						  IPPROTO_ICMPV6,
						  skb_checksum(skb, icmpoff, len, 0));
	}
	skb->ip_summed = CHECKSUM_NONE;
	/* Towards the server it is forwarded like a request: untracked. */
	if (to_server)
		dlba_notrack(skb);
	return 0;
}

/*
 * nat transmit.  The rewritten packet is forwarded as ip_forward() /
 * ip6_forward() would: TTL / hop limit decremented, FORWARD hook, then the
 * output route's dst_output (POST_ROUTING, neighbour, device); but the route
 * comes from the server's dst_cache instead of a FIB lookup per packet.
 * Everything out of the ordinary - forwarding disabled on the input device,
 * TTL about to expire, IPv4 options or IPv6 extension headers, a packet larger
 * than the route's MTU, no route - takes the normal forwarding path instead
 * (DLBA_NAT_SLOW: the packet is rewritten and accepted), which sends the ICMP
 * errors a router owes and counts the drops, exactly as before this shortcut.
 * Those errors quote the rewritten packet; hooks.c has them quote VIP:port
 * again (dlba_nat_quote).
 */
#define DLBA_NAT_SLOW	1

/*
 * The to-server rewrite of an IPv4 TCP/UDP packet, fused for the fast path:
 * the address (in the pseudo-header) and port changes are folded into the
 * L4 checksum at once, RFC 1624 style.  Not for CHECKSUM_PARTIAL (the L4
 * field holds only the pseudo-header sum then; dlba_nat_rewrite() knows).
 * skb->csum is not maintained: the caller turns CHECKSUM_COMPLETE into
 * CHECKSUM_NONE, as forwarding does.
 */
static int dlba_nat_dnat4(struct sk_buff *skb, u8 proto, __be32 addr,
			  __be16 port)
{
	unsigned int thoff = skb_transport_offset(skb);
	bool udp = proto == IPPROTO_UDP;
	struct iphdr *iph;
	__be16 *pport;
	__sum16 *check;
	__wsum diff;

	if (skb_ensure_writable(skb, thoff + (udp ? sizeof(struct udphdr) :
					      sizeof(struct tcphdr))))
		return -ENOMEM;
	iph = ip_hdr(skb);
	if (udp) {
		check = &udp_hdr(skb)->check;
		pport = &udp_hdr(skb)->dest;
	} else {
		check = &tcp_hdr(skb)->check;
		pport = &tcp_hdr(skb)->dest;
	}
	/* A UDP checksum of 0 means "none" and stays 0. */
	if (!udp || *check) {
		diff = csum_sub((__force __wsum)addr, (__force __wsum)iph->daddr);
		diff = csum_add(diff, csum_sub((__force __wsum)(u32)(__force u16)port,
					       (__force __wsum)(u32)(__force u16)*pport));
		*check = csum_fold(csum_add(diff, ~csum_unfold(*check)));
		if (udp && !*check)
			*check = CSUM_MANGLED_0;
	}
	csum_replace4(&iph->check, iph->daddr, addr);
	iph->daddr = addr;
	*pport = port;
	return 0;
}

/*
 * The FORWARD hook of a nat packet, then the route's output.  The hook's
 * continuation (okfn) must not be a function of this module: a FORWARD
 * rule may queue the packet to userspace (NFQUEUE), and its verdict calls
 * the okfn later, maybe after dlba.ko is gone.  The route's own output
 * function is kernel text (ip_output, ip6_output, xfrm or lwtunnel output)
 * and is what dst_output() calls; dst_output() itself cannot be passed, it
 * is an inline whose address would be a copy in this module.  Read now, it
 * is the one dst_output() would find after the hook: netfilter reroutes a
 * queued packet only at LOCAL_OUT (nf_reinject), and the output functions
 * send on skb_dst() anyway.  As in ip_forward_finish(), an rx timestamp is
 * not a tx departure time: cleared before the hook, since no code of ours
 * runs after a queued packet's verdict.  NF_HOOK() spelt out: a packet
 * the hooks accept at once goes on through dst_output(), which calls the
 * usual output functions directly rather than through the pointer.
 */
static __always_inline void dlba_nat_forward(u8 pf, struct net *net,
					     struct sk_buff *skb,
					     struct dst_entry *dst)
{
	skb_clear_tstamp(skb);
	if (nf_hook(pf, NF_INET_FORWARD, net, NULL, skb, skb->dev, dst->dev,
		    READ_ONCE(dst->output)) == 1)
		dst_output(net, NULL, skb);
}

static int dlba_nat_xmit4(struct net *net, struct sk_buff *skb,
			  struct dlba_service *svc, struct dlba_server *srv)
{
	struct in_device *in_dev = __in_dev_get_rcu(skb->dev);
	const struct iphdr *iph = ip_hdr(skb);
	struct net_device *dev;
	struct rtable *rt;
	__be32 saddr;
	int err;

	if (skb->pkt_type != PACKET_HOST || !in_dev ||
	    !IN_DEV_FORWARD(in_dev) || iph->ihl != 5 || iph->ttl <= 1)
		return DLBA_NAT_SLOW;
	rt = dlba_route4(net, srv, svc->proto, &saddr, false);
	if (IS_ERR(rt))
		return DLBA_NAT_SLOW;
	dev = rt->dst.dev;
	if (!dlba_fits(skb, dst_mtu(&rt->dst))) {
		err = DLBA_NAT_SLOW;
		goto err_rt;
	}
	/* Private header, room for the link-layer header (as ip_forward) */
	err = skb_cow_head(skb, LL_RESERVED_SPACE(dev) + rt->dst.header_len);
	if (err)
		goto err_rt;
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		err = dlba_nat_rewrite(skb, AF_INET, svc->proto, true,
				       &srv->addr, srv->port);
	else
		err = dlba_nat_dnat4(skb, svc->proto, srv->addr.ip, srv->port);
	if (err)
		goto err_rt;
	dlba_notrack(skb);
	ip_decrease_ttl(ip_hdr(skb));
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	skb_forward_csum(skb);
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	if (READ_ONCE(net->ipv4.sysctl_ip_fwd_update_priority))
		skb->priority = rt_tos2priority(ip_hdr(skb)->tos);
	__IP_INC_STATS(net, IPSTATS_MIB_OUTFORWDATAGRAMS);
	__IP_ADD_STATS(net, IPSTATS_MIB_OUTOCTETS, skb->len);
	dlba_nat_forward(NFPROTO_IPV4, net, skb, &rt->dst);
	return 0;

err_rt:
	ip_rt_put(rt);
	return err;
}

static int dlba_nat_xmit6(struct net *net, struct sk_buff *skb,
			  struct dlba_service *svc, struct dlba_server *srv)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct in6_addr saddr;
	struct dst_entry *dst;
	int err;

	/*
	 * The transport header right after the fixed one: no extension
	 * headers (hop-by-hop options are the forwarding path's business).
	 */
	if (skb->pkt_type != PACKET_HOST ||
	    !READ_ONCE(net->ipv6.devconf_all->forwarding) ||
	    skb_transport_offset(skb) != sizeof(*ip6h) ||
	    ip6h->hop_limit <= 1 ||
	    (ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL))
		return DLBA_NAT_SLOW;
	dst = dlba_route6(net, srv, svc->proto, &saddr, false);
	if (IS_ERR(dst))
		return DLBA_NAT_SLOW;
	if (!dlba_fits(skb, dst_mtu(dst))) {
		err = DLBA_NAT_SLOW;
		goto err_dst;
	}
	err = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + dst->header_len);
	if (err)
		goto err_dst;
	err = dlba_nat_rewrite(skb, AF_INET6, svc->proto, true, &srv->addr,
			       srv->port);
	if (err)
		goto err_dst;
	dlba_notrack(skb);
	ipv6_hdr(skb)->hop_limit--;
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	skb_forward_csum(skb);
	IP6CB(skb)->flags |= IP6SKB_FORWARDED;
	__IP6_INC_STATS(net, ip6_dst_idev(dst), IPSTATS_MIB_OUTFORWDATAGRAMS);
	__IP6_ADD_STATS(net, ip6_dst_idev(dst), IPSTATS_MIB_OUTOCTETS, skb->len);
	dlba_nat_forward(NFPROTO_IPV6, net, skb, dst);
	return 0;

err_dst:
	dst_release(dst);
	return err;
}

/* ---- tun ------------------------------------------------------------ */

static int dlba_tun_xmit4(struct net *net, struct sk_buff *skb,
			  struct dlba_server *srv)
{
	const struct iphdr *inner = ip_hdr(skb);
	__be16 df = inner->frag_off & htons(IP_DF);
	u8 tos = inner->tos;
	unsigned int mtu;
	struct rtable *rt;
	struct iphdr *iph;
	__be32 saddr;
	int err;

	/* Also gives our source address for the outer header. */
	rt = dlba_route4(net, srv, IPPROTO_IPIP, &saddr, false);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	/*
	 * The outer header copies DF: a DF packet that does not fit is
	 * refused with an ICMP to the client (PMTU discovery keeps working);
	 * any other packet may be fragmented outside by ip_output.
	 */
	mtu = dst_mtu(&rt->dst) - sizeof(*iph);
	if (df && !dlba_fits(skb, mtu)) {
		dlba_frag_needed4(skb, mtu);
		err = -EMSGSIZE;
		goto err_rt;
	}
	err = skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
			   rt->dst.header_len + sizeof(*iph));
	if (err)
		goto err_rt;
	/* GSO packets get segmented as IPIP; sets the inner headers. */
	err = iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4);
	if (err)
		goto err_rt;

	skb_scrub_packet(skb, false);
	skb_clear_tstamp(skb);
	skb_dst_set(skb, &rt->dst);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));

	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = tos;			/* DSCP and ECN copied (RFC 6040) */
	iph->tot_len = htons(skb->len);
	iph->frag_off = df;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_IPIP;
	iph->check = 0;			/* ip_local_out() computes it */
	iph->saddr = saddr;
	iph->daddr = srv->addr.ip;
	/*
	 * One ID per packet that leaves: a GSO packet becomes gso_segs of
	 * them, numbered on from this ID when segmented (iptunnel_xmit()
	 * reserves the same).  Reserving one would hand the next packet IDs
	 * its predecessor's segments already carry, and without DF
	 * fragments of different packets could then be reassembled together.
	 */
	ip_select_ident_segs(net, skb, NULL, skb_shinfo(skb)->gso_segs ?: 1);
	skb->protocol = htons(ETH_P_IP);

	/* Through LOCAL_OUT/POST_ROUTING like any locally sent packet. */
	ip_local_out(net, NULL, skb);
	return 0;

err_rt:
	ip_rt_put(rt);
	return err;
}

static int dlba_tun_xmit6(struct net *net, struct sk_buff *skb,
			  struct dlba_server *srv)
{
	const struct ipv6hdr *inner = ipv6_hdr(skb);
	__be32 label = ip6_flowlabel(inner);
	u8 tclass = ipv6_get_dsfield(inner);
	struct dst_entry *dst;
	struct in6_addr saddr;
	struct ipv6hdr *ip6h;
	bool frag = false;
	unsigned int mtu;
	int err;

	dst = dlba_route6(net, srv, IPPROTO_IPV6, &saddr, false);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	/*
	 * The tunnel's MTU follows the route to the server.  IPv6 routers
	 * never fragment: a packet larger is refused with packet too big.
	 * But no IPv6 path is narrower than 1280 bytes, so below that the
	 * encapsulator fragments the outer packet instead (RFC 2473, 7.1)
	 * and the server reassembles it before decapsulating.
	 */
	mtu = dst_mtu(dst) - sizeof(*ip6h);
	if (unlikely(!dlba_fits(skb, mtu))) {
		if (mtu >= IPV6_MIN_MTU || !dlba_fits(skb, IPV6_MIN_MTU)) {
			icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0,
				    max_t(u32, mtu, IPV6_MIN_MTU));
			err = -EMSGSIZE;
			goto err_dst;
		}
		frag = true;
	}
	err = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) +
			   dst->header_len + sizeof(*ip6h));
	if (err)
		goto err_dst;
	err = iptunnel_handle_offloads(skb, SKB_GSO_IPXIP6);
	if (err)
		goto err_dst;

	skb_scrub_packet(skb, false);
	skb_clear_tstamp(skb);
	skb_dst_set(skb, dst);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	/*
	 * ip6_fragment() refuses a packet above the route's MTU unless told
	 * it may be cut up: this outer one may (scrubbing cleared the flag).
	 */
	skb->ignore_df = frag;

	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	/* Inner flow label keeps per-flow ECMP hashing on the way. */
	ip6_flow_hdr(ip6h, tclass, label);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_IPV6;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = saddr;
	ip6h->daddr = srv->addr.in6;
	skb->protocol = htons(ETH_P_IPV6);

	ip6_local_out(net, NULL, skb);
	return 0;

err_dst:
	dst_release(dst);
	return err;
}

/* ---- entry ---------------------------------------------------------- */

unsigned int dlba_xmit(struct sk_buff *skb, struct dlba_service *svc,
		       struct dlba_server *srv)
{
	struct net *net = dev_net(skb->dev);
	unsigned int len = skb->len;
	bool v4 = svc->family == AF_INET;
	int err;

	switch (READ_ONCE(srv->method)) {
	case DLBA_FWD_DR:
		err = v4 ? dlba_dr_xmit4(net, skb, srv) :
			   dlba_dr_xmit6(net, skb, srv);
		if (err != DLBA_XMIT_LOCAL)
			break;
		dlba_count_fwd(svc, srv, len);
		return NF_ACCEPT;
	case DLBA_FWD_TUN:
		err = v4 ? dlba_tun_xmit4(net, skb, srv) :
			   dlba_tun_xmit6(net, skb, srv);
		break;
	case DLBA_FWD_NAT:
		err = v4 ? dlba_nat_xmit4(net, skb, svc, srv) :
			   dlba_nat_xmit6(net, skb, svc, srv);
		if (err != DLBA_NAT_SLOW)
			break;
		/* Rewrite only; routing and ip_forward do the rest. */
		err = dlba_nat_rewrite(skb, svc->family, svc->proto, true,
				       &srv->addr, srv->port);
		if (err)
			break;
		dlba_notrack(skb);
		dlba_count_fwd(svc, srv, len);
		return NF_ACCEPT;
	default:
		err = -EINVAL;
		break;
	}
	if (unlikely(err)) {
		dlba_count_err(svc, srv);
		return NF_DROP;
	}
	dlba_count_fwd(svc, srv, len);
	return NF_STOLEN;
}
