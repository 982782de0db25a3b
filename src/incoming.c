// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: check the incoming set against the devices of this boot.
 *
 * Verdicts are computed when asked, not once at load: drivers may still be
 * probing when the module loads, and devices can be hot-removed later.
 * Nothing here keeps a pci_dev reference, so a removed device is simply
 * reported missing.
 *
 * The topology (buses, ->subordinate) is walked under the rescan lock, so
 * a bridge cannot be removed under the walk; the bound driver is read
 * afterwards under the device lock alone, never with the rescan lock held
 * (lock order: see tracking.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/device.h>

#include "plu_internal.h"

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

/* The bound driver's name into @buf; takes the device lock. */
static void plu_bound_driver(struct pci_dev *pdev, char *buf, size_t len)
{
	guard(device)(&pdev->dev);
	strscpy(buf, pdev->dev.driver ? pdev->dev.driver->name : "", len);
}

static bool plu_same_driver(const char *drv,
			    const struct pci_liveupdate_device *rec)
{
	if (rec->flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC)
		return !strncmp(drv, rec->driver, PLU_WIRE_DRIVER_LEN);
	return !strcmp(drv, rec->driver);
}

/*
 * Follow the recorded devfn chain from the recorded root bus.  Buses have
 * no reference of their own here: the caller holds the rescan lock.
 */
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

/*
 * The device a record stands for in this boot, with a reference: the one
 * at the recorded address if it is the same device, else the one at the
 * recorded path if that is.  Sets the verdict for the first two cases.
 */
static struct pci_dev *plu_find_incoming(struct pci_liveupdate_device *rec)
{
	struct pci_dev *pdev, *by_path;

	guard(plu_pci_rescan)();
	pdev = pci_get_domain_bus_and_slot(rec->segment, rec->bus, rec->devfn);
	if (pdev && plu_same_identity(pdev, rec))
		return pdev;
	by_path = plu_find_by_path(rec);
	if (by_path && by_path != pdev && plu_same_identity(by_path, rec)) {
		pci_dev_put(pdev);
		rec->verdict = PCI_LIVEUPDATE_VERDICT_PATH_MOVED;
		return by_path;
	}
	pci_dev_put(by_path);
	rec->verdict = pdev ? PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH :
			      PCI_LIVEUPDATE_VERDICT_MISSING;
	pci_dev_put(pdev);
	return NULL;
}

/**
 * plu_incoming_verdict() - compare an incoming record with this boot
 * @rec: The record; @verdict, @cur_bus and @cur_devfn are filled in.
 *
 * Context: takes the rescan lock, then (after dropping it) a device lock.
 */
void plu_incoming_verdict(struct pci_liveupdate_device *rec)
{
	char drv[PCI_LIVEUPDATE_DRIVER_LEN];
	struct pci_dev *pdev;

	rec->verdict = PCI_LIVEUPDATE_VERDICT_OK;
	pdev = plu_find_incoming(rec);
	if (!pdev)
		return;
	rec->cur_bus = pdev->bus->number;
	rec->cur_devfn = pdev->devfn;
	if (rec->verdict == PCI_LIVEUPDATE_VERDICT_OK) {
		plu_bound_driver(pdev, drv, sizeof(drv));
		if (!plu_same_driver(drv, rec))
			rec->verdict = PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH;
	}
	pci_dev_put(pdev);
}

static void plu_rebind_one(const struct pci_liveupdate_device *rec)
{
	char drv[PCI_LIVEUPDATE_DRIVER_LEN];
	struct pci_dev *pdev;
	int ret;

	pdev = pci_get_domain_bus_and_slot(rec->segment, rec->bus, rec->devfn);
	if (!pdev)
		return;
	if (!plu_same_identity(pdev, rec))
		goto out;
	if (rec->flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC) {
		/* Only an image from an older module has this. */
		pci_warn(pdev, "rebind: recorded driver name '%s' is truncated; left alone\n",
			 rec->driver);
		goto out;
	}

	plu_bound_driver(pdev, drv, sizeof(drv));
	if (!strcmp(drv, rec->driver)) {
		/* Keep it there should it be unbound and probed again. */
		ret = device_set_driver_override(&pdev->dev, rec->driver);
		if (ret)
			pci_warn(pdev, "rebind: bound to %s as recorded; cannot set driver_override: %d\n",
				 drv, ret);
		else
			pci_info(pdev, "rebind: bound to %s as recorded; driver_override set\n",
				 drv);
		goto out;
	}
	if (drv[0]) {
		/*
		 * Another driver won the race (built in, or loaded by udev).
		 * Unbinding it is policy: left to userspace.
		 */
		pci_warn(pdev, "rebind: bound to %s, not the recorded %s; left alone (pci-liveupdate rebind moves it)\n",
			 drv, rec->driver);
		goto out;
	}

	ret = device_set_driver_override(&pdev->dev, rec->driver);
	if (!ret)
		ret = device_attach(&pdev->dev);
	if (ret < 0) {
		pci_warn(pdev, "rebind: cannot bind to %s: %d\n", rec->driver,
			 ret);
		goto out;
	}
	plu_bound_driver(pdev, drv, sizeof(drv));
	if (!strcmp(drv, rec->driver))
		pci_info(pdev, "rebind: bound to %s\n", drv);
	else if (!drv[0])
		pci_info(pdev, "rebind: driver_override set to %s; it binds when %s is loaded\n",
			 rec->driver, rec->driver);
	else
		pci_warn(pdev, "rebind: bound to %s, not the recorded %s\n",
			 drv, rec->driver);
out:
	pci_dev_put(pdev);
}

/**
 * plu_incoming_rebind() - bind REBIND devices to their recorded driver
 * @in: A validated incoming set.
 *
 * For every device marked with PCI_LIVEUPDATE_MARK_REBIND that is still
 * the same device and is bound to no driver or to the recorded one, sets
 * driver_override to the recorded driver, so no other driver claims it,
 * and attaches it if unbound.  A device bound to another driver is left
 * alone and reported: unbinding a driver is userspace's decision
 * (pci-liveupdate rebind).  Each outcome is logged as it is.
 *
 * Context: process context, no lock held; called outside the LUO
 * callbacks, since probing a driver may do anything.
 */
void plu_incoming_rebind(struct plu_incoming *in)
{
	u32 i;

	for (i = 0; i < in->count; i++)
		if ((in->devs[i].flags & PCI_LIVEUPDATE_DEV_REBIND) &&
		    in->devs[i].driver[0])
			plu_rebind_one(&in->devs[i]);
}
