// SPDX-License-Identifier: GPL-2.0
/*
 * Commands of the "dlba" family that read the tables: the replies of GET
 * requests and the dumps.  Both build their messages with the same fill
 * functions, so a service or server reads the same either way.
 *
 * Dumps that name a service check it before dumping anything; on kernels
 * before 6.6 that check's error is deferred to the first dumpit (see
 * dlba_nl_dump_start_key()).
 */
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "dlba.h"
#include "netlink.h"

/* ---- Message fill: one function per object, for doit and dumpit. ---- */

static int dlba_nl_put_stats(struct sk_buff *skb, int type,
			     struct dlba_pcpu_stats __percpu *pcpu,
			     const u32 *nservices)
{
	struct dlba_stats s;
	struct nlattr *nest;

	dlba_stats_read(pcpu, &s);
	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DLBA_STATS_A_PACKETS, s.packets, DLBA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DLBA_STATS_A_BYTES, s.bytes, DLBA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DLBA_STATS_A_NEW_ASSIGN, s.new_assign, DLBA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DLBA_STATS_A_REASSIGN, s.reassign, DLBA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DLBA_STATS_A_NOSERVER, s.noserver, DLBA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DLBA_STATS_A_ERRORS, s.errors, DLBA_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DLBA_STATS_A_REPLIES, s.replies, DLBA_STATS_A_PAD) ||
	    (nservices && nla_put_u32(skb, DLBA_STATS_A_SERVICES, *nservices))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int dlba_nl_put_key(struct sk_buff *skb, const struct dlba_service *svc)
{
	if (nla_put_u16(skb, DLBA_SVC_A_FAMILY, svc->family) ||
	    nla_put(skb, DLBA_SVC_A_ADDR, dlba_addr_len(svc->family), &svc->addr) ||
	    nla_put_u16(skb, DLBA_SVC_A_PORT, ntohs(svc->port)) ||
	    nla_put_u8(skb, DLBA_SVC_A_PROTO, svc->proto))
		return -EMSGSIZE;
	return 0;
}

/* What of a service DLBA_A_SERVICE holds: its key, all but the hash key, all. */
enum dlba_nl_svc_detail {
	DLBA_NL_SVC_KEY,
	DLBA_NL_SVC_FULL,
	DLBA_NL_SVC_SECRET,
};

static int dlba_nl_put_service(struct sk_buff *skb,
			       const struct dlba_service *svc,
			       enum dlba_nl_svc_detail detail)
{
	struct nlattr *nest = nla_nest_start(skb, DLBA_A_SERVICE);
	bool full = detail >= DLBA_NL_SVC_FULL;
	u8 hkey[DLBA_HASH_KEY_LEN];

	if (!nest)
		return -EMSGSIZE;
	if (dlba_nl_put_key(skb, svc))
		goto cancel;
	if (full &&
	    (nla_put_u32(skb, DLBA_SVC_A_BUCKETS, svc->nbuckets) ||
	     nla_put_u32(skb, DLBA_SVC_A_TIMEOUT, READ_ONCE(svc->timeout) / HZ) ||
	     nla_put_u8(skb, DLBA_SVC_A_MODE, svc->mode) ||
	     nla_put_u8(skb, DLBA_SVC_A_PANIC, READ_ONCE(svc->panic)) ||
	     nla_put_u64_64bit(skb, DLBA_SVC_A_VERSION,
			       atomic64_read(&svc->version), DLBA_SVC_A_PAD) ||
	     nla_put_u32(skb, DLBA_SVC_A_NSERVERS, svc->nservers) ||
	     dlba_nl_put_stats(skb, DLBA_SVC_A_STATS, svc->stats, NULL)))
		goto cancel;
	if (detail == DLBA_NL_SVC_SECRET) {
		dlba_sched_get_key(svc, hkey);
		if (nla_put(skb, DLBA_SVC_A_HASH_KEY, sizeof(hkey), hkey))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

int dlba_nl_put_service_key(struct sk_buff *skb, const struct dlba_service *svc)
{
	return dlba_nl_put_service(skb, svc, DLBA_NL_SVC_KEY);
}

/* A dr server without a configured MAC: where its packets go now. */
static int dlba_nl_put_neigh(struct sk_buff *skb, const struct dlba_server *srv)
{
	u8 lladdr[ETH_ALEN];
	u16 state;

	if (srv->method != DLBA_FWD_DR || !is_zero_ether_addr(srv->mac))
		return 0;
	state = dlba_dr_neigh_state(srv->svc->dn->net, srv, lladdr);
	if (nla_put_u16(skb, DLBA_SRV_A_NEIGH_STATE, state))
		return -EMSGSIZE;
	if ((state & NUD_VALID) &&
	    nla_put(skb, DLBA_SRV_A_LLADDR, ETH_ALEN, lladdr))
		return -EMSGSIZE;
	return 0;
}

static int dlba_nl_put_server(struct sk_buff *skb, const struct dlba_server *srv)
{
	struct nlattr *nest = nla_nest_start(skb, DLBA_A_SERVER);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, DLBA_SRV_A_ID, srv->id) ||
	    nla_put(skb, DLBA_SRV_A_ADDR, dlba_addr_len(srv->svc->family), &srv->addr) ||
	    nla_put_u16(skb, DLBA_SRV_A_PORT, ntohs(srv->port)) ||
	    (srv->method == DLBA_FWD_DR && !is_zero_ether_addr(srv->mac) &&
	     nla_put(skb, DLBA_SRV_A_MAC, ETH_ALEN, srv->mac)) ||
	    nla_put_u32(skb, DLBA_SRV_A_WEIGHT, READ_ONCE(srv->weight)) ||
	    nla_put_u8(skb, DLBA_SRV_A_ENABLED, READ_ONCE(srv->enabled)) ||
	    nla_put_u8(skb, DLBA_SRV_A_FAILED, READ_ONCE(srv->failed)) ||
	    nla_put_u8(skb, DLBA_SRV_A_METHOD, srv->method) ||
	    nla_put_u32(skb, DLBA_SRV_A_BUCKETS, atomic_read(&srv->nbuckets)) ||
	    dlba_nl_put_stats(skb, DLBA_SRV_A_STATS, srv->stats, NULL) ||
	    dlba_nl_put_neigh(skb, srv)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Start a message; in a dump, also flag it NLM_F_DUMP_INTR when cb->seq moved
 * since the previous message, so userspace knows to restart.
 */
static void *dlba_nl_msg(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			 u8 cmd, struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dlba_genl_family, flags, cmd);

	if (hdr && cb)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

/*
 * The hash key is shown only to CAP_NET_ADMIN: with it, anyone could aim
 * chosen clients at one bucket (and so one server).
 */
static int dlba_nl_fill_service(struct sk_buff *skb, const struct dlba_service *svc,
				u32 portid, u32 seq, int flags, bool secret,
				struct netlink_callback *cb)
{
	void *hdr = dlba_nl_msg(skb, portid, seq, flags, DLBA_CMD_SERVICE_GET, cb);

	if (!hdr)
		return -EMSGSIZE;
	if (dlba_nl_put_service(skb, svc, secret ? DLBA_NL_SVC_SECRET :
						   DLBA_NL_SVC_FULL)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dlba_nl_fill_server(struct sk_buff *skb, const struct dlba_server *srv,
			       u32 portid, u32 seq, int flags,
			       struct netlink_callback *cb)
{
	void *hdr = dlba_nl_msg(skb, portid, seq, flags, DLBA_CMD_SERVER_GET, cb);

	if (!hdr)
		return -EMSGSIZE;
	if (dlba_nl_put_service(skb, srv->svc, DLBA_NL_SVC_KEY) ||
	    dlba_nl_put_server(skb, srv)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* ---- Replies to GET requests ---- */

int dlba_nl_service_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct dlba_service *svc;
	struct dlba_svc_key key;
	struct sk_buff *msg;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_key_policy, tb, &key, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dn->lock);
	svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
	err = svc ? dlba_nl_fill_service(msg, svc, info->snd_portid,
					 info->snd_seq, 0,
					 netlink_capable(skb, CAP_NET_ADMIN),
					 NULL) : -ENOENT;
	mutex_unlock(&dn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int dlba_nl_server_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *stb[DLBA_SRV_A_MAX + 1];
	struct dlba_server *srv;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	srv = dlba_nl_server_lock(dn, info, dlba_srv_id_policy, stb);
	if (IS_ERR(srv)) {
		nlmsg_free(msg);
		return PTR_ERR(srv);
	}
	err = dlba_nl_fill_server(msg, srv, info->snd_portid, info->snd_seq, 0,
				  NULL);
	mutex_unlock(&dn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int dlba_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct sk_buff *msg;
	u32 nservices;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &dlba_genl_family, 0,
				DLBA_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	nservices = READ_ONCE(dn->nservices);
	if (dlba_nl_put_stats(msg, DLBA_A_STATS, dn->stats, &nservices))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ---- Dumps ---- */

/* State a dump keeps between dumpit calls, in cb->ctx. */
struct dlba_dump_ctx {
	struct dlba_svc_key	key;
	bool			filter;		/* key is valid */
	s16			err;		/* deferred .start error, see below */
	u32			svc_idx;	/* service dumps: next service */
	u32			pos;		/* next server / bucket */
	const char		*err_msg;	/* its extack message (static) */
};

static struct dlba_dump_ctx *dlba_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dlba_dump_ctx) > sizeof(cb->ctx));
	return (struct dlba_dump_ctx *)cb->ctx;
}

/*
 * Dumps that name a service check it in .start, so that a bad or unknown
 * key fails the dump with an error and an extack message instead of an
 * empty answer.  The request is parsed again here rather than taken from
 * genetlink, whose dump info changed in 6.6.
 *
 * Before 6.6 genetlink calls .start without an extack (cb->extack is NULL),
 * so its message would be lost.  There the error is kept in the context and
 * returned by the first dumpit instead, which does have one: the dump ends
 * at once with an NLMSG_DONE carrying the error and the message (dlbactl
 * reads both), and nothing is dumped.
 */
static int dlba_nl_dump_start_key(struct netlink_callback *cb,
				  const struct nla_policy *policy, bool required)
{
	struct dlba_net *dn = dlba_pernet(sock_net(cb->skb->sk));
	struct dlba_dump_ctx *ctx = dlba_dump_ctx(cb);
	struct netlink_ext_ack local = {};
	struct netlink_ext_ack *extack = cb->extack ?: &local;
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct nlattr *attrs[DLBA_A_MAX + 1];
	int err;

	memset(ctx, 0, sizeof(*ctx));
	err = genlmsg_parse(cb->nlh, &dlba_genl_family, attrs, DLBA_A_MAX,
			    policy, extack);
	if (err)
		goto out;
	if (!required && !attrs[DLBA_A_SERVICE])
		return 0;
	err = dlba_nl_key(attrs, dlba_svc_key_policy, tb, &ctx->key, extack);
	if (err)
		goto out;
	ctx->filter = true;

	mutex_lock(&dn->lock);
	if (!dlba_nl_service(dn, &ctx->key, attrs, extack))
		err = -ENOENT;
	mutex_unlock(&dn->lock);
out:
	if (err && !cb->extack) {
		ctx->err = err;
		ctx->err_msg = local._msg;
		return 0;
	}
	return err;
}

/* The error .start deferred (pre-6.6), with its message; 0 if none. */
static int dlba_nl_dump_deferred_err(struct netlink_callback *cb)
{
	struct dlba_dump_ctx *ctx = dlba_dump_ctx(cb);

	if (!ctx->err)
		return 0;
	if (cb->extack)
		cb->extack->_msg = ctx->err_msg;
	return ctx->err;
}

int dlba_nl_service_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dlba_net *dn = dlba_pernet(sock_net(skb->sk));
	struct dlba_dump_ctx *ctx = dlba_dump_ctx(cb);
	struct dlba_service *svc;
	u32 idx = 0;

	mutex_lock(&dn->lock);
	cb->seq = dn->generation;
	list_for_each_entry(svc, &dn->services, list) {
		if (idx < ctx->svc_idx) {
			idx++;
			continue;
		}
		if (dlba_nl_fill_service(skb, svc, NETLINK_CB(cb->skb).portid,
					 cb->nlh->nlmsg_seq, NLM_F_MULTI,
					 netlink_capable(cb->skb, CAP_NET_ADMIN),
					 cb))
			break;
		idx++;
	}
	mutex_unlock(&dn->lock);
	ctx->svc_idx = idx;
	return skb->len;
}

int dlba_nl_server_dump_start(struct netlink_callback *cb)
{
	return dlba_nl_dump_start_key(cb, dlba_srv_id_tl, false);
}

/* The dumped service, looked up again each round; NULL if it is gone. */
static struct dlba_service *dlba_nl_dump_service(struct dlba_net *dn,
						 struct netlink_callback *cb)
{
	struct dlba_service *svc = dlba_service_lookup(dn, &dlba_dump_ctx(cb)->key);

	if (!svc)
		NL_SET_ERR_MSG(cb->extack, "service deleted during the dump");
	return svc;
}

/* Servers of @svc from ctx->pos on; -EMSGSIZE when the skb is full. */
static int dlba_nl_dump_servers(struct sk_buff *skb, struct netlink_callback *cb,
				struct dlba_service *svc)
{
	struct dlba_dump_ctx *ctx = dlba_dump_ctx(cb);
	struct dlba_server *srv;
	u32 idx = 0;

	list_for_each_entry(srv, &svc->servers, list) {
		if (idx++ < ctx->pos)
			continue;
		if (dlba_nl_fill_server(skb, srv, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI, cb))
			return -EMSGSIZE;
		ctx->pos = idx;
	}
	return 0;
}

int dlba_nl_server_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dlba_net *dn = dlba_pernet(sock_net(skb->sk));
	struct dlba_dump_ctx *ctx = dlba_dump_ctx(cb);
	struct dlba_service *svc;
	u32 idx = 0;
	int err;

	err = dlba_nl_dump_deferred_err(cb);
	if (err)
		return err;
	mutex_lock(&dn->lock);
	cb->seq = dn->generation;
	if (ctx->filter) {
		svc = dlba_nl_dump_service(dn, cb);
		err = svc ? dlba_nl_dump_servers(skb, cb, svc) : -ENOENT;
		goto out;
	}
	list_for_each_entry(svc, &dn->services, list) {
		if (idx++ < ctx->svc_idx)
			continue;
		err = dlba_nl_dump_servers(skb, cb, svc);
		if (err)
			break;
		ctx->svc_idx = idx;
		ctx->pos = 0;
	}
out:
	mutex_unlock(&dn->lock);
	if (err == -EMSGSIZE)
		err = 0;
	return err ?: skb->len;
}

int dlba_nl_bkt_dump_start(struct netlink_callback *cb)
{
	return dlba_nl_dump_start_key(cb, dlba_svc_key_tl, true);
}

/* Size of a BUCKETS_GET message carrying @n buckets of a @family service. */
static size_t dlba_nl_bkt_msg_size(u16 family, u32 n)
{
	return NLMSG_HDRLEN + GENL_HDRLEN +
	       nla_total_size(0) +			/* DLBA_A_SERVICE */
	       nla_total_size(sizeof(u16)) +		/* family */
	       nla_total_size(dlba_addr_len(family)) +
	       nla_total_size(sizeof(u16)) +		/* port */
	       nla_total_size(sizeof(u8)) +		/* proto */
	       nla_total_size(0) +			/* DLBA_A_BUCKETS */
	       nla_total_size_64bit(sizeof(u64)) +	/* version */
	       nla_total_size(sizeof(u32)) * 2 +	/* count, start */
	       nla_total_size(DLBA_HASH_KEY_LEN) +	/* hash key */
	       nla_total_size(n * sizeof(u32)) * 2;	/* assign, idle */
}

/*
 * One chunk of buckets from ctx->pos, as many as fit in @skb (the dump skb
 * is sized by the reader's buffer, so chunks adapt to it), at most
 * DLBA_BKT_CHUNK.  The arrays are written straight into the message.
 */
static int dlba_nl_fill_bkt_chunk(struct sk_buff *skb, struct netlink_callback *cb,
				  struct dlba_service *svc)
{
	struct dlba_dump_ctx *ctx = dlba_dump_ctx(cb);
	size_t fixed = dlba_nl_bkt_msg_size(svc->family, 0);
	size_t room = skb_tailroom(skb);
	struct nlattr *nest, *assign, *idle;
	u32 n = svc->nbuckets - ctx->pos;
	u8 hkey[DLBA_HASH_KEY_LEN];
	u64 version;
	void *hdr;

	if (room <= fixed + 2 * sizeof(u32))
		return -EMSGSIZE;
	n = min_t(u32, n, DLBA_BKT_CHUNK);
	n = min_t(size_t, n, (room - fixed) / (2 * sizeof(u32)));

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dlba_genl_family, NLM_F_MULTI, DLBA_CMD_BUCKETS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (dlba_nl_put_service(skb, svc, DLBA_NL_SVC_KEY))
		goto cancel;
	nest = nla_nest_start(skb, DLBA_A_BUCKETS);
	if (!nest)
		goto cancel;
	/* The table means nothing without the key that maps clients to it. */
	dlba_sched_get_key(svc, hkey);
	if (nla_put_u32(skb, DLBA_BKT_A_COUNT, svc->nbuckets) ||
	    nla_put_u32(skb, DLBA_BKT_A_START, ctx->pos) ||
	    nla_put(skb, DLBA_BKT_A_HASH_KEY, sizeof(hkey), hkey))
		goto cancel;
	assign = nla_reserve(skb, DLBA_BKT_A_ASSIGN, n * sizeof(u32));
	idle = nla_reserve(skb, DLBA_BKT_A_IDLE, n * sizeof(u32));
	if (!assign || !idle)
		goto cancel;
	version = dlba_sched_get_buckets(svc, ctx->pos, n, nla_data(assign),
					 nla_data(idle));
	if (nla_put_u64_64bit(skb, DLBA_BKT_A_VERSION, version, DLBA_BKT_A_PAD))
		goto cancel;
	nla_nest_end(skb, nest);

	/*
	 * The table must not change under a multi-message dump: fold its
	 * version into the sequence, so a change flags NLM_F_DUMP_INTR.
	 */
	cb->seq = (svc->dn->generation ^ hash_64(version, 32)) ?: 1;
	genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	ctx->pos += n;
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int dlba_nl_bkt_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dlba_net *dn = dlba_pernet(sock_net(skb->sk));
	struct dlba_dump_ctx *ctx = dlba_dump_ctx(cb);
	struct dlba_service *svc;
	int err;

	err = dlba_nl_dump_deferred_err(cb);
	if (err)
		return err;
	mutex_lock(&dn->lock);
	svc = dlba_nl_dump_service(dn, cb);
	if (!svc)
		err = -ENOENT;
	while (svc && ctx->pos < svc->nbuckets &&
	       !dlba_nl_fill_bkt_chunk(skb, cb, svc))
		;
	mutex_unlock(&dn->lock);
	return err ?: skb->len;
}
