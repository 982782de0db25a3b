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
 * before reboot.  In the next kernel .retrieve and .finish hand over to
 * incoming.c, which validates and decodes the image, and frees its KHO
 * memory when the session finishes.
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

/* Records the KHO image can hold: one order-10 folio of 64-byte records. */
#define PLU_MAX_RECORDS		(PLU_WIRE_MAX_BODY / sizeof(struct plu_wire_record))
#define PLU_MIN_CAPACITY	(PAGE_SIZE / sizeof(struct plu_wire_record))

/**
 * struct plu_image - the outgoing set in KHO memory (the FLB's object)
 * @hdr:      Header page; its physical address is the FLB handle.
 * @recs:     Record block.
 * @capacity: Records @recs has room for.
 * @slots:    Whose each record is: the slot field of its owner (a
 *            &struct plu_dev, or an SR-IOV record of one, sriov.c), which
 *            is updated when the record moves.
 */
struct plu_image {
	struct plu_wire_header *hdr;
	struct plu_wire_record *recs;
	u32 capacity;
	u32 **slots;
};

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
	u32 **slots;
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

/*
 * Write the record owned by @slotp (a device's if @dev, else the SR-IOV
 * record @sr) into the image; it gets a slot if it has none.
 */
static void plu_img_put(u32 *slotp, const struct pci_liveupdate_device *dev,
			const struct plu_wire_sriov *sr)
{
	struct plu_image *img = plu_state.img;
	u32 slot;
	int ret;

	lockdep_assert_held(&plu_state.lock);
	if (!img)
		return;

	slot = *slotp == PLU_NO_SLOT ? le32_to_cpu(img->hdr->count) : *slotp;
	if (dev)
		ret = plu_wire_write(img->hdr, img->recs, slot, dev);
	else
		ret = plu_wire_write_sriov(img->hdr, img->recs, slot, sr);
	if (WARN_ON_ONCE(ret))
		return;
	img->slots[slot] = slotp;
	*slotp = slot;
}

/**
 * plu_img_write() - write a device's record into the image
 * @d: The device; gets a slot if it has none.
 *
 * No-op while nothing is preserved.  Capacity must have been reserved.
 */
void plu_img_write(struct plu_dev *d)
{
	plu_img_put(&d->slot, &d->info, NULL);
}

/**
 * plu_img_write_sriov() - write an SR-IOV record into the image
 * @slotp: Slot of the record, PLU_NO_SLOT for a new one; updated.
 * @sr:    The record.
 *
 * No-op while nothing is preserved.  Capacity must have been reserved.
 */
void plu_img_write_sriov(u32 *slotp, const struct plu_wire_sriov *sr)
{
	plu_img_put(slotp, NULL, sr);
}

/**
 * plu_img_drop() - take a record out of the image
 * @slotp: Slot of the record, or PLU_NO_SLOT; set to PLU_NO_SLOT.
 *
 * The last record moves into the hole, so this is O(1).
 */
void plu_img_drop(u32 *slotp)
{
	struct plu_image *img = plu_state.img;
	u32 from;

	lockdep_assert_held(&plu_state.lock);
	if (!img || *slotp == PLU_NO_SLOT)
		return;

	from = plu_wire_remove(img->hdr, img->recs, *slotp);
	if (!WARN_ON_ONCE(from == PLU_NO_SLOT) && from != *slotp) {
		img->slots[*slotp] = img->slots[from];
		*img->slots[*slotp] = *slotp;
	}
	*slotp = PLU_NO_SLOT;
}

/**
 * plu_img_remove() - take a device's record out of the image
 * @d: The device.
 */
void plu_img_remove(struct plu_dev *d)
{
	plu_img_drop(&d->slot);
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
 * plu_img_seal() - seal the image for reboot, or open it again
 * @sealed: True while any preserved file is frozen.
 *
 * O(1): the image is already complete, only its header flag changes.  A
 * fault armed through debugfs is applied to the sealed image.
 *
 * Context: plu_state.lock held.
 *
 * Return: true, or false while nothing is preserved (there is no image).
 */
bool plu_img_seal(bool sealed)
{
	lockdep_assert_held(&plu_state.lock);
	if (!plu_state.img)
		return false;
	plu_wire_header_set_flags(plu_state.img->hdr,
				  sealed ? PLU_WIRE_F_FROZEN : 0);
	if (sealed)
		plu_img_corrupt(plu_state.img);
	return true;
}

/* KHO memory an image holds: the header page and the record block. */
static u64 plu_img_bytes(const struct plu_image *img)
{
	return PAGE_SIZE + (u64)img->capacity * sizeof(struct plu_wire_record);
}

/**
 * plu_img_kho_bytes() - KHO memory the image holds
 *
 * Context: plu_state.lock held.
 *
 * Return: bytes of the header page and the record block, 0 while nothing
 * is preserved.
 */
u64 plu_img_kho_bytes(void)
{
	lockdep_assert_held(&plu_state.lock);
	return plu_state.img ? plu_img_bytes(plu_state.img) : 0;
}

/**
 * plu_img_header() - copy the image's header
 * @h: Receives the header as it is in KHO memory.
 *
 * Context: plu_state.lock held.
 *
 * Return: true, or false while nothing is preserved (@h is untouched).
 */
bool plu_img_header(struct plu_wire_header *h)
{
	lockdep_assert_held(&plu_state.lock);
	if (!plu_state.img)
		return false;
	*h = *plu_state.img->hdr;
	return true;
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
	img->capacity = plu_capacity_for(plu_state.nr_tracked +
					 plu_state.nr_sriov_recs);
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
	xa_for_each(&plu_state.devs, key, d) {
		plu_img_write(d);
		plu_sriov_write_all(d);
	}

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
	xa_for_each(&plu_state.devs, key, d) {
		d->slot = PLU_NO_SLOT;
		plu_sriov_forget_slots(d);
	}
	plu_state.img = NULL;
	plu_img_free(img);
	plu_state.t_ns[PLU_T_UNPRESERVE] = ktime_get_ns() - t0;
	pr_info("outgoing set unpreserved; marks are kept\n");
}

static int plu_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	args->obj = plu_incoming_retrieve(args->data);
	return 0;
}

static void plu_flb_finish(struct liveupdate_flb_op_args *args)
{
	plu_incoming_finish(args->obj);
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
