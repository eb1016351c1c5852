// SPDX-License-Identifier: GPL-2.0
/*
 * Bucket-change notifications: the kernel half of keeping a standby
 * scheduler's bucket table equal to the active one's (WO 01/69890 "Load
 * balancing in a network", "Scheduler Failover").  A sync daemon listens on
 * the family's "buckets" multicast group and passes what it hears to the
 * standby, which installs it with buckets-set.
 *
 * A change is not sent when it happens: whoever changes a bucket's server
 * (the packet path, a whole-table walk, a bucket upload) only sets the
 * bucket's bit in the service's dirty bitmap, under the assign lock, and
 * queues the netns' work if it is idle.  The work, at most every
 * sync_interval_ms, takes each table's dirty bits and sends the buckets in
 * stretches as they are then: start, server ids and the table's version,
 * in the buckets-get layout.  So a burst of new clients costs a few
 * messages, not one per bucket; a bucket that changes twice in an interval
 * is sent once; and a message always carries state, never a difference, so
 * applying it twice is harmless and a later message of the same buckets
 * repairs a lost one.
 *
 * Nothing is marked while the group has no listener (genl_has_listeners):
 * a scheduler without a sync daemon pays one test per assignment.  A
 * daemon that joins the group reads the table (buckets-get) and then
 * applies each message whose version is not older than its copy.
 *
 * Lifetime: the bitmap lives and dies with the table (freed after a grace
 * period with the service, so a packet still marking a deleted service
 * writes to memory that is still there).  The work walks the services under
 * dn->lock, so it never sees a deleted one, and it is cancelled when the
 * netns goes (after the hooks are gone: nothing queues it then).  Between
 * unregistering the family and the netns exits of a module unload, the work
 * may still run: dlba_sync_live, under dlba_sync_rwsem, keeps it from
 * sending to group ids the family no longer owns.
 */
#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rwsem.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "dlba.h"
#include "netlink.h"

static unsigned int sync_interval_ms = 10;
module_param(sync_interval_ms, uint, 0644);
MODULE_PARM_DESC(sync_interval_ms,
		 "Least time in ms between two rounds of bucket-change notifications of a network namespace (1..10000, default 10)");

/*
 * Dirty buckets this close to each other go in one message: a message's own
 * header (netlink, service key, the buckets nest) is about this many u32
 * server ids, so sending a few clean buckets costs less than a new message.
 */
#define DLBA_SYNC_GAP		32U

/* svc->sync_flags: the service has dirty buckets the work has not taken. */
#define DLBA_SYNC_PENDING	0

/* The family is registered: the work may send (see the comment on top). */
static bool dlba_sync_live;
static DECLARE_RWSEM(dlba_sync_rwsem);

/* Is anyone listening for @svc's bucket changes?  Any context. */
bool dlba_sync_wanted(struct dlba_service *svc)
{
	return READ_ONCE(dlba_sync_live) &&
	       genl_has_listeners(&dlba_genl_family, svc->dn->net,
				  DLBA_NLGRP_BUCKETS) > 0;
}

static unsigned long dlba_sync_delay(void)
{
	return msecs_to_jiffies(clamp(READ_ONCE(sync_interval_ms), 1U, 10000U));
}

/*
 * @svc has dirty buckets: make sure the work will look at it.  The flag is
 * set after the bits (test_and_set_bit orders them) and the work clears it
 * before taking the bits, so a bit is always seen by a run that follows.
 */
void dlba_sync_kick(struct dlba_service *svc)
{
	if (test_and_set_bit(DLBA_SYNC_PENDING, &svc->sync_flags))
		return;
	queue_delayed_work(system_wq, &svc->dn->sync_work, dlba_sync_delay());
}

/* Bucket @idx got a new server.  Caller holds svc->assign_lock. */
void dlba_sync_mark(struct dlba_service *svc, u32 idx)
{
	if (!dlba_sync_wanted(svc))
		return;
	set_bit(idx, svc->sync_dirty);
	dlba_sync_kick(svc);
}

int dlba_sync_svc_init(struct dlba_service *svc)
{
	/* Up to 512 KiB at DLBA_BUCKETS_MAX: one bit per 8-byte bucket. */
	svc->sync_dirty = kvcalloc(BITS_TO_LONGS(svc->nbuckets),
				   sizeof(unsigned long), GFP_KERNEL_ACCOUNT);
	return svc->sync_dirty ? 0 : -ENOMEM;
}

/* From the service's RCU callback, with its table. */
void dlba_sync_svc_uninit(struct dlba_service *svc)
{
	kvfree(svc->sync_dirty);
	svc->sync_dirty = NULL;
}

/* Bytes of a notification of @n buckets, the layout of dlba_sync_put(). */
static size_t dlba_sync_msg_size(const struct dlba_service *svc, u32 n)
{
	return nlmsg_total_size(GENL_HDRLEN +
				nla_total_size(0) +		/* DLBA_A_SERVICE */
				nla_total_size(sizeof(u16)) +	/* family */
				nla_total_size(dlba_addr_len(svc->family)) +
				nla_total_size(sizeof(u16)) +	/* port */
				nla_total_size(sizeof(u8)) +	/* proto */
				nla_total_size(0) +		/* DLBA_A_BUCKETS */
				nla_total_size(sizeof(u32)) * 2 + /* count, start */
				nla_total_size(n * sizeof(u32)) + /* assign */
				nla_total_size_64bit(sizeof(u64))); /* version */
}

/*
 * The most buckets one message holds: a message fits NLMSG_GOODSIZE, which
 * every reader's buffer takes (a datagram larger than the reader's buffer
 * would be cut), and never more than a buckets-set takes.
 */
static u32 dlba_sync_span_max(const struct dlba_service *svc)
{
	u32 n = (NLMSG_GOODSIZE - dlba_sync_msg_size(svc, 0)) / sizeof(u32);

	return min(n, DLBA_BKT_CHUNK);
}

/* One message: buckets [start, start + n) as they are now, and the version. */
static int dlba_sync_put(struct sk_buff *skb, struct dlba_service *svc,
			 u32 start, u32 n)
{
	struct nlattr *nest, *assign;
	u64 version;
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &dlba_genl_family, 0, DLBA_CMD_BUCKETS_NTF);
	if (!hdr)
		return -EMSGSIZE;
	if (dlba_nl_put_service_key(skb, svc))
		goto cancel;
	nest = nla_nest_start(skb, DLBA_A_BUCKETS);
	if (!nest)
		goto cancel;
	if (nla_put_u32(skb, DLBA_BKT_A_COUNT, svc->nbuckets) ||
	    nla_put_u32(skb, DLBA_BKT_A_START, start))
		goto cancel;
	assign = nla_reserve(skb, DLBA_BKT_A_ASSIGN, n * sizeof(u32));
	if (!assign)
		goto cancel;
	/* Ids and version are read together, under the assign lock. */
	version = dlba_sched_get_buckets(svc, start, n, nla_data(assign), NULL);
	if (nla_put_u64_64bit(skb, DLBA_BKT_A_VERSION, version, DLBA_BKT_A_PAD))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Send what @*skb holds, if anything; the next message starts a new one. */
static void dlba_sync_xmit(struct dlba_net *dn, struct sk_buff **skb)
{
	if (!*skb)
		return;
	if ((*skb)->len)
		genlmsg_multicast_netns(&dlba_genl_family, dn->net, *skb, 0,
					DLBA_NLGRP_BUCKETS, GFP_KERNEL);
	else
		nlmsg_free(*skb);
	*skb = NULL;
}

/*
 * Queue buckets [start, end) of @svc into @*skb, sending it first when the
 * message does not fit: several messages share a datagram, which keeps a
 * burst of small ones from filling the readers' receive buffers with skb
 * overhead.  A failed allocation loses the message; the reader learns of
 * it only by the next change of those buckets, as for a receive-buffer
 * overrun (the daemon re-reads the table on ENOBUFS).
 */
static void dlba_sync_span(struct dlba_service *svc, struct sk_buff **skb,
			   u32 start, u32 end)
{
	u32 n = end - start;

	if (*skb && skb_tailroom(*skb) < dlba_sync_msg_size(svc, n))
		dlba_sync_xmit(svc->dn, skb);
	if (!*skb) {
		*skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
		if (!*skb)
			return;
	}
	if (WARN_ON_ONCE(dlba_sync_put(*skb, svc, start, n)))
		dlba_sync_xmit(svc->dn, skb);
}

/*
 * Take @svc's dirty bits and send their buckets.  A word's bits are taken
 * with xchg() before its buckets are read, so a change made after the read
 * sets its bit again and goes in the next round, never lost.  Stretches are
 * built in index order: a stretch is sent when a dirty bit too far beyond
 * it (or the stretch limit) shows that it is complete.
 */
static void dlba_sync_flush(struct dlba_service *svc)
{
	u32 nwords = BITS_TO_LONGS(svc->nbuckets), max = dlba_sync_span_max(svc);
	bool send = dlba_sync_wanted(svc);
	u32 start = 0, end = 0, w, idx;
	struct sk_buff *skb = NULL;
	unsigned long bits;

	for (w = 0; w < nwords; w++) {
		/* A 4M-bucket table is 65536 words; sending may take long. */
		if (w && !(w % 4096))
			cond_resched();
		if (!READ_ONCE(svc->sync_dirty[w]))
			continue;
		bits = xchg(&svc->sync_dirty[w], 0);
		/* Nobody listens any more: drop the bits, send nothing. */
		if (!send)
			continue;
		while (bits) {
			idx = w * BITS_PER_LONG + __ffs(bits);
			bits &= bits - 1;
			if (end > start && idx - end <= DLBA_SYNC_GAP &&
			    idx - start < max) {
				end = idx + 1;
				continue;
			}
			if (end > start)
				dlba_sync_span(svc, &skb, start, end);
			start = idx;
			end = idx + 1;
		}
	}
	if (end > start)
		dlba_sync_span(svc, &skb, start, end);
	dlba_sync_xmit(svc->dn, &skb);
}

/*
 * One round for a netns.  Under dn->lock, so a whole-table walk (which
 * holds it throughout) is sent as it ends, with its one version, and no
 * service is deleted under us.
 */
static void dlba_sync_work(struct work_struct *work)
{
	struct dlba_net *dn = container_of(to_delayed_work(work),
					   struct dlba_net, sync_work);
	struct dlba_service *svc;

	down_read(&dlba_sync_rwsem);
	if (dlba_sync_live) {
		mutex_lock(&dn->lock);
		list_for_each_entry(svc, &dn->services, list)
			if (test_and_clear_bit(DLBA_SYNC_PENDING,
					       &svc->sync_flags))
				dlba_sync_flush(svc);
		mutex_unlock(&dn->lock);
	}
	up_read(&dlba_sync_rwsem);
}

void dlba_sync_init_net(struct dlba_net *dn)
{
	INIT_DELAYED_WORK(&dn->sync_work, dlba_sync_work);
}

/*
 * After the netns' hooks are gone and no netlink request can reach it:
 * nothing queues the work again.
 */
void dlba_sync_uninit_net(struct dlba_net *dn)
{
	cancel_delayed_work_sync(&dn->sync_work);
}

/* The family is registered (true) or about to be unregistered (false). */
void dlba_sync_set_live(bool live)
{
	down_write(&dlba_sync_rwsem);
	WRITE_ONCE(dlba_sync_live, live);
	up_write(&dlba_sync_rwsem);
}
