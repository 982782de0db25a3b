// SPDX-License-Identifier: GPL-2.0
/*
 * Host benchmark of the wire codec: for N records, the cost per record of
 * building an image with plu_wire_write(), of validating and decoding it the
 * way the next kernel does (header check, record check, decode of every
 * record), and of a plain memcpy() of the same bytes as the floor.
 *
 * bench_wire [CSV [SRIOV_CSV]]   prints the tables, and writes CSV to the
 * files if given.
 *
 * Each number is the median of 5 measurements, each repeating the operation
 * for at least 20 ms, so the bytes stay in the caches ("hot").  For N >=
 * COLD_MIN, decode and memcpy are also timed one run at a time, in turn, on
 * buffers flushed from every cache level first ("cold", medians of
 * COLD_SAMPLES pairs; the ratio is the median of the ratios in a pair):
 * that is how the next kernel finds the set, in memory nothing has touched
 * since the kexec.  The CRC32C used is reported; the runs are done with the
 * SSE4.2 instruction when the CPU has it (as the kernel's crc32c() would
 * use) and again with the portable table.
 *
 * Then the SR-IOV footprint: images of PFs marked with their VFs (wire
 * version 3), encoded with the codec the module uses (plu_wire_write() for
 * the PF and the root port above it, plu_wire_write_sriov() for the PF's
 * configuration record and each VF's), checked and decoded back, and their
 * size read from the header (header_size + count * record_size).  The rows
 * give one PF marked without and with its VFs, for 0 to 127 VFs (QEMU's
 * nvme maximum), and the 2 PFs x 16 VFs of the guest benchmark; the bytes
 * per VF and per configuration record are differences between those
 * images, not constants.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/plu_wire.h"

int plu_crc32c_select(int hw);
const char *plu_crc32c_impl_name(void);

#define MIN_NS		20000000ULL
#define SAMPLES		5
#define MAX_SHIFT	8		/* N = 4^0 .. 4^8 = 65536 */
#define BODY_PHYS	0x40000000ULL
#define COLD_MIN	256
#define COLD_SAMPLES	15
#define LINE		64

static struct pci_liveupdate_device *devs, *out;
static struct plu_wire_record *recs;
static void *copy_dst;
static struct plu_wire_header hdr;
static volatile int sink;

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static void clobber(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void make_dev(struct pci_liveupdate_device *d, u32 i)
{
	memset(d, 0, sizeof(*d));
	d->segment = i >> 16;
	d->bus = (u8)(i >> 8);
	d->devfn = (u8)i;
	d->vendor = 0x8086;
	d->device = (u16)(0x1000 + i);
	d->subsystem_vendor = 0x1af4;
	d->subsystem_device = (u16)i;
	d->class_code = 0x010802;
	d->revision = (u8)i;
	d->root_bus = 0;
	d->path_depth = 1 + i % 4;
	for (u32 k = 0; k + 1 < d->path_depth; k++)
		d->path[k] = (u8)(8 * (k + 1));
	d->path[d->path_depth - 1] = d->devfn;
	if (i % 8 == 7) {
		d->flags = PCI_LIVEUPDATE_DEV_AUTO | PCI_LIVEUPDATE_DEV_BRIDGE;
		d->class_code = 0x060400;
		d->refs = 3;
		strcpy(d->driver, "pcieport");
	} else {
		d->flags = PCI_LIVEUPDATE_DEV_MARKED | PCI_LIVEUPDATE_DEV_DSN |
			   PCI_LIVEUPDATE_DEV_REBIND;
		d->dsn = 0x0123456789abcdefULL ^ i;
		strcpy(d->driver, "nvme");
	}
}

static void op_encode(u32 n)
{
	plu_wire_header_init(&hdr, BODY_PHYS, n);
	for (u32 i = 0; i < n; i++)
		if (plu_wire_write(&hdr, recs, i, &devs[i]))
			abort();
	clobber(recs);
}

/* What the next kernel's FLB retrieve does with the image. */
static void op_decode(u32 n)
{
	if (plu_wire_header_check(&hdr, NULL) ||
	    plu_wire_decode_records(&hdr, recs, (size_t)n * sizeof(*recs), out,
				    NULL))
		abort();
	clobber(out);
}

static void op_memcpy(u32 n)
{
	clobber(recs);
	memcpy(copy_dst, recs, (size_t)n * sizeof(*recs));
	clobber(copy_dst);
}

/*
 * Write back and drop the buffers of both operations from every cache
 * level: clflush where the CPU has it, else read a buffer larger than any
 * cache.
 */
static void flush_caches(u32 n)
{
	size_t len = (size_t)n * sizeof(*recs);
#if defined(__x86_64__) || defined(__i386__)
	char *bufs[] = { (char *)recs, (char *)out, (char *)copy_dst };

	for (size_t b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++)
		for (size_t off = 0; off < len; off += LINE)
			__builtin_ia32_clflush(bufs[b] + off);
	__builtin_ia32_mfence();
#else
	static volatile u8 *evict;
	static const size_t evict_len = 256U << 20;
	u8 sum = 0;

	(void)len;
	if (!evict)
		evict = calloc(1, evict_len);
	if (!evict)
		abort();
	for (size_t off = 0; off < evict_len; off += LINE)
		sum += evict[off];
	sink = sum;
#endif
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median over SAMPLES of the ns per record of op(n). */
static double measure(void (*op)(u32), u32 n)
{
	double s[SAMPLES];
	u64 iters = 1, t0, dt, k;
	int i;

	op(n);				/* warm up */
	for (;;) {
		t0 = now_ns();
		for (k = 0; k < iters; k++)
			op(n);
		dt = now_ns() - t0;
		if (dt >= MIN_NS)
			break;
		iters = dt ? iters * 2 > iters * MIN_NS / dt + 1 ?
			     iters * 2 : iters * MIN_NS / dt + 1 : iters * 16;
	}
	for (i = 0; i < SAMPLES; i++) {
		t0 = now_ns();
		for (k = 0; k < iters; k++)
			op(n);
		dt = now_ns() - t0;
		s[i] = (double)dt / (double)iters / (double)n;
	}
	qsort(s, SAMPLES, sizeof(s[0]), cmp_double);
	return s[SAMPLES / 2];
}

/*
 * Decode and memcpy from cold, one run of each in turn, COLD_SAMPLES
 * pairs: the medians of each (ns per record) and of the ratio within a
 * pair, so a slow stretch of the shared machine weighs on both alike.
 */
static void measure_cold(u32 n, double *dec, double *cpy, double *ratio)
{
	double d[COLD_SAMPLES], c[COLD_SAMPLES], r[COLD_SAMPLES];
	u64 t0;
	int i;

	for (i = 0; i < COLD_SAMPLES; i++) {
		flush_caches(n);
		t0 = now_ns();
		op_decode(n);
		d[i] = (double)(now_ns() - t0) / (double)n;
		flush_caches(n);
		t0 = now_ns();
		op_memcpy(n);
		c[i] = (double)(now_ns() - t0) / (double)n;
		r[i] = d[i] / c[i];
	}
	qsort(d, COLD_SAMPLES, sizeof(d[0]), cmp_double);
	qsort(c, COLD_SAMPLES, sizeof(c[0]), cmp_double);
	qsort(r, COLD_SAMPLES, sizeof(r[0]), cmp_double);
	*dec = d[COLD_SAMPLES / 2];
	*cpy = c[COLD_SAMPLES / 2];
	*ratio = r[COLD_SAMPLES / 2];
}

static void run(FILE *csv)
{
	const char *impl = plu_crc32c_impl_name();

	printf("\ncrc32c: %s\n", impl);
	printf("%7s %10s %8s | %-22s | %-22s\n", "", "", "", "hot: ns/record",
	       "cold: ns/record");
	printf("%7s %10s %8s | %7s %7s %6s | %7s %7s %6s\n", "N", "bytes",
	       "encode", "decode", "memcpy", "ratio", "decode", "memcpy",
	       "ratio");
	for (int sh = 0; sh <= MAX_SHIFT; sh++) {
		u32 n = 1U << (2 * sh);
		double enc, dec, cpy, cdec = 0, ccpy = 0, cratio = 0;

		enc = measure(op_encode, n);
		op_encode(n);		/* the image decode works on */
		dec = measure(op_decode, n);
		cpy = measure(op_memcpy, n);
		if (n >= COLD_MIN)
			measure_cold(n, &cdec, &ccpy, &cratio);
		for (u32 i = 0; i < n; i++) {
			struct pci_liveupdate_device e = devs[i];

			if (memcmp(&out[i], &e, sizeof(e)))
				abort();
		}
		printf("%7u %10zu %8.2f | %7.2f %7.2f %6.2f |", n,
		       (size_t)n * sizeof(*recs), enc, dec, cpy, dec / cpy);
		if (ccpy > 0)
			printf(" %7.2f %7.2f %6.2f\n", cdec, ccpy, cratio);
		else
			printf(" %7s %7s %6s\n", "-", "-", "-");
		if (csv) {
			fprintf(csv, "%u,%zu,%.3f,%.3f,%.3f,%.3f,", n,
				(size_t)n * sizeof(*recs), enc, dec, cpy,
				dec / cpy);
			if (ccpy > 0)
				fprintf(csv, "%.3f,%.3f,%.3f,", cdec, ccpy,
					cratio);
			else
				fprintf(csv, ",,,");
			fprintf(csv, "%s\n", impl);
		}
	}
	fflush(stdout);
}

/* ---- SR-IOV footprint ------------------------------------------------ */

#define SRIOV_MAX_VFS	127		/* QEMU nvme's sriov_max_vfs limit */
#define SRIOV_MAX_RECS	(2 * (3 + SRIOV_MAX_VFS))

struct sriov_img {
	u32 records, devs, sriov;
	size_t bytes;
};

/*
 * Encode the image of @npf PFs, each below its own root port (tracked as a
 * bridge), marked with PCI_LIVEUPDATE_MARK_WITH_VFS if @with_vfs and then
 * with @nvfs VFs enabled; check and decode it as the next kernel does and
 * count what came back.
 */
static void sriov_image(u32 npf, int with_vfs, u32 nvfs, struct sriov_img *r)
{
	static struct plu_wire_record srecs[SRIOV_MAX_RECS];
	static struct pci_liveupdate_device sdevs[SRIOV_MAX_RECS];
	static struct plu_wire_sriov ssriov[SRIOV_MAX_RECS];
	struct plu_wire_decoded d = { .devs = sdevs, .sriov = ssriov };
	struct plu_wire_header h;
	const char *why = NULL;
	u32 slot = 0, p, i;

	memset(srecs, 0, sizeof(srecs));
	plu_wire_header_init(&h, BODY_PHYS, SRIOV_MAX_RECS);
	for (p = 0; p < npf; p++) {
		struct pci_liveupdate_device port = {}, pf = {};
		struct plu_wire_sriov c = {};

		/* The root port 00:1d.0 + p, and its PF at bus 8 + p. */
		port.bus = 0;
		port.devfn = (u8)((0x1d + p) << 3);
		port.flags = PCI_LIVEUPDATE_DEV_AUTO | PCI_LIVEUPDATE_DEV_BRIDGE;
		port.vendor = 0x1b36;
		port.device = 0x000c;
		port.class_code = 0x060400;
		port.refs = 1;
		port.path_depth = 1;
		port.path[0] = port.devfn;
		strcpy(port.driver, "pcieport");
		pf.bus = (u8)(8 + p);
		pf.devfn = 0;
		pf.flags = PCI_LIVEUPDATE_DEV_MARKED |
			   (with_vfs ? PCI_LIVEUPDATE_DEV_WITH_VFS : 0);
		pf.vendor = 0x1b36;
		pf.device = 0x0010;
		pf.subsystem_vendor = 0x1af4;
		pf.subsystem_device = 0x1100;
		pf.class_code = 0x010802;
		pf.revision = 2;
		pf.path_depth = 2;
		pf.path[0] = port.devfn;
		pf.path[1] = 0;
		strcpy(pf.driver, "nvme");
		if (plu_wire_write(&h, srecs, slot++, &port) ||
		    plu_wire_write(&h, srecs, slot++, &pf))
			abort();
		if (!with_vfs)
			continue;
		c.bus = pf.bus;
		c.devfn = pf.devfn;
		c.num_vfs = (u16)nvfs;
		c.total_vfs = SRIOV_MAX_VFS;
		if (plu_wire_write_sriov(&h, srecs, slot++, &c))
			abort();
		for (i = 0; i < nvfs; i++) {
			struct plu_wire_sriov v = {
				.bus = pf.bus, .devfn = pf.devfn, .is_vf = true,
			};
			u32 rid = 1 + i;	/* offset 1, stride 1 */

			v.vf.index = (u16)i;
			v.vf.vendor = 0x1b36;
			v.vf.device = 0x0010;
			v.vf.subsystem_vendor = 0x1af4;
			v.vf.subsystem_device = 0x1100;
			v.vf.bus = (u8)(pf.bus + (rid >> 8));
			v.vf.devfn = (u8)rid;
			/* Half bound to vfio-pci through an override. */
			if (i % 2) {
				strcpy(v.vf.driver, "vfio-pci");
				strcpy(v.vf.driver_override, "vfio-pci");
			}
			if (plu_wire_write_sriov(&h, srecs, slot++, &v))
				abort();
		}
	}
	plu_wire_header_set_flags(&h, PLU_WIRE_F_FROZEN);
	if (plu_wire_header_check(&h, &why) ||
	    plu_wire_decode(&h, srecs, sizeof(srecs), &d, &why)) {
		fprintf(stderr, "bench_wire: SR-IOV image rejected: %s\n",
			why ? why : "?");
		exit(1);
	}
	r->records = le32_to_cpu(h.count);
	r->devs = d.nr_devs;
	r->sriov = d.nr_sriov;
	r->bytes = le16_to_cpu(h.header_size) +
		   (size_t)r->records * le16_to_cpu(h.record_size);
	if (r->records != slot || r->devs != 2 * npf ||
	    r->sriov != (with_vfs ? npf * (1 + nvfs) : 0)) {
		fprintf(stderr, "bench_wire: SR-IOV image of %u records decoded as %u + %u\n",
			slot, r->devs, r->sriov);
		exit(1);
	}
}

static void sriov_footprint(FILE *csv)
{
	/* { PFs, marked --with-vfs, VFs enabled on each } */
	static const u32 cases[][3] = {
		{ 1, 0, 0 }, { 1, 1, 0 }, { 1, 1, 1 }, { 1, 1, 2 }, { 1, 1, 4 },
		{ 1, 1, 8 }, { 1, 1, 16 }, { 1, 1, 32 }, { 1, 1, 64 },
		{ 1, 1, SRIOV_MAX_VFS }, { 2, 0, 0 }, { 2, 1, 16 },
	};
	struct sriov_img plain, base, full, img, ref;
	double per_vf, b_vf;
	char name[48];
	size_t k;

	sriov_image(1, 0, 0, &plain);
	sriov_image(1, 1, 0, &base);
	sriov_image(1, 1, SRIOV_MAX_VFS, &full);
	per_vf = (double)(full.bytes - base.bytes) / SRIOV_MAX_VFS;
	printf("\nSR-IOV footprint (wire v%u; images encoded, checked and decoded by the codec;\n"
	       "each PF below a root port, tracked as a bridge; +bytes: over the same PFs\n"
	       "marked without --with-vfs):\n", PLU_WIRE_VERSION);
	printf("%-26s %7s %7s %7s %8s\n", "image", "records", "bytes",
	       "+bytes", "+B/VF");
	if (csv)
		fprintf(csv, "case,pfs,with_vfs,vfs_per_pf,records,device_records,sriov_records,wire_bytes,bytes_over_plain,bytes_over_plain_per_vf,config_record_bytes,vf_record_bytes\n");
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		u32 npf = cases[k][0], with = cases[k][1], n = cases[k][2];

		sriov_image(npf, with, n, &img);
		sriov_image(npf, 0, 0, &ref);
		if (!with)
			snprintf(name, sizeof(name), "%u PF%s without --with-vfs", npf,
				 npf > 1 ? "s" : "");
		else
			snprintf(name, sizeof(name), "%u PF%s x %u VF%s", npf,
				 npf > 1 ? "s" : "", n, n == 1 ? "" : "s");
		b_vf = n ? (double)(img.bytes - ref.bytes) / (npf * n) : 0;
		printf("%-26s %7u %7zu %7zu ", name, img.records, img.bytes,
		       img.bytes - ref.bytes);
		if (n)
			printf("%8.1f\n", b_vf);
		else
			printf("%8s\n", "-");
		if (csv)
			fprintf(csv, "%s,%u,%u,%u,%u,%u,%u,%zu,%zu,%.3f,%zu,%.3f\n",
				name, npf, with, n, img.records, img.devs,
				img.sriov, img.bytes, img.bytes - ref.bytes, b_vf,
				base.bytes - plain.bytes, per_vf);
	}
	printf("configuration record: %zu B per PF; each VF: %.1f B (0 to %u VFs)\n",
	       base.bytes - plain.bytes, per_vf, SRIOV_MAX_VFS);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	u32 max = 1U << (2 * MAX_SHIFT);
	FILE *csv = NULL;

	devs = calloc(max, sizeof(*devs));
	out = calloc(max, sizeof(*out));
	recs = aligned_alloc(4096, (size_t)max * sizeof(*recs));
	copy_dst = aligned_alloc(4096, (size_t)max * sizeof(*recs));
	if (!devs || !out || !recs || !copy_dst)
		return 1;
	memset(recs, 0, (size_t)max * sizeof(*recs));
	memset(copy_dst, 0, (size_t)max * sizeof(*recs));
	for (u32 i = 0; i < max; i++)
		make_dev(&devs[i], i);

	if (argc > 1) {
		csv = fopen(argv[1], "w");
		if (!csv) {
			perror(argv[1]);
			return 1;
		}
		fprintf(csv, "n,bytes,encode_ns_per_rec,decode_ns_per_rec,"
			"memcpy_ns_per_rec,decode_over_memcpy,cold_decode_ns_per_rec,"
			"cold_memcpy_ns_per_rec,cold_decode_over_memcpy,crc32c\n");
	}
	if (!plu_crc32c_select(1))
		run(csv);
	plu_crc32c_select(0);
	run(csv);
	sink = out[0].bus;
	if (csv && fclose(csv)) {
		perror(argv[1]);
		return 1;
	}
	csv = NULL;
	if (argc > 2) {
		csv = fopen(argv[2], "w");
		if (!csv) {
			perror(argv[2]);
			return 1;
		}
	}
	sriov_footprint(csv);
	if (csv && fclose(csv)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
