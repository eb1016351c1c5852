// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "dlba": the admin interface.
 *
 * Each command has its own strict policy, so an attribute a command does not
 * use is an error rather than silently ignored.  A handler parses and checks
 * the whole request before it changes anything, so a rejected request leaves
 * the tables as they were, and every rejection says why in the extack.
 * Changes need CAP_NET_ADMIN, and so do reads of servers and bucket tables
 * (addresses and per-bucket timing, as IPVS); the service list and the
 * statistics are readable by anyone.  Changes of bucket tables are
 * multicast to the group "buckets" (sync.c).
 *
 * The family is split along its seams, so that each file can be read alone:
 *   netlink.c    the family, its command table, and the request parsing
 *                that both changes and reads use
 *   nl_policy.c  the attribute policies
 *   nl_set.c     commands that change the tables
 *   nl_get.c     commands that read them: GET replies and dumps, including
 *                the deferred .start error of kernels before 6.6
 */
#include <linux/in.h>
#include <net/genetlink.h>

#include "dlba.h"
#include "netlink.h"

int dlba_nl_addr(const struct nlattr *attr, u16 family,
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
int dlba_nl_nest(struct nlattr **attrs, int type, struct nlattr **tb,
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
int dlba_nl_key(struct nlattr **attrs, const struct nla_policy *policy,
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

struct dlba_service *dlba_nl_service(struct dlba_net *dn,
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

/*
 * SERVER_SET, SERVER_DEL and SERVER_GET (doit) share their lookup: parse the
 * request with @policy and return, with dn->lock held, the server it names.
 * On error the lock is not held.
 */
struct dlba_server *dlba_nl_server_lock(struct dlba_net *dn,
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
	}, {
		/* The service is optional: none touches every service. */
		.cmd = DLBA_CMD_BUCKETS_TOUCH,
		.doit = dlba_nl_bkt_touch,
		.policy = dlba_svc_key_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		/* The service is optional: none zeroes the whole namespace. */
		.cmd = DLBA_CMD_STATS_ZERO,
		.doit = dlba_nl_stats_zero,
		.policy = dlba_svc_key_tl,
		.maxattr = DLBA_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

/*
 * Bucket-change notifications (sync.c).  Joining needs CAP_NET_ADMIN in the
 * netns, as reading a table does: who serves which clients is the
 * operator's.
 */
static const struct genl_multicast_group dlba_genl_mcgrps[] = {
	[DLBA_NLGRP_BUCKETS] = { .name = DLBA_MCGRP_BUCKETS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family dlba_genl_family __ro_after_init = {
	.ops = dlba_genl_ops,
	.n_ops = ARRAY_SIZE(dlba_genl_ops),
	.mcgrps = dlba_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dlba_genl_mcgrps),
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
