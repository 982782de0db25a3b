// SPDX-License-Identifier: GPL-2.0
/*
 * Write valid wire images (header + record block), built with the encoder,
 * as seeds for fuzz_wire: mkseeds DIR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/plu_wire.h"

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

static int write_image(const char *dir, unsigned int count, unsigned int cap,
		       unsigned int flags)
{
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
		if (plu_wire_put(&h, recs, i, &d))
			ret = -1;
	}
	if (flags)
		plu_wire_header_set_flags(&h, flags);
	if (plu_wire_header_check(&h, NULL) ||
	    plu_wire_check_records(&h, recs, count * sizeof(*recs), NULL)) {
		fprintf(stderr, "mkseeds: generated image %u is invalid\n", count);
		ret = -1;
	}
	snprintf(path, sizeof(path), "%s/image-%u-of-%u%s", dir, count, cap,
		 flags ? "-frozen" : "");
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

int main(int argc, char **argv)
{
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	ret |= write_image(argv[1], 0, 1, 0);
	ret |= write_image(argv[1], 1, 1, 0);
	ret |= write_image(argv[1], 5, 8, 0);
	ret |= write_image(argv[1], 5, 8, PLU_WIRE_F_FROZEN);
	ret |= write_image(argv[1], 64, 64, 0);
	return ret ? 1 : 0;
}
