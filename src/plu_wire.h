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

/**
 * struct plu_wire_sriov - an SR-IOV record, decoded
 * @segment:     PCI segment of the PF.
 * @bus:         Bus number of the PF.
 * @devfn:       Device and function of the PF.
 * @is_vf:       A VF (@vf), else the PF's configuration (the fields below).
 * @num_vfs:     Configuration: VFs enabled.
 * @total_vfs:   Configuration: sriov_totalvfs.
 * @sriov_flags: Configuration: PCI_LIVEUPDATE_SRIOV_* flags.
 * @vf:          VF: its record, in uAPI form.
 */
struct plu_wire_sriov {
	u32 segment;
	u8 bus;
	u8 devfn;
	bool is_vf;
	u16 num_vfs;
	u16 total_vfs;
	u32 sriov_flags;
	struct pci_liveupdate_vf vf;
};

/**
 * struct plu_wire_decoded - where plu_wire_decode() puts the records
 * @devs:     Room for the image's count of device records, or NULL.
 * @sriov:    Room for its count of SR-IOV records, or NULL.
 * @nr_devs:  Output; device records decoded, in their order in the image.
 * @nr_sriov: Output; SR-IOV records decoded, likewise.
 */
struct plu_wire_decoded {
	struct pci_liveupdate_device *devs;
	struct plu_wire_sriov *sriov;
	u32 nr_devs;
	u32 nr_sriov;
};

u32 plu_wire_crc(const void *buf, size_t len);

void plu_wire_encode_record(struct plu_wire_record *w,
			    const struct pci_liveupdate_device *dev);

void plu_wire_encode_sriov(struct plu_wire_record *w,
			   const struct plu_wire_sriov *s);

void plu_wire_header_init(struct plu_wire_header *h, u64 body_phys,
			  u32 capacity);
void plu_wire_header_rebase(struct plu_wire_header *h, u64 body_phys,
			    u32 capacity);
void plu_wire_header_set_flags(struct plu_wire_header *h, u16 flags);
int plu_wire_header_check(const struct plu_wire_header *h, const char **why);

int plu_wire_write(struct plu_wire_header *h, struct plu_wire_record *recs,
		   u32 slot, const struct pci_liveupdate_device *dev);
int plu_wire_write_sriov(struct plu_wire_header *h,
			 struct plu_wire_record *recs, u32 slot,
			 const struct plu_wire_sriov *s);
u32 plu_wire_remove(struct plu_wire_header *h, struct plu_wire_record *recs,
		    u32 slot);

int plu_wire_decode(const struct plu_wire_header *h,
		    const struct plu_wire_record *recs, size_t recs_len,
		    struct plu_wire_decoded *d, const char **why);
int plu_wire_decode_records(const struct plu_wire_header *h,
			    const struct plu_wire_record *recs,
			    size_t recs_len, struct pci_liveupdate_device *out,
			    const char **why);

int plu_wire_image_check_all(const struct plu_wire_header *h, u64 hdr_phys,
			     u64 page_size,
			     const void *(*map)(void *ctx, u64 phys, u64 len),
			     void *ctx, struct plu_wire_decoded *out,
			     const char **why);
int plu_wire_image_check(const struct plu_wire_header *h, u64 hdr_phys,
			 u64 page_size,
			 const void *(*map)(void *ctx, u64 phys, u64 len),
			 void *ctx, struct pci_liveupdate_device *out,
			 const char **why);

#endif /* _PLU_WIRE_H */
