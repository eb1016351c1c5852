/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DLBA kernel module: internal shared definitions.
 *
 * Files (one concern per file, WireGuard style):
 *   main.c     module init/exit, pernet ops, unwind order
 *   service.c  service and server objects: create/update/delete, RCU lookup
 *   netlink.c  generic netlink family "dlba": family, command table, request
 *              parsing (netlink.h: what its files share); its policies are
 *              in nl_policy.c, its changes in nl_set.c, its reads (GET
 *              replies, dumps) in nl_get.c
 *   chardev.c  /dev/dlba monitoring ioctls
 *   sched.c    client hash-bucket table: assignment, idle re-assign, fail reset,
 *              panic, bulk get/set, touch, version
 *   sync.c     bucket-change notifications (multicast group "buckets"):
 *              dirty bitmaps, the per-netns work that sends them
 *   hooks.c    netfilter hooks (static nf_hook_ops[] per family), packet path
 *   xmit.c     forwarding methods dr / nat / tun for IPv4 and IPv6
 *
 * Locking
 *   Control plane: every change in a netns is made under dn->lock (mutex).
 *   Packet path: RCU only.  Services are found in dn->svc_hash, servers via
 *   svc->slots[]; both are published with rcu_assign_pointer and freed after
 *   a grace period (kfree_rcu / call_rcu).
 *   Buckets: the server field of a bucket changes only under svc->assign_lock
 *   (a spinlock taken by the packet path only when a bucket must be
 *   (re)assigned, i.e. at most once per new client bucket, and by control
 *   operations); the last-access field is written locklessly.  Whoever
 *   changes a bucket's server also sets its bit in svc->sync_dirty (sync.c)
 *   under that lock, when the change has listeners.
 */
#ifndef _DLBA_H
#define _DLBA_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/siphash.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/netfilter.h>
#include <linux/if_ether.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/dst_cache.h>
#include <uapi/linux/dlba.h>

#define DLBA_SVC_HASH_BITS	8
#define DLBA_NAT_HASH_BITS	8

/* Summed snapshot of a dlba_pcpu_stats. */
struct dlba_stats {
	u64 packets, bytes, new_assign, reassign, noserver, errors, replies;
};

/* Per-CPU counters; one set per netns, per service and per server. */
struct dlba_pcpu_stats {
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t new_assign;
	u64_stats_t reassign;
	u64_stats_t noserver;
	u64_stats_t errors;
	u64_stats_t replies;
	struct u64_stats_sync syncp;
	/*
	 * This CPU's counts at the last stats-zero, which readers subtract.
	 * Only dlba_stats_zero() writes it (under dn->lock), never the packet
	 * path: a reset is a new baseline, not a store into counters another
	 * CPU is incrementing, so no increment can undo it.
	 */
	struct dlba_stats zero;
};

/*
 * Bump one per-CPU counter.  Packet path (BH disabled, so this_cpu_ptr is
 * stable); the syncp makes the 64-bit reads of dlba_stats_read() tear-free on
 * 32-bit machines.
 */
#define dlba_stats_add(pcpu, field, val)				\
	do {								\
		struct dlba_pcpu_stats *__st = this_cpu_ptr(pcpu);	\
									\
		u64_stats_update_begin(&__st->syncp);			\
		u64_stats_add(&__st->field, (val));			\
		u64_stats_update_end(&__st->syncp);			\
	} while (0)
#define dlba_stats_inc(pcpu, field)	dlba_stats_add(pcpu, field, 1)

struct dlba_service;

struct dlba_server {
	struct list_head	list;		/* svc->servers, under dn->lock */
	struct hlist_node	nat_node;	/* dn->nat_hash (nat servers), RCU */
	struct dlba_service	*svc;
	u32			id;
	u16			slot;		/* index in svc->slots[] */
	u8			method;		/* enum dlba_fwd_method */
	/* Written under dn->lock, read on the packet path with READ_ONCE. */
	u8			enabled;
	u8			failed;
	u32			weight;
	union nf_inet_addr	addr;
	__be16			port;		/* nat: real port; else svc->port */
	u8			mac[ETH_ALEN];	/* dr; zero: neighbour table */
	atomic_t		nbuckets;	/* buckets currently assigned */
	struct dlba_pcpu_stats __percpu *stats;
	/* xmit.c: per-CPU route to addr; inert until initialised */
	struct dst_cache	dst_cache;
	struct rcu_head		rcu;
};

/*
 * One client hash bucket (WO 01/69890 Fig. 4).  'server' is the slot index + 1
 * of the owning server, 0 when unassigned.  'last' is jiffies (low 32 bits)
 * of the last packet that hit the bucket.
 */
struct dlba_bucket {
	u32 server;
	u32 last;
};

struct dlba_net;

struct dlba_service {
	struct hlist_node	hnode;		/* dn->svc_hash, RCU */
	struct list_head	list;		/* dn->services, under dn->lock */
	struct dlba_net		*dn;
	/* key */
	u16			family;
	u8			proto;
	u8			mode;		/* enum dlba_svc_mode */
	union nf_inet_addr	addr;
	__be16			port;
	/* configuration */
	u32			nbuckets;	/* power of two */
	u32			timeout;	/* idle timeout in jiffies */
	siphash_key_t		hash_key;	/* fixed for the service's life */
	/* bucket table */
	struct dlba_bucket	*buckets;	/* kvcalloc(nbuckets) */
	spinlock_t		assign_lock;
	atomic64_t		version;	/* bumped when any bucket's server changes */
	u8			panic;		/* READ_ONCE on the packet path */
	/* servers */
	struct list_head	servers;	/* under dn->lock */
	u32			nservers;
	struct dlba_server __rcu *slots[DLBA_SERVERS_MAX];
	/* Every used slot is below nslots (READ_ONCE): bounds slot scans. */
	u32			nslots;
	/* Servers that may be given buckets (READ_ONCE; dlba_sched_recount) */
	u32			neligible;
	/*
	 * Slots emptied since the grace period slot_gp (a
	 * get_state_synchronize_rcu() cookie) began: a packet may still
	 * hold a bucket value naming one, so none is reused until that
	 * grace period has ended (service.c).  Under dn->lock.
	 */
	DECLARE_BITMAP(slot_pending, DLBA_SERVERS_MAX);
	unsigned long		slot_gp;
	/*
	 * sync.c: one bit per bucket whose server changed since the last
	 * notification (set_bit; taken with xchg), and DLBA_SYNC_PENDING.
	 */
	unsigned long		*sync_dirty;
	unsigned long		sync_flags;
	struct dlba_pcpu_stats __percpu *stats;
	struct rcu_head		rcu;
};

struct dlba_net {
	struct net		*net;
	struct mutex		lock;		/* control plane */
	struct list_head	services;	/* under lock */
	u32			nservices;
	/* Bumped on every control-plane change; genl_dump_check_consistent. */
	unsigned int		generation;
	DECLARE_HASHTABLE(svc_hash, DLBA_SVC_HASH_BITS);	/* RCU */
	DECLARE_HASHTABLE(nat_hash, DLBA_NAT_HASH_BITS);	/* RCU */
	struct dlba_pcpu_stats __percpu *stats;
	/* sync.c: sends the services' dirty buckets, under lock. */
	struct delayed_work	sync_work;
};

extern unsigned int dlba_net_id;

static inline struct dlba_net *dlba_pernet(const struct net *net)
{
	return net_generic(net, dlba_net_id);
}

/* Bytes of a union nf_inet_addr that @family uses. */
static inline unsigned int dlba_addr_len(u16 family)
{
	return family == AF_INET ? 4 : 16;
}

/* stats helpers (service.c) */
struct dlba_pcpu_stats __percpu *dlba_stats_alloc(void);
void dlba_stats_read(struct dlba_pcpu_stats __percpu *s, struct dlba_stats *out);
void dlba_stats_zero(struct dlba_pcpu_stats __percpu *s);	/* dn->lock */

/* service.c: objects.  All mutators need dn->lock held. */
struct dlba_service *dlba_service_find(struct dlba_net *dn, u16 family,
				       const union nf_inet_addr *addr,
				       __be16 port, u8 proto);	/* lock or RCU */
struct dlba_server *dlba_server_find(struct dlba_service *svc, u32 id); /* lock */
void dlba_service_zero_stats(struct dlba_service *svc);	/* lock */
/* Packet path: server whose (addr, port, proto) matches a nat reply source. */
struct dlba_server *dlba_nat_find_rcu(struct dlba_net *dn, u16 family,
				      const union nf_inet_addr *addr,
				      __be16 port, u8 proto);
void dlba_service_flush(struct dlba_net *dn);
int dlba_services_init_net(struct dlba_net *dn);
void dlba_services_uninit_net(struct dlba_net *dn);

/* A service key as parsed from netlink or from the ioctl device. */
struct dlba_svc_key {
	union nf_inet_addr	addr;
	u16			family;
	__be16			port;
	u8			proto;
};

/* A new server, already validated against its service by the caller. */
struct dlba_srv_cfg {
	union nf_inet_addr	addr;
	u32			id;
	u32			weight;
	__be16			port;		/* effective port */
	u8			mac[ETH_ALEN];
	u8			method;
	u8			enabled;
	u8			failed;
};

struct dlba_service *dlba_service_lookup(struct dlba_net *dn,
					 const struct dlba_svc_key *key);
struct dlba_service *dlba_service_add(struct dlba_net *dn,
				      const struct dlba_svc_key *key,
				      u32 nbuckets, u32 timeout_s, u8 mode,
				      const u8 *hash_key,
				      struct netlink_ext_ack *extack);
void dlba_service_set_timeout(struct dlba_service *svc, u32 timeout_s);
void dlba_service_del(struct dlba_service *svc);
int dlba_server_add(struct dlba_service *svc, const struct dlba_srv_cfg *cfg,
		    struct netlink_ext_ack *extack);
/* NULL leaves a setting unchanged. */
void dlba_server_update(struct dlba_server *srv, const u32 *weight,
			const u8 *enabled, const u8 *failed);
void dlba_server_del(struct dlba_server *srv);
/* Any other control-plane change (panic, bucket upload): new generation. */
void dlba_net_changed(struct dlba_net *dn);

/* sched.c: bucket table. */
/* Allocate buckets; set the hash key (NULL: a random one). */
int dlba_sched_init(struct dlba_service *svc, const u8 *hash_key);
void dlba_sched_get_key(const struct dlba_service *svc, u8 *key);
/* Runs from the service's RCU callback (softirq): must not sleep. */
void dlba_sched_uninit(struct dlba_service *svc);
/*
 * Packet path (RCU read side): the server for a client, assigning or
 * re-assigning the bucket if needed and refreshing last access.  NULL when
 * no usable server exists (caller counts noserver and drops).
 */
struct dlba_server *dlba_sched_pick(struct dlba_service *svc,
				    const union nf_inet_addr *caddr,
				    __be16 cport);
/* Control plane (dn->lock held), after any change of a server. */
void dlba_sched_recount(struct dlba_service *svc);
/* Packet path: the usable owner of a client's bucket, without assigning. */
struct dlba_server *dlba_sched_owner(struct dlba_service *svc,
				     const union nf_inet_addr *caddr,
				     __be16 cport);
/*
 * Control plane (dn->lock held, process context: both walk the whole table
 * in chunks and sleep between them).  server_gone: the caller has already
 * set srv->failed, so no packet can hand the server new buckets meanwhile.
 * set_panic: 0 or -ENOMEM (nothing changed).
 */
void dlba_sched_server_gone(struct dlba_service *svc, struct dlba_server *srv);
int dlba_sched_set_panic(struct dlba_service *svc, bool on);
int dlba_sched_set_buckets(struct dlba_service *svc, u32 start,
			   const u32 *ids, u32 n, const u64 *version,
			   struct netlink_ext_ack *extack);
/* Reads buckets [start, start+n) as server ids and idle ms; returns version. */
u64 dlba_sched_get_buckets(struct dlba_service *svc, u32 start, u32 n,
			   u32 *ids, u32 *idle_ms);
/* Every bucket's last access to now (dn->lock held; sleeps). */
void dlba_sched_touch(struct dlba_service *svc);

/* sync.c: bucket-change notifications. */
int dlba_sync_svc_init(struct dlba_service *svc);
void dlba_sync_svc_uninit(struct dlba_service *svc);	/* RCU callback */
/* Has the "buckets" group of @svc's netns a listener?  Any context. */
bool dlba_sync_wanted(struct dlba_service *svc);
/* Bucket @idx changed server; caller holds svc->assign_lock. */
void dlba_sync_mark(struct dlba_service *svc, u32 idx);
/* After setting bits of svc->sync_dirty directly (the table walks). */
void dlba_sync_kick(struct dlba_service *svc);
void dlba_sync_init_net(struct dlba_net *dn);
void dlba_sync_uninit_net(struct dlba_net *dn);
void dlba_sync_set_live(bool live);

/* hooks.c */
int dlba_hooks_init(void);
int dlba_hooks_init_net(struct net *net);
void dlba_hooks_uninit_net(struct net *net);

/*
 * xmit.c: forward a scheduled packet.  Returns NF_STOLEN (skb consumed),
 * NF_ACCEPT (nat, unusual packet: rewritten in place, normal routing forwards
 * it) or NF_DROP (error, counted; the netfilter core frees the skb).
 */
unsigned int dlba_xmit(struct sk_buff *skb, struct dlba_service *svc,
		       struct dlba_server *srv);
/*
 * nat reply reversal in place: rewrite source to the VIP:port.  The caller
 * has set the skb's transport header to the TCP/UDP header.
 */
int dlba_nat_reverse(struct sk_buff *skb, struct dlba_server *srv);
bool dlba_srv_behind(struct net *net, struct dlba_server *srv,
		     const struct net_device *dev);
/* dr without a MAC: the LB's neighbour entry for @srv (NUD_*; 0: none). */
u16 dlba_dr_neigh_state(struct net *net, const struct dlba_server *srv,
			u8 *lladdr);
/*
 * An ICMP error about nat server @srv's traffic: make its quote (and its
 * outer address where it is the rewritten one) name VIP:port on the way to
 * the client, the server's address and port on the way to it (@to_server).
 * Offsets from skb->data of the ICMP header, the quoted IP header and the
 * quoted TCP/UDP header.
 */
int dlba_nat_quote(struct sk_buff *skb, struct dlba_server *srv,
		   unsigned int icmpoff, unsigned int ioff, unsigned int toff,
		   bool to_server);
/*
 * Per-server transmit state (the route cache).  init: after srv->method is
 * set, before the server is published (GFP_KERNEL).  uninit: after the RCU
 * grace period, i.e. from the server's RCU free callback.
 */
int dlba_xmit_server_init(struct dlba_server *srv);
void dlba_xmit_server_uninit(struct dlba_server *srv);

/* netlink.c */
int dlba_genl_init(void);
void dlba_genl_uninit(void);

/* chardev.c */
int dlba_chardev_init(void);
void dlba_chardev_uninit(void);

#endif /* _DLBA_H */
