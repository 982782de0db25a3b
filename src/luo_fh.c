// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: the LUO file handler for /dev/pci_liveupdate files.
 *
 * Preserving an open /dev/pci_liveupdate file in a LUO session is how a
 * user says "carry the marked devices across this live update": the file
 * itself holds no state, the FLB registered with this handler carries the
 * set.  .freeze seals the set for reboot, .retrieve gives the user a new
 * /dev/pci_liveupdate file in the next kernel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>

#include "plu_internal.h"

/**
 * DOC: registration window
 *
 * LUO needs the file handler registered before the FLB, and
 * /dev/pci_liveupdate exists before either: a file could be preserved
 * between the two registrations, without the FLB, so that no image is made
 * and closing its session puts an FLB reference that was never taken.
 * .can_preserve therefore refuses (LUO answers ENOENT) until both are
 * registered, and again from the moment teardown starts.  Once the handler
 * is registered, LUO may hold references into this module (a file
 * preserved, or an incoming one matched at the first open of
 * /dev/liveupdate), so init must not fail after it: when the FLB cannot be
 * registered the handler stays, refusing every file, and STATUS lacks
 * PCI_LIVEUPDATE_STATUS_LUO_READY until the module is unloaded.
 */

/* Handler and FLB registered, teardown not started: see "registration window". */
static bool plu_fh_ready;
/* The FLB is registered with the handler (plu_fh_unregister() undoes it). */
static bool plu_flb_registered;

/**
 * plu_fh_is_ready() - whether a file preserved now carries the set
 *
 * Return: true between the end of plu_fh_register(), if the FLB was
 * registered, and the start of plu_fh_unregister().
 */
bool plu_fh_is_ready(void)
{
	/* Pairs with the release in plu_fh_register(): the FLB is linked. */
	return smp_load_acquire(&plu_fh_ready);
}

/*
 * LUO calls this under its registration lock, for every file it is asked
 * to preserve: refusing here is what keeps a file from being preserved
 * without the FLB.
 */
static bool plu_fh_can_preserve(struct liveupdate_file_handler *fh,
				struct file *file)
{
	return file->f_op == &plu_fops && plu_fh_is_ready();
}

/*
 * The format of a preserved file.  The set travels in the FLB; the file
 * carries only this number.  Up to wire version 2 it was the wire version;
 * it stays 2 when the wire version changes, since the file itself does
 * not, so that the modules on both sides of an upgrade or a downgrade
 * retrieve each other's files and judge the set by the image's version.
 */
#define PLU_FH_FORMAT	2

static int plu_fh_preserve(struct liveupdate_file_op_args *args)
{
	args->serialized_data = PLU_FH_FORMAT;
	return 0;
}

static void plu_fh_unpreserve(struct liveupdate_file_op_args *args)
{
}

static int plu_fh_freeze(struct liveupdate_file_op_args *args)
{
	plu_outgoing_freeze(true);
	return 0;
}

static void plu_fh_unfreeze(struct liveupdate_file_op_args *args)
{
	plu_outgoing_freeze(false);
}

static int plu_fh_retrieve(struct liveupdate_file_op_args *args)
{
	struct file *file;

	if (args->serialized_data != PLU_FH_FORMAT) {
		pr_err("preserved file has format %llu, this module knows %u\n",
		       args->serialized_data, PLU_FH_FORMAT);
		return -EINVAL;
	}
	file = anon_inode_getfile("[pci_liveupdate]", &plu_fops, NULL,
				  O_RDWR | O_CLOEXEC);
	if (IS_ERR(file))
		return PTR_ERR(file);
	args->file = file;
	return 0;
}

/* Not before the incoming set was retrieved: see plu_incoming_may_finish(). */
static bool plu_fh_can_finish(struct liveupdate_file_op_args *args)
{
	return plu_incoming_may_finish();
}

static void plu_fh_finish(struct liveupdate_file_op_args *args)
{
}

static const struct liveupdate_file_ops plu_fh_ops = {
	.can_preserve = plu_fh_can_preserve,
	.preserve = plu_fh_preserve,
	.unpreserve = plu_fh_unpreserve,
	.freeze = plu_fh_freeze,
	.unfreeze = plu_fh_unfreeze,
	.retrieve = plu_fh_retrieve,
	.can_finish = plu_fh_can_finish,
	.finish = plu_fh_finish,
	.owner = THIS_MODULE,
};

static struct liveupdate_file_handler plu_fh = {
	.ops = &plu_fh_ops,
	.compatible = PLU_FH_COMPATIBLE,
};

/**
 * plu_fh_register() - register the file handler and its FLB with LUO
 *
 * The last step of module init.  Only the handler's own registration may
 * fail; from then on LUO may hold module references, so a failed FLB
 * registration leaves the handler registered and refusing every file
 * (see "registration window") instead of failing init.
 *
 * Return: 0 (also when the FLB could not be registered: the kernel log
 * says why) or the handler registration's negative errno.
 */
int plu_fh_register(void)
{
	int ret;

	ret = plu_luo_register_file_handler(&plu_fh);
	if (ret) {
		pr_err("cannot register LUO file handler %s: %d\n",
		       PLU_FH_COMPATIBLE, ret);
		return ret;
	}
	if (plu_fault_inject && plu_fault_flb_register)
		ret = -ENOSPC;
	else
		ret = plu_luo_register_flb(&plu_fh, &plu_flb);
	if (ret) {
		pr_err("cannot register LUO FLB %s: %d; /dev/pci_liveupdate cannot be preserved until the module is reloaded\n",
		       PLU_FLB_COMPATIBLE, ret);
		return 0;
	}
	plu_flb_registered = true;
	/* Pairs with plu_fh_is_ready(): a file LUO takes finds the FLB. */
	smp_store_release(&plu_fh_ready, true);
	return 0;
}

/**
 * plu_fh_unregister() - undo plu_fh_register()
 *
 * Shuts the gate first, so that no file is preserved during teardown.
 */
void plu_fh_unregister(void)
{
	WRITE_ONCE(plu_fh_ready, false);
	if (plu_flb_registered)
		plu_luo_unregister_flb(&plu_fh, &plu_flb);
	plu_luo_unregister_file_handler(&plu_fh);
}
