// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: keep chosen PCI devices across a kexec-based Live Update.
 *
 * The module registers a LUO file handler for /dev/pci_liveupdate files and
 * a File-Lifecycle-Bound object that carries the set of marked devices
 * through Kexec HandOver memory to the next kernel.  It must be loaded
 * before anything opens /dev/liveupdate in the new kernel: LUO matches the
 * preserved files to their handlers at that first open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "../include/pci_liveupdate_names.h"
#include "plu_internal.h"

struct plu_state plu_state = {
	.lock = __MUTEX_INITIALIZER(plu_state.lock),
	.devs = XARRAY_INIT(plu_state.devs, 0),
};

bool plu_fault_inject;
module_param_named(fault_inject, plu_fault_inject, bool, 0444);
MODULE_PARM_DESC(fault_inject,
		 "Create debugfs pci_liveupdate/fault to corrupt the outgoing image (testing only)");

bool plu_fault_retrieve_nomem;
module_param_named(fault_retrieve_nomem, plu_fault_retrieve_nomem, bool, 0444);
MODULE_PARM_DESC(fault_retrieve_nomem,
		 "With fault_inject: fail the allocation that decodes the incoming set (testing only)");

bool plu_fault_flb_register;
module_param_named(fault_flb_register, plu_fault_flb_register, bool, 0444);
MODULE_PARM_DESC(fault_flb_register,
		 "With fault_inject: fail the FLB registration at load (testing only)");

/*
 * Everything that can fail comes before the registration with LUO, which
 * is last: from then on LUO may hold a module reference, and a failed init
 * could not undo it (plu_fh_register() fails only before that point).
 */
static int __init plu_init(void)
{
	int ret;

	ret = plu_luo_bind();
	if (ret)
		return ret;
	ret = plu_tracking_init();
	if (ret)
		return ret;
	ret = plu_cdev_init();
	if (ret)
		goto err_tracking;
	plu_debugfs_init();
	ret = plu_fh_register();
	if (ret)
		goto err_cdev;
	plu_incoming_retrieve_early();
	pr_info("%s (LUO binding: %s)\n",
		plu_fh_is_ready() ? "ready" : "loaded, but cannot be preserved",
		plu_binding_name(plu_luo_binding()));
	return 0;

err_cdev:
	plu_debugfs_exit();
	plu_cdev_exit();
err_tracking:
	plu_tracking_exit();
	return ret;
}

static void __exit plu_exit(void)
{
	plu_fh_unregister();
	plu_debugfs_exit();
	plu_cdev_exit();
	plu_tracking_exit();
	plu_incoming_exit();
}

module_init(plu_init);
module_exit(plu_exit);

MODULE_DESCRIPTION("Keep chosen PCI devices across a kexec-based Live Update");
MODULE_LICENSE("GPL");
MODULE_VERSION(PLU_VERSION);
MODULE_INFO(plu_wire_version, __stringify(PLU_WIRE_VERSION));
