// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: read-only attributes of /sys/class/misc/pci_liveupdate.
 *
 * binding, state, incoming_state and luo_ready say the same as the STATUS
 * ioctl, for scripts and for a quick look without the CLI.
 */
#include <linux/device.h>
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

static struct attribute *plu_dev_attrs[] = {
	&dev_attr_binding.attr,
	&dev_attr_luo_ready.attr,
	&dev_attr_state.attr,
	&dev_attr_incoming_state.attr,
	&dev_attr_counts.attr,
	NULL,
};

static const struct attribute_group plu_dev_group = {
	.attrs = plu_dev_attrs,
};

const struct attribute_group *plu_dev_groups[] = {
	&plu_dev_group,
	NULL,
};
