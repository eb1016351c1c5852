// SPDX-License-Identifier: GPL-2.0
/*
 * Commands of the "dlba" family that change the tables: services, servers,
 * the bucket table (upload, touch), panic, flush and the counters' reset.
 * All need CAP_NET_ADMIN (netlink.c).
 *
 * Each checks the whole request before it changes anything, so a rejected
 * request changes nothing; what depends on the tables (a server's address
 * against its service's family, buckets against the table's size) is
 * checked under dn->lock, in the same critical section as the change.
 */
#include <linux/etherdevice.h>
#include <net/genetlink.h>

#include "dlba.h"
#include "netlink.h"

/* ---- Services ---- */

int dlba_nl_service_new(struct sk_buff *skb, struct genl_info *info)
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

int dlba_nl_service_set(struct sk_buff *skb, struct genl_info *info)
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

int dlba_nl_service_del(struct sk_buff *skb, struct genl_info *info)
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

int dlba_nl_server_new(struct sk_buff *skb, struct genl_info *info)
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

int dlba_nl_server_set(struct sk_buff *skb, struct genl_info *info)
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

int dlba_nl_server_del(struct sk_buff *skb, struct genl_info *info)
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

/* ---- Bucket table ---- */

static bool dlba_nl_same_key(const struct dlba_service *svc,
			     const struct nlattr *attr)
{
	u8 hkey[DLBA_HASH_KEY_LEN];

	dlba_sched_get_key(svc, hkey);
	return !memcmp(hkey, nla_data(attr), sizeof(hkey));
}

int dlba_nl_bkt_set(struct sk_buff *skb, struct genl_info *info)
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

/*
 * Call @fn on the service the request names or, when it names none, on
 * every service of the namespace after @all_fn (if any) on the namespace,
 * all under dn->lock: the shape of the requests that act on "one service or
 * all of them".  No state changes here, so no dlba_net_changed().
 */
static int dlba_nl_each_service(struct genl_info *info,
				void (*fn)(struct dlba_service *svc),
				void (*all_fn)(struct dlba_net *dn))
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));
	struct nlattr *tb[DLBA_SVC_A_MAX + 1];
	bool all = !info->attrs[DLBA_A_SERVICE];
	struct dlba_service *svc;
	struct dlba_svc_key key;
	int err;

	if (!all) {
		err = dlba_nl_key(info->attrs, dlba_svc_key_policy, tb, &key,
				  info->extack);
		if (err)
			return err;
	}

	mutex_lock(&dn->lock);
	err = 0;
	if (all) {
		if (all_fn)
			all_fn(dn);
		list_for_each_entry(svc, &dn->services, list)
			fn(svc);
	} else {
		svc = dlba_nl_service(dn, &key, info->attrs, info->extack);
		if (svc)
			fn(svc);
		else
			err = -ENOENT;
	}
	mutex_unlock(&dn->lock);
	return err;
}

/*
 * Every bucket of the named service, or of every service when the request
 * names none, counts as used now (sched.c, dlba_sched_touch()).
 */
int dlba_nl_bkt_touch(struct sk_buff *skb, struct genl_info *info)
{
	return dlba_nl_each_service(info, dlba_sched_touch, NULL);
}

/* ---- Counters ---- */

static void dlba_nl_zero_net(struct dlba_net *dn)
{
	dlba_stats_zero(dn->stats);
}

/*
 * stats-zero: the named service's counters and its servers', or, when the
 * request names none, the namespace's global counters and every service's
 * and server's, as new baselines (dlba_stats_zero()): the packet path is
 * not disturbed.  A dump in progress stays consistent.
 */
int dlba_nl_stats_zero(struct sk_buff *skb, struct genl_info *info)
{
	return dlba_nl_each_service(info, dlba_service_zero_stats,
				    dlba_nl_zero_net);
}

/* ---- Panic, flush ---- */

int dlba_nl_panic(struct sk_buff *skb, struct genl_info *info)
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

int dlba_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct dlba_net *dn = dlba_pernet(genl_info_net(info));

	mutex_lock(&dn->lock);
	dlba_service_flush(dn);
	mutex_unlock(&dn->lock);
	return 0;
}
