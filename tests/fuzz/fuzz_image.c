// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the restore step of the incoming image: the header
 * the next kernel finds is hostile (its CRC may well be valid), so the
 * addresses in it are fuzzed along with the bytes.
 *
 * The module's reader, plu_in_decode() in src/flb.c, is modelled step by
 * step on a simulated physical memory (see fuzz_image.h):
 *
 *   header page (restored already: LUO hands it over)
 *   plu_wire_header_check(), then room for count decoded records
 *   plu_wire_image_check(hdr, FZ_HDR, P, map, ...), where map gives the
 *       bytes of a range only if all of it is in one RAM extent
 *   only if that passed: kho_restore_folio(body_phys), which finds a
 *       preserved folio that starts there and has not been restored
 *   reject unless that folio's size is body_size
 *
 * and these hold, or the target aborts:
 *
 *   - map is called at most once, for exactly the block the header names,
 *     and only once the header is valid and frozen and the block is page
 *     aligned, does not wrap and does not overlap the header page;
 *   - kho_restore_folio() is never asked for the header page, for anything
 *     inside another KHO user's folio, or for memory that is not RAM;
 *   - it is asked only for the head of a preserved folio: anything else
 *     WARNs in kho_restore_page().  This is the one invariant the codec
 *     cannot always give (see FUZZ_IMAGE_STRICT below);
 *   - an accepted image restored our block, of exactly body_size bytes, is
 *     frozen, and its count decoded records re-encode, through
 *     plu_wire_put(), to the very bytes of the block and to its header;
 *   - a rejection always comes with a reason.
 *
 * FUZZ_IMAGE_STRICT: an empty set (or a window of our own block) names
 * zero bytes, which plu_wire_image_check() cannot tell from a record block
 * that is not there: in our block's zeroed tail, or in zeroed RAM nobody
 * preserved.  The module then restores a page that is no folio head, and
 * kho_restore_page() WARNs and returns NULL.  Built without
 * FUZZ_IMAGE_STRICT the target lets exactly that through (a restore
 * returning NULL at an address inside our block or in unpreserved RAM),
 * counts it and says so at exit; the strict build aborts on it, and
 * `make fuzz-smoke` runs it on reproducers in build/gap/ expecting that.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_image.h"

#define HDR_SIZE	sizeof(struct plu_wire_header)
#define REC_SIZE	sizeof(struct plu_wire_record)
#define WINDOW		(8 * 0x4000ULL)	/* around FZ_HDR: the layout's part */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static u8 *ram0, *ram1;		/* what RAM0 and RAM1 hold */
static u8 *plain0, *plain1;	/* what unpreserved RAM holds, unless zero */
static u8 *foreign_bytes;	/* what the other user's folios hold */
static int cur_ram_zero = -1, cur_layout = -1;

enum fz_folio_id { FZ_O_HDR, FZ_O_OURS, FZ_O_FOREIGN, FZ_O_FOREIGN2, FZ_O_NR };

static const char *const fz_folio_name[FZ_O_NR] = {
	[FZ_O_HDR]	= "the header page",
	[FZ_O_OURS]	= "our record block",
	[FZ_O_FOREIGN]	= "another KHO user's folio",
	[FZ_O_FOREIGN2]	= "another KHO user's page",
};

/* KHO's preserved folios: a restore clears the magic of the head */
struct fz_folio {
	u64 phys;
	u64 size;
	bool restored;
};

static struct fz_folio folios[FZ_O_NR];
static unsigned long long accepted, gap_hits;
static bool verbose;		/* FUZZ_IMAGE_VERBOSE set: say why */

static void fail(const char *what, u64 phys)
{
	fprintf(stderr, "fuzz_image: %s (phys %#llx)\n", what,
		(unsigned long long)phys);
	abort();
}

/* The bytes of [phys, phys + len) if all of them are in one RAM extent. */
static u8 *ram_at(u64 phys, u64 len)
{
	if (phys >= FZ_RAM0 && phys - FZ_RAM0 <= FZ_RAM0_SIZE &&
	    len <= FZ_RAM0_SIZE - (phys - FZ_RAM0))
		return ram0 + (phys - FZ_RAM0);
	if (phys >= FZ_RAM1 && phys - FZ_RAM1 <= FZ_RAM1_SIZE &&
	    len <= FZ_RAM1_SIZE - (phys - FZ_RAM1))
		return ram1 + (phys - FZ_RAM1);
	return NULL;
}

/* Fill unpreserved RAM in [phys, phys + len) with what it holds. */
static void ram_plain(u64 phys, u64 len)
{
	u8 *dst = ram_at(phys, len);
	const u8 *src;

	if (!dst)
		abort();
	src = phys < FZ_RAM1 ? plain0 + (phys - FZ_RAM0) :
			       plain1 + (phys - FZ_RAM1);
	if (cur_ram_zero)
		memset(dst, 0, len);
	else
		memcpy(dst, src, len);
}

/* Lay out memory for this input: our block holds @block, then zeros. */
static void mem_setup(u8 layout, const u8 *block, size_t block_len)
{
	u64 p = fz_page_size(layout), s = fz_ours_size(layout);
	int zero = !!(layout & FZ_L_RAM_ZERO);

	/* nothing writes memory but this, so redo only what moved */
	if (zero != cur_ram_zero) {
		cur_ram_zero = zero;
		ram_plain(FZ_RAM0, FZ_RAM0_SIZE);
		ram_plain(FZ_RAM1, FZ_RAM1_SIZE);
	} else if ((layout & (FZ_L_ORDER | FZ_L_16K)) != cur_layout) {
		ram_plain(FZ_HDR - WINDOW, 2 * WINDOW);
		ram_plain(FZ_FOREIGN2, 0x4000);
	}
	cur_layout = layout & (FZ_L_ORDER | FZ_L_16K);

	folios[FZ_O_OURS] = (struct fz_folio){ fz_ours(layout), s, false };
	folios[FZ_O_HDR] = (struct fz_folio){ FZ_HDR, p, true };
	folios[FZ_O_FOREIGN] = (struct fz_folio){ fz_foreign(layout), 4 * p,
						  false };
	folios[FZ_O_FOREIGN2] = (struct fz_folio){ FZ_FOREIGN2, p, false };

	if (block_len > s)
		block_len = s;
	memcpy(ram_at(fz_ours(layout), s), block, block_len);
	memset(ram_at(fz_ours(layout) + block_len, s - block_len), 0,
	       s - block_len);
	memset(ram_at(FZ_HDR, p), 0, p);
	memcpy(ram_at(fz_foreign(layout), 4 * p), foreign_bytes, 4 * p);
	memcpy(ram_at(FZ_FOREIGN2, p), foreign_bytes, p);
}

/* The header the previous kernel left, changed as the control bytes say. */
static void make_header(struct plu_wire_header *h, const struct fz_ctl *c)
{
	static const u64 bases[] = {
		[FZ_W_HDR] = FZ_HDR,
		[FZ_W_RAM] = FZ_RAM1,
		[FZ_W_HOLE] = FZ_HOLE,
		[FZ_W_FOREIGN2] = FZ_FOREIGN2,
		[FZ_W_TOP] = FZ_TOP_PAGE,
	};
	u64 phys = le64_to_cpu(h->body_phys);
	u32 cap = le32_to_cpu(h->capacity);
	u32 count = le32_to_cpu(h->count);
	u16 flags = le16_to_cpu(h->flags);
	const u8 *recs;
	__le32 crc;
	u32 x, i;

	switch (c->where & FZ_W_MASK) {
	case FZ_W_KEEP:
		break;
	case FZ_W_OURS:
		phys = fz_ours(c->layout);
		break;
	case FZ_W_FOREIGN:
		phys = fz_foreign(c->layout);
		break;
	default:
		phys = bases[c->where & FZ_W_MASK];
	}
	/* unsigned wrap-around is what is wanted here */
	phys += (u64)(int64_t)c->delta * 0x1000;
	if (c->where & FZ_W_SUBPAGE)
		phys += (u64)c->sub * 64;
	h->body_phys = cpu_to_le64(phys);

	switch (c->size & 3) {
	case FZ_S_KEEP:
		break;
	case FZ_S_CAPACITY:
		h->body_size = cpu_to_le64((u64)cap * REC_SIZE);
		break;
	case FZ_S_OURS:
		cap = (u32)(fz_ours_size(c->layout) / REC_SIZE);
		h->capacity = cpu_to_le32(cap);
		h->body_size = cpu_to_le64((u64)cap * REC_SIZE);
		break;
	case FZ_S_POW2:
		cap = 64U << ((c->size >> 2) & 7);
		h->capacity = cpu_to_le32(cap);
		h->body_size = cpu_to_le64((u64)cap * REC_SIZE);
		break;
	}

	switch (c->count & 3) {
	case FZ_C_KEEP:
		break;
	case FZ_C_MOD:
		count = (u32)(count % ((u64)cap + 1));
		break;
	case FZ_C_FULL:
		count = cap;
		break;
	case FZ_C_ZERO:
		count = 0;
		break;
	}
	h->count = cpu_to_le32(count);

	switch ((c->count >> 2) & 3) {
	case FZ_F_KEEP:
		break;
	case FZ_F_FROZEN:
		flags |= PLU_WIRE_F_FROZEN;
		break;
	case FZ_F_THAWED:
		flags &= ~PLU_WIRE_F_FROZEN;
		break;
	case FZ_F_ONLY_FROZEN:
		flags = PLU_WIRE_F_FROZEN;
		break;
	}
	h->flags = cpu_to_le16(flags);

	/* the writer of a hostile header may know what memory holds */
	if (c->seal & FZ_SEAL_XOR) {
		recs = ram_at(phys, (u64)count * REC_SIZE);
		if (recs) {
			for (x = 0, i = 0; i < count; i++) {
				memcpy(&crc, recs + (size_t)i * REC_SIZE +
				       offsetof(struct plu_wire_record, crc),
				       sizeof(crc));
				x ^= le32_to_cpu(crc);
			}
			h->records_xor = cpu_to_le32(x);
		}
	}
	if (c->seal & FZ_SEAL_CRC)
		h->header_crc = cpu_to_le32(plu_wire_crc(h,
				offsetof(struct plu_wire_header, header_crc)));
}

struct fz_map {
	const struct plu_wire_header *h;
	u64 page;
	unsigned int calls;
	void *copy;
};

/*
 * plu_map_ram() of the module: the bytes of a range if all of it is RAM.
 * They come as an exactly sized copy, so that ASan sees a read past the
 * range; and the call is checked against what plu_wire_image_check()
 * must have proven before it looks at memory.
 */
static const void *fz_map_ram(void *ctx, u64 phys, u64 len)
{
	struct fz_map *m = ctx;
	const struct plu_wire_header *h = m->h;
	const u8 *src;

	if (++m->calls > 1)
		fail("map called twice", phys);
	if (plu_wire_header_check(h, NULL))
		fail("map called for a header that fails its check", phys);
	if (!(le16_to_cpu(h->flags) & PLU_WIRE_F_FROZEN))
		fail("map called for an image that is not frozen", phys);
	if (phys != le64_to_cpu(h->body_phys) ||
	    len != le64_to_cpu(h->body_size))
		fail("map called for another range than the record block",
		     phys);
	if (phys & (m->page - 1))
		fail("map called for a block not aligned to the page size",
		     phys);
	if (!len || phys + (len - 1) < phys)
		fail("map called for a range that wraps", phys);
	if (phys <= FZ_HDR + (m->page - 1) && FZ_HDR <= phys + (len - 1))
		fail("map called for a range overlapping the header page",
		     phys);

	src = ram_at(phys, len);
	if (!src)
		return NULL;
	m->copy = malloc(len);
	if (!m->copy)
		abort();
	memcpy(m->copy, src, len);
	return m->copy;
}

/* kho_restore_folio(): only a preserved folio's head, and only once. */
static struct fz_folio *fz_restore_folio(u64 phys)
{
	struct fz_folio *f;
	int i;

	for (i = 0; i < FZ_O_NR; i++) {
		f = &folios[i];
		if (phys - f->phys >= f->size)
			continue;
		if (i != FZ_O_OURS) {
			fprintf(stderr, "fuzz_image: restore inside %s\n",
				fz_folio_name[i]);
			fail(i == FZ_O_HDR ? "restore of the header page" :
			     "restore of another KHO user's memory", phys);
		}
		if (phys == f->phys) {
			if (f->restored)
				fail("second restore of a folio", phys);
			f->restored = true;
			return f;
		}
		break;
	}
	if (!ram_at(phys, 1))
		fail("restore of memory that is not RAM", phys);
#ifdef FUZZ_IMAGE_STRICT
	fail("restore of a page that is no preserved folio's head (kho_restore_page() WARNs)",
	     phys);
#endif
	gap_hits++;
	return NULL;	/* what kho_restore_folio() returns after its WARN */
}

/* An accepted image must be our block, exactly as a writer makes it. */
static void check_accepted(const struct plu_wire_header *h,
			   const struct pci_liveupdate_device *out)
{
	u64 phys = le64_to_cpu(h->body_phys);
	u64 size = le64_to_cpu(h->body_size);
	u32 count = le32_to_cpu(h->count);
	u32 cap = le32_to_cpu(h->capacity);
	struct plu_wire_header r;
	struct plu_wire_record w, *recs;
	const u8 *mem = ram_at(phys, size);
	u32 i;

	if (!mem)
		fail("accepted a block that is not RAM", phys);
	if (!(le16_to_cpu(h->flags) & PLU_WIRE_F_FROZEN))
		fail("accepted an image that is not frozen", phys);
	recs = calloc(cap, REC_SIZE);
	if (!recs)
		abort();
	plu_wire_header_init(&r, phys, cap);
	for (i = 0; i < count; i++) {
		plu_wire_encode_record(&w, &out[i]);
		if (memcmp(&w, mem + (size_t)i * REC_SIZE, REC_SIZE))
			fail("decoded record does not re-encode to the same bytes",
			     phys + (u64)i * REC_SIZE);
		if (plu_wire_put(&r, recs, i, &out[i]))
			fail("put of an accepted record failed", phys);
	}
	plu_wire_header_set_flags(&r, le16_to_cpu(h->flags));
	if (memcmp(recs, mem, size))
		fail("rebuilt record block differs from the accepted one", phys);
	r.generation = h->generation;
	r.header_crc = cpu_to_le32(plu_wire_crc(&r,
				offsetof(struct plu_wire_header, header_crc)));
	if (memcmp(&r, h, sizeof(r)))
		fail("rebuilt header differs from the accepted one", phys);
	free(recs);
}

/* plu_in_decode(), from the restored header page on. */
static void fz_decode(const struct plu_wire_header *h, u64 page)
{
	static const char untouched[] = "untouched";
	struct pci_liveupdate_device *out;
	struct fz_map m = { .h = h, .page = page };
	const char *why = NULL;
	struct fz_folio *f;
	u32 count;
	int ret;

	if (plu_wire_header_check(h, &why)) {
		if (!why)
			fail("header rejected without a reason", 0);
		if (verbose)
			fprintf(stderr, "fuzz_image: header rejected: %s\n", why);
		return;
	}
	count = le32_to_cpu(h->count);
	out = malloc((count ? count : 1) * sizeof(*out));
	if (!out)
		abort();

	why = untouched;
	ret = plu_wire_image_check(h, FZ_HDR, page, fz_map_ram, &m, out, &why);
	free(m.copy);
	if (ret) {
		if (ret != -EINVAL || !why || why == untouched)
			fail("image rejected without a reason", 0);
		if (verbose)
			fprintf(stderr, "fuzz_image: image rejected: %s\n", why);
		goto out;
	}
	if (why != untouched)
		fail("image accepted with a reason", 0);
	if (m.calls != 1)
		fail("image accepted without a look at its block", 0);

	/* "Proven ours: take it." */
	f = fz_restore_folio(le64_to_cpu(h->body_phys));
	if (!f || f->size != le64_to_cpu(h->body_size)) {
		/* rejected; a restored folio is freed at finish */
		if (verbose)
			fprintf(stderr, "fuzz_image: restore rejected: %s\n",
				f ? "not the size of its folio" :
				    "not a preserved folio");
		goto out;
	}
	if (f != &folios[FZ_O_OURS])
		fail("accepted an image in a folio that is not ours", f->phys);
	check_accepted(h, out);
	accepted++;
out:
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plu_wire_header *h;
	struct fz_ctl c;

	if (size < FZ_INPUT_MIN)
		return 0;
	memcpy(&c, data, sizeof(c));
	mem_setup(c.layout, data + FZ_INPUT_MIN, size - FZ_INPUT_MIN);
	h = (struct plu_wire_header *)ram_at(FZ_HDR, HDR_SIZE);
	memcpy(h, data + sizeof(c), HDR_SIZE);
	make_header(h, &c);
	fz_decode(h, fz_page_size(c.layout));
	return 0;
}

static void report(void)
{
	fprintf(stderr, "fuzz_image: %llu images accepted\n", accepted);
	if (gap_hits)
		fprintf(stderr,
			"fuzz_image: KNOWN GAP: %llu images passed plu_wire_image_check() with a block that is no preserved folio's head; kho_restore_folio() WARNs on those (strict build: fuzz_image-strict)\n",
			gap_hits);
}

static u8 *pattern(u64 len, u32 seed)
{
	u8 *p = malloc(len);
	u64 i;

	if (!p)
		abort();
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245U + 12345U;
		p[i] = (u8)(seed >> 16) | 0x01;	/* never zero */
	}
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram0 = malloc(FZ_RAM0_SIZE);
	ram1 = malloc(FZ_RAM1_SIZE);
	if (!ram0 || !ram1)
		abort();
	plain0 = pattern(FZ_RAM0_SIZE, 1);
	plain1 = pattern(FZ_RAM1_SIZE, 2);
	foreign_bytes = pattern(4 * 0x4000, 3);
	verbose = getenv("FUZZ_IMAGE_VERBOSE");
	atexit(report);
	return 0;
}

/*
 * Re-seal the CRC of every record of the block a mutant carries (but leave
 * zero slots zero), as a writer would have: that lets the fuzzer past the
 * record CRCs.  The header is re-sealed by the control bytes.
 */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	static const u8 zero[REC_SIZE - 4];
	struct plu_wire_record w;
	size_t off;

	size = LLVMFuzzerMutate(data, size, max_size);
	if (seed % 8 == 0 || size < FZ_INPUT_MIN)
		return size;
	for (off = FZ_INPUT_MIN; off + REC_SIZE <= size; off += REC_SIZE) {
		if (!memcmp(data + off, zero, sizeof(zero)))
			continue;
		memcpy(&w, data + off, REC_SIZE);
		w.crc = cpu_to_le32(plu_wire_crc(&w,
				offsetof(struct plu_wire_record, crc)));
		memcpy(data + off, &w, REC_SIZE);
	}
	return size;
}
