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

#include "plu.h"

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
	struct plu_image *img = plu.img;
	struct plu_wire_record *recs;
	struct plu_dev **slots;
	u32 cap, count;

	lockdep_assert_held(&plu.lock);

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
 * plu_img_put() - write a device's record into the image
 * @d: The device; gets a slot if it has none.
 *
 * No-op while nothing is preserved.  Capacity must have been reserved.
 */
void plu_img_put(struct plu_dev *d)
{
	struct plu_image *img = plu.img;
	u32 slot;

	lockdep_assert_held(&plu.lock);
	if (!img)
		return;

	slot = d->slot == PLU_NO_SLOT ? le32_to_cpu(img->hdr->count) : d->slot;
	if (WARN_ON_ONCE(plu_wire_put(img->hdr, img->recs, slot, &d->info)))
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
	struct plu_image *img = plu.img;
	u32 from;

	lockdep_assert_held(&plu.lock);
	if (!img || d->slot == PLU_NO_SLOT)
		return;

	from = plu_wire_remove(img->hdr, img->recs, d->slot);
	if (!WARN_ON_ONCE(from == U32_MAX) && from != d->slot) {
		img->slots[d->slot] = img->slots[from];
		img->slots[d->slot]->slot = d->slot;
	}
	d->slot = PLU_NO_SLOT;
}

static void plu_img_corrupt(struct plu_image *img)
{
	struct plu_wire_header *h = img->hdr;

	switch (plu.fault) {
	case PLU_FAULT_FLIP:
		/* One bit of the first record, or of the header if empty. */
		if (le32_to_cpu(h->count))
			((u8 *)img->recs)[9] ^= 0x10;
		else
			((u8 *)h)[13] ^= 0x10;
		break;
	case PLU_FAULT_VERSION:
		h->version = cpu_to_le16(PLU_WIRE_VERSION + 1);
		h->header_crc = cpu_to_le32(plu_wire_crc(h, offsetof(typeof(*h),
								     header_crc)));
		break;
	case PLU_FAULT_TRUNCATE:
		h->body_size = cpu_to_le64(le32_to_cpu(h->capacity) *
					   sizeof(struct plu_wire_record) / 2);
		h->header_crc = cpu_to_le32(plu_wire_crc(h, offsetof(typeof(*h),
								     header_crc)));
		break;
	case PLU_FAULT_NONE:
		return;
	}
	pr_warn("fault injection: corrupted the outgoing image (mode %d)\n",
		plu.fault);
	plu.fault = PLU_FAULT_NONE;
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

	guard(mutex)(&plu.lock);

	if (frozen)
		plu.frozen++;
	else if (plu.frozen)
		plu.frozen--;
	if (!plu.img)
		return;
	plu_wire_header_set_flags(plu.img->hdr,
				  plu.frozen ? PLU_WIRE_F_FROZEN : 0);
	if (plu.frozen)
		plu_img_corrupt(plu.img);
	if (frozen) {
		plu.t_ns[PLU_T_FREEZE] = ktime_get_ns() - t0;
		pr_info("outgoing set frozen: %u devices in %llu ns\n",
			plu.nr_tracked, plu.t_ns[PLU_T_FREEZE]);
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

	guard(mutex)(&plu.lock);
	img->capacity = plu_capacity_for(plu.nr_tracked);
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

	plu.img = img;
	xa_for_each(&plu.devs, key, d)
		plu_img_put(d);

	args->data = virt_to_phys(img->hdr);
	args->obj = img;
	plu.t_ns[PLU_T_PRESERVE] = ktime_get_ns() - t0;
	pr_info("outgoing set preserved: %u devices, %llu bytes of KHO memory\n",
		plu.nr_tracked, plu_img_bytes(img));
	return 0;
}

static void plu_flb_unpreserve(struct liveupdate_flb_op_args *args)
{
	struct plu_image *img = args->obj;
	u64 t0 = ktime_get_ns();
	struct plu_dev *d;
	unsigned long key;

	guard(mutex)(&plu.lock);
	xa_for_each(&plu.devs, key, d)
		d->slot = PLU_NO_SLOT;
	plu.img = NULL;
	plu_img_free(img);
	plu.t_ns[PLU_T_UNPRESERVE] = ktime_get_ns() - t0;
	pr_info("outgoing set unpreserved; marks are kept\n");
}

static int plu_in_reject(struct plu_incoming *in, const char *why)
{
	pr_err("incoming device set rejected: %s; nothing from it is trusted\n",
	       why);
	in->state = PCI_LIVEUPDATE_INCOMING_REJECTED;
	in->error = -EINVAL;
	kvfree(in->devs);
	in->devs = NULL;
	in->count = 0;
	xa_destroy(&in->index);
	return -EINVAL;
}

static int plu_in_decode(struct plu_incoming *in, phys_addr_t hdr_phys)
{
	const struct plu_wire_header *h;
	const struct plu_wire_record *recs;
	const char *why = "bad image";
	phys_addr_t body_phys;
	u64 body_size;
	u32 i, count;
	int ret;

	in->hdr_folio = kho_restore_folio(hdr_phys);
	if (!in->hdr_folio)
		return plu_in_reject(in, "header page was not preserved by KHO");
	if (offset_in_page(hdr_phys) ||
	    folio_size(in->hdr_folio) < sizeof(*h))
		return plu_in_reject(in, "header does not fit its page");
	h = folio_address(in->hdr_folio);

	if (plu_wire_header_check(h, &why))
		return plu_in_reject(in, why);

	body_phys = le64_to_cpu(h->body_phys);
	body_size = le64_to_cpu(h->body_size);
	in->body_folio = kho_restore_folio(body_phys);
	if (!in->body_folio)
		return plu_in_reject(in, "record block was not preserved by KHO");
	if (folio_size(in->body_folio) < body_size)
		return plu_in_reject(in, "record block is larger than its folio");
	recs = folio_address(in->body_folio);

	count = le32_to_cpu(h->count);
	in->devs = kvcalloc(max(count, 1U), sizeof(*in->devs), GFP_KERNEL);
	if (!in->devs)
		return plu_in_reject(in, "out of memory");
	if (plu_wire_decode_records(h, recs, body_size, in->devs, &why))
		return plu_in_reject(in, why);

	for (i = 0; i < count; i++) {
		struct pci_liveupdate_device *dev = &in->devs[i];

		ret = xa_insert(&in->index,
				plu_key(dev->segment, dev->bus, dev->devfn),
				xa_mk_value(i), GFP_KERNEL);
		if (ret)
			return plu_in_reject(in, ret == -EBUSY ?
					     "a device appears twice" :
					     "out of memory");
	}
	in->count = count;
	in->state = PCI_LIVEUPDATE_INCOMING_ACTIVE;
	return 0;
}

static int plu_flb_retrieve(struct liveupdate_flb_op_args *args)
{
	u64 t0 = ktime_get_ns();
	struct plu_incoming *in;

	in = kzalloc_obj(*in);
	if (!in)
		return -ENOMEM;
	xa_init(&in->index);

	/*
	 * A bad image is reported, not returned: LUO would otherwise retry
	 * and WARN when the session finishes.  The state says what happened.
	 */
	if (!plu_in_decode(in, args->data))
		pr_info("incoming device set: %u devices (wire version %u)\n",
			in->count, PLU_WIRE_VERSION);

	scoped_guard(mutex, &plu.lock) {
		plu.in = in;
		plu.t_ns[PLU_T_RETRIEVE] = ktime_get_ns() - t0;
	}
	args->obj = in;
	/*
	 * LUO forgets that this FLB was retrieved and finished when the
	 * module goes away; a reloaded module would retrieve the same, by
	 * then freed, KHO pages again.  Stay loaded until the next reboot.
	 */
	if (in->hdr_folio)
		__module_get(THIS_MODULE);
	if (in->state == PCI_LIVEUPDATE_INCOMING_ACTIVE)
		plu_incoming_rebind(in);
	return 0;
}

static void plu_flb_finish(struct liveupdate_flb_op_args *args)
{
	struct plu_incoming *in = args->obj;
	u64 t0 = ktime_get_ns();

	guard(mutex)(&plu.lock);
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
	plu.t_ns[PLU_T_FINISH] = ktime_get_ns() - t0;
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
	kfree(in);
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
