// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the restore step of the incoming image: the header
 * the next kernel finds is hostile (its CRC may well be valid), so the
 * addresses in it are fuzzed along with the bytes.
 *
 * The module's reader, plu_in_decode() in src/incoming.c, and what
 * plu_flb_finish() later gives back are modelled step by step on a
 * simulated physical memory (see fuzz_image.h):
 *
 *   header page (restored already: LUO hands it over)
 *   plu_wire_header_check(), then room for count decoded records
 *   plu_wire_image_check(hdr, FZ_HDR, P, map, ...), where map gives the
 *       bytes of a range only if all of it is in one RAM extent
 *   count == 0: accepted as an empty set, the block is not restored (an
 *       empty block proves nothing) and stays reserved
 *   kho_restore_folio(body_phys), which finds a preserved folio that
 *       starts there and has not been restored; NULL: rejected
 *   that folio's size is not body_size: rejected, the folio is kept
 *   else it is the set's record block; an address twice: rejected
 *   finish: the set's record block, if it has one, and the header page
 *       are freed
 *
 * and these hold, or the target aborts:
 *
 *   - map is called at most once, for exactly the block the header names,
 *     and only once the header is valid and frozen and the block is page
 *     aligned, does not wrap and does not overlap the header page;
 *   - kho_restore_folio() is never asked for the block of an image with no
 *     records, nor for the header page, anything inside another KHO user's
 *     folio (its bytes would have had to pass as count > 0 records: they
 *     are a non-zero pattern, or zeros), RAM nobody preserved, or memory
 *     that is not RAM;
 *   - it is asked only for the head of a preserved folio: anything else
 *     WARNs in kho_restore_page().  This is the one invariant the codec
 *     cannot always give (see FUZZ_IMAGE_STRICT below);
 *   - only two folios are ever freed, each at most once: the header page,
 *     and our record block if it was restored for a body_size that is its
 *     size.  Freeing anything else, or a folio restored for a block of
 *     another size (not proven ours), aborts; a block restored with its
 *     exact size must be freed at finish, and the header page too;
 *   - an accepted image is frozen, its count decoded records re-encode,
 *     through plu_wire_write(), to the very bytes of the block and to its
 *     header; an accepted image with records restored our block at its
 *     head, of exactly body_size bytes; one with none restored nothing;
 *   - a rejection always comes with a reason.
 *
 * FUZZ_IMAGE_STRICT: a page-aligned window of our own records, the
 * records from a page of our block on, makes an image of its own once the
 * header's digest is recomputed: plu_wire_image_check() cannot tell it
 * from a block that starts there.  The module then restores a page that is
 * no folio head, and kho_restore_page() WARNs and returns NULL (the image
 * is rejected, nothing is taken).  Built without FUZZ_IMAGE_STRICT the
 * target lets exactly that through (a restore, for an image with records,
 * of a page inside our block that is not its head), counts it and says so
 * at exit; the strict build aborts on it, and `make fuzz-smoke` runs it on
 * the reproducer in build/gap/ expecting that.  Zero bytes (our block's
 * zeroed tail, zeroed RAM, a zeroed foreign folio) pass only as an empty
 * set, whose block is never restored: that gap is closed.
 *
 * FUZZ_IMAGE_EXPECT=OUTCOME (a name from fz_outcome_name()) makes every
 * input that ends otherwise abort; make fuzz-smoke runs the seeds so.
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

enum fz_folio_id {
	FZ_O_HDR, FZ_O_OURS, FZ_O_FOREIGN, FZ_O_FOREIGN2, FZ_O_FOREIGN0,
	FZ_O_NR
};

static const char *const fz_folio_name[FZ_O_NR] = {
	[FZ_O_HDR]	= "the header page",
	[FZ_O_OURS]	= "our record block",
	[FZ_O_FOREIGN]	= "another KHO user's folio",
	[FZ_O_FOREIGN2]	= "another KHO user's page",
	[FZ_O_FOREIGN0]	= "another KHO user's zeroed folio",
};

/*
 * KHO's preserved folios: a restore clears the magic of the head.  What a
 * folio was restored for, and whether it was freed, is kept to check the
 * finish step.
 */
struct fz_folio {
	u64 phys;
	u64 size;
	bool restored;
	u64 restored_for;	/* the body_size it was restored as */
	bool freed;
};

/* The module's struct plu_incoming, as far as memory goes. */
struct fz_incoming {
	struct fz_folio *hdr_folio;
	struct fz_folio *body_folio;
	enum fz_outcome outcome;
};

static struct fz_folio folios[FZ_O_NR];
static unsigned long long outcomes[FZ_OUT_NR], gap_hits;
static bool verbose;		/* FUZZ_IMAGE_VERBOSE set: say why */
static int expect = -1;		/* FUZZ_IMAGE_EXPECT */

static __attribute__((noreturn)) void fail(const char *what, u64 phys)
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
	bool moved = true;

	/* nothing writes memory but this, so redo only what moved */
	if (zero != cur_ram_zero) {
		cur_ram_zero = zero;
		ram_plain(FZ_RAM0, FZ_RAM0_SIZE);
		ram_plain(FZ_RAM1, FZ_RAM1_SIZE);
	} else if ((layout & (FZ_L_ORDER | FZ_L_16K)) != cur_layout) {
		ram_plain(FZ_HDR - WINDOW, 2 * WINDOW);
		ram_plain(FZ_FOREIGN2, 0x4000);
		ram_plain(FZ_FOREIGN0, 4 * 0x4000);
	} else {
		moved = false;
	}
	cur_layout = layout & (FZ_L_ORDER | FZ_L_16K);

	folios[FZ_O_OURS] = (struct fz_folio){ .phys = fz_ours(layout),
					       .size = s };
	/* restored by LUO before the module sees it */
	folios[FZ_O_HDR] = (struct fz_folio){ .phys = FZ_HDR, .size = p,
					      .restored = true,
					      .restored_for = p };
	folios[FZ_O_FOREIGN] = (struct fz_folio){ .phys = fz_foreign(layout),
						  .size = 4 * p };
	folios[FZ_O_FOREIGN2] = (struct fz_folio){ .phys = FZ_FOREIGN2,
						   .size = p };
	folios[FZ_O_FOREIGN0] = (struct fz_folio){ .phys = FZ_FOREIGN0,
						   .size = 4 * p };

	if (block_len > s)
		block_len = s;
	memcpy(ram_at(fz_ours(layout), s), block, block_len);
	memset(ram_at(fz_ours(layout) + block_len, s - block_len), 0,
	       s - block_len);
	memset(ram_at(FZ_HDR, p), 0, p);
	if (moved) {
		memcpy(ram_at(fz_foreign(layout), 4 * p), foreign_bytes, 4 * p);
		memcpy(ram_at(FZ_FOREIGN2, p), foreign_bytes, p);
		memset(ram_at(FZ_FOREIGN0, 4 * p), 0, 4 * p);
	}
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
		[FZ_W_FOREIGN0] = FZ_FOREIGN0,
	};
	unsigned int where = (c->where & FZ_W_MASK) % FZ_W_NR;
	u64 phys = le64_to_cpu(h->body_phys);
	u32 cap = le32_to_cpu(h->capacity);
	u32 count = le32_to_cpu(h->count);
	u16 flags = le16_to_cpu(h->flags);
	const u8 *recs;
	__le32 crc;
	u32 x, i;

	switch (where) {
	case FZ_W_KEEP:
		break;
	case FZ_W_OURS:
		phys = fz_ours(c->layout);
		break;
	case FZ_W_FOREIGN:
		phys = fz_foreign(c->layout);
		break;
	default:
		phys = bases[where];
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

/*
 * kho_restore_folio() as plu_in_decode() calls it, for an image of @count
 * records and a block of @body_size bytes: only the head of a preserved
 * folio, only once, and never for an empty set.
 */
static struct fz_folio *fz_restore_folio(u64 phys, u32 count, u64 body_size)
{
	struct fz_folio *f;
	int i;

	if (!count)
		fail("restore of the block of an empty set (zeroed memory of anyone passes as one)",
		     phys);
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
		if (phys != f->phys) {
#ifdef FUZZ_IMAGE_STRICT
			fail("restore of a page that is no preserved folio's head (kho_restore_page() WARNs)",
			     phys);
#endif
			/* the known gap: a window of our own records */
			gap_hits++;
			return NULL;	/* kho_restore_folio() after its WARN */
		}
		if (f->restored)
			fail("second restore of a folio", phys);
		f->restored = true;
		f->restored_for = body_size;
		return f;
	}
	if (!ram_at(phys, 1))
		fail("restore of memory that is not RAM", phys);
	fail("restore of RAM nobody preserved (kho_restore_page() WARNs)", phys);
}

/*
 * folio_put() at finish, of what the module holds as @as: that very folio,
 * restored, once; and our record block only if it was restored for a
 * block of its size (else it is not proven ours: another user's folio
 * that starts with the right bytes would be freed under its owner).
 */
static void fz_folio_put(struct fz_folio *f, enum fz_folio_id as)
{
	if (f != &folios[as]) {
		fprintf(stderr, "fuzz_image: freeing %s as %s\n",
			fz_folio_name[f - folios], fz_folio_name[as]);
		fail(as == FZ_O_OURS ?
		     "free of memory that is not our record block" :
		     "free of another folio as the header page", f->phys);
	}
	if (!f->restored)
		fail("free of a folio that was not restored", f->phys);
	if (f->freed)
		fail("second free of a folio", f->phys);
	if (as == FZ_O_OURS && f->restored_for != f->size)
		fail("free of a folio restored for a block that is not its size",
		     f->phys);
	f->freed = true;
}

/* plu_flb_finish(): give back what was restored, and nothing else. */
static void fz_finish(struct fz_incoming *in)
{
	struct fz_folio *f;
	int i;

	if (in->body_folio)
		fz_folio_put(in->body_folio, FZ_O_OURS);
	if (in->hdr_folio)
		fz_folio_put(in->hdr_folio, FZ_O_HDR);
	in->body_folio = NULL;
	in->hdr_folio = NULL;

	for (i = 0; i < FZ_O_NR; i++) {
		f = &folios[i];
		if (i == FZ_O_HDR && !f->freed)
			fail("the header page was not freed at finish", f->phys);
		/* one not proven ours stays reserved: that is by design */
		if (f->restored && !f->freed && f->restored_for == f->size)
			fail("a block restored with its exact size was not freed at finish",
			     f->phys);
	}
}

/* Two records with one address, as the module's xa_insert() finds them. */
static int u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static bool has_twice(const struct pci_liveupdate_device *out, u32 count)
{
	u64 *keys = malloc((count ? count : 1) * sizeof(*keys));
	bool twice = false;
	u32 i;

	if (!keys)
		abort();
	for (i = 0; i < count; i++)	/* plu_key() */
		keys[i] = (u64)out[i].segment << 16 | out[i].bus << 8 |
			  out[i].devfn;
	qsort(keys, count, sizeof(*keys), u64_cmp);
	for (i = 1; i < count && !twice; i++)
		twice = keys[i] == keys[i - 1];
	free(keys);
	return twice;
}

/* An accepted image must be a block exactly as a writer makes it. */
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
	u32 i, j;

	if (!mem)
		fail("accepted a block that is not RAM", phys);
	if (!(le16_to_cpu(h->flags) & PLU_WIRE_F_FROZEN))
		fail("accepted an image that is not frozen", phys);
	recs = calloc(cap, REC_SIZE);
	if (!recs)
		abort();
	plu_wire_header_init(&r, phys, cap);
	r.version = h->version;
	for (i = 0, j = 0; i < count; i++) {
		const struct plu_wire_record *src =
			(const void *)(mem + (size_t)i * REC_SIZE);

		/* the device records were decoded into @out, in order */
		if (!(le16_to_cpu(src->flags) & PLU_WIRE_REC_SRIOV) ||
		    le16_to_cpu(h->version) == PLU_WIRE_VERSION_PREV) {
			plu_wire_encode_record(&w, &out[j++]);
			if (memcmp(&w, src, REC_SIZE))
				fail("decoded record does not re-encode to the same bytes",
				     phys + (u64)i * REC_SIZE);
		}
		if (plu_wire_rewrite(&r, recs, i, h, src))
			fail("write of an accepted record failed", phys);
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

static void say(const struct fz_incoming *in, const char *why)
{
	if (verbose)
		fprintf(stderr, "fuzz_image: %s: %s\n",
			fz_outcome_name(in->outcome), why);
}

/* plu_in_decode(), from the restored header page on. */
static void fz_decode(struct fz_incoming *in, const struct plu_wire_header *h,
		      u64 page)
{
	static const char untouched[] = "untouched";
	struct pci_liveupdate_device *out;
	struct fz_map m = { .h = h, .page = page };
	const char *why = NULL;
	struct fz_folio *f;
	u64 body_size;
	u32 count;
	int ret;

	in->hdr_folio = &folios[FZ_O_HDR];
	if (plu_wire_header_check(h, &why)) {
		if (!why)
			fail("header rejected without a reason", 0);
		in->outcome = FZ_OUT_HEADER_REJECTED;
		say(in, why);
		return;
	}
	count = le32_to_cpu(h->count);
	body_size = le64_to_cpu(h->body_size);
	out = malloc((count ? count : 1) * sizeof(*out));
	if (!out)
		abort();

	why = untouched;
	ret = plu_wire_image_check(h, FZ_HDR, page, fz_map_ram, &m, out, &why);
	free(m.copy);
	if (ret) {
		if (ret != -EINVAL || !why || why == untouched)
			fail("image rejected without a reason", 0);
		in->outcome = FZ_OUT_IMAGE_REJECTED;
		say(in, why);
		goto out;
	}
	if (why != untouched)
		fail("image accepted with a reason", 0);
	if (m.calls != 1)
		fail("image accepted without a look at its block", 0);

	/* "An empty block proves nothing": not taken, left reserved. */
	if (!count) {
		check_accepted(h, out);
		in->outcome = FZ_OUT_EMPTY;
		say(in, "its record block is left reserved");
		goto out;
	}

	/* "Proven ours by its records: take it." */
	f = fz_restore_folio(le64_to_cpu(h->body_phys), count, body_size);
	if (!f) {
		in->outcome = FZ_OUT_NOT_A_FOLIO;
		say(in, "record block was not preserved by KHO");
		goto out;
	}
	if (f->size != body_size) {
		/* "Not the block that was written: never free it." */
		in->outcome = FZ_OUT_KEPT;
		say(in, "record block is not the size of its folio (kept)");
		goto out;
	}
	in->body_folio = f;
	if (has_twice(out, count)) {
		in->outcome = FZ_OUT_TWICE;
		say(in, "a device appears twice");
		goto out;
	}
	if (f != &folios[FZ_O_OURS])
		fail("accepted an image in a folio that is not ours", f->phys);
	check_accepted(h, out);
	in->outcome = FZ_OUT_ACCEPTED;
	say(in, "records decoded");
out:
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_incoming in = { .outcome = FZ_OUT_NR };
	struct plu_wire_header *h;
	struct fz_ctl c;

	if (size < FZ_INPUT_MIN)
		return 0;
	memcpy(&c, data, sizeof(c));
	mem_setup(c.layout, data + FZ_INPUT_MIN, size - FZ_INPUT_MIN);
	h = (struct plu_wire_header *)ram_at(FZ_HDR, HDR_SIZE);
	memcpy(h, data + sizeof(c), HDR_SIZE);
	make_header(h, &c);
	fz_decode(&in, h, fz_page_size(c.layout));
	if (in.outcome >= FZ_OUT_NR)
		fail("decode ended without an outcome", 0);
	fz_finish(&in);
	outcomes[in.outcome]++;
	if (expect >= 0 && (int)in.outcome != expect) {
		fprintf(stderr, "fuzz_image: outcome %s, expected %s\n",
			fz_outcome_name(in.outcome),
			fz_outcome_name((enum fz_outcome)expect));
		fail("not the expected outcome", le64_to_cpu(h->body_phys));
	}
	return 0;
}

static void report(void)
{
	int i;

	fprintf(stderr, "fuzz_image: outcomes:");
	for (i = 0; i < FZ_OUT_NR; i++)
		fprintf(stderr, " %s %llu", fz_outcome_name(i), outcomes[i]);
	fprintf(stderr, "\n");
	if (gap_hits)
		fprintf(stderr,
			"fuzz_image: KNOWN GAP: %llu images passed plu_wire_image_check() with a window of our own block that is no preserved folio's head; kho_restore_folio() WARNs on those (strict build: fuzz_image-strict)\n",
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
	const char *name;
	int i;

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
	name = getenv("FUZZ_IMAGE_EXPECT");
	if (name) {
		for (i = 0; i < FZ_OUT_NR; i++)
			if (!strcmp(name, fz_outcome_name(i)))
				expect = i;
		if (expect < 0) {
			fprintf(stderr, "fuzz_image: FUZZ_IMAGE_EXPECT=%s: no such outcome\n",
				name);
			exit(2);
		}
	}
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
