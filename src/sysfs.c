// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: read-only attributes of /sys/class/misc/pci_liveupdate.
 *
 * binding, state, incoming_state and luo_ready say the same as the STATUS
 * ioctl, for scripts and for a quick look without the CLI.  incoming_sriov
 * shows what PCI_LIVEUPDATE_IOCTL_SRIOV does for the incoming set.
 */
#include <linux/device.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "../include/pci_liveupdate_names.h"
#include "plu_internal.h"

static ssize_t binding_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", plu_binding_name(plu_luo_binding()));
}
static DEVICE_ATTR_RO(binding);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct pci_liveupdate_status st;

	scoped_guard(mutex, &plu_state.lock)
		plu_outgoing_status(&st);
	return sysfs_emit(buf, "%s\n", plu_state_name(st.state));
}
static DEVICE_ATTR_RO(state);

static ssize_t incoming_state_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct pci_liveupdate_status st;

	scoped_guard(mutex, &plu_state.lock)
		plu_incoming_status(&st);
	return sysfs_emit(buf, "%s\n",
			  plu_incoming_state_name(st.incoming_state));
}
static DEVICE_ATTR_RO(incoming_state);

static ssize_t counts_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct pci_liveupdate_status st;

	scoped_guard(mutex, &plu_state.lock) {
		plu_outgoing_status(&st);
		plu_incoming_status(&st);
	}
	return sysfs_emit(buf, "marked %u outgoing %u removed %u incoming %u\n",
			  st.marked, st.outgoing, st.removed, st.incoming);
}
static DEVICE_ATTR_RO(counts);

/* PCI_LIVEUPDATE_STATUS_LUO_READY: 1 once a preserved file carries the set. */
static ssize_t luo_ready_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", plu_fh_is_ready());
}
static DEVICE_ATTR_RO(luo_ready);

/* Room kept at the end of the page for the line that says it is full. */
#define PLU_SRIOV_MORE_LEN	48

/*
 * One PF of the incoming set marked with its VFs: a line with its
 * recorded configuration, then one per recorded VF with its verdict.
 * Lines that would not fit before @end are counted in *@more instead.
 */
static int plu_sysfs_sriov_pf(const struct pci_liveupdate_device *d,
			      char *buf, int at, int end, u32 *more)
{
	struct pci_liveupdate_sriov cfg = {};
	struct pci_liveupdate_vf *vfs;
	char pf[16], cur[16], line[160];
	int n, i, len;

	n = plu_incoming_sriov(d->segment, d->bus, d->devfn, &cfg, NULL, 0);
	if (n < 0)
		return at;
	vfs = kvcalloc(max(n, 1), sizeof(*vfs), GFP_KERNEL);
	if (!vfs)
		return at;
	n = min(n, plu_incoming_sriov(d->segment, d->bus, d->devfn, &cfg,
				      vfs, n));
	snprintf(pf, sizeof(pf), "%04x:%02x:%02x.%d", d->segment, d->bus,
		 PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
	len = scnprintf(line, sizeof(line),
			"%s sriov numvfs %u totalvfs %u autoprobe %d\n", pf,
			cfg.num_vfs, cfg.total_vfs,
			!!(cfg.sriov_flags & PCI_LIVEUPDATE_SRIOV_AUTOPROBE));
	for (i = -1; i < n; i++) {
		const struct pci_liveupdate_vf *v = i < 0 ? NULL : &vfs[i];

		if (v && v->verdict == PCI_LIVEUPDATE_VERDICT_NOT_CREATED)
			strscpy(cur, "-");
		else if (v)
			snprintf(cur, sizeof(cur), "%04x:%02x:%02x.%d",
				 d->segment, v->cur_bus, PCI_SLOT(v->cur_devfn),
				 PCI_FUNC(v->cur_devfn));
		if (v)
			len = scnprintf(line, sizeof(line),
					"%s vf %u %s %04x:%04x %04x:%04x %s %s %s\n",
					pf, v->index, cur, v->vendor, v->device,
					v->subsystem_vendor,
					v->subsystem_device,
					v->driver[0] ? v->driver : "-",
					v->driver_override[0] ?
					v->driver_override : "-",
					plu_verdict_name(v->verdict) ?: "?");
		if (*more || at + len > end) {
			(*more)++;
			continue;
		}
		at += sysfs_emit_at(buf, at, "%s", line);
	}
	kvfree(vfs);
	return at;
}

/*
 * The recorded SR-IOV configuration of each incoming PF marked with its
 * VFs and a verdict per VF, as list --incoming shows them.  Within a page:
 * the lines past it are left out, and a last line counts them.
 */
static ssize_t incoming_sriov_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct pci_liveupdate_device *devs;
	u32 n, i, more = 0;
	int at = 0;

	n = plu_incoming_snapshot(NULL, 0);
	devs = kvcalloc(max(n, 1U), sizeof(*devs), GFP_KERNEL);
	if (!devs)
		return -ENOMEM;
	n = min(n, plu_incoming_snapshot(devs, n));
	for (i = 0; i < n; i++)
		if (devs[i].flags & PCI_LIVEUPDATE_DEV_WITH_VFS)
			at = plu_sysfs_sriov_pf(&devs[i], buf, at,
						PAGE_SIZE - PLU_SRIOV_MORE_LEN,
						&more);
	kvfree(devs);
	if (more)
		at += sysfs_emit_at(buf, at, "truncated: %u more lines\n",
				    more);
	return at;
}
static DEVICE_ATTR_RO(incoming_sriov);

static struct attribute *plu_dev_attrs[] = {
	&dev_attr_binding.attr,
	&dev_attr_luo_ready.attr,
	&dev_attr_state.attr,
	&dev_attr_incoming_state.attr,
	&dev_attr_counts.attr,
	&dev_attr_incoming_sriov.attr,
	NULL,
};

static const struct attribute_group plu_dev_group = {
	.attrs = plu_dev_attrs,
};

const struct attribute_group *plu_dev_groups[] = {
	&plu_dev_group,
	NULL,
};
