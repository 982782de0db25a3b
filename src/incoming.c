// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: the incoming set, from retrieve to free.
 *
 * The set the previous kernel handed over arrives through the FLB.  At
 * module load plu_incoming_retrieve_early() has LUO run the FLB's
 * .retrieve, which calls plu_incoming_retrieve(): it validates the image
 * in KHO memory and decodes it, or rejects it, with the reason in the log
 * and in STATUS.  The FLB's .finish calls plu_incoming_finish(), which
 * gives the KHO memory back when the session finishes; the decoded set
 * stays readable until the module is unloaded (plu_incoming_exit()).  At
 * most one set arrives per boot, and once decoded it does not change:
 * only its state moves on, from active to finished.
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
#include <linux/kexec_handover.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "plu_internal.h"

/**
 * struct plu_incoming - the set handed over by the previous kernel
 * @state:      &enum pci_liveupdate_incoming_state.
 * @error:      Why the image was rejected (negative errno), else 0.
 * @hdr_folio:  Restored header folio, freed at finish.
 * @body_folio: Restored record folio, freed at finish.
 * @count:      Entries in @devs.
 * @devs:       Decoded records (verdicts are computed when asked).
 * @index:      Key (plu_key()) to the index of its record in @devs, as an
 *              xarray value.
 * @version:    Wire version of the image.
 * @nr_sriov:   Entries in @sriov.
 * @sriov:      Decoded SR-IOV records (wire version 3 on).
 * @pfs:        Key of a PF marked with its VFs to its &struct plu_in_pf.
 */
struct plu_incoming {
	int state;
	int error;
	struct folio *hdr_folio;
	struct folio *body_folio;
	u32 count;
	struct pci_liveupdate_device *devs;
	struct xarray index;
	u16 version;
	u32 nr_sriov;
	struct plu_wire_sriov *sriov;
	struct xarray pfs;
};

/**
 * struct plu_in_pf - the SR-IOV records of one PF of the incoming set
 * @dev:     Index of the PF's device record in &plu_incoming.devs.
 * @cfg:     Its configuration record.
 * @num_vfs: Entries of @vf (the configuration's @num_vfs).
 * @vf:      Its VF records by index; NULL for an index with none.
 */
struct plu_in_pf {
	u32 dev;
	const struct plu_wire_sriov *cfg;
	u16 num_vfs;
	const struct plu_wire_sriov *vf[] __counted_by(num_vfs);
};

/* This boot's incoming set: at most one per boot, so it is not allocated. */
static struct plu_incoming plu_incoming;

/* &plu_incoming once retrieved, NULL before; under plu_state.lock. */
static struct plu_incoming *plu_in;

/* Set once LUO retrieved the FLB at load (plu_incoming_retrieve_early()). */
static bool plu_in_fetched;

static void plu_in_free_sriov(struct plu_incoming *in)
{
	struct plu_in_pf *pf;
	unsigned long key;

	xa_for_each(&in->pfs, key, pf)
		kfree(pf);
	xa_destroy(&in->pfs);
	kvfree(in->sriov);
	in->sriov = NULL;
	in->nr_sriov = 0;
}

static void plu_in_reject(struct plu_incoming *in, int error, const char *why)
{
	pr_err("incoming device set rejected: %s; nothing from it is trusted\n",
	       why);
	in->state = PCI_LIVEUPDATE_INCOMING_REJECTED;
	in->error = error;
	kvfree(in->devs);
	in->devs = NULL;
	in->count = 0;
	xa_destroy(&in->index);
	plu_in_free_sriov(in);
}

/*
 * plu_wire_image_check()'s view of physical memory: the bytes of a range,
 * read in place through the direct map, if every page of it is online RAM.
 * Nothing is claimed: KHO-preserved pages stay reserved until restored.
 */
static const void *plu_map_ram(void *ctx, u64 phys, u64 len)
{
	unsigned long pfn, last = PHYS_PFN(phys + len - 1);

	for (pfn = PHYS_PFN(phys); pfn <= last; pfn++)
		if (!pfn_to_online_page(pfn))
			return NULL;
	return phys_to_virt(phys);
}

/* Index the @count decoded records by address; a duplicate rejects the set. */
static int plu_in_index(struct plu_incoming *in, u32 count)
{
	u32 i;
	int ret;

	for (i = 0; i < count; i++) {
		struct pci_liveupdate_device *dev = &in->devs[i];

		ret = xa_insert(&in->index,
				plu_key(dev->segment, dev->bus, dev->devfn),
				xa_mk_value(i), GFP_KERNEL);
		if (ret) {
			plu_in_reject(in, ret == -EBUSY ? -EINVAL : ret,
				      ret == -EBUSY ? "a device appears twice" :
						      "out of memory");
			return ret;
		}
	}
	return 0;
}

/*
 * Match the SR-IOV records with their PFs, which @in->index already has:
 * each configuration record belongs to a marked device record flagged
 * WITH_VFS, each such device has one, and each VF record belongs to a
 * configuration and has an index below its @num_vfs, used once.
 */
static int plu_in_index_sriov(struct plu_incoming *in)
{
	const char *why = NULL;
	u32 i, nr_with_vfs = 0, nr_cfg = 0;
	int ret = 0;

	for (i = 0; i < in->nr_sriov && !why; i++) {
		const struct plu_wire_sriov *r = &in->sriov[i];
		unsigned long key = plu_key(r->segment, r->bus, r->devfn);
		void *idx = xa_load(&in->index, key);
		struct plu_in_pf *pf;
		u16 flags;

		if (r->is_vf)
			continue;
		flags = idx ? in->devs[xa_to_value(idx)].flags : 0;
		if (!(flags & PCI_LIVEUPDATE_DEV_WITH_VFS) ||
		    !(flags & PCI_LIVEUPDATE_DEV_MARKED)) {
			why = "SR-IOV record of a PF not marked with its VFs";
			break;
		}
		pf = kzalloc(struct_size(pf, vf, r->num_vfs), GFP_KERNEL);
		if (!pf) {
			ret = -ENOMEM;
			why = "out of memory";
			break;
		}
		pf->dev = xa_to_value(idx);
		pf->cfg = r;
		pf->num_vfs = r->num_vfs;
		ret = xa_insert(&in->pfs, key, pf, GFP_KERNEL);
		if (ret) {
			kfree(pf);
			why = ret == -EBUSY ? "a PF has two SR-IOV records" :
					      "out of memory";
			break;
		}
		nr_cfg++;
	}
	for (i = 0; i < in->count && !why; i++)
		if (in->devs[i].flags & PCI_LIVEUPDATE_DEV_WITH_VFS)
			nr_with_vfs++;
	if (!why && nr_with_vfs != nr_cfg)
		why = "a PF marked with its VFs has no SR-IOV record";
	for (i = 0; i < in->nr_sriov && !why; i++) {
		const struct plu_wire_sriov *r = &in->sriov[i];
		struct plu_in_pf *pf;

		if (!r->is_vf)
			continue;
		pf = xa_load(&in->pfs, plu_key(r->segment, r->bus, r->devfn));
		if (!pf)
			why = "VF record of a PF without SR-IOV record";
		else if (r->vf.index >= pf->num_vfs)
			why = "VF index not below the PF's number of VFs";
		else if (pf->vf[r->vf.index])
			why = "a VF appears twice";
		else
			pf->vf[r->vf.index] = r;
	}
	if (!why)
		return 0;
	plu_in_reject(in, ret == -ENOMEM ? -ENOMEM : -EINVAL, why);
	return ret ?: -EINVAL;
}

/*
 * Decode the image whose header is at @hdr_phys.  The header page is the
 * FLB handle LUO kept for us, so it is restored first; the record block is
 * restored only once plu_wire_image_check() has shown, reading it in place,
 * that it is this image's.  What was restored is freed at finish.
 */
static int plu_in_decode(struct plu_incoming *in, phys_addr_t hdr_phys)
{
	const struct plu_wire_header *h;
	struct plu_wire_decoded dec = {};
	struct folio *folio;
	const char *why = "bad image";
	u64 body_size;
	u32 count;
	int ret;

	in->hdr_folio = kho_restore_folio(hdr_phys);
	if (!in->hdr_folio) {
		plu_in_reject(in, -EINVAL, "header page was not preserved by KHO");
		return -EINVAL;
	}
	if (offset_in_page(hdr_phys) ||
	    folio_size(in->hdr_folio) < sizeof(*h)) {
		plu_in_reject(in, -EINVAL, "header does not fit its page");
		return -EINVAL;
	}
	h = folio_address(in->hdr_folio);

	if (plu_wire_header_check(h, &why)) {
		plu_in_reject(in, -EINVAL, why);
		return -EINVAL;
	}
	count = le32_to_cpu(h->count);
	body_size = le64_to_cpu(h->body_size);
	in->version = le16_to_cpu(h->version);
	if (!(plu_fault_inject && plu_fault_retrieve_nomem)) {
		in->devs = kvcalloc(max(count, 1U), sizeof(*in->devs),
				    GFP_KERNEL);
		/* Only version 3 on has SR-IOV records. */
		if (in->version != PLU_WIRE_VERSION_PREV && count)
			in->sriov = kvcalloc(count, sizeof(*in->sriov),
					     GFP_KERNEL);
	}
	if (!in->devs ||
	    (in->version != PLU_WIRE_VERSION_PREV && count && !in->sriov)) {
		plu_in_reject(in, -ENOMEM,
			      "out of memory (its record block stays reserved until the next reboot)");
		return -ENOMEM;
	}
	dec.devs = in->devs;
	dec.sriov = in->sriov;
	if (plu_wire_image_check_all(h, hdr_phys, PAGE_SIZE, plu_map_ram, NULL,
				     &dec, &why)) {
		plu_in_reject(in, -EINVAL, why);
		return -EINVAL;
	}

	/*
	 * An empty block proves nothing (it may be anyone's zeroed memory), so
	 * it is not taken: its page stays reserved until the next reboot.
	 */
	if (!count) {
		pr_info("incoming device set is empty; its record block is left reserved\n");
		in->state = PCI_LIVEUPDATE_INCOMING_ACTIVE;
		return 0;
	}

	/* Proven ours by its records: take it. */
	folio = kho_restore_folio(le64_to_cpu(h->body_phys));
	if (!folio) {
		plu_in_reject(in, -EINVAL, "record block was not preserved by KHO");
		return -EINVAL;
	}
	if (folio_size(folio) != body_size) {
		/* Not the block that was written: never free it. */
		plu_in_reject(in, -EINVAL,
			      "record block is not the size of its folio");
		pr_warn("that folio is kept, never freed: its owner is not proven\n");
		return -EINVAL;
	}
	in->body_folio = folio;

	ret = plu_in_index(in, dec.nr_devs);
	if (ret)
		return ret;
	in->count = dec.nr_devs;
	in->nr_sriov = dec.nr_sriov;
	ret = plu_in_index_sriov(in);
	if (ret)
		return ret;
	in->state = PCI_LIVEUPDATE_INCOMING_ACTIVE;
	return 0;
}

/**
 * plu_incoming_retrieve() - take over the set the previous kernel handed over
 * @hdr_phys: The FLB handle, the physical address of the image's header.
 *
 * The FLB's .retrieve.  It never fails: LUO would retry the retrieve, and
 * WARN and leak when the session finishes.  A bad image, or no memory to
 * decode it, is reported in the state instead.
 *
 * Return: the incoming set, which LUO keeps as the FLB's object.
 */
struct plu_incoming *plu_incoming_retrieve(u64 hdr_phys)
{
	u64 t0 = ktime_get_ns();
	struct plu_incoming *in = &plu_incoming;

	memset(in, 0, sizeof(*in));
	xa_init(&in->index);
	xa_init(&in->pfs);

	if (!plu_in_decode(in, hdr_phys))
		pr_info("incoming device set: %u devices, %u SR-IOV records (wire version %u)\n",
			in->count, in->nr_sriov, in->version);

	scoped_guard(mutex, &plu_state.lock) {
		plu_in = in;
		plu_state.t_ns[PLU_T_RETRIEVE] = ktime_get_ns() - t0;
	}
	/*
	 * LUO forgets that this FLB was retrieved and finished when the
	 * module goes away; a reloaded module would retrieve the same, by
	 * then freed, KHO pages again.  Stay loaded until the next reboot.
	 */
	if (in->hdr_folio)
		__module_get(THIS_MODULE);
	return in;
}

/**
 * plu_incoming_finish() - give the incoming set's KHO memory back
 * @in: The set plu_incoming_retrieve() returned.
 *
 * The FLB's .finish, run when the last preserved file finished.  The
 * decoded set stays readable.
 */
void plu_incoming_finish(struct plu_incoming *in)
{
	u64 t0 = ktime_get_ns();

	guard(mutex)(&plu_state.lock);
	/*
	 * A rejected image's record block address is not trusted, so only
	 * what was restored is given back.
	 */
	if (in->body_folio)
		folio_put(in->body_folio);
	if (in->hdr_folio)
		folio_put(in->hdr_folio);
	in->body_folio = NULL;
	in->hdr_folio = NULL;
	if (in->state == PCI_LIVEUPDATE_INCOMING_ACTIVE)
		in->state = PCI_LIVEUPDATE_INCOMING_FINISHED;
	plu_state.t_ns[PLU_T_FINISH] = ktime_get_ns() - t0;
	pr_info("incoming device set finished; KHO memory released\n");
}

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

/*
 * Compare an incoming record with this boot: fills in @verdict, @cur_bus
 * and @cur_devfn.  Takes the rescan lock, then (after dropping it) a
 * device lock.
 */
static void plu_incoming_verdict(struct pci_liveupdate_device *rec)
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

/*
 * Bind REBIND devices of a validated set to their recorded driver.
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
static void plu_incoming_rebind(struct plu_incoming *in)
{
	u32 i;

	for (i = 0; i < in->count; i++)
		if ((in->devs[i].flags & PCI_LIVEUPDATE_DEV_REBIND) &&
		    in->devs[i].driver[0])
			plu_rebind_one(&in->devs[i]);
}

/**
 * plu_incoming_snapshot() - copy the incoming set with fresh verdicts
 * @out: Array of @max entries, or NULL to only count.
 * @max: Room in @out.
 *
 * Return: the number of records in the set (may exceed @max).
 */
u32 plu_incoming_snapshot(struct pci_liveupdate_device *out, u32 max)
{
	u32 n = 0, i;

	scoped_guard(mutex, &plu_state.lock) {
		if (plu_in)
			n = plu_in->count;
		if (out && n)
			memcpy(out, plu_in->devs, min(n, max) * sizeof(*out));
	}
	/* The records are copies; verdicts need PCI locks, not ours. */
	for (i = 0; out && i < min(n, max); i++)
		plu_incoming_verdict(&out[i]);
	return n;
}

/**
 * plu_incoming_query() - look a device up in the incoming set
 * @segment: PCI segment, as recorded.
 * @bus:     Bus number, as recorded.
 * @devfn:   Device and function, as recorded.
 * @out:     Receives its record, with a fresh verdict.
 *
 * Return: true if the set has a record of that address, else false.
 */
bool plu_incoming_query(u32 segment, u8 bus, u8 devfn,
			struct pci_liveupdate_device *out)
{
	void *idx = NULL;

	scoped_guard(mutex, &plu_state.lock) {
		if (plu_in)
			idx = xa_load(&plu_in->index,
				      plu_key(segment, bus, devfn));
		if (idx)
			*out = plu_in->devs[xa_to_value(idx)];
	}
	if (!idx)
		return false;
	/* A copy, as in plu_incoming_snapshot(). */
	plu_incoming_verdict(out);
	return true;
}

/*
 * Each VF of @pf in this boot, with a reference, by index: @cur[i] for the
 * VF of index i below @n, NULL where there is none.
 */
static void plu_find_vfs(struct pci_dev *pf, struct pci_dev **cur, u16 n)
{
	struct pci_dev *pdev = NULL;
	int id;

	while ((pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		if (!pdev->is_virtfn || pci_physfn(pdev) != pf)
			continue;
		id = pci_iov_vf_id(pdev);
		if (id >= 0 && id < n && !cur[id])
			cur[id] = pci_dev_get(pdev);
	}
}

/* Verdict of a recorded VF against the VF of its index in this boot. */
static void plu_vf_verdict(struct pci_liveupdate_vf *rec, struct pci_dev *vf)
{
	char drv[PCI_LIVEUPDATE_DRIVER_LEN];

	if (!vf) {
		rec->verdict = PCI_LIVEUPDATE_VERDICT_NOT_CREATED;
		return;
	}
	rec->cur_bus = vf->bus->number;
	rec->cur_devfn = vf->devfn;
	if (vf->vendor != rec->vendor || vf->device != rec->device ||
	    vf->subsystem_vendor != rec->subsystem_vendor ||
	    vf->subsystem_device != rec->subsystem_device) {
		rec->verdict = PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH;
		return;
	}
	plu_bound_driver(vf, drv, sizeof(drv));
	if (rec->flags & PCI_LIVEUPDATE_VF_DRIVER_TRUNC ?
	    strncmp(drv, rec->driver, PLU_WIRE_DRIVER_LEN) :
	    strcmp(drv, rec->driver))
		rec->verdict = PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH;
	else
		rec->verdict = PCI_LIVEUPDATE_VERDICT_OK;
}

/**
 * plu_incoming_sriov() - the SR-IOV configuration of an incoming PF
 * @segment: PCI segment of the PF, as recorded.
 * @bus:     Its bus number, as recorded.
 * @devfn:   Its device and function, as recorded.
 * @cfg:     Receives @num_vfs, @total_vfs and @sriov_flags as recorded.
 * @out:     Array of @max entries for the VF records, by index, with fresh
 *           verdicts; or NULL.
 * @max:     Room in @out.
 *
 * The VFs of the PF in this boot are those of the device its own record
 * finds (plu_find_incoming(): at its address or by its path).
 *
 * Return: the number of VF records (may exceed @max), or -ENOENT if the
 * incoming set has no SR-IOV configuration for that PF.
 */
int plu_incoming_sriov(u32 segment, u8 bus, u8 devfn,
		       struct pci_liveupdate_sriov *cfg,
		       struct pci_liveupdate_vf *out, u32 max)
{
	struct pci_dev **cur __free(kvfree) = NULL;
	struct pci_liveupdate_device pfrec;
	struct pci_dev *pf;
	u32 n = 0, i;
	u16 num = 0;

	scoped_guard(mutex, &plu_state.lock) {
		struct plu_in_pf *p = NULL;

		if (plu_in)
			p = xa_load(&plu_in->pfs, plu_key(segment, bus, devfn));
		if (!p)
			return -ENOENT;
		cfg->num_vfs = p->cfg->num_vfs;
		cfg->total_vfs = p->cfg->total_vfs;
		cfg->sriov_flags = p->cfg->sriov_flags;
		pfrec = plu_in->devs[p->dev];
		num = p->num_vfs;
		for (i = 0; i < p->num_vfs; i++) {
			if (!p->vf[i])
				continue;
			if (out && n < max)
				out[n] = p->vf[i]->vf;
			n++;
		}
	}
	if (!out || !n)
		return n;

	/* Copies: the verdicts need PCI locks, not ours. */
	cur = kvcalloc(num, sizeof(*cur), GFP_KERNEL);
	if (!cur)
		return -ENOMEM;
	pf = plu_find_incoming(&pfrec);
	if (pf)
		plu_find_vfs(pf, cur, num);
	for (i = 0; i < min(n, max); i++)
		plu_vf_verdict(&out[i], cur[out[i].index]);
	for (i = 0; i < num; i++)
		pci_dev_put(cur[i]);
	pci_dev_put(pf);
	return n;
}

/**
 * plu_incoming_status() - the incoming set's part of STATUS
 * @st: Receives @incoming_state, @incoming_error and @incoming.
 *
 * Context: plu_state.lock held, so that a caller reads both sets at once.
 */
void plu_incoming_status(struct pci_liveupdate_status *st)
{
	lockdep_assert_held(&plu_state.lock);
	st->incoming_state = plu_in ? plu_in->state :
				      PCI_LIVEUPDATE_INCOMING_NONE;
	st->incoming_error = plu_in ? plu_in->error : 0;
	st->incoming = plu_in ? plu_in->count : 0;
}

/**
 * plu_incoming_may_finish() - may a preserved file finish yet?
 *
 * LUO counts the FLB's users from the first liveupdate_flb_get_incoming()
 * on: a file finished before that (a session retrieved and finished
 * between the handler's registration and plu_incoming_retrieve_early())
 * would make LUO's FLB refcount underflow and keep the KHO memory.  Until
 * then, the file handler's .can_finish says "not yet"; userspace sees
 * EBUSY and tries again.
 *
 * Return: true once plu_incoming_retrieve_early() has run.
 */
bool plu_incoming_may_finish(void)
{
	/* Pairs with the release in plu_incoming_retrieve_early(). */
	return smp_load_acquire(&plu_in_fetched);
}

/**
 * plu_incoming_retrieve_early() - have LUO retrieve the FLB at module load
 *
 * Runs the FLB retrieve right after registration, so the incoming set can
 * be listed before (or without) the session being retrieved; then binds
 * the devices marked for rebinding, outside LUO's callbacks.  The
 * reference taken is given back at once: the FLB still finishes with the
 * last preserved file.  Files may finish from then on.
 */
void plu_incoming_retrieve_early(void)
{
	void *obj;
	int ret;

	/*
	 * Without the FLB registered (luo_fh.c, "registration window") LUO
	 * would run its retrieve but never its finish: leave the set alone.
	 */
	if (plu_fh_is_ready())
		ret = plu_luo_flb_get_incoming(&plu_flb, &obj);
	else
		ret = -ENOENT;
	if (!ret)
		plu_luo_flb_put_incoming(&plu_flb);
	else if (ret != -ENODATA && ret != -ENOENT)
		pr_warn("cannot get the incoming set: %d\n", ret);
	/* The retrieve is done before any file may finish; see above. */
	smp_store_release(&plu_in_fetched, true);
	if (!ret && plu_in && plu_in->state == PCI_LIVEUPDATE_INCOMING_ACTIVE)
		plu_incoming_rebind(plu_in);
}

/**
 * plu_incoming_exit() - free the incoming set at module unload
 *
 * LUO holds a module reference from retrieve to finish, so the folios are
 * already gone when this runs.
 */
void plu_incoming_exit(void)
{
	struct plu_incoming *in = plu_in;

	if (!in)
		return;
	WARN_ON_ONCE(in->hdr_folio || in->body_folio);
	xa_destroy(&in->index);
	kvfree(in->devs);
	in->devs = NULL;
	plu_in_free_sriov(in);
}
