/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci-liveupdate: wire codec helpers that only the host programs use.
 *
 * The module validates and decodes a whole record block at once, with
 * plu_wire_decode_records().  The unit tests, fuzzers and seed generator
 * also want one record on its own, or a block checked without keeping
 * what it decodes.  Both helpers are plu_wire_decode_records()
 * underneath, so they run exactly the module's checks, but they are not
 * built into the module (plu_wire_test.c is linked into the host programs
 * only).
 */
#ifndef _PLU_WIRE_TEST_H
#define _PLU_WIRE_TEST_H

#include "../../src/plu_wire.h"

int plu_wire_decode_record(const struct plu_wire_record *w,
			   struct pci_liveupdate_device *dev,
			   const char **why);
int plu_wire_decode_sriov_record(const struct plu_wire_record *w,
				 struct plu_wire_sriov *out, const char **why);
int plu_wire_rewrite(struct plu_wire_header *dst,
		     struct plu_wire_record *dst_recs, u32 slot,
		     const struct plu_wire_header *src,
		     const struct plu_wire_record *w);
int plu_wire_check_records(const struct plu_wire_header *h,
			   const struct plu_wire_record *recs, size_t recs_len,
			   const char **why);

#endif /* _PLU_WIRE_TEST_H */
