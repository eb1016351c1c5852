/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the generic netlink family "dlba" share (netlink.c lists
 * them).  Nothing outside them uses this; main.c needs only dlba_genl_init()
 * and dlba_genl_uninit() from dlba.h.
 */
#ifndef _DLBA_NETLINK_H
#define _DLBA_NETLINK_H

#include <net/genetlink.h>

#include "dlba.h"

/* netlink.c */
extern struct genl_family dlba_genl_family;

/* Index of each multicast group in dlba_genl_mcgrps[]. */
enum dlba_nl_mcgrp {
	DLBA_NLGRP_BUCKETS,
};

int dlba_nl_addr(const struct nlattr *attr, u16 family,
		 union nf_inet_addr *addr, struct netlink_ext_ack *extack);
int dlba_nl_nest(struct nlattr **attrs, int type, struct nlattr **tb,
		 int maxtype, const struct nla_policy *policy,
		 struct netlink_ext_ack *extack);
int dlba_nl_key(struct nlattr **attrs, const struct nla_policy *policy,
		struct nlattr **tb, struct dlba_svc_key *key,
		struct netlink_ext_ack *extack);
struct dlba_service *dlba_nl_service(struct dlba_net *dn,
				     const struct dlba_svc_key *key,
				     struct nlattr **attrs,
				     struct netlink_ext_ack *extack);
/* Returns with dn->lock held, or an ERR_PTR without it. */
struct dlba_server *dlba_nl_server_lock(struct dlba_net *dn,
					struct genl_info *info,
					const struct nla_policy *policy,
					struct nlattr **stb);

/* nl_policy.c: the nests */
extern const struct nla_policy dlba_svc_key_policy[DLBA_SVC_A_MAX + 1];
extern const struct nla_policy dlba_svc_new_policy[DLBA_SVC_A_MAX + 1];
extern const struct nla_policy dlba_svc_set_policy[DLBA_SVC_A_MAX + 1];
extern const struct nla_policy dlba_srv_new_policy[DLBA_SRV_A_MAX + 1];
extern const struct nla_policy dlba_srv_set_policy[DLBA_SRV_A_MAX + 1];
extern const struct nla_policy dlba_srv_id_policy[DLBA_SRV_A_MAX + 1];
extern const struct nla_policy dlba_bkt_set_policy[DLBA_BKT_A_MAX + 1];
/* nl_policy.c: top level, one per command shape */
extern const struct nla_policy dlba_none_policy[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_svc_key_tl[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_svc_new_tl[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_svc_set_tl[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_srv_new_tl[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_srv_set_tl[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_srv_id_tl[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_bkt_set_tl[DLBA_A_MAX + 1];
extern const struct nla_policy dlba_panic_tl[DLBA_A_MAX + 1];

/* nl_set.c: changes (doit) */
int dlba_nl_service_new(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_service_set(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_service_del(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_server_new(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_server_set(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_server_del(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_bkt_set(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_panic(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_flush(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_bkt_touch(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_stats_zero(struct sk_buff *skb, struct genl_info *info);

/* nl_get.c: reads (doit replies, dump .start and .dumpit) */
int dlba_nl_service_get(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_server_get(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_stats_get(struct sk_buff *skb, struct genl_info *info);
int dlba_nl_service_dump(struct sk_buff *skb, struct netlink_callback *cb);
int dlba_nl_server_dump_start(struct netlink_callback *cb);
int dlba_nl_server_dump(struct sk_buff *skb, struct netlink_callback *cb);
int dlba_nl_bkt_dump_start(struct netlink_callback *cb);
int dlba_nl_bkt_dump(struct sk_buff *skb, struct netlink_callback *cb);
/* DLBA_A_SERVICE with the key only (sync.c's notifications too). */
int dlba_nl_put_service_key(struct sk_buff *skb, const struct dlba_service *svc);

#endif /* _DLBA_NETLINK_H */
