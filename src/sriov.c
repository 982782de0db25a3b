// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: the SR-IOV configuration of PFs marked with their VFs.
 *
 * A VF goes away when its PF is reset at the kexec, so it cannot be kept
 * on its own; what the next kernel needs is how to make it again.  A PF
 * marked with PCI_LIVEUPDATE_MARK_WITH_VFS carries its configuration
 * (sriov_numvfs, sriov_totalvfs, sriov_drivers_autoprobe) and, per enabled
 * VF, its index, identity, bound driver and driver_override, as they are
 * at the reboot.  The reboot path (LUO freeze) must stay O(1), so nothing
 * is collected then: the bus notifier (tracking.c) keeps every record
 * current as VFs are added, removed, bound and unbound, each change
 * rewriting one record and the PF's configuration record in the image.
 * KHO records for every VF the PF's capability allows are reserved at
 * MARK, so the notifier never allocates.
 *
 * What the notifier cannot see: a write to a VF's driver_override without
 * a bind or unbind after it, and sriov_drivers_autoprobe.  The latter is a
 * field of struct pci_sriov, private to drivers/pci, with no getter and no
 * event; but it is a sysfs attribute of the PF, and the driver core's own
 * route to it is public: the attribute groups of the device (dev->type and
 * dev->groups), whose struct device_attribute has the show() a read of
 * the file calls.  So MARK takes it from the caller
 * (PCI_LIVEUPDATE_MARK_VF_AUTOPROBE, what LIST shows until the reboot),
 * and LUO freeze reads it from the PF's own attribute, the value at the
 * reboot; if the PF had no such attribute, the value given at MARK stays.
 * That read is O(PFs marked with their VFs) (a list of them), not O(VFs)
 * nor O(devices), so freeze stays flat in N.
 *
 * Locking: everything here runs under plu_state.lock.  The notifier is
 * called with the rescan lock (VF added or removed by sriov_numvfs) or the
 * VF's device lock (bound, unbound) held, so the order is tracking.c's:
 * device lock -> rescan lock -> plu_state.lock.  MARK enumerates the VFs
 * under the rescan lock and plu_state.lock, then reads each VF's driver
 * under that VF's device lock, taking plu_state.lock inside it, after it
 * dropped both (plu_sriov_refresh_vfs()).  The freeze reads autoprobe
 * under plu_state.lock, which its show() does not take.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/list.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "plu_internal.h"

#define PLU_AUTOPROBE_ATTR	"sriov_drivers_autoprobe"

/* The PFs marked with their VFs (plu_sriov.node), under plu_state.lock. */
static LIST_HEAD(plu_sriov_pfs);

/*
 * The device_attribute @name of @dev's own directory, visible, with a
 * show(), in @groups; else NULL.  As the driver core finds it for a read
 * of the file (dev_attr_show()).
 */
static struct device_attribute *
plu_dev_attr_in(struct device *dev, const struct attribute_group *const *groups,
		const char *name)
{
	for (; groups && *groups; groups++) {
		const struct attribute_group *g = *groups;
		int i;

		if (g->name || !g->attrs)
			continue;
		for (i = 0; g->attrs[i]; i++) {
			struct attribute *a = g->attrs[i];
			struct device_attribute *da;

			if (strcmp(a->name, name))
				continue;
			if (g->is_visible && !g->is_visible(&dev->kobj, a, i))
				return NULL;
			da = container_of(a, struct device_attribute, attr);
			return da->show ? da : NULL;
		}
	}
	return NULL;
}

/* The PF's sriov_drivers_autoprobe attribute (drivers/pci/iov.c's). */
static struct device_attribute *plu_sriov_autoprobe_attr(struct pci_dev *pf)
{
	struct device *dev = &pf->dev;
	struct device_attribute *da = NULL;

	if (dev->type)
		da = plu_dev_attr_in(dev, dev->type->groups,
				     PLU_AUTOPROBE_ATTR);
	return da ?: plu_dev_attr_in(dev, dev->groups, PLU_AUTOPROBE_ATTR);
}

/**
 * plu_sriov_alloc() - allocate the SR-IOV record of a PF about to be marked
 * @pf:    The PF.
 * @flags: PCI_LIVEUPDATE_MARK_* flags of the MARK.
 *
 * Room for every VF the PF's SR-IOV capability allows (TotalVFs).
 *
 * Return: the record, ERR_PTR(-EINVAL) if @pf is no SR-IOV PF, or
 * ERR_PTR(-ENOMEM).
 */
struct plu_sriov *plu_sriov_alloc(struct pci_dev *pf, u32 flags)
{
	struct plu_sriov *s;
	u16 total = 0;
	int pos;
	u16 i;

	pos = pf->is_physfn ?
	      pci_find_ext_capability(pf, PCI_EXT_CAP_ID_SRIOV) : 0;
	if (!pos)
		return ERR_PTR(-EINVAL);
	pci_read_config_word(pf, pos + PCI_SRIOV_TOTAL_VF, &total);

	s = kvzalloc(struct_size(s, vf, total), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->nr_vfs = total;
	s->slot = PLU_NO_SLOT;
	s->total_vfs = pci_sriov_get_totalvfs(pf);
	s->autoprobe = plu_sriov_autoprobe_attr(pf);
	if (!s->autoprobe)
		pci_warn(pf, "no %s attribute: the value at MARK is carried\n",
			 PLU_AUTOPROBE_ATTR);
	INIT_LIST_HEAD(&s->node);
	if (flags & PCI_LIVEUPDATE_MARK_VF_AUTOPROBE)
		s->sriov_flags = PCI_LIVEUPDATE_SRIOV_AUTOPROBE;
	for (i = 0; i < total; i++) {
		s->vf[i].slot = PLU_NO_SLOT;
		s->vf[i].info.index = i;
	}
	return s;
}

/* The PF @d's record of @vf, if @d tracks its VFs; else NULL. */
static struct plu_vf *plu_sriov_vf_of(struct plu_dev *d, struct pci_dev *vf)
{
	int id;

	if (!d || !d->sriov)
		return NULL;
	id = pci_iov_vf_id(vf);
	if (id < 0 || id >= d->sriov->nr_vfs)
		return NULL;
	return &d->sriov->vf[id];
}

/* The tracked PF of @vf, if it is marked with its VFs. */
static struct plu_dev *plu_sriov_pf(struct pci_dev *vf)
{
	struct pci_dev *pf = pci_physfn(vf);
	struct plu_dev *d;

	lockdep_assert_held(&plu_state.lock);
	d = xa_load(&plu_state.devs, plu_key(pci_domain_nr(pf->bus),
					     pf->bus->number, pf->devfn));
	if (!d || d->pdev != pf || !d->sriov)
		return NULL;
	return d;
}

static void plu_sriov_pf_rec(const struct plu_dev *d, struct plu_wire_sriov *r)
{
	memset(r, 0, sizeof(*r));
	r->segment = d->info.segment;
	r->bus = d->info.bus;
	r->devfn = d->info.devfn;
}

/* Bring the image's records of VF @i (if @vf) and of the config in line. */
static void plu_sriov_sync(struct plu_dev *d, struct plu_vf *vf)
{
	struct plu_sriov *s = d->sriov;
	struct plu_wire_sriov r;

	lockdep_assert_held(&plu_state.lock);
	if (plu_state.frozen) {
		/* The sealed image must not change: done at the unfreeze. */
		s->stale = true;
		return;
	}
	plu_sriov_pf_rec(d, &r);
	if (vf && vf->present) {
		r.is_vf = true;
		r.vf = vf->info;
		plu_img_write_sriov(&vf->slot, &r);
	} else if (vf) {
		plu_img_drop(&vf->slot);
	}
	plu_sriov_pf_rec(d, &r);
	r.num_vfs = s->num_vfs;
	r.total_vfs = s->total_vfs;
	r.sriov_flags = s->sriov_flags;
	plu_img_write_sriov(&s->slot, &r);
}

/**
 * plu_sriov_write_all() - write every SR-IOV record of a PF into the image
 * @d: The device; nothing happens unless it is marked with its VFs.
 *
 * For a new image (FLB preserve) and at the unfreeze.  O(VFs).
 */
void plu_sriov_write_all(struct plu_dev *d)
{
	u16 i;

	lockdep_assert_held(&plu_state.lock);
	if (!d->sriov)
		return;
	for (i = 0; i < d->sriov->nr_vfs; i++)
		if (d->sriov->vf[i].present ||
		    d->sriov->vf[i].slot != PLU_NO_SLOT)
			plu_sriov_sync(d, &d->sriov->vf[i]);
	plu_sriov_sync(d, NULL);
	d->sriov->stale = false;
}

/**
 * plu_sriov_forget_slots() - the image is gone: no record has a slot
 * @d: The device.
 */
void plu_sriov_forget_slots(struct plu_dev *d)
{
	u16 i;

	if (!d->sriov)
		return;
	d->sriov->slot = PLU_NO_SLOT;
	for (i = 0; i < d->sriov->nr_vfs; i++)
		d->sriov->vf[i].slot = PLU_NO_SLOT;
}

static void plu_sriov_recount(struct plu_sriov *s)
{
	while (s->num_vfs && !s->vf[s->num_vfs - 1].present)
		s->num_vfs--;
}

/* Identity of a VF just added, or found present at MARK. */
static void plu_sriov_vf_add(struct plu_sriov *s, struct plu_vf *vf,
			     struct pci_dev *pdev)
{
	struct pci_liveupdate_vf *info = &vf->info;

	vf->present = true;
	info->vendor = pdev->vendor;
	info->device = pdev->device;
	info->subsystem_vendor = pdev->subsystem_vendor;
	info->subsystem_device = pdev->subsystem_device;
	info->bus = pdev->bus->number;
	info->devfn = pdev->devfn;
	/* Its driver and override are read under its device lock. */
	info->driver[0] = '\0';
	info->driver_override[0] = '\0';
	info->flags = 0;
	s->num_vfs = max_t(u16, s->num_vfs, info->index + 1);
}

/*
 * The VF's bound driver and driver_override.  @bound: false for
 * BUS_NOTIFY_DRIVER_NOT_BOUND and BUS_NOTIFY_UNBOUND_DRIVER, where
 * dev->driver may still name the driver that failed to probe (a VF added
 * with sriov_drivers_autoprobe off fails the first matching driver's
 * probe, -ENODEV).  Context: the VF's device lock is held (by the driver
 * core for a bind or unbind notification).
 */
static void plu_sriov_vf_read_driver(struct plu_vf *vf, struct pci_dev *pdev,
				     bool bound)
{
	struct pci_liveupdate_vf *info = &vf->info;
	struct device *dev = &pdev->dev;
	const char *name = bound && dev->driver ? dev->driver->name : "";

	info->flags = 0;
	strscpy(info->driver, name, sizeof(info->driver));
	if (strlen(name) > PLU_WIRE_DRIVER_LEN)
		info->flags |= PCI_LIVEUPDATE_VF_DRIVER_TRUNC;

	/* As driver_override_show() reads it: there is no getter. */
	guard(spinlock)(&dev->driver_override.lock);
	name = dev->driver_override.name ?: "";
	strscpy(info->driver_override, name, sizeof(info->driver_override));
	if (strlen(name) > PLU_WIRE_DRIVER_LEN)
		info->flags |= PCI_LIVEUPDATE_VF_OVERRIDE_TRUNC;
}

/**
 * plu_sriov_attach() - give a PF being marked its SR-IOV record
 * @d:   The PF, being marked with PCI_LIVEUPDATE_MARK_WITH_VFS.
 * @s:   From plu_sriov_alloc(); owned by @d from now on.
 * @vfs: Room for @s->nr_vfs pointers: receives a reference to each VF
 *       present, for plu_sriov_refresh_vfs().
 *
 * Records the VFs present with their identity; their drivers are read
 * afterwards, under their device locks.  The KHO records were reserved by
 * the caller (1 + @s->nr_vfs).
 *
 * Context: the rescan lock (no VF comes or goes) and plu_state.lock held.
 */
void plu_sriov_attach(struct plu_dev *d, struct plu_sriov *s,
		      struct pci_dev **vfs)
{
	struct pci_dev *pdev = NULL;

	lockdep_assert_held(&plu_state.lock);
	d->sriov = s;
	s->pf = d;
	list_add_tail(&s->node, &plu_sriov_pfs);
	d->info.flags |= PCI_LIVEUPDATE_DEV_WITH_VFS;
	plu_state.nr_sriov_recs += 1 + s->nr_vfs;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		struct plu_vf *vf;

		if (!pdev->is_virtfn || pci_physfn(pdev) != d->pdev)
			continue;
		vf = plu_sriov_vf_of(d, pdev);
		if (!vf)
			continue;
		plu_sriov_vf_add(s, vf, pdev);
		vfs[vf->info.index] = pci_dev_get(pdev);
	}
	plu_sriov_write_all(d);
}

/**
 * plu_sriov_refresh_vfs() - read the drivers of the VFs found at MARK
 * @vfs: What plu_sriov_attach() filled in; the references are dropped.
 * @n:   Entries of @vfs.
 *
 * Context: no lock held; takes each VF's device lock, then plu_state.lock.
 */
void plu_sriov_refresh_vfs(struct pci_dev **vfs, u16 n)
{
	u16 i;

	for (i = 0; i < n; i++) {
		if (!vfs[i])
			continue;
		scoped_guard(device, &vfs[i]->dev) {
			struct plu_dev *d;
			struct plu_vf *vf;

			guard(mutex)(&plu_state.lock);
			d = plu_sriov_pf(vfs[i]);
			vf = plu_sriov_vf_of(d, vfs[i]);
			/* Unmarked, or the VF removed, meanwhile? */
			if (vf && vf->present) {
				plu_sriov_vf_read_driver(vf, vfs[i], true);
				plu_sriov_sync(d, vf);
			}
		}
		pci_dev_put(vfs[i]);
	}
}

/**
 * plu_sriov_release() - drop a PF's SR-IOV records
 * @d: The device, being unmarked or removed.
 */
void plu_sriov_release(struct plu_dev *d)
{
	struct plu_sriov *s = d->sriov;
	u16 i;

	lockdep_assert_held(&plu_state.lock);
	if (!s)
		return;
	for (i = 0; i < s->nr_vfs; i++)
		plu_img_drop(&s->vf[i].slot);
	plu_img_drop(&s->slot);
	list_del(&s->node);
	plu_state.nr_sriov_recs -= 1 + s->nr_vfs;
	d->info.flags &= ~PCI_LIVEUPDATE_DEV_WITH_VFS;
	d->sriov = NULL;
	kvfree(s);
}

/**
 * plu_sriov_thawed() - the set is unfrozen: write what changed meanwhile
 *
 * Not on the reboot path: an unfreeze means the reboot did not happen.
 */
void plu_sriov_thawed(void)
{
	struct plu_dev *d;
	unsigned long key;

	lockdep_assert_held(&plu_state.lock);
	xa_for_each(&plu_state.devs, key, d)
		if (d->sriov && d->sriov->stale)
			plu_sriov_write_all(d);
}

/**
 * plu_sriov_freeze() - the reboot: read each PF's sriov_drivers_autoprobe
 *
 * Called by the LUO freeze before the image is sealed.  Through the PF's
 * own sysfs attribute's show(), into a page as sysfs_emit() wants; a PF
 * without one keeps the value given at MARK.  O(PFs marked with their
 * VFs); each record rewritten is one, in O(1).
 *
 * Context: plu_state.lock held, the set not frozen yet.
 */
void plu_sriov_freeze(void)
{
	static char buf[PAGE_SIZE] __aligned(PAGE_SIZE);
	struct plu_sriov *s;
	bool on;
	u32 f;

	lockdep_assert_held(&plu_state.lock);
	list_for_each_entry(s, &plu_sriov_pfs, node) {
		if (!s->autoprobe || !s->pf->pdev)
			continue;
		buf[0] = '\0';
		if (s->autoprobe->show(&s->pf->pdev->dev, s->autoprobe,
				       buf) <= 0 || kstrtobool(buf, &on))
			continue;
		f = on ? s->sriov_flags | PCI_LIVEUPDATE_SRIOV_AUTOPROBE :
			 s->sriov_flags & ~PCI_LIVEUPDATE_SRIOV_AUTOPROBE;
		if (f == s->sriov_flags)
			continue;
		s->sriov_flags = f;
		plu_sriov_sync(s->pf, NULL);
	}
}

/**
 * plu_sriov_notify() - a VF was added, removed, bound or unbound
 * @pdev:   The VF.
 * @action: BUS_NOTIFY_*.
 *
 * Updates its record if its PF is marked with its VFs.  O(1), except that
 * removing the last VF looks for the one before it.
 *
 * Context: the bus notifier; the rescan lock or the VF's device lock held.
 */
void plu_sriov_notify(struct pci_dev *pdev, unsigned long action)
{
	struct plu_dev *d;
	struct plu_vf *vf;

	guard(mutex)(&plu_state.lock);
	d = plu_sriov_pf(pdev);
	vf = plu_sriov_vf_of(d, pdev);
	if (!vf)
		return;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		plu_sriov_vf_add(d->sriov, vf, pdev);
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		if (!vf->present)
			return;
		vf->present = false;
		plu_sriov_recount(d->sriov);
		break;
	case BUS_NOTIFY_BOUND_DRIVER:
	case BUS_NOTIFY_UNBOUND_DRIVER:
	case BUS_NOTIFY_DRIVER_NOT_BOUND:
		if (!vf->present)
			return;
		plu_sriov_vf_read_driver(vf, pdev,
					 action == BUS_NOTIFY_BOUND_DRIVER);
		break;
	default:
		return;
	}
	plu_sriov_sync(d, vf);
}

/**
 * plu_sriov_pf_event() - a PF was bound or unbound: its sriov_totalvfs
 * @pf: The device.
 *
 * A PF driver may lower sriov_totalvfs (pci_sriov_set_totalvfs()).
 *
 * Return: true if @pf is marked with its VFs.
 */
bool plu_sriov_pf_event(struct pci_dev *pf)
{
	struct plu_dev *d;

	guard(mutex)(&plu_state.lock);
	d = xa_load(&plu_state.devs, plu_key(pci_domain_nr(pf->bus),
					     pf->bus->number, pf->devfn));
	if (!d || d->pdev != pf || !d->sriov)
		return false;
	d->sriov->total_vfs = pci_sriov_get_totalvfs(pf);
	plu_sriov_sync(d, NULL);
	return true;
}

/**
 * plu_outgoing_sriov() - the SR-IOV configuration of a marked PF
 * @segment: PCI segment of the PF.
 * @bus:     Its bus number.
 * @devfn:   Its device and function.
 * @cfg:     Receives @num_vfs, @total_vfs and @sriov_flags.
 * @out:     Array of @max entries for the VFs present, by index, or NULL.
 * @max:     Room in @out.
 *
 * Return: the number of VFs present (may exceed @max), or -ENOENT if the
 * PF is not marked with its VFs.
 */
int plu_outgoing_sriov(u32 segment, u8 bus, u8 devfn,
		       struct pci_liveupdate_sriov *cfg,
		       struct pci_liveupdate_vf *out, u32 max)
{
	struct plu_sriov *s;
	struct plu_dev *d;
	u32 n = 0;
	u16 i;

	guard(mutex)(&plu_state.lock);
	d = xa_load(&plu_state.devs, plu_key(segment, bus, devfn));
	if (!d || !d->sriov)
		return -ENOENT;
	s = d->sriov;
	cfg->num_vfs = s->num_vfs;
	cfg->total_vfs = s->total_vfs;
	cfg->sriov_flags = s->sriov_flags;
	for (i = 0; i < s->nr_vfs; i++) {
		if (!s->vf[i].present)
			continue;
		if (out && n < max)
			out[n] = s->vf[i].info;
		n++;
	}
	return n;
}
