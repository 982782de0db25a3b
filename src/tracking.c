// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: the outgoing set of devices.
 *
 * Devices are keyed by segment/bus/devfn in an xarray and hold a pci_dev
 * reference.  Marking a device also tracks every bridge above it, counted
 * in @refs and flagged AUTO, so the next kernel knows the whole path to
 * keep.  Storage grows with the set (no pre-counted array), and a bus
 * notifier drops a tracked device that is hot-removed before the kexec.
 * Every change is written through to the KHO image (flb.c) while a file
 * is preserved.  The set is frozen from LUO's freeze to its unfreeze:
 * nothing changes it then, and a device removed meanwhile is dropped at
 * the unfreeze.  The copies LIST, QUERY, STATUS and debugfs show are made
 * here too, so the readers never see struct plu_dev or the image.
 *
 * Lock order: device_lock -> pci_lock_rescan_remove() -> plu_state.lock,
 * the PCI core's own order for the first two: sriov_numvfs_store() holds
 * the PF's device lock while it takes the rescan lock to add or remove VFs,
 * and removal calls the notifier below, which takes plu_state.lock, under
 * the rescan lock and sometimes a parent's device lock.  So the module
 * never takes a device lock while it holds the rescan lock or
 * plu_state.lock: MARK reads the bound drivers (which needs the device
 * lock) first, with no lock of its own held, then takes the rescan lock,
 * checks the device is still there, and inserts it under plu_state.lock.
 * lockdep does not validate the device mutex, so the sriov-race VM
 * scenario tests this order.  MARK with PCI_LIVEUPDATE_MARK_WITH_VFS then
 * reads each VF's driver under that VF's device lock with no lock of its
 * own held, taking plu_state.lock inside it (sriov.c): device lock ->
 * plu_state.lock, the same order the bind and unbind notifications use.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "plu_internal.h"

/**
 * plu_pci_path() - topology path of a device
 * @pdev:     The device.
 * @root_bus: Receives the number of its root bus.
 * @path:     Receives the devfn of each hop, root bus first; room for
 *            PLU_WIRE_PATH_MAX entries.
 * @depth:    Receives the number of hops.
 *
 * Return: 0, or -E2BIG if the device sits deeper than PLU_WIRE_PATH_MAX.
 */
int plu_pci_path(struct pci_dev *pdev, u8 *root_bus, u8 *path, u8 *depth)
{
	u8 rev[PLU_WIRE_PATH_MAX];
	struct pci_bus *bus = pdev->bus;
	unsigned int n = 0, i;

	rev[n++] = pdev->devfn;
	while (!pci_is_root_bus(bus)) {
		if (n == PLU_WIRE_PATH_MAX)
			return -E2BIG;
		rev[n++] = bus->self->devfn;
		bus = bus->parent;
	}
	*root_bus = bus->number;
	for (i = 0; i < n; i++)
		path[i] = rev[n - 1 - i];
	memset(path + n, 0, PLU_WIRE_PATH_MAX - n);
	*depth = n;
	return 0;
}

/*
 * The bound driver's name, read under the device lock before MARK takes
 * the rescan lock (see the lock order above).
 */
struct plu_driver_name {
	char name[PCI_LIVEUPDATE_DRIVER_LEN];
	bool trunc;
};

static void plu_read_driver(struct pci_dev *pdev, struct plu_driver_name *drv)
{
	const char *name;

	guard(device)(&pdev->dev);
	name = pdev->dev.driver ? pdev->dev.driver->name : "";
	strscpy(drv->name, name, sizeof(drv->name));
	drv->trunc = strlen(name) > PLU_WIRE_DRIVER_LEN;
}

/* Identity, DSN and driver; also refreshes a device tracked already. */
static void plu_fill_info(struct plu_dev *d, struct pci_dev *pdev,
			  const struct plu_driver_name *drv)
{
	struct pci_liveupdate_device *info = &d->info;
	u64 dsn;

	info->segment = pci_domain_nr(pdev->bus);
	info->bus = pdev->bus->number;
	info->devfn = pdev->devfn;
	info->vendor = pdev->vendor;
	info->device = pdev->device;
	info->subsystem_vendor = pdev->subsystem_vendor;
	info->subsystem_device = pdev->subsystem_device;
	info->class_code = pdev->class;
	info->revision = pdev->revision;
	info->flags &= ~(PCI_LIVEUPDATE_DEV_BRIDGE | PCI_LIVEUPDATE_DEV_DSN |
			 PCI_LIVEUPDATE_DEV_DRIVER_TRUNC);
	if (pci_is_bridge(pdev))
		info->flags |= PCI_LIVEUPDATE_DEV_BRIDGE;

	dsn = pci_get_dsn(pdev);
	info->dsn = dsn;
	if (dsn)
		info->flags |= PCI_LIVEUPDATE_DEV_DSN;

	strscpy(info->driver, drv->name, sizeof(info->driver));
	if (drv->trunc)
		info->flags |= PCI_LIVEUPDATE_DEV_DRIVER_TRUNC;
}

static struct plu_dev *plu_dev_alloc(struct pci_dev *pdev,
				     const struct plu_driver_name *drv)
{
	struct plu_dev *d = kzalloc_obj(*d);
	struct pci_bus *bus;
	int ret;

	if (!d)
		return ERR_PTR(-ENOMEM);

	ret = plu_pci_path(pdev, &d->info.root_bus, d->info.path,
			   &d->info.path_depth);
	if (ret) {
		pci_warn(pdev, "deeper than %d levels below its root bus, cannot be recorded\n",
			 PLU_WIRE_PATH_MAX);
		kfree(d);
		return ERR_PTR(ret);
	}
	for (bus = pdev->bus; !pci_is_root_bus(bus); bus = bus->parent)
		d->bridges[d->nr_bridges++] =
			plu_key(pci_domain_nr(bus), bus->self->bus->number,
				bus->self->devfn);
	plu_fill_info(d, pdev, drv);
	d->pdev = pci_dev_get(pdev);
	d->slot = PLU_NO_SLOT;
	return d;
}

static void plu_dev_free(struct plu_dev *d)
{
	kvfree(d->sriov);
	pci_dev_put(d->pdev);
	kfree(d);
}

/* Recompute the flags that follow from @marked and @refs. */
static void plu_dev_update(struct plu_dev *d)
{
	u16 f = d->info.flags & ~(PCI_LIVEUPDATE_DEV_MARKED |
				  PCI_LIVEUPDATE_DEV_AUTO);

	if (d->marked)
		f |= PCI_LIVEUPDATE_DEV_MARKED;
	else
		f &= ~(PCI_LIVEUPDATE_DEV_REBIND | PCI_LIVEUPDATE_DEV_WITH_VFS);
	if (d->refs)
		f |= PCI_LIVEUPDATE_DEV_AUTO;
	d->info.flags = f;
	d->info.refs = d->refs;
}

/* Drop @d from the set if nothing needs it any more. */
static void plu_dev_release_if_unused(struct plu_dev *d, unsigned long key)
{
	lockdep_assert_held(&plu_state.lock);

	if (d->marked || d->refs) {
		plu_dev_update(d);
		plu_img_write(d);
		return;
	}
	plu_img_remove(d);
	xa_erase(&plu_state.devs, key);
	plu_state.nr_tracked--;
	plu_dev_free(d);
}

/* Take @d's claim off the bridges above it. */
static void plu_dev_put_bridges(struct plu_dev *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_bridges; i++) {
		struct plu_dev *b = xa_load(&plu_state.devs, d->bridges[i]);

		if (!b || WARN_ON_ONCE(!b->refs))
			continue;
		b->refs--;
		plu_dev_release_if_unused(b, d->bridges[i]);
	}
}

/*
 * A device and the bridges above it, nearest first: chain[0] is the
 * device, chain[i] the bridge at keys[i]; is_new[i] says it was allocated
 * for this MARK and is not in the set yet.
 */
struct plu_chain {
	unsigned int n;
	struct plu_dev *dev[PLU_WIRE_PATH_MAX + 1];
	unsigned long keys[PLU_WIRE_PATH_MAX + 1];
	bool is_new[PLU_WIRE_PATH_MAX + 1];
	unsigned int nr_new;
};

/* Free what plu_chain_get() allocated. */
static void plu_chain_free_new(struct plu_chain *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->is_new[i] && c->dev[i])
			plu_dev_free(c->dev[i]);
}

/*
 * Find @pdev and each bridge above it in the set, or allocate them from
 * @drv.  Return: 0, or a negative errno with nothing left allocated.
 */
static int plu_chain_get(struct plu_chain *c, struct pci_dev *pdev,
			 const struct plu_driver_name *drv)
{
	struct plu_dev *d;
	unsigned int i;

	c->keys[0] = plu_key(pci_domain_nr(pdev->bus), pdev->bus->number,
			     pdev->devfn);
	d = xa_load(&plu_state.devs, c->keys[0]);
	if (d && d->marked)
		return -EEXIST;
	if (!d) {
		d = plu_dev_alloc(pdev, &drv[0]);
		if (IS_ERR(d))
			return PTR_ERR(d);
		c->is_new[0] = true;
		c->nr_new++;
	}
	c->dev[0] = d;
	c->n = d->nr_bridges + 1;

	for (i = 1; i < c->n; i++) {
		struct pci_dev *bridge;

		c->keys[i] = d->bridges[i - 1];
		c->dev[i] = xa_load(&plu_state.devs, c->keys[i]);
		if (c->dev[i])
			continue;
		bridge = i == 1 ? pci_upstream_bridge(pdev) :
				  pci_upstream_bridge(c->dev[i - 1]->pdev);
		c->dev[i] = plu_dev_alloc(bridge, &drv[i]);
		if (IS_ERR(c->dev[i])) {
			int ret = PTR_ERR(c->dev[i]);

			c->dev[i] = NULL;
			plu_chain_free_new(c);
			return ret;
		}
		c->is_new[i] = true;
		c->nr_new++;
	}
	return 0;
}

/*
 * @drv holds the driver of @pdev and of each bridge above it, nearest
 * first, read before the locks were taken.  @sriov, for
 * PCI_LIVEUPDATE_MARK_WITH_VFS, is owned by the device once this succeeds;
 * @vfs then receives its VFs (plu_sriov_attach()).
 */
static int plu_mark_locked(struct pci_dev *pdev, u32 flags,
			   const struct plu_driver_name *drv,
			   struct plu_sriov *sriov, struct pci_dev **vfs)
{
	u32 nr_sriov = sriov ? 1 + sriov->nr_vfs : 0;
	struct plu_chain c = {};
	struct plu_dev *d;
	unsigned int i;
	int ret;

	lockdep_assert_held(&plu_state.lock);

	if (plu_state.frozen)
		return -EBUSY;

	ret = plu_chain_get(&c, pdev, drv);
	if (ret)
		return ret;
	d = c.dev[0];

	/* Everything that can fail happens before the first change. */
	for (i = 0; i < c.n; i++) {
		if (!c.is_new[i])
			continue;
		ret = xa_reserve(&plu_state.devs, c.keys[i], GFP_KERNEL);
		if (ret)
			goto err_release;
	}
	ret = plu_img_reserve(plu_state.nr_tracked + c.nr_new +
			      plu_state.nr_sriov_recs + nr_sriov);
	if (ret)
		goto err_release;

	for (i = 0; i < c.n; i++) {
		if (c.is_new[i]) {
			xa_store(&plu_state.devs, c.keys[i], c.dev[i],
				 GFP_KERNEL);
			plu_state.nr_tracked++;
		}
		if (i == 0) {
			/* A bridge tracked for a child: what it is now. */
			if (!c.is_new[0])
				plu_fill_info(d, pdev, &drv[0]);
			d->marked = true;
			if (flags & PCI_LIVEUPDATE_MARK_REBIND)
				d->info.flags |= PCI_LIVEUPDATE_DEV_REBIND;
			if (sriov)
				plu_sriov_attach(d, sriov, vfs);
		} else {
			c.dev[i]->refs++;
		}
		plu_dev_update(c.dev[i]);
		plu_img_write(c.dev[i]);
	}
	plu_state.nr_marked++;
	return 0;

err_release:
	for (i = 0; i < c.n; i++)
		if (c.is_new[i])
			xa_release(&plu_state.devs, c.keys[i]);
	plu_chain_free_new(&c);
	return ret;
}

/**
 * plu_mark() - add a device and the bridges above it to the outgoing set
 * @segment: PCI segment.
 * @bus:     Bus number.
 * @devfn:   Device and function.
 * @flags:   PCI_LIVEUPDATE_MARK_* flags.
 *
 * With PCI_LIVEUPDATE_MARK_WITH_VFS the device must be an SR-IOV PF, and
 * its SR-IOV configuration is kept up to date until the reboot (sriov.c).
 *
 * Context: takes device locks, then the rescan lock, then plu_state.lock (see
 * the lock order at the top of this file).
 *
 * Return: 0; -ENODEV if there is no such device (or it went away while
 * being marked); -EINVAL for an SR-IOV VF, or for
 * PCI_LIVEUPDATE_MARK_WITH_VFS on a device that is no SR-IOV PF; -EEXIST if
 * already marked;
 * -ENAMETOOLONG for PCI_LIVEUPDATE_MARK_REBIND when the bound driver's name
 * does not fit the wire; -EBUSY if frozen; -E2BIG if too deep; -ENOSPC or
 * -ENOMEM.
 */
int plu_mark(u32 segment, u8 bus, u8 devfn, u32 flags)
{
	struct plu_driver_name drv[PLU_WIRE_PATH_MAX + 1] = {};
	struct pci_dev *chain[PLU_WIRE_PATH_MAX + 1];
	struct pci_dev **vfs = NULL;
	struct plu_sriov *sriov = NULL;
	struct pci_dev *pdev, *now;
	unsigned int n = 0, i;
	int ret;

	pdev = pci_get_domain_bus_and_slot(segment, bus, devfn);
	if (!pdev)
		return -ENODEV;
	if (pdev->is_virtfn) {
		pci_warn(pdev, "is an SR-IOV virtual function of %s; VFs cannot be preserved yet\n",
			 pci_name(pci_physfn(pdev)));
		pci_dev_put(pdev);
		return -EINVAL;
	}
	if (flags & PCI_LIVEUPDATE_MARK_WITH_VFS) {
		sriov = plu_sriov_alloc(pdev, flags);
		if (IS_ERR(sriov)) {
			if (PTR_ERR(sriov) == -EINVAL)
				pci_warn(pdev, "is not an SR-IOV PF; cannot be marked with its VFs\n");
			pci_dev_put(pdev);
			return PTR_ERR(sriov);
		}
		vfs = kvcalloc(max_t(u16, sriov->nr_vfs, 1), sizeof(*vfs),
			       GFP_KERNEL);
		if (!vfs) {
			kvfree(sriov);
			pci_dev_put(pdev);
			return -ENOMEM;
		}
	}

	/* The device and its bridges, then their drivers, with no lock held. */
	scoped_guard(plu_pci_rescan) {
		struct pci_dev *p;

		for (p = pdev; p && n < ARRAY_SIZE(chain);
		     p = pci_upstream_bridge(p))
			chain[n++] = pci_dev_get(p);
	}
	for (i = 0; i < n; i++)
		plu_read_driver(chain[i], &drv[i]);

	if ((flags & PCI_LIVEUPDATE_MARK_REBIND) && drv[0].trunc) {
		pci_warn(pdev, "driver name '%s' is longer than %d bytes: cannot be rebound after the update\n",
			 drv[0].name, PLU_WIRE_DRIVER_LEN);
		ret = -ENAMETOOLONG;
		goto out_put;
	}

	scoped_guard(plu_pci_rescan) {
		/* Removed meanwhile?  Then its bridges may be gone too. */
		now = pci_get_domain_bus_and_slot(segment, bus, devfn);
		pci_dev_put(now);
		if (now != pdev) {
			ret = -ENODEV;
			break;
		}
		scoped_guard(mutex, &plu_state.lock)
			ret = plu_mark_locked(pdev, flags, drv, sriov, vfs);
	}
	/* Then the VFs' drivers, under their device locks (sriov.c). */
	if (!ret && sriov)
		plu_sriov_refresh_vfs(vfs, sriov->nr_vfs);
	else
		kvfree(sriov);
out_put:
	kvfree(vfs);
	for (i = 0; i < n; i++)
		pci_dev_put(chain[i]);
	pci_dev_put(pdev);
	return ret;
}

/**
 * plu_unmark() - remove a device marked with plu_mark()
 * @segment: PCI segment.
 * @bus:     Bus number.
 * @devfn:   Device and function.
 *
 * Bridges above it leave the set once no marked device needs them.
 *
 * Return: 0; -ENOENT if the device is not marked; -EBUSY if frozen.
 */
int plu_unmark(u32 segment, u8 bus, u8 devfn)
{
	unsigned long key = plu_key(segment, bus, devfn);
	struct plu_dev *d;

	guard(mutex)(&plu_state.lock);
	if (plu_state.frozen)
		return -EBUSY;
	d = xa_load(&plu_state.devs, key);
	if (!d || !d->marked)
		return -ENOENT;
	d->marked = false;
	plu_state.nr_marked--;
	plu_sriov_release(d);
	plu_dev_put_bridges(d);
	plu_dev_release_if_unused(d, key);
	return 0;
}

/* Drop a removed device from the set, with its claim on the bridges. */
static void plu_drop_removed(struct plu_dev *d, unsigned long key)
{
	plu_sriov_release(d);
	if (d->marked) {
		d->marked = false;
		plu_state.nr_marked--;
		plu_dev_put_bridges(d);
	}
	/* A bridge whose children are still tracked goes anyway. */
	d->refs = 0;
	plu_dev_release_if_unused(d, key);
}

/* A tracked device is going away: forget it, never leave a stale pointer. */
static void plu_forget(struct pci_dev *pdev)
{
	unsigned long key;
	struct plu_dev *d;

	guard(mutex)(&plu_state.lock);
	key = plu_key(pci_domain_nr(pdev->bus), pdev->bus->number, pdev->devfn);
	d = xa_load(&plu_state.devs, key);
	if (!d || d->pdev != pdev)
		return;

	plu_state.nr_removed++;
	if (plu_state.frozen) {
		/*
		 * The image is sealed for reboot and must not change: its
		 * record stays (the next kernel reports the device missing),
		 * only the device reference goes.  Unfreezing drops it.
		 */
		pci_info(pdev, "removed after the outgoing set was frozen; its record stays in the sealed image\n");
		d->gone = true;
		pci_dev_put(d->pdev);
		d->pdev = NULL;
		return;
	}
	pci_info(pdev, "removed while tracked for live update; dropped from the outgoing set\n");
	plu_drop_removed(d, key);
}

/* The set is no longer frozen: drop the devices removed meanwhile. */
static void plu_tracking_thawed(void)
{
	struct plu_dev *d;
	unsigned long key;

	lockdep_assert_held(&plu_state.lock);
	xa_for_each(&plu_state.devs, key, d)
		if (d->gone)
			plu_drop_removed(d, key);
}

/**
 * plu_outgoing_freeze() - freeze the set for reboot, or unfreeze it
 * @frozen: True from the LUO freeze callback, false from unfreeze.
 *
 * O(1) in the number of devices: the image is already complete, but for
 * sriov_drivers_autoprobe, read per PF marked with its VFs
 * (plu_sriov_freeze()).  MARK and UNMARK fail with -EBUSY
 * while any preserved file is frozen.
 */
void plu_outgoing_freeze(bool frozen)
{
	u64 t0 = ktime_get_ns();

	guard(mutex)(&plu_state.lock);

	if (frozen) {
		/* Read what no notifier follows, before the image is sealed. */
		if (!plu_state.frozen)
			plu_sriov_freeze();
		plu_state.frozen++;
	} else if (plu_state.frozen) {
		plu_state.frozen--;
		if (!plu_state.frozen) {
			plu_tracking_thawed();
			plu_sriov_thawed();
		}
	}
	if (!plu_img_seal(plu_state.frozen))
		return;
	if (frozen) {
		plu_state.t_ns[PLU_T_FREEZE] = ktime_get_ns() - t0;
		pr_info("outgoing set frozen: %u devices in %llu ns\n",
			plu_state.nr_tracked, plu_state.t_ns[PLU_T_FREEZE]);
	}
}

/**
 * plu_outgoing_snapshot() - copy the outgoing set, sorted by address
 * @out: Array of @max entries, or NULL to only count.
 * @max: Room in @out.
 *
 * Return: the number of devices in the set (may exceed @max).
 */
u32 plu_outgoing_snapshot(struct pci_liveupdate_device *out, u32 max)
{
	struct plu_dev *d;
	unsigned long key;
	u32 n = 0;

	guard(mutex)(&plu_state.lock);
	xa_for_each(&plu_state.devs, key, d) {
		if (out && n < max)
			out[n] = d->info;
		n++;
	}
	return n;
}

/**
 * plu_outgoing_query() - look a device up in the outgoing set
 * @segment: PCI segment.
 * @bus:     Bus number.
 * @devfn:   Device and function.
 * @out:     Receives its record.
 *
 * Return: true if the device is tracked, else false.
 */
bool plu_outgoing_query(u32 segment, u8 bus, u8 devfn,
			struct pci_liveupdate_device *out)
{
	struct plu_dev *d;

	guard(mutex)(&plu_state.lock);
	d = xa_load(&plu_state.devs, plu_key(segment, bus, devfn));
	if (d)
		*out = d->info;
	return d;
}

static enum pci_liveupdate_state plu_out_state(void)
{
	lockdep_assert_held(&plu_state.lock);
	if (plu_state.frozen)
		return PCI_LIVEUPDATE_STATE_FROZEN;
	return plu_state.img ? PCI_LIVEUPDATE_STATE_PRESERVED :
			       PCI_LIVEUPDATE_STATE_IDLE;
}

/**
 * plu_outgoing_status() - the outgoing set's part of STATUS
 * @st: Receives @state, @marked, @outgoing, @removed and @kho_bytes.
 *
 * Context: plu_state.lock held, so that a caller reads both sets at once.
 */
void plu_outgoing_status(struct pci_liveupdate_status *st)
{
	lockdep_assert_held(&plu_state.lock);
	st->state = plu_out_state();
	st->marked = plu_state.nr_marked;
	st->outgoing = plu_state.nr_tracked;
	st->removed = plu_state.nr_removed;
	st->kho_bytes = plu_img_kho_bytes();
}

/**
 * plu_outgoing_image_header() - the header of the outgoing set's KHO image
 * @h: Receives a copy of it.
 *
 * Return: true, or false while no file is preserved (there is no image).
 */
bool plu_outgoing_image_header(struct plu_wire_header *h)
{
	guard(mutex)(&plu_state.lock);
	return plu_img_header(h);
}

static int plu_pci_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	/* The VFs of PFs marked with their VFs (sriov.c). */
	if (pdev->is_virtfn)
		plu_sriov_notify(pdev, action);
	else if (pdev->is_physfn && (action == BUS_NOTIFY_BOUND_DRIVER ||
				     action == BUS_NOTIFY_UNBOUND_DRIVER))
		plu_sriov_pf_event(pdev);
	if (action == BUS_NOTIFY_DEL_DEVICE)
		plu_forget(pdev);
	return NOTIFY_DONE;
}

static struct notifier_block plu_pci_nb = {
	.notifier_call = plu_pci_notify,
};

/**
 * plu_tracking_init() - start watching for removed PCI devices and VFs
 *
 * Return: 0 or a negative errno.
 */
int plu_tracking_init(void)
{
	return bus_register_notifier(&pci_bus_type, &plu_pci_nb);
}

/**
 * plu_tracking_exit() - stop watching and drop the outgoing set
 *
 * Called at module unload, when LUO holds no reference to the module, so
 * nothing is preserved any more.
 */
void plu_tracking_exit(void)
{
	struct plu_dev *d;
	unsigned long key;

	bus_unregister_notifier(&pci_bus_type, &plu_pci_nb);
	guard(mutex)(&plu_state.lock);
	xa_for_each(&plu_state.devs, key, d) {
		xa_erase(&plu_state.devs, key);
		plu_dev_free(d);
	}
	plu_state.nr_tracked = 0;
	plu_state.nr_marked = 0;
	plu_state.nr_sriov_recs = 0;
}
