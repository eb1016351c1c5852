// SPDX-License-Identifier: GPL-2.0
/*
 * DLBA module entry: per-netns state, then the admin interfaces.
 *
 * Order matters on the way out: the interfaces that create objects go first,
 * then each netns unhooks from netfilter before its services are freed, and
 * the module waits for the RCU callbacks that free them, as they run code
 * that lives in this module.  Bucket-change notifications stop before the
 * family goes, and each netns cancels its notification work on exit.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>

#include "dlba.h"

unsigned int dlba_net_id __read_mostly;

static int __net_init dlba_net_init(struct net *net)
{
	struct dlba_net *dn = dlba_pernet(net);
	int err;

	dn->net = net;
	mutex_init(&dn->lock);
	dlba_sync_init_net(dn);
	dn->stats = dlba_stats_alloc();
	if (!dn->stats)
		return -ENOMEM;
	err = dlba_services_init_net(dn);
	if (err)
		goto err_stats;
	err = dlba_hooks_init_net(net);
	if (err)
		goto err_services;
	return 0;

err_services:
	dlba_services_uninit_net(dn);
err_stats:
	free_percpu(dn->stats);
	return err;
}

/*
 * Unhook in pre_exit: the netns core waits for an RCU grace period between
 * pre_exit and exit, so no packet is still inside a hook (and touching
 * dn->stats or a service) when exit frees them.
 */
static void __net_exit dlba_net_pre_exit(struct net *net)
{
	dlba_hooks_uninit_net(net);
}

static void __net_exit dlba_net_exit(struct net *net)
{
	struct dlba_net *dn = dlba_pernet(net);

	/* The hooks are gone (pre_exit), so nothing queues it again. */
	dlba_sync_uninit_net(dn);
	dlba_services_uninit_net(dn);
	free_percpu(dn->stats);
	mutex_destroy(&dn->lock);
}

static struct pernet_operations dlba_net_ops = {
	.init = dlba_net_init,
	.pre_exit = dlba_net_pre_exit,
	.exit = dlba_net_exit,
	.id = &dlba_net_id,
	.size = sizeof(struct dlba_net),
};

static int __init dlba_init(void)
{
	int err;

	err = dlba_hooks_init();
	if (err)
		return err;
	err = register_pernet_subsys(&dlba_net_ops);
	if (err)
		return err;
	err = dlba_genl_init();
	if (err)
		goto err_pernet;
	dlba_sync_set_live(true);
	err = dlba_chardev_init();
	if (err)
		goto err_genl;
	return 0;

err_genl:
	dlba_sync_set_live(false);
	dlba_genl_uninit();
err_pernet:
	unregister_pernet_subsys(&dlba_net_ops);
	rcu_barrier();
	return err;
}

static void __exit dlba_exit(void)
{
	dlba_chardev_uninit();
	/* No notification may go out under group ids the family gave back. */
	dlba_sync_set_live(false);
	dlba_genl_uninit();
	unregister_pernet_subsys(&dlba_net_ops);
	/* Services and servers are freed by call_rcu() callbacks in here. */
	rcu_barrier();
}

module_init(dlba_init);
module_exit(dlba_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DLBA distributed load balancing array: L4 scheduler");
MODULE_VERSION(DLBA_VERSION);
MODULE_ALIAS_GENL_FAMILY(DLBA_GENL_NAME);
