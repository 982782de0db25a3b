/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci-liveupdate: encode, decode and validate the KHO wire format.
 *
 * Plain C shared by the kernel module and the userspace unit tests and
 * fuzzers (see plu_wire_compat.h), so both exercise the same code.  What
 * only the host programs use is declared in tests/unit/plu_wire_test.h.
 */
#ifndef _PLU_WIRE_H
#define _PLU_WIRE_H

#include "plu_wire_compat.h"
#include "../include/pci_liveupdate_abi.h"
#include "../include/uapi/linux/pci_liveupdate.h"

/*
 * No record index: the slot of a device with no record, and what
 * plu_wire_remove() returns for a slot not in use.
 */
#define PLU_NO_SLOT		0xffffffffU

u32 plu_wire_crc(const void *buf, size_t len);

void plu_wire_encode_record(struct plu_wire_record *w,
			    const struct pci_liveupdate_device *dev);

void plu_wire_header_init(struct plu_wire_header *h, u64 body_phys,
			  u32 capacity);
void plu_wire_header_rebase(struct plu_wire_header *h, u64 body_phys,
			    u32 capacity);
void plu_wire_header_set_flags(struct plu_wire_header *h, u16 flags);
int plu_wire_header_check(const struct plu_wire_header *h, const char **why);

int plu_wire_write(struct plu_wire_header *h, struct plu_wire_record *recs,
		   u32 slot, const struct pci_liveupdate_device *dev);
u32 plu_wire_remove(struct plu_wire_header *h, struct plu_wire_record *recs,
		    u32 slot);

int plu_wire_decode_records(const struct plu_wire_header *h,
			    const struct plu_wire_record *recs,
			    size_t recs_len, struct pci_liveupdate_device *out,
			    const char **why);

int plu_wire_image_check(const struct plu_wire_header *h, u64 hdr_phys,
			 u64 page_size,
			 const void *(*map)(void *ctx, u64 phys, u64 len),
			 void *ctx, struct pci_liveupdate_device *out,
			 const char **why);

#endif /* _PLU_WIRE_H */
