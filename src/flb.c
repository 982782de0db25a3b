// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: the File-Lifecycle-Bound object that carries the set.
 *
 * .preserve runs when the first /dev/pci_liveupdate file is preserved in a
 * LUO session: it writes the outgoing set into KHO memory and hands LUO the
 * physical address of the header.  From then on every mark, unmark or
 * removal rewrites one record and the header, growing the record block by
 * doubling when full, so the image is complete at any moment and the reboot
 * path has nothing to do.  .unpreserve frees it when the session is closed
 * before reboot.  In the next kernel .retrieve validates the image and
 * decodes it, and .finish frees the KHO memory when the session finishes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cleanup.h>
#include <linux/kexec_handover.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "plu_internal.h"

static struct plu_wire_record *plu_body_alloc(u32 capacity)
{
	void *p = kho_alloc_preserve(capacity * sizeof(struct plu_wire_record));

	return IS_ERR(p) ? NULL : p;
}

static u32 plu_capacity_for(u32 nr)
{
	return max_t(u32, PLU_MIN_CAPACITY, roundup_pow_of_two(max(nr, 1U)));
}

/**
 * plu_img_reserve() - make sure the KHO image can hold @nr records
 * @nr: Records the set will have.
 *
 * Grows the record block (doubling) when the set is preserved and full.
 * This is the only allocation on the mark path; the header does not move.
 *
 * Return: 0, -ENOSPC past PLU_MAX_RECORDS, or -ENOMEM.
 */
int plu_img_reserve(u32 nr)
{
	struct plu_image *img = plu_state.img;
	struct plu_wire_record *recs;
	struct plu_dev **slots;
	u32 cap, count;

	lockdep_assert_held(&plu_state.lock);

	if (nr > PLU_MAX_RECORDS)
		return -ENOSPC;
	if (!img || nr <= img->capacity)
		return 0;

	cap = plu_capacity_for(nr);
	recs = plu_body_alloc(cap);
	if (!recs)
		return -ENOMEM;
	slots = kvcalloc(cap, sizeof(*slots), GFP_KERNEL);
	if (!slots) {
		kho_unpreserve_free(recs);
		return -ENOMEM;
	}
	count = le32_to_cpu(img->hdr->count);
	memcpy(recs, img->recs, count * sizeof(*recs));
	memcpy(slots, img->slots, count * sizeof(*slots));
	plu_wire_header_rebase(img->hdr, virt_to_phys(recs), cap);
	kho_unpreserve_free(img->recs);
	kvfree(img->slots);
	img->recs = recs;
	img->slots = slots;
	img->capacity = cap;
	return 0;
}

/**
 * plu_img_write() - write a device's record into the image
 * @d: The device; gets a slot if it has none.
 *
 * No-op while nothing is preserved.  Capacity must have been reserved.
 */
void plu_img_write(struct plu_dev *d)
{
	struct plu_image *img = plu_state.img;
	u32 slot;

	lockdep_assert_held(&plu_state.lock);
	if (!img)
		return;

	slot = d->slot == PLU_NO_SLOT ? le32_to_cpu(img->hdr->count) : d->slot;
	if (WARN_ON_ONCE(plu_wire_write(img->hdr, img->recs, slot, &d->info)))
		return;
	img->slots[slot] = d;
	d->slot = slot;
}

/**
 * plu_img_remove() - take a device's record out of the image
 * @d: The device.
 *
 * The last record moves into the hole, so this is O(1).
 */
void plu_img_remove(struct plu_dev *d)
{
	struct plu_image *img = plu_state.img;
	u32 from;

	lockdep_assert_held(&plu_state.lock);
	if (!img || d->slot == PLU_NO_SLOT)
		return;

	from = plu_wire_remove(img->hdr, img->recs, d->slot);
	if (!WARN_ON_ONCE(from == PLU_NO_SLOT) && from != d->slot) {
		img->slots[d->slot] = img->slots[from];
		img->slots[d->slot]->slot = d->slot;
	}
	d->slot = PLU_NO_SLOT;
}

static void plu_img_corrupted(void)
{
	pr_warn("fault injection: corrupted the outgoing image (mode %d)\n",
		plu_state.fault);
	plu_state.fault = PLU_FAULT_NONE;
}

static void plu_img_reseal(struct plu_wire_header *h)
{
	h->header_crc = cpu_to_le32(plu_wire_crc(h, offsetof(typeof(*h),
							     header_crc)));
}

/*
 * Apply the armed fault (debugfs) to the sealed image.  The "body-*" and
 * "unfrozen" modes make a well-formed hostile image: the header CRC is
 * valid, only what it says is wrong.
 */
static void plu_img_corrupt(struct plu_image *img)
{
	struct plu_wire_header *h = img->hdr;
	u32 cap = le32_to_cpu(h->capacity);
	u64 rec = sizeof(struct plu_wire_record);

	switch (plu_state.fault) {
	case PLU_FAULT_FLIP:
		/* One bit of the first record, or of the header if empty. */
		if (le32_to_cpu(h->count))
			((u8 *)img->recs)[9] ^= 0x10;
		else
			((u8 *)h)[13] ^= 0x10;
		plu_img_corrupted();
		return;
	case PLU_FAULT_VERSION:
		h->version = cpu_to_le16(PLU_WIRE_VERSION + 1);
		break;
	case PLU_FAULT_TRUNCATE:
		h->body_size = cpu_to_le64(cap * rec / 2);
		break;
	case PLU_FAULT_BODY_HEADER:
		h->body_phys = cpu_to_le64(virt_to_phys(h));
		break;
	case PLU_FAULT_BODY_PHYS:
		h->body_phys = cpu_to_le64(plu_state.fault_phys);
		break;
	case PLU_FAULT_BODY_OVERSIZE:
		h->body_size = cpu_to_le64(2 * cap * rec);
		break;
	case PLU_FAULT_BODY_ORDER:
		h->capacity = cpu_to_le32(cap / 2);
		h->body_size = cpu_to_le64(cap / 2 * rec);
		break;
	case PLU_FAULT_UNFROZEN:
		h->flags = cpu_to_le16(le16_to_cpu(h->flags) &
				       ~PLU_WIRE_F_FROZEN);
		break;
	case PLU_FAULT_NONE:
		return;
	}
	plu_img_reseal(h);
	plu_img_corrupted();
}

/**
 * plu_img_freeze() - seal or reopen the set for reboot
 * @frozen: True from the LUO freeze callback, false from unfreeze.
 *
 * O(1): the image is already complete.  MARK and UNMARK fail with -EBUSY
 * while any preserved file is frozen.
 */
void plu_img_freeze(bool frozen)
{
	u64 t0 = ktime_get_ns();

	guard(mutex)(&plu_state.lock);

	if (frozen) {
		plu_state.frozen++;
	} else if (plu_state.frozen) {
		plu_state.frozen--;
		if (!plu_state.frozen)
			plu_tracking_thawed();
	}
	if (!plu_state.img)
		return;
	plu_wire_header_set_flags(plu_state.img->hdr,
				  plu_state.frozen ? PLU_WIRE_F_FROZEN : 0);
	if (plu_state.frozen)
		plu_img_corrupt(plu_state.img);
	if (frozen) {
		plu_state.t_ns[PLU_T_FREEZE] = ktime_get_ns() - t0;
		pr_info("outgoing set frozen: %u devices in %llu ns\n",
			plu_state.nr_tracked, plu_state.t_ns[PLU_T_FREEZE]);
	}
}

static void plu_img_free(struct plu_image *img)
{
	kho_unpreserve_free(img->recs);
	kho_unpreserve_free(img->hdr);
	kvfree(img->slots);
	kfree(img);
}

static int plu_flb_preserve(struct liveupdate_flb_op_args *args)
{
	u64 t0 = ktime_get_ns();
	struct plu_image *img;
	struct plu_dev *d;
	unsigned long key;
	void *hdr;

	img = kzalloc_obj(*img);
	if (!img)
		return -ENOMEM;

	guard(mutex)(&plu_state.lock);
	img->capacity = plu_capacity_for(plu_state.nr_tracked);
	hdr = kho_alloc_preserve(PAGE_SIZE);
	img->hdr = IS_ERR(hdr) ? NULL : hdr;
	img->recs = plu_body_alloc(img->capacity);
	img->slots = kvcalloc(img->capacity, sizeof(*img->slots), GFP_KERNEL);
	if (!img->hdr || !img->recs || !img->slots) {
		if (img->recs)
			kho_unpreserve_free(img->recs);
		if (img->hdr)
			kho_unpreserve_free(img->hdr);
		kvfree(img->slots);
		kfree(img);
		return -ENOMEM;
	}
	plu_wire_header_init(img->hdr, virt_to_phys(img->recs), img->capacity);

	plu_state.img = img;
	xa_for_each(&plu_state.devs, key, d)
		plu_img_write(d);

	args->data = virt_to_phys(img->hdr);
	args->obj = img;
	plu_state.t_ns[PLU_T_PRESERVE] = ktime_get_ns() - t0;
	pr_info("outgoing set preserved: %u devices, %llu bytes of KHO memory\n",
		plu_state.nr_tracked, plu_img_bytes(img));
	return 0;
}

static void plu_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct plu_image *img = args->obj;
	u64 t0 = ktime_get_ns();
	struct plu_dev *d;
	unsigned long key;

	guard(mutex)(&plu_state.lock);
	xa_for_each(&plu_state.devs, key, d)
		d->slot = PLU_NO_SLOT;
	plu_state.img = NULL;
	plu_img_free(img);
	plu_state.t_ns[PLU_T_UNPRESERVE] = ktime_get_ns() - t0;
	pr_info("outgoing set unpreserved; marks are kept\n");
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

/*
 * Decode the image whose header is at @hdr_phys.  The header page is the
 * FLB handle LUO kept for us, so it is restored first; the record block is
 * restored only once plu_wire_image_check() has shown, reading it in place,
 * that it is this image's.  What was restored is freed at finish.
 */
static int plu_in_decode(struct plu_incoming *in, phys_addr_t hdr_phys)
{
	const struct plu_wire_header *h;
	struct folio *folio;
	const char *why = "bad image";
	u64 body_size;
	u32 i, count;
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
	if (!(plu_fault_inject && plu_fault_retrieve_nomem))
		in->devs = kvcalloc(max(count, 1U), sizeof(*in->devs),
				    GFP_KERNEL);
	if (!in->devs) {
		plu_in_reject(in, -ENOMEM,
			      "out of memory (its record block stays reserved until the next reboot)");
		return -ENOMEM;
	}
	if (plu_wire_image_check(h, hdr_phys, PAGE_SIZE, plu_map_ram, NULL,
				 in->devs, &why)) {
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
	in->count = count;
	in->state = PCI_LIVEUPDATE_INCOMING_ACTIVE;
	return 0;
}

/* This boot's incoming set: at most one per boot, so it is not allocated. */
static struct plu_incoming plu_incoming;

static int plu_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	u64 t0 = ktime_get_ns();
	struct plu_incoming *in = &plu_incoming;

	memset(in, 0, sizeof(*in));
	xa_init(&in->index);

	/*
	 * Never fail: LUO would retry the retrieve, and WARN and leak when the
	 * session finishes.  A bad image, or no memory to decode it, is
	 * reported in the state instead.
	 */
	if (!plu_in_decode(in, args->data))
		pr_info("incoming device set: %u devices (wire version %u)\n",
			in->count, PLU_WIRE_VERSION);

	scoped_guard(mutex, &plu_state.lock) {
		plu_state.in = in;
		plu_state.t_ns[PLU_T_RETRIEVE] = ktime_get_ns() - t0;
	}
	args->obj = in;
	/*
	 * LUO forgets that this FLB was retrieved and finished when the
	 * module goes away; a reloaded module would retrieve the same, by
	 * then freed, KHO pages again.  Stay loaded until the next reboot.
	 */
	if (in->hdr_folio)
		__module_get(THIS_MODULE);
	return 0;
}

static void plu_flb_finish(struct liveupdate_flb_op_args *args)
{
	struct plu_incoming *in = args->obj;
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

/**
 * plu_incoming_free() - free an incoming set at module unload
 * @in: The set, or NULL.
 *
 * LUO holds a module reference from retrieve to finish, so the folios are
 * already gone when this runs.
 */
void plu_incoming_free(struct plu_incoming *in)
{
	if (!in)
		return;
	WARN_ON_ONCE(in->hdr_folio || in->body_folio);
	xa_destroy(&in->index);
	kvfree(in->devs);
	in->devs = NULL;
}

static const struct liveupdate_flb_ops plu_flb_ops = {
	.preserve = plu_flb_preserve,
	.unpreserve = plu_flb_unpreserve,
	.retrieve = plu_flb_retrieve,
	.finish = plu_flb_finish,
	.owner = THIS_MODULE,
};

struct liveupdate_flb plu_flb = {
	.ops = &plu_flb_ops,
	.compatible = PLU_FLB_COMPATIBLE,
};
