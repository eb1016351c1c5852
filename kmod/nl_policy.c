// SPDX-License-Identifier: GPL-2.0
/*
 * Attribute policies of the "dlba" family.
 *
 * The generic netlink core checks a request against its command's policy
 * before any handler runs, so types, lengths and ranges are declared here
 * once rather than checked by hand in every handler.  Each command has its
 * own policy (see netlink.c): one that rejects an attribute the command
 * cannot honour says why in the extack instead of ignoring it.
 */
#include <linux/in.h>
#include <linux/in6.h>

#include "dlba.h"
#include "netlink.h"

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
const struct nla_policy dlba_svc_key_policy[DLBA_SVC_A_MAX + 1] = {
	[DLBA_SVC_A_FAMILY]	= { .type = NLA_U16 },
	[DLBA_SVC_A_ADDR]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, dlba_nl_valid_addr,
							 sizeof(struct in6_addr)),
	[DLBA_SVC_A_PORT]	= NLA_POLICY_FULL_RANGE(NLA_U16, &dlba_port_range),
	[DLBA_SVC_A_PROTO]	= { .type = NLA_U8 },
};

const struct nla_policy dlba_svc_new_policy[DLBA_SVC_A_MAX + 1] = {
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

const struct nla_policy dlba_svc_set_policy[DLBA_SVC_A_MAX + 1] = {
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

const struct nla_policy dlba_srv_new_policy[DLBA_SRV_A_MAX + 1] = {
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

const struct nla_policy dlba_srv_set_policy[DLBA_SRV_A_MAX + 1] = {
	[DLBA_SRV_A_ID]		= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_srv_id_range),
	[DLBA_SRV_A_ADDR]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
	[DLBA_SRV_A_PORT]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
	[DLBA_SRV_A_MAC]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
	[DLBA_SRV_A_WEIGHT]	= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_weight_range),
	[DLBA_SRV_A_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DLBA_SRV_A_FAILED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[DLBA_SRV_A_METHOD]	= { .type = NLA_REJECT, .reject_message = DLBA_SRV_FIXED_MSG },
};

const struct nla_policy dlba_srv_id_policy[DLBA_SRV_A_MAX + 1] = {
	[DLBA_SRV_A_ID]		= NLA_POLICY_FULL_RANGE(NLA_U32, &dlba_srv_id_range),
};

const struct nla_policy dlba_bkt_set_policy[DLBA_BKT_A_MAX + 1] = {
	[DLBA_BKT_A_VERSION]	= { .type = NLA_U64 },
	[DLBA_BKT_A_START]	= { .type = NLA_U32 },
	[DLBA_BKT_A_ASSIGN]	= NLA_POLICY_FULL_RANGE(NLA_BINARY, &dlba_assign_len_range),
	[DLBA_BKT_A_HASH_KEY]	= NLA_POLICY_EXACT_LEN(DLBA_HASH_KEY_LEN),
};

/* Top-level policies, one per command shape. */
const struct nla_policy dlba_none_policy[DLBA_A_MAX + 1] = {
};

const struct nla_policy dlba_svc_key_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
};

const struct nla_policy dlba_svc_new_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_new_policy),
};

const struct nla_policy dlba_svc_set_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_set_policy),
};

const struct nla_policy dlba_srv_new_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_SERVER]		= NLA_POLICY_NESTED(dlba_srv_new_policy),
};

const struct nla_policy dlba_srv_set_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_SERVER]		= NLA_POLICY_NESTED(dlba_srv_set_policy),
};

const struct nla_policy dlba_srv_id_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_SERVER]		= NLA_POLICY_NESTED(dlba_srv_id_policy),
};

const struct nla_policy dlba_bkt_set_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_BUCKETS]	= NLA_POLICY_NESTED(dlba_bkt_set_policy),
};

const struct nla_policy dlba_panic_tl[DLBA_A_MAX + 1] = {
	[DLBA_A_SERVICE]	= NLA_POLICY_NESTED(dlba_svc_key_policy),
	[DLBA_A_PANIC]		= NLA_POLICY_MAX(NLA_U8, 1),
};
