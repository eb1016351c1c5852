// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "dlba": the admin interface.
 *
 * Each command has its own strict policy, so an attribute a command does not
 * use is an error rather than silently ignored.  A handler parses and checks
 * the whole request before it changes anything, so a rejected request leaves
 * the tables as they were, and every rejection says why in the extack.
 * Changes need CAP_NET_ADMIN; reads do not.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "dlba.h"

static struct genl_family dlba_genl_family;

/* Range limits that do not fit the s16 of NLA_POLICY_RANGE(). */
static struct netlink_range_validation dlba_port_range = {
	.min = 1, .max = U16_MAX,
};

static struct netlink_range_validation dlba_timeout_range = {
	.min = 1, .max = DLBA_TIMEOUT_MAX,
};

static struct netlink_range_validation dlba_srv_id_range = {
	.min = 1, .max = DLBA_SERVER_ID_MAX,
};

static struct netlink_range_validation dlba_weight_range = {
	.min = 0, .max = DLBA_WEIGHT_MAX,
};

static struct netlink_range_validation dlba_assign_len_range = {
	.min = sizeof(u32), .max = DLBA_BKT_CHUNK * sizeof(u32),
};

static int dlba_nl_valid_addr(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	if (nla_len(attr) != sizeof(struct in_addr) &&
	    nla_len(attr) != sizeof(struct in6_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	return 0;
}

static int dlba_nl_valid_buckets(const struct nlattr *attr,
				 struct netlink_ext_ack *extack)
{
	u32 n = nla_get_u32(attr);

	if (n < DLBA_BUCKETS_MIN || n > DLBA_BUCKETS_MAX || !is_power_of_2(n)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "bucket count must be a power of two from 16 to 4194304");
		return -EINVAL;
	}
	return 0;
}

/* Service key only: DEL, GET, and every command that names a service. */
static const struct nla_policy dlba_svc_key_policy[DLBA_SVC_A_MAX + 1] = {
	[DLBA_SVC_A_FAMILY]	= { .type = NLA_U16 },
	[DLBA_SVC_A_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, dlba_nl_valid_addr,
							 sizeof(struct in6_addr)),
	[DLBA_SVC_A_PORT]	= NLA_POLICY_FULL_RANGE(NLA_U16, &dlba_port_range),
	[DLBA_SVC_A_PROTO]	= { .type = NLA_U8 },
};

static const struct nla_policy dlba_svc_new_policy[DLBA_SVC_A_MAX + 1] = {
	[DLBA_SVC_A_FAMILY]	= { .type = NLA_U16 },
	[DLBA_SVC_A_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, dlba_nl_valid_addr,
							 sizeof(struct in6_addr)),
	[DLBA_SVC_A_PORT]	= NLA_POLICY_FULL_RANGE(NLA_U16, &dlba_port_range),
	[DLBA_SVC_A_PROTO]	= { .type = NLA_U8 },
	[DLBA_SVC_A_BUCKETS]	= NLA_POLICY_VALIDATE_FN(NLA_U32, dlba_nl_valid_buckets),
	[DLBA_SVC_A_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_timeout_range),
	[DLBA_SVC_A_MODE]	= NLA_POLICY_RANGE(NLA_U8, DLBA_MODE_FORWARD, DLBA_MODE_MAX),
	[DLBA_SVC_A_HASH_KEY]	= NLA_POLICY_EXACT_LEN(DLBA_HASH_KEY_LEN),
};

static const struct nla_policy dlba_svc_set_policy[DLBA_SVC_A_MAX + 1] = {
	[DLBA_SVC_A_FAMILY]	= { .type = NLA_U16 },
	[DLBA_SVC_A_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, dlba_nl_valid_addr,
							 sizeof(struct in6_addr)),
	[DLBA_SVC_A_PORT]	= NLA_POLICY_FULL_RANGE(NLA_U16, &dlba_port_range),
	[DLBA_SVC_A_PROTO]	= { .type = NLA_U8 },
	[DLBA_SVC_A_BUCKETS]	= { .type = NLA_REJECT,
				    .reject_message = "bucket count is fixed at creation" },
	[DLBA_SVC_A_TIMEOUT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_timeout_range),
	[DLBA_SVC_A_MODE]	= { .type = NLA_REJECT,
				    .reject_message = "mode is fixed at creation" },
	[DLBA_SVC_A_HASH_KEY]	= { .type = NLA_REJECT,
				    .reject_message = "hash key is fixed at creation" },
};

static const struct nla_policy dlba_srv_new_policy[DLBA_SRV_A_MAX + 1] = {
	[DLBA_SRV_A_ID]		= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_srv_id_range),
	[DLBA_SRV_A_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, dlba_nl_valid_addr,
							 sizeof(struct in6_addr)),
	[DLBA_SRV_A_PORT]	= { .type = NLA_U16 },
	[DLBA_SRV_A_MAC]	= NLA_POLICY_ETH_ADDR,
	[DLBA_SRV_A_WEIGHT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_weight_range),
	[DLBA_SRV_A_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DLBA_SRV_A_FAILED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DLBA_SRV_A_METHOD]	= NLA_POLICY_RANGE(NLA_U8, DLBA_FWD_DR, DLBA_FWD_MAX),
};

#define DLBA_SRV_FIXED_MSG "delete and re-add the server to change its address, port, MAC or method"

static const struct nla_policy dlba_srv_set_policy[DLBA_SRV_A_MAX + 1] = {
	[DLBA_SRV_A_ID]		= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_srv_id_range),
	[DLBA_SRV_A_ADDR]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
	[DLBA_SRV_A_PORT]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
	[DLBA_SRV_A_MAC]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
	[DLBA_SRV_A_WEIGHT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_weight_range),
	[DLBA_SRV_A_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DLBA_SRV_A_FAILED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DLBA_SRV_A_METHOD]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
};

static const struct nla_policy dlba_srv_id_policy[DLBA_SRV_A_MAX + 1] = {
	[DLBA_SRV_A_ID]		= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_srv_id_range),
};

static const struct nla_policy dlba_bkt_set_policy[DLBA_BKT_A_MAX + 1] = {
	[DLBA_BKT_A_VERSION]	= { .type = NLA_U64 },
	[DLBA_BKT_A_START]	= { .type = NLA_U32 },
	[DLBA_BKT_A_ASSIGN]	= NLA_POLICY_FULL_RANGE(NLA_BINARY, &dlba_assign_len_range),
	[DLBA_BKT_A_HASH_KEY]	= NLA_POLICY_EXACT_LEN(DLBA_HASH_KEY_LEN),
};

/* Top-level policies, one per command shape. */
static const struct nla_policy dlba_none_policy[DLBA_A_MAX + 1] = {
};

static const struct nla_policy dlba_svc_key_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
};

static const struct nla_policy dlba_svc_new_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_new_policy),
};

static const struct nla_policy dlba_svc_set_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_set_policy),
};

static const struct nla_policy dlba_srv_new_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_SERVER]		= NLA_POLICY_NESTED(dlba_srv_new_policy),
};

static const struct nla_policy dlba_srv_set_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_SERVER]		= NLA_POLICY_NESTED(dlba_srv_set_policy),
};

static const struct nla_policy dlba_srv_id_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_SERVER]		= NLA_POLICY_NESTED(dlba_srv_id_policy),
};

static const struct nla_policy dlba_bkt_set_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_BUCKETS]	= NLA_POLICY_NESTED(dlba_bkt_set_policy),
};

static const struct nla_policy dlba_panic_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_PANIC]		= NLA_POLICY_MAX(NLA_U8, 1),
};

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

static int dlba_nl_addr(const struct nlattr *attr, u16 family,
			union nf_inet_addr *addr, struct netlink_ext_ack *extack)
{
	unsigned int len = dlba_addr_len(family);

	if (nla_len(attr) != len) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "address length does not match the family");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	nla_memcpy(addr, attr, len);
	return 0;
}

/*
 * Parse the nest of @type in @attrs into @tb with @policy.  The core has
 * already validated it against the same policy; this only splits it.
 */
static int dlba_nl_nest(struct nlattr **attrs, int type, struct nlattr **tb,
			int maxtype, const struct nla_policy *policy,
			struct netlink_ext_ack *extack)
{
	if (!attrs[type]) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, type);
		if (type == DLBA_A_SERVICE)
			NL_SET_ERR_MSG(extack, "missing service");
		else if (type == DLBA_A_SERVER)
			NL_SET_ERR_MSG(extack, "missing server");
		else
			NL_SET_ERR_MSG(extack, "missing bucket table");
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, attrs[type], policy, extack);
}

/* The service key of a request, from the DLBA_A_SERVICE nest. */
static int dlba_nl_key(struct nlattr **attrs, const struct nla_policy *policy,
		       struct nlattr **tb, struct dlba_svc_key *key,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *nest = attrs[DLBA_A_SERVICE];
	int err;

	err = dlba_nl_nest(attrs, DLBA_A_SERVICE, tb, DLBA_SVC_A_MAX, policy,
			   extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, DLBA_SVC_A_FAMILY) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, DLBA_SVC_A_ADDR) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, DLBA_SVC_A_PORT) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, DLBA_SVC_A_PROTO)) {
		NL_SET_ERR_MSG(extack, "service key needs family, address, port and protocol");
		return -EINVAL;
	}

	memset(key, 0, sizeof(*key));
	key->family = nla_get_u16(tb[DLBA_SVC_A_FAMILY]);
	if (key->family != AF_INET && key->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DLBA_SVC_A_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	err = dlba_nl_addr(tb[DLBA_SVC_A_ADDR], key->family, &key->addr, extack);
	if (err)
		return err;
	key->port = htons(nla_get_u16(tb[DLBA_SVC_A_PORT]));
	key->proto = nla_get_u8(tb[DLBA_SVC_A_PROTO]);
	if (key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DLBA_SVC_A_PROTO], "protocol must be TCP or UDP");
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static struct dlba_service *dlba_nl_service(struct dlba_net *dn,
					    const struct dlba_svc_key *key,
					    struct nlattr **attrs,
					    struct netlink_ext_ack *extack)
{
	struct dlba_service *svc = dlba_service_lookup(dn, key);

	if (!svc)
		NL_SET_ERR_MSG_ATTR(extack, attrs[DLBA_A_SERVICE], "no such service");
	return svc;
}

static struct dlba_server *dlba_nl_server(struct dlba_service *svc,
					  struct nlattr **tb,
					  struct nlattr *nest,
					  struct netlink_ext_ack *extack)
{
	struct dlba_server *srv;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, DLBA_SRV_A_ID)) {
		NL_SET_ERR_MSG(extack, "missing server id");
		return ERR_PTR(-EINVAL);
	}
	srv = dlba_server_find(svc, nla_get_u32(tb[DLBA_SRV_A_ID]));
	if (!srv) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DLBA_SRV_A_ID], "no such server");
		return ERR_PTR(-ENOENT);
	}
	return srv;
}

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

/* ---- Services ---- */

static int dlba_nl_service_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	u32 nbuckets = DLBA_BUCKETS_DEFAULT, timeout = DLBA_TIMEOUT_DEFAULT;
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct dlba_service *svc;
	struct dlba_svc_key key;
	u8 mode = DLBA_MODE_FORWARD;
	const u8 *hkey = NULL;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_new_policy, tb, &key, info->extack);
	if (err)
		return err;
	if (tb[DLBA_SVC_A_BUCKETS])
		nbuckets = nla_get_u32(tb[DLBA_SVC_A_BUCKETS]);
	if (tb[DLBA_SVC_A_TIMEOUT])
		timeout = nla_get_u32(tb[DLBA_SVC_A_TIMEOUT]);
	if (tb[DLBA_SVC_A_MODE])
		mode = nla_get_u8(tb[DLBA_SVC_A_MODE]);
	if (tb[DLBA_SVC_A_HASH_KEY])
		hkey = nla_data(tb[DLBA_SVC_A_HASH_KEY]);
	/* The other modes are reserved in the uapi for later work. */
	if (mode != DLBA_MODE_FORWARD) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[DLBA_SVC_A_MODE],
				    "only forward mode is supported");
		return -EOPNOTSUPP;
	}

	mutex_lock(&dn->lock);
	svc = dlba_service_add(dn, &key, nbuckets, timeout, mode, hkey,
			       info->extack);
	mutex_unlock(&dn->lock);
	return PTR_ERR_OR_ZERO(svc);
}

static int dlba_nl_service_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct dlba_service *svc;
	struct dlba_svc_key key;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_set_policy, tb, &key, info->extack);
	if (err)
		return err;

	mutex_lock(&dn->lock);
	svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
	if (!svc)
		err = -ENOENT;
	else if (tb[DLBA_SVC_A_TIMEOUT])
		dlba_service_set_timeout(svc, nla_get_u32(tb[DLBA_SVC_A_TIMEOUT]));
	mutex_unlock(&dn->lock);
	return err;
}

static int dlba_nl_service_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct dlba_service *svc;
	struct dlba_svc_key key;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_key_policy, tb, &key, info->extack);
	if (err)
		return err;

	mutex_lock(&dn->lock);
	svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
	if (svc)
		dlba_service_del(svc);
	else
		err = -ENOENT;
	mutex_unlock(&dn->lock);
	return err;
}

static int dlba_nl_service_get(struct sk_buff *skb, struct genl_info *info)
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

static int dlba_nl_service_dump(struct sk_buff *skb, struct netlink_callback *cb)
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

/* ---- Servers ---- */

/* Fill @cfg for a new server of @svc from the DLBA_A_SERVER nest @tb. */
static int dlba_nl_srv_cfg(const struct dlba_service *svc, struct nlattr **tb,
			   struct nlattr *nest, struct dlba_srv_cfg *cfg,
			   struct netlink_ext_ack *extack)
{
	u16 port = 0;
	int err;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, DLBA_SRV_A_ID) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, DLBA_SRV_A_ADDR)) {
		NL_SET_ERR_MSG(extack, "server needs an id and an address");
		return -EINVAL;
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = nla_get_u32(tb[DLBA_SRV_A_ID]);
	if (nla_len(tb[DLBA_SRV_A_ADDR]) != dlba_addr_len(svc->family)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DLBA_SRV_A_ADDR],
				    "server address family does not match the service");
		return -EINVAL;
	}
	err = dlba_nl_addr(tb[DLBA_SRV_A_ADDR], svc->family, &cfg->addr, extack);
	if (err)
		return err;
	cfg->method = tb[DLBA_SRV_A_METHOD] ?
		      nla_get_u8(tb[DLBA_SRV_A_METHOD]) : DLBA_FWD_DR;
	cfg->weight = tb[DLBA_SRV_A_WEIGHT] ?
		      nla_get_u32(tb[DLBA_SRV_A_WEIGHT]) : DLBA_WEIGHT_DEFAULT;
	cfg->enabled = tb[DLBA_SRV_A_ENABLED] ?
		       nla_get_u8(tb[DLBA_SRV_A_ENABLED]) : 1;
	cfg->failed = tb[DLBA_SRV_A_FAILED] ?
		      nla_get_u8(tb[DLBA_SRV_A_FAILED]) : 0;

	if (tb[DLBA_SRV_A_PORT])
		port = nla_get_u16(tb[DLBA_SRV_A_PORT]);
	if (port && cfg->method != DLBA_FWD_NAT) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DLBA_SRV_A_PORT], "only nat servers take a port");
		return -EINVAL;
	}
	/* dr and tun keep the packet's port; nat port 0 means the same. */
	cfg->port = port ? htons(port) : svc->port;

	/* dr without a MAC: the neighbour table resolves it (xmit.c). */
	if (cfg->method == DLBA_FWD_DR && tb[DLBA_SRV_A_MAC]) {
		nla_memcpy(cfg->mac, tb[DLBA_SRV_A_MAC], ETH_ALEN);
		if (!is_valid_ether_addr(cfg->mac)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[DLBA_SRV_A_MAC],
					    "MAC address must be unicast and non-zero");
			return -EINVAL;
		}
	} else if (tb[DLBA_SRV_A_MAC] && cfg->method != DLBA_FWD_DR) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DLBA_SRV_A_MAC],
				    "only dr servers take a MAC address");
		return -EINVAL;
	}
	return 0;
}

static int dlba_nl_server_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *stb[DLBA_SRV_A_MAX + 1];
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct dlba_service *svc;
	struct dlba_svc_key key;
	struct dlba_srv_cfg cfg;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_key_policy, tb, &key, info->extack);
	if (err)
		return err;
	err = dlba_nl_nest(info->attrs, DLBA_A_SERVER, stb, DLBA_SRV_A_MAX,
			   dlba_srv_new_policy, info->extack);
	if (err)
		return err;

	mutex_lock(&dn->lock);
	svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
	if (!svc) {
		err = -ENOENT;
		goto out;
	}
	err = dlba_nl_srv_cfg(svc, stb, info->attrs[DLBA_A_SERVER], &cfg,
			      info->extack);
	if (!err)
		err = dlba_server_add(svc, &cfg, info->extack);
out:
	mutex_unlock(&dn->lock);
	return err;
}

/*
 * SERVER_SET, SERVER_DEL and SERVER_GET (doit) share their lookup: parse the
 * request with @policy and return, with dn->lock held, the server it names.
 * On error the lock is not held.
 */
static struct dlba_server *dlba_nl_server_lock(struct dlba_net *dn,
					       struct genl_info *info,
					       const struct nla_policy *policy,
					       struct nlattr **stb)
{
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct dlba_service *svc;
	struct dlba_server *srv;
	struct dlba_svc_key key;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_key_policy, tb, &key, info->extack);
	if (err)
		return ERR_PTR(err);
	err = dlba_nl_nest(info->attrs, DLBA_A_SERVER, stb, DLBA_SRV_A_MAX,
			   policy, info->extack);
	if (err)
		return ERR_PTR(err);

	mutex_lock(&dn->lock);
	svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
	srv = svc ? dlba_nl_server(svc, stb, info->attrs[DLBA_A_SERVER],
				   info->extack) : ERR_PTR(-ENOENT);
	if (IS_ERR(srv))
		mutex_unlock(&dn->lock);
	return srv;
}

static int dlba_nl_server_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *stb[DLBA_SRV_A_MAX + 1];
	u8 enabled, failed, *pe = NULL, *pf = NULL;
	struct dlba_server *srv;
	u32 weight, *pw = NULL;

	srv = dlba_nl_server_lock(dn, info, dlba_srv_set_policy, stb);
	if (IS_ERR(srv))
		return PTR_ERR(srv);
	if (stb[DLBA_SRV_A_WEIGHT]) {
		weight = nla_get_u32(stb[DLBA_SRV_A_WEIGHT]);
		pw = &weight;
	}
	if (stb[DLBA_SRV_A_ENABLED]) {
		enabled = nla_get_u8(stb[DLBA_SRV_A_ENABLED]);
		pe = &enabled;
	}
	if (stb[DLBA_SRV_A_FAILED]) {
		failed = nla_get_u8(stb[DLBA_SRV_A_FAILED]);
		pf = &failed;
	}
	dlba_server_update(srv, pw, pe, pf);
	mutex_unlock(&dn->lock);
	return 0;
}

static int dlba_nl_server_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *stb[DLBA_SRV_A_MAX + 1];
	struct dlba_server *srv;

	srv = dlba_nl_server_lock(dn, info, dlba_srv_id_policy, stb);
	if (IS_ERR(srv))
		return PTR_ERR(srv);
	dlba_server_del(srv);
	mutex_unlock(&dn->lock);
	return 0;
}

static int dlba_nl_server_get(struct sk_buff *skb, struct genl_info *info)
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

static int dlba_nl_server_dump_start(struct netlink_callback *cb)
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

static int dlba_nl_server_dump(struct sk_buff *skb, struct netlink_callback *cb)
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

/* ---- Bucket table ---- */

static int dlba_nl_bkt_dump_start(struct netlink_callback *cb)
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

static int dlba_nl_bkt_dump(struct sk_buff *skb, struct netlink_callback *cb)
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

static bool dlba_nl_same_key(const struct dlba_service *svc,
			     const struct nlattr *attr)
{
	u8 hkey[DLBA_HASH_KEY_LEN];

	dlba_sched_get_key(svc, hkey);
	return !memcmp(hkey, nla_data(attr), sizeof(hkey));
}

static int dlba_nl_bkt_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *btb[DLBA_BKT_A_MAX + 1];
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct nlattr *nest = info->attrs[DLBA_A_BUCKETS];
	u64 version, *pv = NULL;
	struct dlba_service *svc;
	struct dlba_svc_key key;
	u32 start, n;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_key_policy, tb, &key, info->extack);
	if (err)
		return err;
	err = dlba_nl_nest(info->attrs, DLBA_A_BUCKETS, btb, DLBA_BKT_A_MAX,
			   dlba_bkt_set_policy, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, btb, DLBA_BKT_A_START) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, btb, DLBA_BKT_A_ASSIGN)) {
		NL_SET_ERR_MSG(info->extack, "bucket upload needs a start and an assignment array");
		return -EINVAL;
	}
	if (nla_len(btb[DLBA_BKT_A_ASSIGN]) % sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(info->extack, btb[DLBA_BKT_A_ASSIGN],
				    "assignment array must be whole u32 server ids");
		return -EINVAL;
	}
	start = nla_get_u32(btb[DLBA_BKT_A_START]);
	n = nla_len(btb[DLBA_BKT_A_ASSIGN]) / sizeof(u32);
	if (btb[DLBA_BKT_A_VERSION]) {
		version = nla_get_u64(btb[DLBA_BKT_A_VERSION]);
		pv = &version;
	}

	mutex_lock(&dn->lock);
	svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
	if (!svc) {
		err = -ENOENT;
	} else if (start >= svc->nbuckets || n > svc->nbuckets - start) {
		NL_SET_ERR_MSG_ATTR(info->extack, btb[DLBA_BKT_A_START],
				    "buckets out of the table's range");
		err = -ERANGE;
	} else if (btb[DLBA_BKT_A_HASH_KEY] &&
		   !dlba_nl_same_key(svc, btb[DLBA_BKT_A_HASH_KEY])) {
		NL_SET_ERR_MSG_ATTR(info->extack, btb[DLBA_BKT_A_HASH_KEY],
				    "table was made under another hash key: create the service with that key");
		err = -EINVAL;
	} else {
		/* Attributes are 4-byte aligned: the array is a u32[]. */
		err = dlba_sched_set_buckets(svc, start,
					     nla_data(btb[DLBA_BKT_A_ASSIGN]),
					     n, pv, info->extack);
		if (!err)
			dlba_net_changed(dn);
	}
	mutex_unlock(&dn->lock);
	return err;
}

/* ---- Panic, flush, stats ---- */

static int dlba_nl_panic(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	struct dlba_service *svc;
	struct dlba_svc_key key;
	int err;

	err = dlba_nl_key(info->attrs, dlba_svc_key_policy, tb, &key, info->extack);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, DLBA_A_PANIC)) {
		NL_SET_ERR_MSG(info->extack, "missing panic state");
		return -EINVAL;
	}

	mutex_lock(&dn->lock);
	svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
	if (svc) {
		err = dlba_sched_set_panic(svc,
					   nla_get_u8(info->attrs[DLBA_A_PANIC]));
		if (err)
			NL_SET_ERR_MSG(info->extack, "cannot allocate the panic layout");
		else
			dlba_net_changed(dn);
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&dn->lock);
	return err;
}

static int dlba_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));

	mutex_lock(&dn->lock);
	dlba_service_flush(dn);
	mutex_unlock(&dn->lock);
	return 0;
}

static int dlba_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
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

static const struct genl_ops dlba_genl_ops[] = {
	{
		.cmd = DLBA_CMD_SERVICE_NEW,
		.doit = dlba_nl_service_new,
		.policy = dlba_svc_new_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_SERVICE_SET,
		.doit = dlba_nl_service_set,
		.policy = dlba_svc_set_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_SERVICE_DEL,
		.doit = dlba_nl_service_del,
		.policy = dlba_svc_key_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		/* No .done for any dump: they hold no reference; cb->ctx is all. */
		.cmd = DLBA_CMD_SERVICE_GET,
		.doit = dlba_nl_service_get,
		.dumpit = dlba_nl_service_dump,
		.policy = dlba_svc_key_tl,
		.maxattr = DLBA_A_MAX,
	}, {
		.cmd = DLBA_CMD_SERVER_NEW,
		.doit = dlba_nl_server_new,
		.policy = dlba_srv_new_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_SERVER_SET,
		.doit = dlba_nl_server_set,
		.policy = dlba_srv_set_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_SERVER_DEL,
		.doit = dlba_nl_server_del,
		.policy = dlba_srv_id_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		/*
		 * Servers' real addresses and the bucket table (who serves
		 * which clients, when each was last used) are the operator's,
		 * as in IPVS; the service list and counters stay readable.
		 */
		.cmd = DLBA_CMD_SERVER_GET,
		.doit = dlba_nl_server_get,
		.start = dlba_nl_server_dump_start,
		.dumpit = dlba_nl_server_dump,
		.policy = dlba_srv_id_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_BUCKETS_GET,
		.start = dlba_nl_bkt_dump_start,
		.dumpit = dlba_nl_bkt_dump,
		.policy = dlba_svc_key_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_BUCKETS_SET,
		.doit = dlba_nl_bkt_set,
		.policy = dlba_bkt_set_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_PANIC,
		.doit = dlba_nl_panic,
		.policy = dlba_panic_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_FLUSH,
		.doit = dlba_nl_flush,
		.policy = dlba_none_policy,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DLBA_CMD_STATS_GET,
		.doit = dlba_nl_stats_get,
		.policy = dlba_none_policy,
		.maxattr = DLBA_A_MAX,
	},
};

static struct genl_family dlba_genl_family __ro_after_init = {
	.ops = dlba_genl_ops,
	.n_ops = ARRAY_SIZE(dlba_genl_ops),
	.name = DLBA_GENL_NAME,
	.version = DLBA_GENL_VERSION,
	.maxattr = DLBA_A_MAX,
	.module = THIS_MODULE,
	.netnsok = true,
};

int __init dlba_genl_init(void)
{
	return genl_register_family(&dlba_genl_family);
}

void dlba_genl_uninit(void)
{
	genl_unregister_family(&dlba_genl_family);
}
