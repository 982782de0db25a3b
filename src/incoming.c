// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: check the incoming set against the devices of this boot.
 *
 * Verdicts are computed when asked, not once at load: drivers may still be
 * probing when the module loads, and devices can be hot-removed later.
 * Nothing here keeps a pci_dev reference, so a removed device is simply
 * reported missing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/device.h>

#include "plu.h"

static bool plu_same_identity(struct pci_dev *pdev,
			      const struct pci_liveupdate_device *rec)
{
	if (pdev->vendor != rec->vendor || pdev->device != rec->device ||
	    pdev->subsystem_vendor != rec->subsystem_vendor ||
	    pdev->subsystem_device != rec->subsystem_device ||
	    pdev->class != rec->class_code || pdev->revision != rec->revision)
		return false;
	if (rec->flags & PCI_LIVEUPDATE_DEV_DSN)
		return pci_get_dsn(pdev) == rec->dsn;
	return true;
}

static bool plu_same_driver(struct pci_dev *pdev,
			    const struct pci_liveupdate_device *rec)
{
	const char *drv;

	guard(device)(&pdev->dev);
	drv = pdev->dev.driver ? pdev->dev.driver->name : "";
	if (rec->flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC)
		return !strncmp(drv, rec->driver, PLU_WIRE_DRIVER_LEN);
	return !strcmp(drv, rec->driver);
}

/* Follow the recorded devfn chain from the recorded root bus. */
static struct pci_dev *plu_find_by_path(const struct pci_liveupdate_device *rec)
{
	struct pci_bus *bus = pci_find_bus(rec->segment, rec->root_bus);
	struct pci_dev *pdev = NULL;
	unsigned int i;

	for (i = 0; bus && i < rec->path_depth; i++) {
		pci_dev_put(pdev);
		pdev = pci_get_slot(bus, rec->path[i]);
		if (!pdev)
			return NULL;
		bus = pdev->subordinate;
		if (!bus && i + 1 < rec->path_depth) {
			pci_dev_put(pdev);
			return NULL;
		}
	}
	return pdev;
}

/**
 * plu_incoming_verdict() - compare an incoming record with this boot
 * @rec: The record; @verdict, @cur_bus and @cur_devfn are filled in.
 */
void plu_incoming_verdict(struct pci_liveupdate_device *rec)
{
	struct pci_dev *pdev, *by_path;
	bool present;

	pdev = pci_get_domain_bus_and_slot(rec->segment, rec->bus, rec->devfn);
	present = pdev;
	if (!pdev || !plu_same_identity(pdev, rec)) {
		by_path = plu_find_by_path(rec);
		if (by_path && by_path != pdev &&
		    plu_same_identity(by_path, rec)) {
			pci_dev_put(pdev);
			pdev = by_path;
			rec->verdict = PCI_LIVEUPDATE_VERDICT_PATH_MOVED;
			rec->cur_bus = pdev->bus->number;
			rec->cur_devfn = pdev->devfn;
			pci_dev_put(pdev);
			return;
		}
		pci_dev_put(by_path);
		pci_dev_put(pdev);
		rec->verdict = present ? PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH :
					 PCI_LIVEUPDATE_VERDICT_MISSING;
		return;
	}
	rec->cur_bus = pdev->bus->number;
	rec->cur_devfn = pdev->devfn;
	rec->verdict = plu_same_driver(pdev, rec) ?
		       PCI_LIVEUPDATE_VERDICT_OK :
		       PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH;
	pci_dev_put(pdev);
}

/**
 * plu_incoming_rebind() - bind REBIND devices to their recorded driver
 * @in: A validated incoming set.
 *
 * Sets driver_override to the recorded driver on every device marked with
 * PCI_LIVEUPDATE_MARK_REBIND that is still the same device, so no other
 * driver claims it, and attaches it now if it is unbound.
 */
void plu_incoming_rebind(struct plu_incoming *in)
{
	u32 i;

	for (i = 0; i < in->count; i++) {
		const struct pci_liveupdate_device *rec = &in->devs[i];
		struct pci_dev *pdev;
		int ret;

		if (!(rec->flags & PCI_LIVEUPDATE_DEV_REBIND) || !rec->driver[0])
			continue;
		pdev = pci_get_domain_bus_and_slot(rec->segment, rec->bus,
						   rec->devfn);
		if (!pdev)
			continue;
		if (plu_same_identity(pdev, rec)) {
			ret = device_set_driver_override(&pdev->dev, rec->driver);
			if (!ret && !READ_ONCE(pdev->dev.driver))
				ret = device_attach(&pdev->dev);
			if (ret < 0)
				pci_warn(pdev, "cannot rebind to %s: %d\n",
					 rec->driver, ret);
			else
				pci_info(pdev, "driver_override set to %s\n",
					 rec->driver);
		}
		pci_dev_put(pdev);
	}
}
