// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: debugfs view (/sys/kernel/debug/pci_liveupdate/).
 *
 * outgoing and incoming list the sets one device a line; timings gives the
 * duration of the last run of each LUO callback.  With the module
 * parameter fault_inject=1 a write-only "fault" file arms a corruption of
 * the outgoing image at the next LUO freeze, for testing how the next
 * kernel rejects it: "flip" (one bit of a record), "version" (unknown wire
 * version), "truncate" (record block smaller than its capacity), and
 * well-formed hostile images whose header CRC is valid: "body-header" (the
 * record block address is the header page), "body-phys ADDR" (it is ADDR,
 * for example another LUO user's preserved folio), "body-oversize" (block
 * size above capacity), "body-order" (capacity and size halved, so the
 * block's folio is larger than claimed), "unfrozen" (no FROZEN seal); and
 * "freeze" / "thaw" run the LUO freeze / unfreeze callbacks without a
 * reboot, so the frozen state can be tested from userspace.  image shows
 * the outgoing image's header while a file is preserved.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../include/pci_liveupdate_names.h"
#include "plu_internal.h"

static struct dentry *plu_dir;

static void plu_seq_dev(struct seq_file *s,
			const struct pci_liveupdate_device *d, bool incoming)
{
	const char *verdict = plu_verdict_name(d->verdict);
	unsigned int i;

	seq_printf(s, "%04x:%02x:%02x.%d %04x:%04x %06x %-16s %s%s%s %04x:%02x",
		   d->segment, d->bus, PCI_SLOT(d->devfn), PCI_FUNC(d->devfn),
		   d->vendor, d->device, d->class_code,
		   d->driver[0] ? d->driver : "-",
		   d->flags & PCI_LIVEUPDATE_DEV_MARKED ? "M" : "-",
		   d->flags & PCI_LIVEUPDATE_DEV_AUTO ? "A" : "-",
		   d->flags & PCI_LIVEUPDATE_DEV_REBIND ? "R" : "-",
		   d->segment, d->root_bus);
	for (i = 0; i < d->path_depth && i < PLU_WIRE_PATH_MAX; i++)
		seq_printf(s, "/%02x.%d", PCI_SLOT(d->path[i]),
			   PCI_FUNC(d->path[i]));
	if (incoming && verdict)
		seq_printf(s, " %s", verdict);
	seq_putc(s, '\n');
}

/*
 * The SR-IOV configuration of a PF marked with its VFs, then one line per
 * VF: "  vf INDEX BDF VEN:DEV DRIVER OVERRIDE [VERDICT]".
 */
static void plu_seq_sriov(struct seq_file *s,
			  const struct pci_liveupdate_device *d, bool incoming)
{
	int (*get)(u32, u8, u8, struct pci_liveupdate_sriov *,
		   struct pci_liveupdate_vf *, u32) =
		incoming ? plu_incoming_sriov : plu_outgoing_sriov;
	struct pci_liveupdate_sriov cfg = {};
	struct pci_liveupdate_vf *vfs;
	int n, i;

	if (!(d->flags & PCI_LIVEUPDATE_DEV_WITH_VFS))
		return;
	n = get(d->segment, d->bus, d->devfn, &cfg, NULL, 0);
	if (n < 0)
		return;
	vfs = kvcalloc(max(n, 1), sizeof(*vfs), GFP_KERNEL);
	if (!vfs)
		return;
	n = min(n, get(d->segment, d->bus, d->devfn, &cfg, vfs, n));
	seq_printf(s, "  sriov numvfs %u totalvfs %u autoprobe %d\n",
		   cfg.num_vfs, cfg.total_vfs,
		   !!(cfg.sriov_flags & PCI_LIVEUPDATE_SRIOV_AUTOPROBE));
	for (i = 0; i < n; i++) {
		const struct pci_liveupdate_vf *v = &vfs[i];
		const char *verdict = plu_verdict_name(v->verdict);

		seq_printf(s, "  vf %u %04x:%02x:%02x.%d %04x:%04x %s %s",
			   v->index, d->segment, v->bus, PCI_SLOT(v->devfn),
			   PCI_FUNC(v->devfn), v->vendor, v->device,
			   v->driver[0] ? v->driver : "-",
			   v->driver_override[0] ? v->driver_override : "-");
		if (incoming && verdict)
			seq_printf(s, " %s", verdict);
		seq_putc(s, '\n');
	}
	kvfree(vfs);
}

static int plu_show(struct seq_file *s, bool incoming)
{
	u32 (*snap)(struct pci_liveupdate_device *, u32) =
		incoming ? plu_incoming_snapshot : plu_outgoing_snapshot;
	struct pci_liveupdate_device *devs;
	u32 n, i;

	n = snap(NULL, 0);
	devs = kvcalloc(max(n, 1U), sizeof(*devs), GFP_KERNEL);
	if (!devs)
		return -ENOMEM;
	n = min(n, snap(devs, n));
	for (i = 0; i < n; i++) {
		plu_seq_dev(s, &devs[i], incoming);
		plu_seq_sriov(s, &devs[i], incoming);
	}
	kvfree(devs);
	return 0;
}

static int outgoing_show(struct seq_file *s, void *unused)
{
	return plu_show(s, false);
}
DEFINE_SHOW_ATTRIBUTE(outgoing);

static int incoming_show(struct seq_file *s, void *unused)
{
	return plu_show(s, true);
}
DEFINE_SHOW_ATTRIBUTE(incoming);

static int timings_show(struct seq_file *s, void *unused)
{
	static const char * const names[PLU_T_NR] = {
		[PLU_T_PRESERVE] = "preserve",
		[PLU_T_UNPRESERVE] = "unpreserve",
		[PLU_T_FREEZE] = "freeze",
		[PLU_T_RETRIEVE] = "retrieve",
		[PLU_T_FINISH] = "finish",
	};
	unsigned int i;

	guard(mutex)(&plu_state.lock);
	for (i = 0; i < PLU_T_NR; i++)
		seq_printf(s, "%s_ns %llu\n", names[i], plu_state.t_ns[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(timings);

static int image_show(struct seq_file *s, void *unused)
{
	struct plu_wire_header h;

	if (!plu_outgoing_image_header(&h))
		return 0;
	seq_printf(s, "count %u capacity %u generation %llu flags 0x%x body_size %llu\n",
		   le32_to_cpu(h.count), le32_to_cpu(h.capacity),
		   le64_to_cpu(h.generation), le16_to_cpu(h.flags),
		   le64_to_cpu(h.body_size));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(image);

static ssize_t plu_fault_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	static const char * const modes[] = {
		[PLU_FAULT_NONE] = "none",
		[PLU_FAULT_FLIP] = "flip",
		[PLU_FAULT_VERSION] = "version",
		[PLU_FAULT_TRUNCATE] = "truncate",
		[PLU_FAULT_BODY_HEADER] = "body-header",
		[PLU_FAULT_BODY_PHYS] = "body-phys",
		[PLU_FAULT_BODY_OVERSIZE] = "body-oversize",
		[PLU_FAULT_BODY_ORDER] = "body-order",
		[PLU_FAULT_UNFROZEN] = "unfrozen",
	};
	char buf[40] = {}, *arg;
	u64 phys = 0;
	int mode;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	/* Run LUO's freeze/unfreeze callbacks without a reboot. */
	if (sysfs_streq(buf, "freeze") || sysfs_streq(buf, "thaw")) {
		plu_outgoing_freeze(sysfs_streq(buf, "freeze"));
		return len;
	}
	arg = strim(buf);
	strsep(&arg, " ");
	mode = sysfs_match_string(modes, buf);
	if (mode < 0)
		return mode;
	/* Only body-phys takes an argument: the record block address. */
	if (mode == PLU_FAULT_BODY_PHYS ? !arg : !!arg)
		return -EINVAL;
	if (arg && kstrtou64(arg, 0, &phys))
		return -EINVAL;
	scoped_guard(mutex, &plu_state.lock) {
		plu_state.fault = mode;
		plu_state.fault_phys = phys;
	}
	return len;
}

static const struct file_operations plu_fault_fops = {
	.owner = THIS_MODULE,
	.write = plu_fault_write,
};

/**
 * plu_debugfs_init() - create the debugfs directory
 */
void plu_debugfs_init(void)
{
	plu_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("outgoing", 0400, plu_dir, NULL, &outgoing_fops);
	debugfs_create_file("incoming", 0400, plu_dir, NULL, &incoming_fops);
	debugfs_create_file("timings", 0400, plu_dir, NULL, &timings_fops);
	debugfs_create_file("image", 0400, plu_dir, NULL, &image_fops);
	if (plu_fault_inject)
		debugfs_create_file("fault", 0200, plu_dir, NULL,
				    &plu_fault_fops);
}

/**
 * plu_debugfs_exit() - remove the debugfs directory
 */
void plu_debugfs_exit(void)
{
	debugfs_remove_recursive(plu_dir);
}
