// SPDX-License-Identifier: GPL-2.0
/*
 * Write valid wire images, built with the encoder, as seeds:
 *
 *   mkseeds DIR [IMAGE_DIR GAP_DIR]
 *
 * DIR gets header + record block images for fuzz_wire.  IMAGE_DIR gets
 * valid frozen images for fuzz_image, in its input layout (fuzz_image.h),
 * each at the address of our record block in the simulated memory, plus
 * hostile ones with valid CRCs, among them the reproducers of the gaps the
 * module has closed.  Each is named OUTCOME.what, OUTCOME being what
 * fuzz_image must make of it (fz_outcome_name()); none may hit the known
 * gap.  GAP_DIR gets the reproducer of the known gap fuzz_image-strict
 * aborts on (see fuzz_image.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_image.h"

static void make_dev(struct pci_liveupdate_device *d, unsigned int i)
{
	static const char *const drivers[] = {
		"", "nvme", "mlx5_core", "vfio-pci", "pcieport",
		"abcdefghijklmnop",
	};

	memset(d, 0, sizeof(*d));
	d->segment = (i % 4 == 3) ? 0x10000 : i % 2;
	d->bus = (unsigned char)(i * 3);
	d->devfn = (unsigned char)(i * 7 + 1);
	d->vendor = 0x8086 + i;
	d->device = 0x1000 + i;
	d->subsystem_vendor = 0x1af4;
	d->subsystem_device = (unsigned short)i;
	d->class_code = (i % 3) ? 0x010802 : 0x060400;
	d->revision = (unsigned char)i;
	d->root_bus = (unsigned char)i;
	d->path_depth = 1 + i % 12;
	for (unsigned int k = 0; k < d->path_depth; k++)
		d->path[k] = (unsigned char)(k * 8);
	d->path[d->path_depth - 1] = d->devfn;
	if (i % 3) {
		d->flags = PCI_LIVEUPDATE_DEV_MARKED;
		if (i % 2)
			d->flags |= PCI_LIVEUPDATE_DEV_REBIND;
	} else {
		d->flags = PCI_LIVEUPDATE_DEV_AUTO | PCI_LIVEUPDATE_DEV_BRIDGE;
		d->refs = 1 + i % 5;
	}
	if (i % 5 == 1) {
		d->flags |= PCI_LIVEUPDATE_DEV_DSN;
		d->dsn = 0x0123456789abcdefULL * (i + 1);
	}
	strcpy(d->driver, drivers[i % 6]);
	if (i % 6 == 5)
		d->flags |= PCI_LIVEUPDATE_DEV_DRIVER_TRUNC;
}

/*
 * An image of @count devices; with @sriov, the first one is a PF marked
 * with its VFs, followed by its SR-IOV configuration and two VFs.
 */
static int write_image(const char *dir, unsigned int count, unsigned int cap,
		       unsigned int flags, bool sriov)
{
	struct plu_wire_sriov sr = { 0 };
	struct plu_wire_header h;
	struct plu_wire_record *recs = calloc(cap, sizeof(*recs));
	struct pci_liveupdate_device d;
	char path[4096];
	FILE *f;
	int ret = 0;

	if (!recs)
		return -1;
	plu_wire_header_init(&h, 0x100000ULL * (count + 1), cap);
	for (unsigned int i = 0; i < count; i++) {
		make_dev(&d, i);
		if (sriov && !i) {
			d.flags |= PCI_LIVEUPDATE_DEV_MARKED |
				   PCI_LIVEUPDATE_DEV_WITH_VFS;
			sr.segment = d.segment;
			sr.bus = d.bus;
			sr.devfn = d.devfn;
		}
		if (plu_wire_write(&h, recs, i, &d))
			ret = -1;
	}
	if (sriov) {
		sr.num_vfs = 2;
		sr.total_vfs = 4;
		sr.sriov_flags = PCI_LIVEUPDATE_SRIOV_AUTOPROBE;
		if (plu_wire_write_sriov(&h, recs, count++, &sr))
			ret = -1;
		sr.is_vf = true;
		for (unsigned int i = 0; i < 2; i++) {
			sr.vf.index = (u16)i;
			sr.vf.vendor = 0x1b36;
			sr.vf.device = 0x0010;
			sr.vf.devfn = (u8)(i + 1);
			strcpy(sr.vf.driver, i ? "vfio-pci" : "nvme");
			strcpy(sr.vf.driver_override, i ? "vfio-pci" : "");
			if (plu_wire_write_sriov(&h, recs, count++, &sr))
				ret = -1;
		}
	}
	if (flags)
		plu_wire_header_set_flags(&h, flags);
	if (plu_wire_header_check(&h, NULL) ||
	    plu_wire_check_records(&h, recs, count * sizeof(*recs), NULL)) {
		fprintf(stderr, "mkseeds: generated image %u is invalid\n", count);
		ret = -1;
	}
	snprintf(path, sizeof(path), "%s/image-%u-of-%u%s%s", dir, count, cap,
		 flags ? "-frozen" : "", sriov ? "-sriov" : "");
	f = fopen(path, "wb");
	if (!f ||
	    fwrite(&h, sizeof(h), 1, f) != 1 ||
	    (count && fwrite(recs, sizeof(*recs), count, f) != count) ||
	    fclose(f)) {
		perror(path);
		ret = -1;
	}
	free(recs);
	return ret;
}

/*
 * One fuzz_image input, named OUTCOME.@name: control bytes, header, @n
 * records of @recs.
 */
static int write_fz(const char *dir, enum fz_outcome o, const char *name,
		    const struct fz_ctl *c, const struct plu_wire_header *h,
		    const struct plu_wire_record *recs, unsigned int n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, fz_outcome_name(o),
		 name);
	f = fopen(path, "wb");
	if (!f ||
	    fwrite(c, sizeof(*c), 1, f) != 1 ||
	    fwrite(h, sizeof(*h), 1, f) != 1 ||
	    (n && fwrite(recs, sizeof(*recs), n, f) != n) ||
	    fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

/*
 * Our record block in the simulated memory for @layout, as the module
 * leaves it at reboot: @count records, the rest zero, header frozen.
 */
static struct plu_wire_record *fz_image(struct plu_wire_header *h, u8 layout,
					unsigned int count)
{
	u32 cap = (u32)(fz_ours_size(layout) / sizeof(struct plu_wire_record));
	struct plu_wire_record *recs = calloc(cap, sizeof(*recs));
	struct pci_liveupdate_device d;

	if (!recs)
		return NULL;
	plu_wire_header_init(h, fz_ours(layout), cap);
	for (unsigned int i = 0; i < count; i++) {
		make_dev(&d, i);
		/* unique addresses, as the module's index wants */
		d.segment = i;
		if (plu_wire_write(h, recs, i, &d)) {
			free(recs);
			return NULL;
		}
	}
	plu_wire_header_set_flags(h, PLU_WIRE_F_FROZEN);
	if (plu_wire_header_check(h, NULL) ||
	    plu_wire_check_records(h, recs, (size_t)cap * sizeof(*recs),
				   NULL)) {
		fprintf(stderr, "mkseeds: fuzz_image seed of %u is invalid\n",
			count);
		free(recs);
		return NULL;
	}
	return recs;
}

static int write_image_seeds(const char *dir)
{
	static const struct { u8 layout; unsigned int count; } good[] = {
		{ 0, 0 }, { 0, 1 }, { 0, 5 }, { 0, 64 },
		{ 1, 3 }, { 1, 100 }, { 2, 7 }, { 3, 200 },
		{ FZ_L_16K, 10 }, { FZ_L_16K | 1, 2 },
		{ FZ_L_RAM_ZERO, 5 }, { FZ_L_RAM_ZERO | FZ_L_16K, 0 },
	};
	struct plu_wire_header h;
	struct plu_wire_record *recs;
	struct pci_liveupdate_device d;
	struct fz_ctl c;
	char name[64];
	int ret = 0;
	size_t i;

	/* accepted; an empty one without its block being restored */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		recs = fz_image(&h, good[i].layout, good[i].count);
		if (!recs)
			return -1;
		memset(&c, 0, sizeof(c));
		c.layout = good[i].layout;
		snprintf(name, sizeof(name), "image-%u-layout-%#x",
			 good[i].count, good[i].layout);
		ret |= write_fz(dir, good[i].count ? FZ_OUT_ACCEPTED :
			       FZ_OUT_EMPTY, name, &c, &h, recs, good[i].count);
		free(recs);
	}

	/* hostile, CRC valid: the block moved by the control bytes */
	recs = fz_image(&h, 0, 5);
	if (!recs)
		return -1;
	memset(&c, 0, sizeof(c));
	c.count = FZ_C_ZERO;	/* and the header CRC left as it was */
	ret |= write_fz(dir, FZ_OUT_HEADER_REJECTED, "stale-header-crc", &c,
			&h, recs, 5);
	c.count = FZ_C_KEEP;
	c.seal = FZ_SEAL_CRC;
	c.where = FZ_W_HDR;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED, "hostile-body-is-header",
			&c, &h, recs, 5);
	c.where = FZ_W_OURS;	/* 8K from our page: over the header's */
	c.size = FZ_S_POW2 | 1 << 2;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED, "hostile-over-header",
			&c, &h, recs, 5);
	c.where = FZ_W_FOREIGN;
	c.delta = 0;
	c.size = FZ_S_OURS;
	c.count = FZ_C_ZERO;
	c.seal = FZ_SEAL_CRC | FZ_SEAL_XOR;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED, "hostile-foreign-empty",
			&c, &h, recs, 5);
	c.count = FZ_C_KEEP;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED, "hostile-foreign-records",
			&c, &h, recs, 5);
	c.where = FZ_W_FOREIGN0;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED,
			"hostile-zeroed-foreign-records", &c, &h, recs, 5);
	c.where = FZ_W_HOLE;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED, "hostile-hole", &c, &h,
			recs, 5);
	c.where = FZ_W_TOP;	/* 8K from the last page */
	c.size = FZ_S_POW2 | 1 << 2;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED, "hostile-wrap", &c, &h,
			recs, 5);
	c.size = FZ_S_OURS;
	c.where = FZ_W_OURS | FZ_W_SUBPAGE;
	c.sub = 1;
	c.delta = 0;
	ret |= write_fz(dir, FZ_OUT_HEADER_REJECTED, "hostile-unaligned", &c,
			&h, recs, 5);
	c.layout = FZ_L_16K;
	c.where = FZ_W_OURS;
	c.delta = 1;
	ret |= write_fz(dir, FZ_OUT_IMAGE_REJECTED, "hostile-16k-unaligned",
			&c, &h, recs, 5);
	free(recs);

	/*
	 * Our order-1 block at its head, said to be one page: restored, not
	 * its folio's size, so kept and never freed.
	 */
	recs = fz_image(&h, 1, 3);
	if (!recs)
		return -1;
	memset(&c, 0, sizeof(c));
	c.layout = 1;
	c.size = FZ_S_POW2;
	c.seal = FZ_SEAL_CRC;
	ret |= write_fz(dir, FZ_OUT_KEPT, "our-block-said-smaller", &c, &h,
			recs, 3);
	free(recs);

	/* a writer's image with an address twice: restored, then rejected */
	recs = fz_image(&h, 0, 2);
	if (!recs)
		return -1;
	make_dev(&d, 0);
	d.segment = 0;		/* record 0's address */
	d.vendor ^= 1;
	if (plu_wire_write(&h, recs, 2, &d)) {
		free(recs);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	ret |= write_fz(dir, FZ_OUT_TWICE, "address-twice", &c, &h, recs, 3);
	free(recs);
	return ret;
}

/*
 * The gaps the module closed by never restoring the block of an empty set:
 * zero bytes pass plu_wire_image_check() as one wherever they are.  Each
 * is accepted as an empty set now, with nothing restored.
 */
static int write_closed_gap_seeds(const char *dir)
{
	struct plu_wire_header h;
	struct plu_wire_record *recs;
	struct fz_ctl c;
	int ret = 0;

	/* (a) an empty set in the zeroed second page of our order-1 block */
	recs = fz_image(&h, 1, 3);
	if (!recs)
		return -1;
	memset(&c, 0, sizeof(c));
	c.layout = 1;
	c.where = FZ_W_OURS;
	c.delta = 1;
	c.size = FZ_S_POW2;
	c.count = FZ_C_ZERO | FZ_F_ONLY_FROZEN << 2;
	c.seal = FZ_SEAL_CRC | FZ_SEAL_XOR;
	ret |= write_fz(dir, FZ_OUT_EMPTY, "closed-gap-a-empty-set-in-our-tail",
			&c, &h, recs, 3);
	free(recs);

	/* (b) an empty set in zeroed RAM nobody preserved */
	recs = fz_image(&h, FZ_L_RAM_ZERO, 3);
	if (!recs)
		return -1;
	c.layout = FZ_L_RAM_ZERO;
	c.where = FZ_W_RAM;
	c.delta = 0;
	ret |= write_fz(dir, FZ_OUT_EMPTY, "closed-gap-b-empty-set-in-zero-ram",
			&c, &h, recs, 3);
	free(recs);

	/*
	 * (d) an empty set at the head of another user's zeroed order-2
	 * folio: one page of it (restored, it was not the folio's size, and
	 * the folio was freed at finish under its owner), all of it, and one
	 * 16K page of the 64K folio of a 16K kernel.
	 */
	recs = fz_image(&h, 0, 3);
	if (!recs)
		return -1;
	c.layout = 0;
	c.where = FZ_W_FOREIGN0;
	ret |= write_fz(dir, FZ_OUT_EMPTY,
			"closed-gap-d-empty-set-in-a-page-of-a-zeroed-foreign-folio",
			&c, &h, recs, 3);
	c.size = FZ_S_POW2 | 2 << 2;
	ret |= write_fz(dir, FZ_OUT_EMPTY,
			"closed-gap-d-empty-set-in-a-whole-zeroed-foreign-folio",
			&c, &h, recs, 3);
	c.layout = FZ_L_16K;
	c.size = FZ_S_POW2 | 2 << 2;
	ret |= write_fz(dir, FZ_OUT_EMPTY,
			"closed-gap-d-16k-empty-set-in-a-page-of-a-zeroed-foreign-folio",
			&c, &h, recs, 3);
	free(recs);
	return ret;
}

/*
 * What plu_wire_image_check() cannot tell from our block: a page-aligned
 * window of our own records, at a page that is no folio's head.
 */
static int write_gap_seeds(const char *dir)
{
	struct plu_wire_header h;
	struct plu_wire_record *recs;
	struct fz_ctl c;
	int ret;

	/* (c) records 64..99 of our order-1 block as a set of their own */
	recs = fz_image(&h, 1, 100);
	if (!recs)
		return -1;
	h.count = cpu_to_le32(36);
	memset(&c, 0, sizeof(c));
	c.layout = 1;
	c.where = FZ_W_OURS;
	c.delta = 1;
	c.size = FZ_S_POW2;
	c.count = FZ_C_KEEP | FZ_F_ONLY_FROZEN << 2;
	c.seal = FZ_SEAL_CRC | FZ_SEAL_XOR;
	ret = write_fz(dir, FZ_OUT_NOT_A_FOLIO, "gap-c-window-of-our-records",
		       &c, &h, recs, 100);
	free(recs);
	return ret;
}

int main(int argc, char **argv)
{
	int ret = 0;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: mkseeds DIR [IMAGE_DIR GAP_DIR]\n");
		return 2;
	}
	ret |= write_image(argv[1], 0, 1, 0, false);
	ret |= write_image(argv[1], 1, 1, 0, false);
	ret |= write_image(argv[1], 5, 8, 0, false);
	ret |= write_image(argv[1], 5, 8, PLU_WIRE_F_FROZEN, false);
	ret |= write_image(argv[1], 5, 8, PLU_WIRE_F_FROZEN, true);
	ret |= write_image(argv[1], 64, 64, 0, false);
	if (argc == 4) {
		ret |= write_image_seeds(argv[2]);
		ret |= write_closed_gap_seeds(argv[2]);
		ret |= write_gap_seeds(argv[3]);
	}
	return ret ? 1 : 0;
}
