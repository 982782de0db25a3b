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

static bool plu_fh_can_preserve(struct liveupdate_file_handler *fh,
				struct file *file)
{
	return file->f_op == &plu_fops;
}

static int plu_fh_preserve(struct liveupdate_file_op_args *args)
{
	/* The set travels in the FLB; the file only records the format. */
	args->serialized_data = PLU_WIRE_VERSION;
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

	if (args->serialized_data != PLU_WIRE_VERSION) {
		pr_err("preserved file has format %llu, this module knows %u\n",
		       args->serialized_data, PLU_WIRE_VERSION);
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
 * The last step of module init: once registered, LUO may take a module
 * reference (a file preserved or matched at the first open of
 * /dev/liveupdate), so nothing may fail after it.
 *
 * Return: 0 or a negative errno.
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
	ret = plu_luo_register_flb(&plu_fh, &plu_flb);
	if (ret) {
		pr_err("cannot register LUO FLB %s: %d\n", PLU_FLB_COMPATIBLE,
		       ret);
		plu_luo_unregister_file_handler(&plu_fh);
	}
	return ret;
}

/**
 * plu_fh_unregister() - undo plu_fh_register()
 */
void plu_fh_unregister(void)
{
	plu_luo_unregister_flb(&plu_fh, &plu_flb);
	plu_luo_unregister_file_handler(&plu_fh);
}
