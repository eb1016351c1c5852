// SPDX-License-Identifier: GPL-2.0
/*
 * DLBA client hash-bucket table: the scheduler of WO 01/69890 ("Internal
 * Operation", Figs. 4-5), made precise.
 *
 * A client (address, port) hashes to one bucket.  The bucket names the server
 * that gets every packet of the clients in it, so no per-connection state
 * exists and memory does not depend on the number of flows:
 *
 *  - an unassigned bucket is assigned, on its first packet, to the enabled,
 *    non-failed server with weight > 0 and the fewest buckets per weight;
 *  - every packet refreshes the bucket's last access time;
 *  - a bucket idle longer than svc->timeout may be re-assigned by the next
 *    packet that hits it; nobody is using it, so no connection breaks, and a
 *    server added later gradually takes buckets over;
 *  - a failed or deleted server's buckets are reset to unassigned
 *    (dlba_sched_server_gone), so only its clients move: at once for the
 *    packet path, which stops using the server as soon as it is marked,
 *    while the table itself is cleaned in chunks;
 *  - a disabled (draining) server keeps serving the buckets it has while they
 *    are in use but gets no new ones;
 *  - panic mode spreads all buckets evenly over the healthy servers and
 *    freezes assignment until it is cleared.
 *
 * Concurrency: bucket->server only changes under svc->assign_lock; readers on
 * the packet path read it with READ_ONCE under RCU and re-check under the
 * lock before changing it.  bucket->last is written without the lock (a lost
 * refresh only shortens idleness by a tick).  The lock is taken by the packet
 * path only when a bucket has to be (re)assigned, so at most once per bucket
 * and idle period, never per packet of an established client.
 * svc->version counts changes of bucket->server, never of last access, so a
 * standby scheduler can tell whether its copy is current (WO 01/69890,
 * "Scheduler Failover").  Every change of bucket->server also marks the
 * bucket for the change notifications (sync.c), under the same lock, when
 * someone listens for them.
 */
#include <linux/kernel.h>
#include <linux/bitmap.h>
#include <linux/bsearch.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "dlba.h"

/*
 * Slot pointers are published by service.c under dn->lock; the packet path
 * reads them under RCU, control operations with dn->lock held.  Every used
 * slot is below svc->nslots (service.c fills the lowest free slot), which
 * bounds all slot scans to O(servers).
 */
static u32 dlba_nslots(const struct dlba_service *svc)
{
	return min_t(u32, READ_ONCE(svc->nslots), DLBA_SERVERS_MAX);
}

static struct dlba_server *dlba_slot(struct dlba_service *svc, u32 slot)
{
	return rcu_dereference_check(svc->slots[slot],
				     lockdep_is_held(&svc->dn->lock));
}

/* Server owning a bucket value (slot + 1), NULL if unassigned or gone. */
static struct dlba_server *dlba_bucket_owner(struct dlba_service *svc, u32 s)
{
	if (!s || s > DLBA_SERVERS_MAX)
		return NULL;
	return dlba_slot(svc, s - 1);
}

/* May this server still serve the buckets it has? */
static bool dlba_srv_usable(const struct dlba_server *srv)
{
	return srv && !READ_ONCE(srv->failed);
}

/* May this server be given buckets? (also: "healthy" for panic mode) */
static bool dlba_srv_eligible(const struct dlba_server *srv)
{
	return srv && READ_ONCE(srv->enabled) && !READ_ONCE(srv->failed) &&
	       READ_ONCE(srv->weight) > 0;
}

/*
 * Has a bucket been idle for longer than the timeout?  Signed: another CPU
 * may refresh 'last' with a tick newer than our 'now', and such a bucket is
 * busy, not idle for 2^32 ticks - reading it as idle would move a live
 * client.  The price: a bucket idle for more than 2^31 ticks (24 days at
 * HZ=1000) looks fresh and keeps its still usable server, which is harmless.
 * timeout <= DLBA_TIMEOUT_MAX * HZ < 2^31.
 */
static bool dlba_bucket_expired(const struct dlba_service *svc, u32 now,
				u32 last)
{
	return (s32)(now - last) > (s32)READ_ONCE(svc->timeout);
}

/*
 * SipHash-2-4 over the client's address and port in network byte order,
 * under the service's secret key: a client cannot tell which (address,
 * port) pairs share a bucket.  Not hsiphash: that is a different function
 * on 32- and 64-bit kernels, and a standby given the key (dlbactl buckets
 * save/load, dlbactl save) must map every client to the bucket the active
 * scheduler did, whatever machine it runs on.
 */
static u32 dlba_bucket_index(const struct dlba_service *svc,
			     const union nf_inet_addr *caddr, __be16 cport)
{
	__be32 w[5] __aligned(SIPHASH_ALIGNMENT);
	size_t len;

	if (svc->family == AF_INET) {
		w[0] = caddr->ip;
		w[1] = htonl(ntohs(cport));
		len = 2 * sizeof(w[0]);
	} else {
		/* Every bit of address and port goes in: no pairs collide. */
		memcpy(w, caddr->all, 4 * sizeof(w[0]));
		w[4] = htonl(ntohs(cport));
		len = sizeof(w);
	}
	return (u32)siphash(w, len, &svc->hash_key) & (svc->nbuckets - 1);
}

int dlba_sched_init(struct dlba_service *svc, const u8 *hash_key)
{
	if (!is_power_of_2(svc->nbuckets))
		return -EINVAL;
	/*
	 * One allocation for the life of the service (up to 32 MiB at
	 * DLBA_BUCKETS_MAX, hence kvcalloc); charged to the creator's memcg.
	 */
	svc->buckets = kvcalloc(svc->nbuckets, sizeof(*svc->buckets),
				GFP_KERNEL_ACCOUNT);
	if (!svc->buckets)
		return -ENOMEM;
	/*
	 * Secret per service, so clients cannot aim at one bucket; given by
	 * the administrator when a standby must map clients as another
	 * scheduler does.  Fixed for the service's life: the packet path
	 * reads it without a lock.
	 */
	if (hash_key) {
		__le64 k[2];

		memcpy(k, hash_key, sizeof(k));
		svc->hash_key.key[0] = le64_to_cpu(k[0]);
		svc->hash_key.key[1] = le64_to_cpu(k[1]);
	} else {
		get_random_bytes(&svc->hash_key, sizeof(svc->hash_key));
	}
	spin_lock_init(&svc->assign_lock);
	atomic64_set(&svc->version, 0);
	svc->panic = 0;
	return 0;
}

/* The key as DLBA_HASH_KEY_LEN bytes, the uapi's layout. */
void dlba_sched_get_key(const struct dlba_service *svc, u8 *key)
{
	__le64 k[2] = {
		cpu_to_le64(svc->hash_key.key[0]),
		cpu_to_le64(svc->hash_key.key[1]),
	};

	memcpy(key, k, sizeof(k));
}

/* Safe from an RCU callback: kvfree defers vfree in atomic context. */
void dlba_sched_uninit(struct dlba_service *svc)
{
	kvfree(svc->buckets);
	svc->buckets = NULL;
}

/*
 * Weighted least-loaded choice: minimise nbuckets / weight, compared as
 * n_a * w_b < n_b * w_a in u64 (no division, no overflow: 2^22 * 2^16).
 * @cur is the bucket's present owner when an idle bucket is re-decided: its
 * own bucket does not count against it and it wins ties, so an idle bucket
 * only moves when that really evens the load (no pointless version bumps).
 */
static struct dlba_server *dlba_sched_least(struct dlba_service *svc,
					    struct dlba_server *cur)
{
	u32 nslots = dlba_nslots(svc), i;
	struct dlba_server *best = NULL, *srv;
	u64 best_n = 0, best_w = 1, cnt, w;

	for (i = 0; i < nslots; i++) {
		srv = dlba_slot(svc, i);
		if (!dlba_srv_eligible(srv))
			continue;
		w = READ_ONCE(srv->weight);
		cnt = atomic_read(&srv->nbuckets);
		if (srv == cur && cnt)
			cnt--;
		if (!best || cnt * best_w < best_n * w ||
		    (srv == cur && cnt * best_w == best_n * w)) {
			best = srv;
			best_n = cnt;
			best_w = w;
		}
	}
	return best;
}

/*
 * Panic rule, shared by dlba_sched_set_panic() and buckets that become
 * unassigned during panic (a server failed): bucket i belongs to the
 * (i mod h)-th of the h healthy servers in slot order.  Plain even, weights
 * ignored except that weight 0 means "no buckets": WO 01/69890's panic mode
 * "evenly distributes" the table, and a deterministic rule makes the result
 * reproducible on every scheduler of the array.
 */
static struct dlba_server *dlba_sched_panic_owner(struct dlba_service *svc,
						  u32 idx)
{
	u32 nslots = dlba_nslots(svc), h = 0, k, i;
	struct dlba_server *srv;

	for (i = 0; i < nslots; i++)
		if (dlba_srv_eligible(dlba_slot(svc, i)))
			h++;
	if (!h)
		return NULL;
	k = idx % h;
	for (i = 0; i < nslots; i++) {
		srv = dlba_slot(svc, i);
		if (dlba_srv_eligible(srv) && !k--)
			return srv;
	}
	return NULL;
}

/*
 * Slow path of dlba_sched_pick(): (re)assign bucket @idx.  Out of line: it
 * is rare, and selftests/dlba/edges.sh counts its calls with a kprobe.
 */
static noinline struct dlba_server *dlba_sched_assign(struct dlba_service *svc,
					     u32 idx, u32 now)
{
	struct dlba_bucket *b = &svc->buckets[idx];
	struct dlba_server *cur, *srv;
	bool expired, panic;
	u32 s;

	/*
	 * The packet path runs with BH disabled, also when an NFQUEUE
	 * verdict re-injects the packet from process context (hooks.c
	 * disables it); control paths use spin_lock_bh.
	 */
	spin_lock(&svc->assign_lock);
	s = b->server;
	cur = dlba_bucket_owner(svc, s);
	panic = READ_ONCE(svc->panic);
	expired = dlba_bucket_expired(svc, now, READ_ONCE(b->last));

	/* Another CPU may have assigned it while we waited. */
	if (dlba_srv_usable(cur) && (panic || !expired)) {
		srv = cur;
		goto refresh;
	}

	if (panic)
		srv = dlba_sched_panic_owner(svc, idx);
	else
		srv = dlba_sched_least(svc, dlba_srv_usable(cur) ? cur : NULL);

	if (!srv) {
		/*
		 * Nobody eligible.  An idle bucket of a draining (or weight 0)
		 * server stays with it rather than dropping its clients.
		 */
		if (!dlba_srv_usable(cur)) {
			spin_unlock(&svc->assign_lock);
			return NULL;
		}
		srv = cur;
		goto refresh;
	}

	if (srv != cur) {
		if (cur)
			atomic_dec(&cur->nbuckets);
		atomic_inc(&srv->nbuckets);
		WRITE_ONCE(b->server, srv->slot + 1);
		atomic64_inc(&svc->version);
		dlba_sync_mark(svc, idx);
		/*
		 * A bucket whose owner vanished or failed counts as new: only
		 * an idle bucket taken from a live server is a re-assignment.
		 */
		if (dlba_srv_usable(cur)) {
			dlba_stats_inc(svc->stats, reassign);
			dlba_stats_inc(svc->dn->stats, reassign);
		} else {
			dlba_stats_inc(svc->stats, new_assign);
			dlba_stats_inc(svc->dn->stats, new_assign);
		}
		dlba_stats_inc(srv->stats, new_assign);
	}
refresh:
	WRITE_ONCE(b->last, now);
	spin_unlock(&svc->assign_lock);
	return srv;
}

struct dlba_server *dlba_sched_pick(struct dlba_service *svc,
				    const union nf_inet_addr *caddr,
				    __be16 cport)
{
	u32 idx = dlba_bucket_index(svc, caddr, cport);
	struct dlba_bucket *b = &svc->buckets[idx];
	u32 now = (u32)jiffies, last;
	struct dlba_server *srv;

	srv = dlba_bucket_owner(svc, READ_ONCE(b->server));
	if (likely(dlba_srv_usable(srv))) {
		last = READ_ONCE(b->last);
		if (likely(!dlba_bucket_expired(svc, now, last) ||
			   READ_ONCE(svc->panic))) {
			/* Write only on a new tick: keep the line clean. */
			if (last != now)
				WRITE_ONCE(b->last, now);
			return srv;
		}
	}
	/*
	 * Nobody may take the bucket: what the locked path would decide, an
	 * idle bucket of a draining server stays with it, else no server.
	 * A server made eligible meanwhile is seen by the next packet.
	 */
	if (!READ_ONCE(svc->neligible)) {
		if (!dlba_srv_usable(srv))
			return NULL;
		WRITE_ONCE(b->last, now);
		return srv;
	}
	return dlba_sched_assign(svc, idx, now);
}

/*
 * How many servers may be given buckets.  When none may, a packet whose
 * bucket needs a server has nothing to wait for: dlba_sched_pick() answers
 * without the assign lock, so a flood of new clients to a service whose
 * servers are all down (or drained) does not queue every CPU on one lock.
 */
void dlba_sched_recount(struct dlba_service *svc)
{
	u32 nslots = svc->nslots, i, n = 0;

	lockdep_assert_held(&svc->dn->lock);
	for (i = 0; i < nslots; i++)
		if (dlba_srv_eligible(dlba_slot(svc, i)))
			n++;
	WRITE_ONCE(svc->neligible, n);
}

/*
 * The server that owns the bucket of (@caddr, @cport), if it is usable; no
 * assignment, no refresh: for packets that belong to a client's flow but
 * are not its traffic (an ICMP error about it).
 */
struct dlba_server *dlba_sched_owner(struct dlba_service *svc,
				     const union nf_inet_addr *caddr,
				     __be16 cport)
{
	u32 idx = dlba_bucket_index(svc, caddr, cport);
	struct dlba_server *srv;

	srv = dlba_bucket_owner(svc, READ_ONCE(svc->buckets[idx].server));
	return dlba_srv_usable(srv) ? srv : NULL;
}

/*
 * Whole-table walks (a server fails or is deleted, panic on) touch up to
 * DLBA_BUCKETS_MAX buckets.  Each chunk of DLBA_WALK_CHUNK buckets is walked
 * under the assign lock with BH disabled, and the lock is dropped and the
 * CPU offered to others (cond_resched) between chunks: softirqs on this CPU
 * and packets waiting for the lock on others are held off for one chunk
 * (128 KiB of table), not for the whole table.  The control path keeps
 * dn->lock (a mutex) across the whole walk, so no other control operation
 * sees or changes a half-walked table; the packet path does, and each walk
 * is written so that what a packet decides meanwhile is what the walk would
 * have decided.
 */
#define DLBA_WALK_CHUNK		16384U

/*
 * Buckets [start, end) that name slot value @s: unassigned.  Out of line: it
 * is the unit of time with BH off, and selftests/dlba/bigtable.sh times it
 * with a kprobe.
 */
static noinline u32 dlba_sched_gone_chunk(struct dlba_service *svc, u32 s,
					  u32 start, u32 end)
{
	bool sync = dlba_sync_wanted(svc);
	struct dlba_bucket *b;
	u32 i, moved = 0;

	spin_lock_bh(&svc->assign_lock);
	for (i = start; i < end; i++) {
		b = &svc->buckets[i];
		if (b->server == s) {
			WRITE_ONCE(b->server, 0);
			if (sync)
				set_bit(i, svc->sync_dirty);
			moved++;
		}
	}
	spin_unlock_bh(&svc->assign_lock);
	if (sync && moved)
		dlba_sync_kick(svc);
	return moved;
}

/*
 * The caller has marked @srv failed (under dn->lock, before this): from the
 * first chunk's lock on, no packet can give it a bucket, and a packet whose
 * bucket still names it takes the slow path and gets another server (or
 * none) itself.  So the walk only cleans up, chunk by chunk, and buckets of
 * other servers are never touched.  Sleeps: process context only.
 */
void dlba_sched_server_gone(struct dlba_service *svc, struct dlba_server *srv)
{
	u32 s = srv->slot + 1, n = svc->nbuckets, i, end, moved = 0, m;

	lockdep_assert_held(&svc->dn->lock);
	might_sleep();
	for (i = 0; i < n; i = end) {
		end = i + min(n - i, DLBA_WALK_CHUNK);
		m = dlba_sched_gone_chunk(svc, s, i, end);
		if (m) {
			atomic_sub(m, &srv->nbuckets);
			moved += m;
		}
		cond_resched();
	}
	spin_lock_bh(&svc->assign_lock);
	/* Everything it owned is gone; also heals any drift. */
	atomic_set(&srv->nbuckets, 0);
	/* One change of the table, as a reader holding dn->lock sees it. */
	if (moved)
		atomic64_inc(&svc->version);
	spin_unlock_bh(&svc->assign_lock);
}

/*
 * Buckets [start, end) to the panic layout: bucket j to hv[j mod h] (a slot
 * value), or unassigned when @h is 0.  Returns whether a server changed.
 */
static noinline bool dlba_sched_panic_chunk(struct dlba_service *svc,
					    const u32 *hv, u32 h, u32 start,
					    u32 end, u32 now)
{
	u32 k = h ? start % h : 0, j, val;
	bool sync = dlba_sync_wanted(svc);
	bool changed = false;
	struct dlba_bucket *b;

	spin_lock_bh(&svc->assign_lock);
	for (j = start; j < end; j++) {
		b = &svc->buckets[j];
		val = h ? hv[k] : 0;
		if (b->server != val) {
			WRITE_ONCE(b->server, val);
			if (sync)
				set_bit(j, svc->sync_dirty);
			changed = true;
		}
		if (h) {
			/* Clients are sent elsewhere: start their idle clock. */
			WRITE_ONCE(b->last, now);
			if (++k == h)
				k = 0;
		}
	}
	spin_unlock_bh(&svc->assign_lock);
	if (sync && changed)
		dlba_sync_kick(svc);
	return changed;
}

int dlba_sched_set_panic(struct dlba_service *svc, bool on)
{
	u32 now = (u32)jiffies, n = svc->nbuckets, h = 0, k = 0, i, end, nslots;
	struct dlba_server *srv;
	bool changed = false;
	u32 *hv;

	lockdep_assert_held(&svc->dn->lock);
	if (!on) {
		/* Unfreeze; buckets stay put and age out normally. */
		spin_lock_bh(&svc->assign_lock);
		WRITE_ONCE(svc->panic, 0);
		spin_unlock_bh(&svc->assign_lock);
		return 0;
	}

	/*
	 * Snapshot the healthy servers in slot order once, so counts and
	 * layout agree; flags and slots only change under dn->lock, which we
	 * hold for the whole walk, so dlba_sched_panic_owner() on the packet
	 * path sees the same list.
	 */
	nslots = dlba_nslots(svc);
	hv = kmalloc_array(max(nslots, 1U), sizeof(*hv), GFP_KERNEL);
	if (!hv)
		return -ENOMEM;
	for (i = 0; i < nslots; i++)
		if (dlba_srv_eligible(dlba_slot(svc, i)))
			hv[h++] = i + 1;

	/*
	 * Freeze first.  Until the walk reaches it, a bucket with a usable
	 * owner keeps it (as under panic); one without gets its panic owner
	 * from the packet path (dlba_sched_assign), the value the walk writes.
	 */
	spin_lock_bh(&svc->assign_lock);
	WRITE_ONCE(svc->panic, 1);
	spin_unlock_bh(&svc->assign_lock);

	might_sleep();
	for (i = 0; i < n; i = end) {
		end = i + min(n - i, DLBA_WALK_CHUNK);
		changed |= dlba_sched_panic_chunk(svc, hv, h, i, end, now);
		cond_resched();
	}

	/*
	 * Every bucket now has its panic owner, and a packet can no longer
	 * change that: the counts are exact (bucket j to the k-th healthy
	 * server for j mod h == k).  Set under the lock, after any packet
	 * that moved a bucket during the walk.
	 */
	spin_lock_bh(&svc->assign_lock);
	for (i = 0; i < nslots; i++) {
		srv = dlba_slot(svc, i);
		if (!srv)
			continue;
		if (k < h && hv[k] == i + 1) {
			atomic_set(&srv->nbuckets, n / h + (k < n % h));
			k++;
		} else {
			atomic_set(&srv->nbuckets, 0);
		}
	}
	if (changed)
		atomic64_inc(&svc->version);
	spin_unlock_bh(&svc->assign_lock);
	kfree(hv);
	return 0;
}

struct dlba_idmap {
	u32 id;
	u32 val;	/* slot + 1, or 0: failed server, install unassigned */
};

static int dlba_idmap_cmp(const void *a, const void *b)
{
	const struct dlba_idmap *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int dlba_sched_set_buckets(struct dlba_service *svc, u32 start,
			   const u32 *ids, u32 n, const u64 *version,
			   struct netlink_ext_ack *extack)
{
	struct dlba_idmap *map, key, *hit = NULL;
	struct dlba_server *srv, *old, *new;
	u32 nmap = 0, i, *vals, now;
	bool changed = false, sync;
	int err = 0;

	if (start > svc->nbuckets || n > svc->nbuckets - start) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Bucket range exceeds the service's bucket table");
		return -EINVAL;
	}

	/*
	 * Translate every id before touching the table, so a bad id changes
	 * nothing.  Sorted map + bsearch: O(n log servers).
	 */
	map = kmalloc_array(DLBA_SERVERS_MAX, sizeof(*map), GFP_KERNEL);
	vals = kvmalloc_array(n ? n : 1, sizeof(*vals), GFP_KERNEL);
	if (!map || !vals) {
		err = -ENOMEM;
		goto out;
	}
	list_for_each_entry(srv, &svc->servers, list) {
		if (nmap == DLBA_SERVERS_MAX)
			break;
		map[nmap].id = srv->id;
		/*
		 * A failed server owns no buckets (its own scheduler's view
		 * may differ from ours): install those as unassigned.
		 */
		map[nmap].val = READ_ONCE(srv->failed) ? 0 : srv->slot + 1;
		nmap++;
	}
	sort(map, nmap, sizeof(*map), dlba_idmap_cmp, NULL);
	for (i = 0; i < n; i++) {
		if (ids[i] == DLBA_SERVER_NONE) {
			vals[i] = 0;
			continue;
		}
		if (!hit || hit->id != ids[i]) {
			key.id = ids[i];
			hit = bsearch(&key, map, nmap, sizeof(*map),
				      dlba_idmap_cmp);
		}
		if (!hit) {
			/* Static text: 6.1 has no formatted extack. */
			NL_SET_ERR_MSG_MOD(extack,
					   "Bucket assignment names a server id not in this service");
			err = -EINVAL;
			goto out;
		}
		vals[i] = hit->val;
	}

	/*
	 * One walk under the lock: n is at most DLBA_BKT_CHUNK (netlink
	 * policy), the same bound as one chunk of the whole-table walks.
	 */
	now = (u32)jiffies;
	sync = dlba_sync_wanted(svc);
	spin_lock_bh(&svc->assign_lock);
	for (i = 0; i < n; i++) {
		struct dlba_bucket *b = &svc->buckets[start + i];

		/* Failover: installed entries start fresh (WO 01/69890). */
		WRITE_ONCE(b->last, now);
		if (b->server == vals[i])
			continue;
		old = dlba_bucket_owner(svc, b->server);
		new = dlba_bucket_owner(svc, vals[i]);
		if (old)
			atomic_dec(&old->nbuckets);
		if (new)
			atomic_inc(&new->nbuckets);
		WRITE_ONCE(b->server, vals[i]);
		if (sync)
			set_bit(start + i, svc->sync_dirty);
		changed = true;
	}
	if (version)
		atomic64_set(&svc->version, *version);
	else if (changed)
		atomic64_inc(&svc->version);
	spin_unlock_bh(&svc->assign_lock);
	if (sync && changed)
		dlba_sync_kick(svc);
out:
	kvfree(vals);
	kfree(map);
	return err;
}

/* ms since the bucket's last packet, saturating. */
static u32 dlba_idle_ms(u32 now, const struct dlba_bucket *b)
{
	s32 idle = now - READ_ONCE(b->last);

	/* Refreshed after our 'now': idle 0 (see dlba_bucket_expired). */
	return min_t(u64, jiffies64_to_msecs(max(idle, 0)), U32_MAX);
}

u64 dlba_sched_get_buckets(struct dlba_service *svc, u32 start, u32 n,
			   u32 *ids, u32 *idle_ms)
{
	u32 now = (u32)jiffies, i;
	struct dlba_server *srv;
	struct dlba_bucket *b;
	u64 version;

	if (start > svc->nbuckets)
		start = svc->nbuckets;
	n = min(n, svc->nbuckets - start);

	rcu_read_lock();
	/*
	 * Under the lock, the ids and the version describe one table.  The
	 * callers read at most DLBA_BKT_CHUNK buckets at a time.
	 */
	spin_lock_bh(&svc->assign_lock);
	for (i = 0; i < n; i++) {
		b = &svc->buckets[start + i];
		srv = dlba_bucket_owner(svc, b->server);
		if (ids)
			ids[i] = srv ? srv->id : DLBA_SERVER_NONE;
		if (idle_ms)
			idle_ms[i] = srv ? dlba_idle_ms(now, b) : U32_MAX;
	}
	version = atomic64_read(&svc->version);
	spin_unlock_bh(&svc->assign_lock);
	rcu_read_unlock();
	return version;
}

/*
 * Every bucket counts as used now: the takeover step of WO 01/69890
 * "Scheduler Failover".  A scheduler that takes over with a table it was
 * sent knows nothing of which buckets its clients use; treating them all as
 * active keeps every client on the server the table names until it has been
 * idle for the timeout here.  'last' is written without the lock, as the
 * packet path does; 'now' is read per chunk so that a long walk does not
 * move a bucket a packet refreshed meanwhile far back in time.
 */
void dlba_sched_touch(struct dlba_service *svc)
{
	u32 n = svc->nbuckets, i, end, j, now;

	lockdep_assert_held(&svc->dn->lock);
	might_sleep();
	for (i = 0; i < n; i = end) {
		end = i + min(n - i, DLBA_WALK_CHUNK);
		now = (u32)jiffies;
		for (j = i; j < end; j++)
			WRITE_ONCE(svc->buckets[j].last, now);
		cond_resched();
	}
}
