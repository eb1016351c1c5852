/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * DLBA - Distributed Load Balancing Array: user/kernel interface.
 *
 * This header is the single source of truth for the "dlba" generic netlink
 * family (commands, attributes, enums) and for the /dev/dlba monitoring
 * ioctls.  It is shared verbatim by kmod/ and userspace/.
 *
 * Conventions
 * - All integers in netlink attributes are in host byte order except
 *   addresses, which are raw network-order bytes (4 for IPv4, 16 for IPv6).
 * - A virtual service is identified by (family, address, port, protocol):
 *   the nested DLBA_A_SERVICE with DLBA_SVC_A_FAMILY/ADDR/PORT/PROTO.
 * - A server is identified within its service by DLBA_SRV_A_ID (1..65535).
 */
#ifndef _UAPI_LINUX_DLBA_H
#define _UAPI_LINUX_DLBA_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define DLBA_GENL_NAME		"dlba"
#define DLBA_GENL_VERSION	1

/* Limits shared by kernel validation and userspace parsing. */
#define DLBA_BUCKETS_DEFAULT	65536U
#define DLBA_BUCKETS_MIN	16U
#define DLBA_BUCKETS_MAX	(1U << 22)	/* 4M buckets */
#define DLBA_TIMEOUT_DEFAULT	300U		/* seconds of bucket idleness */
#define DLBA_TIMEOUT_MAX	(7U * 24 * 3600)
#define DLBA_SERVERS_MAX	1024U		/* per service */
#define DLBA_SERVER_ID_MAX	65535U
#define DLBA_WEIGHT_MAX		65535U		/* weight 0 = gets no new buckets */
#define DLBA_WEIGHT_DEFAULT	1U
/* A bucket's server id when no server owns it. */
#define DLBA_SERVER_NONE	0U
/* Max bucket entries in one DLBA_BKT_A_ASSIGN / DLBA_BKT_A_IDLE attribute. */
#define DLBA_BKT_CHUNK		8192U
/*
 * The service's client hash key (SipHash-2-4, two little-endian u64): the
 * same key gives the same bucket for a client on every machine, so a
 * standby that has it maps clients exactly as the active scheduler did.
 */
#define DLBA_HASH_KEY_LEN	16U

enum dlba_cmd {
	DLBA_CMD_UNSPEC,
	DLBA_CMD_SERVICE_NEW,	/* DLBA_A_SERVICE (key + options) */
	DLBA_CMD_SERVICE_SET,	/* DLBA_A_SERVICE (key + options to change) */
	DLBA_CMD_SERVICE_DEL,	/* DLBA_A_SERVICE (key) */
	DLBA_CMD_SERVICE_GET,	/* doit: DLBA_A_SERVICE (key); dumpit: all */
	DLBA_CMD_SERVER_NEW,	/* DLBA_A_SERVICE (key) + DLBA_A_SERVER */
	DLBA_CMD_SERVER_SET,	/* DLBA_A_SERVICE (key) + DLBA_A_SERVER (id + changes) */
	DLBA_CMD_SERVER_DEL,	/* DLBA_A_SERVICE (key) + DLBA_A_SERVER (id) */
	DLBA_CMD_SERVER_GET,	/* dumpit: DLBA_A_SERVICE (key) optional filter */
	DLBA_CMD_BUCKETS_GET,	/* dumpit: DLBA_A_SERVICE (key); replies carry DLBA_A_BUCKETS chunks */
	DLBA_CMD_BUCKETS_SET,	/* DLBA_A_SERVICE (key) + DLBA_A_BUCKETS (START, ASSIGN[, VERSION]) */
	DLBA_CMD_PANIC,		/* DLBA_A_SERVICE (key) + DLBA_A_PANIC (u8 0/1) */
	DLBA_CMD_FLUSH,		/* no attrs: delete every service in this netns */
	DLBA_CMD_STATS_GET,	/* doit: reply DLBA_A_STATS (global, this netns) */
	__DLBA_CMD_MAX,
};
#define DLBA_CMD_MAX (__DLBA_CMD_MAX - 1)

/* Top-level attributes. */
enum dlba_attr {
	DLBA_A_UNSPEC,
	DLBA_A_SERVICE,		/* nest: enum dlba_svc_attr */
	DLBA_A_SERVER,		/* nest: enum dlba_srv_attr */
	DLBA_A_BUCKETS,		/* nest: enum dlba_bkt_attr */
	DLBA_A_PANIC,		/* u8: 1 = on, 0 = off */
	DLBA_A_STATS,		/* nest: enum dlba_stats_attr (global) */
	__DLBA_A_MAX,
};
#define DLBA_A_MAX (__DLBA_A_MAX - 1)

enum dlba_svc_mode {
	DLBA_MODE_FORWARD = 1,	/* L4 forwarding by bucket table (dr/nat/tun) */
	/* reserved for later issues: */
	DLBA_MODE_DIVERT = 2,	/* hand packets to dlbad (delayed binding) */
	DLBA_MODE_REDIRECT = 3,	/* port redirection protocol */
	__DLBA_MODE_MAX,
};
#define DLBA_MODE_MAX (__DLBA_MODE_MAX - 1)

enum dlba_svc_attr {
	DLBA_SVC_A_UNSPEC,
	DLBA_SVC_A_FAMILY,	/* u16: AF_INET or AF_INET6 (key) */
	DLBA_SVC_A_ADDR,	/* binary: 4 or 16 bytes, network order (key) */
	DLBA_SVC_A_PORT,	/* u16: host order, 1..65535 (key) */
	DLBA_SVC_A_PROTO,	/* u8: IPPROTO_TCP or IPPROTO_UDP (key) */
	DLBA_SVC_A_BUCKETS,	/* u32: power of two; NEW only (fixed for life) */
	DLBA_SVC_A_TIMEOUT,	/* u32: bucket idle timeout, seconds (1..MAX) */
	DLBA_SVC_A_MODE,	/* u8: enum dlba_svc_mode; NEW only */
	DLBA_SVC_A_PANIC,	/* u8: read-only, 1 while in panic mode */
	DLBA_SVC_A_VERSION,	/* u64: read-only, bucket table version */
	DLBA_SVC_A_NSERVERS,	/* u32: read-only */
	DLBA_SVC_A_STATS,	/* nest: enum dlba_stats_attr, read-only */
	DLBA_SVC_A_PAD,
	DLBA_SVC_A_HASH_KEY,	/* binary[DLBA_HASH_KEY_LEN]: NEW (default random);
				 * GET only to CAP_NET_ADMIN
				 */
	__DLBA_SVC_A_MAX,
};
#define DLBA_SVC_A_MAX (__DLBA_SVC_A_MAX - 1)

enum dlba_fwd_method {
	DLBA_FWD_DR = 1,	/* rewrite dst MAC only; server holds the VIP */
	DLBA_FWD_NAT = 2,	/* rewrite dst addr/port; replies reversed at LB */
	DLBA_FWD_TUN = 3,	/* IPIP / IP6IP6 to the server address */
	__DLBA_FWD_MAX,
};
#define DLBA_FWD_MAX (__DLBA_FWD_MAX - 1)

enum dlba_srv_attr {
	DLBA_SRV_A_UNSPEC,
	DLBA_SRV_A_ID,		/* u32: 1..DLBA_SERVER_ID_MAX (key within service) */
	DLBA_SRV_A_ADDR,	/* binary: server address, same family as service */
	DLBA_SRV_A_PORT,	/* u16: nat only; 0 = same as service port */
	DLBA_SRV_A_MAC,		/* binary 6: dr only, optional; the server's MAC
				 * (without it: resolved by the neighbour table)
				 */
	DLBA_SRV_A_WEIGHT,	/* u32: 0..DLBA_WEIGHT_MAX */
	DLBA_SRV_A_ENABLED,	/* u8: 0 = draining (no new buckets) */
	DLBA_SRV_A_FAILED,	/* u8: 1 = failed (its buckets are reset) */
	DLBA_SRV_A_METHOD,	/* u8: enum dlba_fwd_method */
	DLBA_SRV_A_BUCKETS,	/* u32: read-only, buckets assigned now */
	DLBA_SRV_A_STATS,	/* nest: enum dlba_stats_attr, read-only */
	DLBA_SRV_A_PAD,
	/*
	 * Read-only, dr servers without DLBA_SRV_A_MAC: the LB's neighbour
	 * entry for the server on the route's device, as `ip neigh` shows it.
	 */
	DLBA_SRV_A_NEIGH_STATE,	/* u16: NUD_* flags (0: no entry or no route) */
	DLBA_SRV_A_LLADDR,	/* binary 6: the MAC sent to now (NUD_VALID only) */
	__DLBA_SRV_A_MAX,
};
#define DLBA_SRV_A_MAX (__DLBA_SRV_A_MAX - 1)

enum dlba_bkt_attr {
	DLBA_BKT_A_UNSPEC,
	DLBA_BKT_A_VERSION,	/* u64: table version (GET: current; SET: install) */
	DLBA_BKT_A_COUNT,	/* u32: total buckets in the table (GET) */
	DLBA_BKT_A_START,	/* u32: index of the first entry in this chunk */
	DLBA_BKT_A_ASSIGN,	/* binary: u32[] server ids, DLBA_SERVER_NONE = unassigned */
	DLBA_BKT_A_IDLE,	/* binary: u32[] ms since last access (GET only) */
	DLBA_BKT_A_PAD,
	DLBA_BKT_A_HASH_KEY,	/* binary[DLBA_HASH_KEY_LEN]: GET: the service's;
				 * SET: must equal it (the table is only
				 * meaningful under the key it was made with)
				 */
	__DLBA_BKT_A_MAX,
};
#define DLBA_BKT_A_MAX (__DLBA_BKT_A_MAX - 1)

/* Counters; used nested in DLBA_A_STATS, DLBA_SVC_A_STATS and DLBA_SRV_A_STATS. */
enum dlba_stats_attr {
	DLBA_STATS_A_UNSPEC,
	DLBA_STATS_A_PACKETS,	/* u64: packets forwarded */
	DLBA_STATS_A_BYTES,	/* u64: bytes forwarded */
	DLBA_STATS_A_NEW_ASSIGN,	/* u64: buckets newly assigned */
	DLBA_STATS_A_REASSIGN,	/* u64: idle buckets re-assigned */
	DLBA_STATS_A_NOSERVER,	/* u64: packets dropped, no usable server */
	DLBA_STATS_A_ERRORS,	/* u64: packets dropped on transmit/rewrite errors */
	DLBA_STATS_A_REPLIES,	/* u64: nat replies reversed */
	DLBA_STATS_A_SERVICES,	/* u32: global only: services in this netns */
	DLBA_STATS_A_PAD,
	__DLBA_STATS_A_MAX,
};
#define DLBA_STATS_A_MAX (__DLBA_STATS_A_MAX - 1)

/*
 * /dev/dlba monitoring ioctls (WO 01/69890 "Monitoring").  Read-only; they act on
 * the network namespace of the process that opened the device.  Every table
 * ioctl takes a user buffer (ptr, capacity in entries) and returns the number
 * of entries written in 'count' and the total available in 'total', so a
 * caller can retry with a larger buffer.
 */
struct dlba_ioc_svc_key {
	__u16 family;		/* AF_INET / AF_INET6 */
	__u16 port;		/* host order */
	__u8  proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	__u8  __pad[3];
	__u8  addr[16];		/* network order; IPv4 in the first 4 bytes */
};

struct dlba_ioc_service {
	struct dlba_ioc_svc_key key;
	__u32 buckets;
	__u32 timeout;		/* seconds */
	__u32 nservers;
	__u8  mode;
	__u8  panic;
	__u8  __pad[2];
	__u64 version;
	__u64 packets;
	__u64 bytes;
	__u64 new_assign;
	__u64 reassign;
	__u64 noserver;
};

/* DLBA Server Status Table row (WO 01/69890 Fig. 5). */
struct dlba_ioc_server {
	__u32 id;
	__u32 weight;
	__u8  addr[16];
	__u8  mac[6];
	__u16 port;
	__u8  method;		/* enum dlba_fwd_method */
	__u8  enabled;
	__u8  failed;
	__u8  __pad;
	__u32 buckets;		/* client IP groups assigned */
	__u64 packets;
	__u64 bytes;
	__u64 new_assign;
};

/* Client hash-bucket table row (WO 01/69890 Fig. 4). */
struct dlba_ioc_bucket {
	__u32 server_id;	/* DLBA_SERVER_NONE if unassigned */
	__u32 idle_ms;		/* ms since last access, saturating */
};

struct dlba_ioc_services {
	__u64 ptr;		/* struct dlba_ioc_service[capacity] */
	__u32 capacity;
	__u32 count;		/* out */
	__u32 total;		/* out */
	__u32 __pad;
};

struct dlba_ioc_servers {
	struct dlba_ioc_svc_key key;
	__u64 ptr;		/* struct dlba_ioc_server[capacity] */
	__u32 capacity;
	__u32 count;		/* out */
	__u32 total;		/* out */
	__u32 __pad;
};

struct dlba_ioc_buckets {
	struct dlba_ioc_svc_key key;
	__u64 ptr;		/* struct dlba_ioc_bucket[capacity] */
	__u64 version;		/* out */
	__u32 start;		/* first bucket index wanted */
	__u32 capacity;
	__u32 count;		/* out */
	__u32 total;		/* out: buckets in the table */
};

#define DLBA_IOC_MAGIC		0xDB
#define DLBA_IOC_SERVICES	_IOWR(DLBA_IOC_MAGIC, 1, struct dlba_ioc_services)
#define DLBA_IOC_SERVERS	_IOWR(DLBA_IOC_MAGIC, 2, struct dlba_ioc_servers)
#define DLBA_IOC_BUCKETS	_IOWR(DLBA_IOC_MAGIC, 3, struct dlba_ioc_buckets)

#endif /* _UAPI_LINUX_DLBA_H */
