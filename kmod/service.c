// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual services and their servers.
 *
 * Every change is made under dn->lock.  The packet path never takes that
 * lock: it finds services in dn->svc_hash, servers through svc->slots[] and
 * nat servers through dn->nat_hash, all under RCU.  So an object is always
 * fully initialised before it is published, unpublished before it is
 * changed in a way a reader could trip over, and freed only after a grace
 * period.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "dlba.h"

struct dlba_pcpu_stats __percpu *dlba_stats_alloc(void)
{
	struct dlba_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct dlba_pcpu_stats, GFP_KERNEL_ACCOUNT);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

/* One CPU's counters as they stand, tear-free (the syncp). */
static void dlba_stats_read_cpu(const struct dlba_pcpu_stats *p,
				struct dlba_stats *s)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&p->syncp);
		s->packets = u64_stats_read(&p->packets);
		s->bytes = u64_stats_read(&p->bytes);
		s->new_assign = u64_stats_read(&p->new_assign);
		s->reassign = u64_stats_read(&p->reassign);
		s->noserver = u64_stats_read(&p->noserver);
		s->errors = u64_stats_read(&p->errors);
		s->replies = u64_stats_read(&p->replies);
	} while (u64_stats_fetch_retry(&p->syncp, start));
}

/*
 * The counts since the last stats-zero: each CPU's counters less its
 * baseline.  A read racing a reset may take some CPUs' old baselines and
 * others' new ones (a total between the two), and on 32-bit a baseline
 * half written; it never goes below zero, as counters only grow.
 */
void dlba_stats_read(struct dlba_pcpu_stats __percpu *stats,
		     struct dlba_stats *out)
{
	int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct dlba_pcpu_stats *p = per_cpu_ptr(stats, cpu);
		struct dlba_stats s;

		dlba_stats_read_cpu(p, &s);
		out->packets += s.packets - READ_ONCE(p->zero.packets);
		out->bytes += s.bytes - READ_ONCE(p->zero.bytes);
		out->new_assign += s.new_assign - READ_ONCE(p->zero.new_assign);
		out->reassign += s.reassign - READ_ONCE(p->zero.reassign);
		out->noserver += s.noserver - READ_ONCE(p->zero.noserver);
		out->errors += s.errors - READ_ONCE(p->zero.errors);
		out->replies += s.replies - READ_ONCE(p->zero.replies);
	}
}

/*
 * stats-zero of one counter set: every CPU's present counts become its
 * baseline (as IPVS keeps one for ipvsadm -Z).  The counters themselves
 * are left to their CPUs, which go on counting meanwhile.  Needs dn->lock
 * (one writer of the baselines).
 */
void dlba_stats_zero(struct dlba_pcpu_stats __percpu *stats)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct dlba_pcpu_stats *p = per_cpu_ptr(stats, cpu);
		struct dlba_stats s;

		dlba_stats_read_cpu(p, &s);
		WRITE_ONCE(p->zero.packets, s.packets);
		WRITE_ONCE(p->zero.bytes, s.bytes);
		WRITE_ONCE(p->zero.new_assign, s.new_assign);
		WRITE_ONCE(p->zero.reassign, s.reassign);
		WRITE_ONCE(p->zero.noserver, s.noserver);
		WRITE_ONCE(p->zero.errors, s.errors);
		WRITE_ONCE(p->zero.replies, s.replies);
	}
}

/* A service's counters and those of its servers.  Needs dn->lock. */
void dlba_service_zero_stats(struct dlba_service *svc)
{
	struct dlba_server *srv;

	lockdep_assert_held(&svc->dn->lock);
	dlba_stats_zero(svc->stats);
	list_for_each_entry(srv, &svc->servers, list)
		dlba_stats_zero(srv->stats);
}

void dlba_net_changed(struct dlba_net *dn)
{
	lockdep_assert_held(&dn->lock);
	/* 0 means "no sequence" to genl_dump_check_consistent(): skip it. */
	if (!++dn->generation)
		dn->generation = 1;
}

/*
 * Hash and compare only the bytes the family uses: the packet path builds
 * its lookup addresses from headers and need not clear the rest.
 *
 * Both tables hold only what the administrator configured (services, nat
 * servers), so a client cannot lengthen a chain whatever it sends: no keyed
 * hash is needed here, just a fold of the key that hash_min() (a
 * multiplicative hash_32) then spreads over the table.  This runs for every
 * packet, so it is kept to a few instructions.
 */
static u32 dlba_key_hash(u16 family, const union nf_inet_addr *addr,
			 __be16 port, u8 proto)
{
	u32 h = ((u32)(__force u16)port << 16) ^ ((u32)proto << 8) ^
		(family == AF_INET6);

	if (family == AF_INET)
		return h ^ (__force u32)addr->ip;
	return h ^ (__force u32)(addr->all[0] ^ addr->all[1] ^
				 addr->all[2] ^ addr->all[3]);
}

static bool dlba_addr_equal(u16 family, const union nf_inet_addr *a,
			    const union nf_inet_addr *b)
{
	if (family == AF_INET)
		return a->ip == b->ip;
	return ipv6_addr_equal(&a->in6, &b->in6);
}

struct dlba_service *dlba_service_find(struct dlba_net *dn, u16 family,
				       const union nf_inet_addr *addr,
				       __be16 port, u8 proto)
{
	u32 hash = dlba_key_hash(family, addr, port, proto);
	struct dlba_service *svc;

	hash_for_each_possible_rcu(dn->svc_hash, svc, hnode, hash,
				   lockdep_is_held(&dn->lock)) {
		if (svc->port == port && svc->proto == proto &&
		    svc->family == family &&
		    dlba_addr_equal(family, &svc->addr, addr))
			return svc;
	}
	return NULL;
}

struct dlba_service *dlba_service_lookup(struct dlba_net *dn,
					 const struct dlba_svc_key *key)
{
	return dlba_service_find(dn, key->family, &key->addr, key->port,
				 key->proto);
}

struct dlba_server *dlba_nat_find_rcu(struct dlba_net *dn, u16 family,
				      const union nf_inet_addr *addr,
				      __be16 port, u8 proto)
{
	u32 hash = dlba_key_hash(family, addr, port, proto);
	struct dlba_server *srv;

	hash_for_each_possible_rcu(dn->nat_hash, srv, nat_node, hash,
				   lockdep_is_held(&dn->lock)) {
		if (srv->port == port && srv->svc->proto == proto &&
		    srv->svc->family == family &&
		    dlba_addr_equal(family, &srv->addr, addr))
			return srv;
	}
	return NULL;
}

struct dlba_server *dlba_server_find(struct dlba_service *svc, u32 id)
{
	struct dlba_server *srv;

	lockdep_assert_held(&svc->dn->lock);
	list_for_each_entry(srv, &svc->servers, list)
		if (srv->id == id)
			return srv;
	return NULL;
}

static void dlba_service_free_rcu(struct rcu_head *rcu)
{
	struct dlba_service *svc = container_of(rcu, struct dlba_service, rcu);

	dlba_sync_svc_uninit(svc);
	dlba_sched_uninit(svc);
	free_percpu(svc->stats);
	kvfree(svc);
}

static void dlba_server_free_rcu(struct rcu_head *rcu)
{
	struct dlba_server *srv = container_of(rcu, struct dlba_server, rcu);

	dlba_xmit_server_uninit(srv);
	free_percpu(srv->stats);
	kfree(srv);
}

struct dlba_service *dlba_service_add(struct dlba_net *dn,
				      const struct dlba_svc_key *key,
				      u32 nbuckets, u32 timeout_s, u8 mode,
				      const u8 *hash_key,
				      struct netlink_ext_ack *extack)
{
	struct dlba_service *svc;
	int err = -ENOMEM;

	lockdep_assert_held(&dn->lock);
	if (dlba_service_lookup(dn, key)) {
		NL_SET_ERR_MSG(extack, "service exists");
		return ERR_PTR(-EEXIST);
	}

	/* slots[] makes this a few pages: let it come from vmalloc. */
	svc = kvzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		goto err;
	svc->dn = dn;
	svc->family = key->family;
	svc->addr = key->addr;
	svc->port = key->port;
	svc->proto = key->proto;
	svc->mode = mode;
	svc->nbuckets = nbuckets;
	svc->timeout = timeout_s * HZ;
	spin_lock_init(&svc->assign_lock);
	atomic64_set(&svc->version, 0);
	INIT_LIST_HEAD(&svc->servers);
	/* slot_pending is empty (kvzalloc); any cookie will do until a del. */
	svc->slot_gp = get_state_synchronize_rcu();
	svc->stats = dlba_stats_alloc();
	if (!svc->stats)
		goto err_free;
	err = dlba_sched_init(svc, hash_key);
	if (err)
		goto err_stats;
	err = dlba_sync_svc_init(svc);
	if (err)
		goto err_sched;

	hash_add_rcu(dn->svc_hash, &svc->hnode,
		     dlba_key_hash(svc->family, &svc->addr, svc->port,
				   svc->proto));
	list_add_tail(&svc->list, &dn->services);
	/* Read locklessly by the hooks to skip namespaces without services. */
	WRITE_ONCE(dn->nservices, dn->nservices + 1);
	dlba_net_changed(dn);
	return svc;

err_sched:
	dlba_sched_uninit(svc);
err_stats:
	free_percpu(svc->stats);
err_free:
	kvfree(svc);
err:
	NL_SET_ERR_MSG(extack, "cannot allocate the service");
	return ERR_PTR(err);
}

void dlba_service_set_timeout(struct dlba_service *svc, u32 timeout_s)
{
	lockdep_assert_held(&svc->dn->lock);
	WRITE_ONCE(svc->timeout, timeout_s * HZ);
	dlba_net_changed(svc->dn);
}

/* Unpublish a server and free it after a grace period. */
static void dlba_server_unlink(struct dlba_server *srv)
{
	hash_del_rcu(&srv->nat_node);	/* no-op unless nat */
	list_del(&srv->list);
	call_rcu(&srv->rcu, dlba_server_free_rcu);
}

void dlba_service_del(struct dlba_service *svc)
{
	struct dlba_net *dn = svc->dn;
	struct dlba_server *srv, *tmp;

	lockdep_assert_held(&dn->lock);
	/*
	 * Once out of svc_hash no new packet finds the service, and readers
	 * still holding it keep its servers alive: they are freed by RCU
	 * callbacks queued with (and running after the same grace period
	 * as) the service's own.  Their buckets die with the table, so
	 * there is no per-server reset here.
	 */
	hash_del_rcu(&svc->hnode);
	list_del(&svc->list);
	WRITE_ONCE(dn->nservices, dn->nservices - 1);
	list_for_each_entry_safe(srv, tmp, &svc->servers, list)
		dlba_server_unlink(srv);
	call_rcu(&svc->rcu, dlba_service_free_rcu);
	dlba_net_changed(dn);
}

void dlba_service_flush(struct dlba_net *dn)
{
	struct dlba_service *svc, *tmp;

	lockdep_assert_held(&dn->lock);
	list_for_each_entry_safe(svc, tmp, &dn->services, list)
		dlba_service_del(svc);
}

static int dlba_server_check(struct dlba_service *svc,
			     const struct dlba_srv_cfg *cfg,
			     struct netlink_ext_ack *extack)
{
	struct dlba_server *srv;

	if (svc->nservers >= DLBA_SERVERS_MAX) {
		NL_SET_ERR_MSG(extack, "service has the maximum number of servers");
		return -ENOSPC;
	}
	list_for_each_entry(srv, &svc->servers, list) {
		if (srv->id == cfg->id) {
			NL_SET_ERR_MSG(extack, "server id exists in this service");
			return -EEXIST;
		}
		if (srv->port == cfg->port &&
		    dlba_addr_equal(svc->family, &srv->addr, &cfg->addr)) {
			NL_SET_ERR_MSG(extack, "server address and port exist in this service");
			return -EEXIST;
		}
	}
	/* A nat reply is mapped back by its source alone: it must be unique. */
	if (cfg->method == DLBA_FWD_NAT &&
	    dlba_nat_find_rcu(svc->dn, svc->family, &cfg->addr, cfg->port,
			      svc->proto)) {
		NL_SET_ERR_MSG(extack, "address and port already used by another nat server");
		return -EEXIST;
	}
	return 0;
}

/*
 * A slot for a new server: the lowest free one, so that nslots stays tight,
 * but never one emptied less than a grace period ago.  A packet on another
 * CPU may have read a bucket naming that slot before the old server's
 * buckets were reset and look the slot up only now: reusing it at once would
 * hand that packet to the new server, which knows nothing of the flow.
 * Caller holds dn->lock (a mutex: this may sleep) and has checked that a
 * slot is free.
 */
static u16 dlba_free_slot(struct dlba_service *svc)
{
	u16 slot, pending = DLBA_SERVERS_MAX;

	/* One cookie covers all: it was taken at the latest deletion. */
	if (poll_state_synchronize_rcu(svc->slot_gp))
		bitmap_zero(svc->slot_pending, DLBA_SERVERS_MAX);
	for (slot = 0; slot < DLBA_SERVERS_MAX; slot++) {
		if (rcu_access_pointer(svc->slots[slot]))
			continue;
		if (!test_bit(slot, svc->slot_pending))
			return slot;
		if (pending == DLBA_SERVERS_MAX)
			pending = slot;
	}
	/* Every free slot was emptied just now: wait for the readers. */
	cond_synchronize_rcu(svc->slot_gp);
	bitmap_zero(svc->slot_pending, DLBA_SERVERS_MAX);
	return pending;
}

int dlba_server_add(struct dlba_service *svc, const struct dlba_srv_cfg *cfg,
		    struct netlink_ext_ack *extack)
{
	struct dlba_server *srv;
	int err;

	lockdep_assert_held(&svc->dn->lock);
	err = dlba_server_check(svc, cfg, extack);
	if (err)
		return err;

	srv = kzalloc(sizeof(*srv), GFP_KERNEL_ACCOUNT);
	if (!srv)
		goto err_nomem;
	srv->stats = dlba_stats_alloc();
	if (!srv->stats)
		goto err_free;
	srv->svc = svc;
	srv->id = cfg->id;
	srv->slot = dlba_free_slot(svc);
	srv->method = cfg->method;
	srv->enabled = cfg->enabled;
	srv->failed = cfg->failed;
	srv->weight = cfg->weight;
	srv->addr = cfg->addr;
	srv->port = cfg->port;
	memcpy(srv->mac, cfg->mac, ETH_ALEN);
	atomic_set(&srv->nbuckets, 0);
	INIT_HLIST_NODE(&srv->nat_node);
	/* The route cache is per server: set it up before the server is visible. */
	if (dlba_xmit_server_init(srv))
		goto err_stats;

	list_add_tail(&srv->list, &svc->servers);
	if (srv->method == DLBA_FWD_NAT)
		hash_add_rcu(svc->dn->nat_hash, &srv->nat_node,
			     dlba_key_hash(svc->family, &srv->addr, srv->port,
					   svc->proto));
	rcu_assign_pointer(svc->slots[srv->slot], srv);
	/* After the slot is visible, so a scan bounded by nslots sees it. */
	if (srv->slot >= svc->nslots)
		WRITE_ONCE(svc->nslots, srv->slot + 1);
	svc->nservers++;
	dlba_sched_recount(svc);
	dlba_net_changed(svc->dn);
	return 0;

err_stats:
	free_percpu(srv->stats);
err_free:
	kfree(srv);
err_nomem:
	NL_SET_ERR_MSG(extack, "cannot allocate the server");
	return -ENOMEM;
}

void dlba_server_update(struct dlba_server *srv, const u32 *weight,
			const u8 *enabled, const u8 *failed)
{
	struct dlba_service *svc = srv->svc;

	lockdep_assert_held(&svc->dn->lock);
	if (weight)
		WRITE_ONCE(srv->weight, *weight);
	if (enabled)
		WRITE_ONCE(srv->enabled, !!*enabled);
	if (failed && *failed && !srv->failed) {
		/* Mark first: no packet may hand it a bucket after the reset. */
		WRITE_ONCE(srv->failed, 1);
		dlba_sched_server_gone(svc, srv);
	} else if (failed && !*failed) {
		WRITE_ONCE(srv->failed, 0);
	}
	dlba_sched_recount(svc);
	dlba_net_changed(svc->dn);
}

void dlba_server_del(struct dlba_server *srv)
{
	struct dlba_service *svc = srv->svc;
	u32 n;

	lockdep_assert_held(&svc->dn->lock);
	/*
	 * Reset its buckets while the server is still reachable through its
	 * slot, so a bucket never names an empty slot; marking it failed
	 * first keeps packets from assigning it new ones meanwhile.
	 */
	WRITE_ONCE(srv->enabled, 0);
	WRITE_ONCE(srv->failed, 1);
	dlba_sched_server_gone(svc, srv);

	RCU_INIT_POINTER(svc->slots[srv->slot], NULL);
	/*
	 * Not reused before every reader that may know the slot is done.
	 * The new cookie covers the older pending slots too; those whose
	 * grace period is already over are released first.
	 */
	if (poll_state_synchronize_rcu(svc->slot_gp))
		bitmap_zero(svc->slot_pending, DLBA_SERVERS_MAX);
	__set_bit(srv->slot, svc->slot_pending);
	svc->slot_gp = get_state_synchronize_rcu();
	n = svc->nslots;
	while (n && !rcu_access_pointer(svc->slots[n - 1]))
		n--;
	WRITE_ONCE(svc->nslots, n);
	dlba_server_unlink(srv);
	svc->nservers--;
	dlba_sched_recount(svc);
	dlba_net_changed(svc->dn);
}

int dlba_services_init_net(struct dlba_net *dn)
{
	INIT_LIST_HEAD(&dn->services);
	hash_init(dn->svc_hash);
	hash_init(dn->nat_hash);
	dn->nservices = 0;
	dn->generation = 1;
	return 0;
}

void dlba_services_uninit_net(struct dlba_net *dn)
{
	mutex_lock(&dn->lock);
	dlba_service_flush(dn);
	mutex_unlock(&dn->lock);
	WARN_ON_ONCE(dn->nservices);
}
