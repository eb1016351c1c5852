/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * DLBA - Distributed Load Balancing Array: user/kernel interface.
 *
 * The "dlba" generic netlink family (commands, attributes, enums and
 * limits) is described once, in its YNL spec
 * Documentation/netlink/specs/dlba.yaml; the build generates its C part,
 * <linux/dlba_genl.h>, from it (scripts/nlgen.py), and this header includes
 * it.  What follows by hand is the /dev/dlba monitoring ioctl ABI, which is
 * not netlink.  Both are shared verbatim by kmod/ and userspace/.
 */
#ifndef _UAPI_LINUX_DLBA_H
#define _UAPI_LINUX_DLBA_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/dlba_genl.h>

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
