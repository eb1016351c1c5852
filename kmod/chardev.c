// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/dlba: read-only monitoring ioctls (WO 01/69890 "Monitoring") for tools
 * that do not speak netlink.  They act on the network namespace of the
 * process that opened the device.
 *
 * Rows are snapshotted into a kernel buffer under dn->lock and copied out
 * after it is dropped: a user page fault must never stall the control plane.
 *
 * The device is root's (0600), and like IPVS the server addresses and the
 * bucket table (which server each client range goes to, and when each
 * bucket was last used) are read only with CAP_NET_ADMIN: checked against
 * the credentials the file was opened with, so a handed-over descriptor
 * grants no more than its opener had.  The service list stays readable.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/miscdevice.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "dlba.h"

/* Rows per snapshot; bounds the kernel buffer and the time under dn->lock. */
#define DLBA_IOC_SVC_CHUNK	64U
#define DLBA_IOC_BKT_CHUNK	1024U
/* Restarts of a service listing that raced with changes before -EAGAIN. */
#define DLBA_IOC_RETRIES	4

static int dlba_ioc_key(const struct dlba_ioc_svc_key *k, struct dlba_svc_key *key)
{
	unsigned int alen;

	if (memchr_inv(k->__pad, 0, sizeof(k->__pad)) || !k->port ||
	    (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP) ||
	    (k->family != AF_INET && k->family != AF_INET6))
		return -EINVAL;
	alen = dlba_addr_len(k->family);
	/* IPv4 lives in the first 4 bytes; the rest must be clear. */
	if (memchr_inv(k->addr + alen, 0, sizeof(k->addr) - alen))
		return -EINVAL;

	memset(key, 0, sizeof(*key));
	memcpy(&key->addr, k->addr, alen);
	key->family = k->family;
	key->port = htons(k->port);
	key->proto = k->proto;
	return 0;
}

static void dlba_ioc_fill_service(struct dlba_ioc_service *row,
				  const struct dlba_service *svc)
{
	struct dlba_stats s;

	memset(row, 0, sizeof(*row));
	row->key.family = svc->family;
	row->key.port = ntohs(svc->port);
	row->key.proto = svc->proto;
	memcpy(row->key.addr, &svc->addr, dlba_addr_len(svc->family));
	row->buckets = svc->nbuckets;
	row->timeout = READ_ONCE(svc->timeout) / HZ;
	row->nservers = svc->nservers;
	row->mode = svc->mode;
	row->panic = READ_ONCE(svc->panic);
	row->version = atomic64_read(&svc->version);
	dlba_stats_read(svc->stats, &s);
	row->packets = s.packets;
	row->bytes = s.bytes;
	row->new_assign = s.new_assign;
	row->reassign = s.reassign;
	row->noserver = s.noserver;
}

static void dlba_ioc_fill_server(struct dlba_ioc_server *row,
				 const struct dlba_server *srv)
{
	struct dlba_stats s;

	memset(row, 0, sizeof(*row));
	row->id = srv->id;
	row->weight = READ_ONCE(srv->weight);
	memcpy(row->addr, &srv->addr, dlba_addr_len(srv->svc->family));
	if (srv->method == DLBA_FWD_DR)
		memcpy(row->mac, srv->mac, ETH_ALEN);
	row->port = ntohs(srv->port);
	row->method = srv->method;
	row->enabled = READ_ONCE(srv->enabled);
	row->failed = READ_ONCE(srv->failed);
	row->buckets = atomic_read(&srv->nbuckets);
	dlba_stats_read(srv->stats, &s);
	row->packets = s.packets;
	row->bytes = s.bytes;
	row->new_assign = s.new_assign;
}

/*
 * Copy rows [from, from + n) of the service list into @rows.  Returns the
 * number copied, or -EAGAIN if the list changed since @gen was read.
 */
static int dlba_ioc_snap_services(struct dlba_net *dn, unsigned int gen,
				  u32 from, u32 n, struct dlba_ioc_service *rows)
{
	struct dlba_service *svc;
	u32 idx = 0, i = 0;

	mutex_lock(&dn->lock);
	if (dn->generation != gen) {
		mutex_unlock(&dn->lock);
		return -EAGAIN;
	}
	list_for_each_entry(svc, &dn->services, list) {
		if (idx++ < from)
			continue;
		if (i == n)
			break;
		dlba_ioc_fill_service(&rows[i++], svc);
	}
	mutex_unlock(&dn->lock);
	return i;
}

/*
 * The listing is copied in chunks; if the services change in between, the
 * copy restarts so the caller gets one consistent generation.
 */
static int dlba_ioc_services(struct dlba_net *dn, void __user *argp)
{
	struct dlba_ioc_service *rows;
	struct dlba_ioc_services req;
	u32 total, want, done;
	unsigned int gen;
	int tries, n = 0;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.__pad || (req.capacity && !req.ptr))
		return -EINVAL;
	rows = kmalloc_array(DLBA_IOC_SVC_CHUNK, sizeof(*rows), GFP_KERNEL);
	if (!rows)
		return -ENOMEM;

	for (tries = 0; tries < DLBA_IOC_RETRIES; tries++) {
		mutex_lock(&dn->lock);
		gen = dn->generation;
		total = dn->nservices;
		mutex_unlock(&dn->lock);

		want = min(req.capacity, total);
		for (done = 0; done < want; done += n) {
			n = dlba_ioc_snap_services(dn, gen, done,
						   min(want - done, DLBA_IOC_SVC_CHUNK),
						   rows);
			if (n <= 0)
				break;
			if (copy_to_user(u64_to_user_ptr(req.ptr) +
					 (size_t)done * sizeof(*rows),
					 rows, n * sizeof(*rows))) {
				n = -EFAULT;
				break;
			}
		}
		if (n != -EAGAIN)
			break;
	}
	kfree(rows);
	if (n < 0)
		return n;

	req.count = done;
	req.total = total;
	return copy_to_user(argp, &req, sizeof(req)) ? -EFAULT : 0;
}

/* A service's servers fit in one buffer (DLBA_SERVERS_MAX rows): one snapshot. */
static int dlba_ioc_servers(struct dlba_net *dn, void __user *argp)
{
	struct dlba_ioc_servers req;
	struct dlba_ioc_server *rows;
	struct dlba_service *svc;
	struct dlba_server *srv;
	struct dlba_svc_key key;
	u32 n = 0;
	int err;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	err = dlba_ioc_key(&req.key, &key);
	if (err)
		return err;
	if (req.__pad || (req.capacity && !req.ptr))
		return -EINVAL;
	rows = kvmalloc_array(min(req.capacity, DLBA_SERVERS_MAX), sizeof(*rows),
			      GFP_KERNEL);
	if (!rows)
		return -ENOMEM;

	mutex_lock(&dn->lock);
	svc = dlba_service_lookup(dn, &key);
	if (svc) {
		req.total = svc->nservers;
		list_for_each_entry(srv, &svc->servers, list) {
			if (n == req.capacity)
				break;
			dlba_ioc_fill_server(&rows[n++], srv);
		}
	}
	mutex_unlock(&dn->lock);

	if (!svc)
		err = -ENOENT;
	else if (copy_to_user(u64_to_user_ptr(req.ptr), rows, n * sizeof(*rows)))
		err = -EFAULT;
	kvfree(rows);
	if (err)
		return err;
	req.count = n;
	return copy_to_user(argp, &req, sizeof(req)) ? -EFAULT : 0;
}

/*
 * Read buckets [start, start + n) of the service named by @key and its table
 * version.  -ENOENT if the service is gone, -EAGAIN if it was replaced by
 * one with another table size.
 */
static int dlba_ioc_snap_buckets(struct dlba_net *dn, const struct dlba_svc_key *key,
				 u32 nbuckets, u32 start, u32 n,
				 u32 *ids, u32 *idle, u64 *version)
{
	struct dlba_service *svc;
	int err = 0;

	mutex_lock(&dn->lock);
	svc = dlba_service_lookup(dn, key);
	if (!svc)
		err = -ENOENT;
	else if (svc->nbuckets != nbuckets)
		err = -EAGAIN;
	else
		*version = dlba_sched_get_buckets(svc, start, n, ids, idle);
	mutex_unlock(&dn->lock);
	return err;
}

/*
 * Copied in chunks of DLBA_IOC_BKT_CHUNK, each read in one call to the
 * scheduler.  The packet path assigns buckets without dn->lock, so a larger
 * window is not a single snapshot: 'version' is the one seen by the first
 * chunk.  Use the netlink dump, which flags a change, when that matters.
 */
static int dlba_ioc_buckets(struct dlba_net *dn, void __user *argp)
{
	struct dlba_ioc_bucket *rows = NULL;
	u32 *ids = NULL, *idle = NULL;
	struct dlba_ioc_buckets req;
	struct dlba_service *svc;
	struct dlba_svc_key key;
	u32 want, done, n, i;
	u64 version;
	int err;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	err = dlba_ioc_key(&req.key, &key);
	if (err)
		return err;
	if (req.capacity && !req.ptr)
		return -EINVAL;

	mutex_lock(&dn->lock);
	svc = dlba_service_lookup(dn, &key);
	if (svc) {
		req.total = svc->nbuckets;
		req.version = atomic64_read(&svc->version);
	}
	mutex_unlock(&dn->lock);
	if (!svc)
		return -ENOENT;
	if (req.start > req.total)
		return -EINVAL;

	want = min(req.capacity, req.total - req.start);
	if (want) {
		rows = kmalloc_array(DLBA_IOC_BKT_CHUNK, sizeof(*rows), GFP_KERNEL);
		ids = kmalloc_array(DLBA_IOC_BKT_CHUNK, sizeof(*ids), GFP_KERNEL);
		idle = kmalloc_array(DLBA_IOC_BKT_CHUNK, sizeof(*idle), GFP_KERNEL);
		if (!rows || !ids || !idle) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (done = 0; done < want; done += n) {
		n = min(want - done, DLBA_IOC_BKT_CHUNK);
		err = dlba_ioc_snap_buckets(dn, &key, req.total, req.start + done,
					    n, ids, idle, &version);
		if (err)
			goto out;
		if (!done)
			req.version = version;
		for (i = 0; i < n; i++) {
			rows[i].server_id = ids[i];
			rows[i].idle_ms = idle[i];
		}
		if (copy_to_user(u64_to_user_ptr(req.ptr) +
				 (size_t)done * sizeof(*rows),
				 rows, n * sizeof(*rows))) {
			err = -EFAULT;
			goto out;
		}
	}
	req.count = want;
	if (copy_to_user(argp, &req, sizeof(req)))
		err = -EFAULT;
out:
	kfree(idle);
	kfree(ids);
	kfree(rows);
	return err;
}

static long dlba_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct dlba_net *dn = dlba_pernet(file->private_data);
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case DLBA_IOC_SERVICES:
		return dlba_ioc_services(dn, argp);
	case DLBA_IOC_SERVERS:
		if (!file_ns_capable(file, &init_user_ns, CAP_NET_ADMIN))
			return -EPERM;
		return dlba_ioc_servers(dn, argp);
	case DLBA_IOC_BUCKETS:
		if (!file_ns_capable(file, &init_user_ns, CAP_NET_ADMIN))
			return -EPERM;
		return dlba_ioc_buckets(dn, argp);
	default:
		return -ENOTTY;
	}
}

/* The netns is pinned for the life of the file, so dn stays valid. */
static int dlba_dev_open(struct inode *inode, struct file *file)
{
	file->private_data = get_net(current->nsproxy->net_ns);
	return 0;
}

static int dlba_dev_release(struct inode *inode, struct file *file)
{
	put_net(file->private_data);
	return 0;
}

static const struct file_operations dlba_dev_fops = {
	.owner = THIS_MODULE,
	.open = dlba_dev_open,
	.release = dlba_dev_release,
	.unlocked_ioctl = dlba_dev_ioctl,
	/* Every ioctl struct has the same layout on 32 and 64 bit. */
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice dlba_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dlba",
	.fops = &dlba_dev_fops,
	.mode = 0600,
};

int __init dlba_chardev_init(void)
{
	BUILD_BUG_ON(sizeof(struct dlba_ioc_svc_key) != 24);
	BUILD_BUG_ON(sizeof(struct dlba_ioc_service) != 88);
	BUILD_BUG_ON(sizeof(struct dlba_ioc_server) != 64);
	BUILD_BUG_ON(sizeof(struct dlba_ioc_services) != 24);
	BUILD_BUG_ON(sizeof(struct dlba_ioc_servers) != 48);
	BUILD_BUG_ON(sizeof(struct dlba_ioc_buckets) != 56);
	return misc_register(&dlba_misc);
}

void dlba_chardev_uninit(void)
{
	misc_deregister(&dlba_misc);
}
