/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated physical memory of fuzz_image and the layout of its input,
 * shared with mkseeds, which writes valid frozen images in that layout.
 *
 * Physical memory (P is the page size, 4K or 16K; S = P << order is the
 * size of our record block):
 *
 *   [0, RAM0)                      hole: not RAM
 *   RAM0 = [0x100000, 0x180000)    RAM:
 *     [HDR - S, HDR)               our record block, a preserved folio
 *     [HDR, HDR + P)               the header page, a preserved folio the
 *                                  module has already restored
 *     [HDR + 4P, HDR + 8P)         another KHO user's preserved folio
 *                                  (order 2, non-zero content)
 *     [FOREIGN0, FOREIGN0 + 4P)    another KHO user's preserved folio
 *                                  (order 2) that holds only zeros
 *     the rest                     RAM nobody preserved
 *   [0x180000, 0x200000)           hole
 *   RAM1 = [0x200000, 0x240000)    RAM, with another user's order-0
 *                                  preserved page at FOREIGN2
 *   [0x240000, 2^64)               hole
 *
 * RAM nobody preserved holds a non-zero pattern, or zeros if the input
 * asks for it.  Every address is a multiple of 128K, so the folios are
 * naturally aligned with either page size.  The zeroed foreign folio is
 * what any zeroed memory looks like to plu_wire_image_check(): an empty
 * set of any capacity up to its size passes.
 *
 * Input: struct fz_ctl, then a struct plu_wire_header, then the bytes of
 * our record block (the rest of the block is zero, as the writer keeps it).
 * The header is used as it is, then changed as the control bytes say: that
 * lets seeds be real images and mutants point anywhere.
 */
#ifndef _FUZZ_IMAGE_H
#define _FUZZ_IMAGE_H

#include "../unit/plu_wire_test.h"

#define FZ_RAM0		0x100000ULL
#define FZ_RAM0_SIZE	0x80000ULL
#define FZ_RAM1		0x200000ULL
#define FZ_RAM1_SIZE	0x40000ULL
#define FZ_HOLE		0x180000ULL
#define FZ_HDR		0x140000ULL
#define FZ_FOREIGN2	0x220000ULL
#define FZ_FOREIGN0	0x160000ULL
#define FZ_TOP_PAGE	(0ULL - 0x1000ULL)
#define FZ_MAX_ORDER	3

/* fz_ctl.layout */
#define FZ_L_ORDER	0x03	/* order of our record block */
#define FZ_L_16K	0x04	/* 16K pages, else 4K */
#define FZ_L_RAM_ZERO	0x08	/* RAM nobody preserved is zero */

/* fz_ctl.where: the base body_phys is made relative to */
enum fz_where {
	FZ_W_KEEP,		/* body_phys as in the header */
	FZ_W_OURS,		/* our record block */
	FZ_W_HDR,		/* the header page */
	FZ_W_FOREIGN,		/* the other user's order-2 folio */
	FZ_W_RAM,		/* RAM1, nobody's */
	FZ_W_HOLE,		/* the hole between RAM0 and RAM1 */
	FZ_W_FOREIGN2,		/* the other user's order-0 page */
	FZ_W_TOP,		/* the last page of the address space */
	FZ_W_FOREIGN0,		/* the other user's zeroed order-2 folio */
	FZ_W_NR
};
#define FZ_W_MASK	0x0f	/* values from FZ_W_NR on wrap around */
#define FZ_W_SUBPAGE	0x10	/* add sub * 64 bytes */

/* fz_ctl.size: bits 0-1 the mode, bits 2-4 a shift for FZ_S_POW2 */
enum fz_size {
	FZ_S_KEEP,		/* capacity and body_size as in the header */
	FZ_S_CAPACITY,		/* body_size = capacity * 64 */
	FZ_S_OURS,		/* the capacity of our block */
	FZ_S_POW2,		/* capacity = 64 << shift */
};

/* fz_ctl.count: bits 0-1 the count, bits 2-3 the flags */
enum fz_count { FZ_C_KEEP, FZ_C_MOD, FZ_C_FULL, FZ_C_ZERO };
enum fz_flags { FZ_F_KEEP, FZ_F_FROZEN, FZ_F_THAWED, FZ_F_ONLY_FROZEN };

/* fz_ctl.seal */
#define FZ_SEAL_XOR	0x01	/* records_xor from the memory it names */
#define FZ_SEAL_CRC	0x06	/* any bit set: recompute the header CRC */

struct fz_ctl {
	u8 layout;
	u8 where;
	int8_t delta;		/* added to the base, in 4K units */
	u8 sub;
	u8 size;
	u8 count;
	u8 seal;
	u8 pad;
};

#define FZ_INPUT_MIN	(sizeof(struct fz_ctl) + sizeof(struct plu_wire_header))

/*
 * What became of one input in the modelled plu_in_decode() and finish.
 * mkseeds names each seed "OUTCOME.what"; make fuzz-smoke runs each group
 * with FUZZ_IMAGE_EXPECT=OUTCOME, so a seed that stops doing what it was
 * written for fails.
 */
enum fz_outcome {
	FZ_OUT_HEADER_REJECTED,	/* plu_wire_header_check() */
	FZ_OUT_IMAGE_REJECTED,	/* plu_wire_image_check() */
	FZ_OUT_EMPTY,		/* accepted, no records: block not restored */
	FZ_OUT_NOT_A_FOLIO,	/* restore returned NULL: rejected */
	FZ_OUT_KEPT,		/* restored, not body_size: rejected, kept */
	FZ_OUT_TWICE,		/* restored, an address twice: rejected */
	FZ_OUT_ACCEPTED,	/* restored, decoded, freed at finish */
	FZ_OUT_NR
};

static inline const char *fz_outcome_name(enum fz_outcome o)
{
	switch (o) {
	case FZ_OUT_HEADER_REJECTED:
		return "header-rejected";
	case FZ_OUT_IMAGE_REJECTED:
		return "image-rejected";
	case FZ_OUT_EMPTY:
		return "empty";
	case FZ_OUT_NOT_A_FOLIO:
		return "not-a-folio";
	case FZ_OUT_KEPT:
		return "kept";
	case FZ_OUT_TWICE:
		return "twice";
	case FZ_OUT_ACCEPTED:
		return "accepted";
	case FZ_OUT_NR:
		break;
	}
	return "?";
}

static inline u64 fz_page_size(u8 layout)
{
	return (layout & FZ_L_16K) ? 0x4000 : 0x1000;
}

static inline u64 fz_ours_size(u8 layout)
{
	return fz_page_size(layout) << (layout & FZ_L_ORDER);
}

static inline u64 fz_ours(u8 layout)
{
	return FZ_HDR - fz_ours_size(layout);
}

static inline u64 fz_foreign(u8 layout)
{
	return FZ_HDR + 4 * fz_page_size(layout);
}

#endif /* _FUZZ_IMAGE_H */
