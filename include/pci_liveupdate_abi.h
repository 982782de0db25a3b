/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci-liveupdate: format of the device set handed over in KHO memory.
 */
#ifndef _PCI_LIVEUPDATE_ABI_H
#define _PCI_LIVEUPDATE_ABI_H

#ifdef __KERNEL__
#include <linux/build_bug.h>
#else
#include <assert.h>	/* static_assert: the host tests build this as C11 */
#endif
#include <linux/types.h>

#include "uapi/linux/pci_liveupdate.h"

/**
 * DOC: pci-liveupdate KHO wire format
 *
 * The outgoing set of PCI devices reaches the next kernel through the
 * File-Lifecycle-Bound (FLB) object PLU_FLB_COMPATIBLE of the LUO file
 * handler PLU_FH_COMPATIBLE.  Its u64 handle is the physical address of a
 * &struct plu_wire_header in a KHO-preserved page.  The header never moves
 * once the FLB is preserved, because LUO stores the handle only once; the
 * records live in a separate KHO-preserved block (@body_phys, @body_size)
 * that is replaced by a larger one when the set outgrows it.
 *
 * Everything is little endian and of fixed size, with no pointers other
 * than @body_phys:
 *
 *  - &struct plu_wire_header, 64 bytes: magic, version, the size of itself
 *    and of a record, the record count and capacity, the XOR of all record
 *    CRCs (so a dropped, added or swapped record is detected without an
 *    O(N) checksum at every change), the body location, a generation
 *    counter, and a CRC32C of the header.
 *  - @count records of 64 bytes each, unordered, each with its own CRC32C
 *    in its last 4 bytes and its flags at offset 6.  Most are devices,
 *    &struct plu_wire_record: address, identity, Device Serial Number,
 *    driver name (first 16 bytes) and topology path.  From version 3 on,
 *    records flagged PLU_WIRE_REC_SRIOV carry the SR-IOV configuration of
 *    a PF marked with PCI_LIVEUPDATE_MARK_WITH_VFS: one
 *    &struct plu_wire_sriov_record per such PF and one
 *    &struct plu_wire_vf_record per VF enabled on it.
 *
 * Every change to the outgoing set rewrites one record and the header, so
 * the image is always complete: the reboot path (LUO freeze) neither
 * allocates nor walks the set.
 *
 * CRCs are CRC32C (Castagnoli, reflected polynomial 0x82F63B78) of the
 * bytes, seeded with ~0 and not inverted at the end, i.e. the kernel's
 * crc32c(~0, buf, len).  Both the header's and a record's CRC cover their
 * first 60 bytes and are stored, little endian, in the last 4.  The CRC
 * register of such a CRC run on over its own stored value is zero, so a
 * reader checks a record with crc32c(~0, record, 64) == 0: one pass over
 * the bytes as they lie, no copy with the field cleared.
 *
 * A reader must check, before trusting anything: magic, version
 * (PLU_WIRE_VERSION and PLU_WIRE_VERSION_PREV are understood), @header_size
 * and @record_size, known flags, zero reserved fields, @count <= @capacity,
 * @body_size exactly @capacity records, @body_size <= PLU_WIRE_MAX_BODY,
 * the header CRC; then each record's CRC and fields, the XOR digest, and
 * that no address appears twice.  SR-IOV records are checked against the
 * device records: each belongs to a marked device record flagged
 * PCI_LIVEUPDATE_DEV_WITH_VFS, each such device has exactly one
 * &struct plu_wire_sriov_record, and each VF index appears at most once
 * and is below that record's @num_vfs.  Any failure rejects the whole
 * image.
 *
 * A valid CRC proves no ownership, so the record block is not restored
 * from KHO (which takes it over) until it is shown, read in place, to be
 * this image's: the image is sealed (PLU_WIRE_F_FROZEN), @body_phys is page
 * aligned, does not wrap and does not overlap the header's page, the block
 * is RAM, its @count records pass the checks above and every byte after
 * them is zero (the writer zeroes what it frees).  Then it must be one KHO
 * folio of exactly @body_size bytes; one that is not is kept, never freed.
 * The block of an empty set is never restored (zeroed memory of anyone
 * would pass), so it stays reserved until the next reboot.  What these
 * checks cannot rule out is an image crafted from a page-aligned window of
 * its own records: kho_restore_folio() then WARNs on a non-head page and
 * the image is rejected, nothing taken.
 *
 * Versioning: a change of layout or meaning bumps PLU_WIRE_VERSION; a
 * kernel rejects versions it does not know (it does not guess).
 *
 * Compatibility policy (from 0.3.0 on): a module reads the wire version it
 * writes and the one the previous release (RELEASES) writes, and rejects
 * anything else with its one clear line.  So a live update may upgrade the
 * module by one release and keep the set; a downgrade keeps it when the
 * versions are equal, else the older module rejects it cleanly (no splat,
 * nothing leaked, marking works).  The upgrade and downgrade VM scenarios
 * carry a set between today's module and the last release's in both
 * directions and must keep passing with every wire change; a change that
 * bumps PLU_WIRE_VERSION therefore comes with a reader for the previous
 * one.  Version 1 (0.1.x) predates the policy and is rejected.  The
 * preflight (pci-liveupdate check, kexec) applies the same rule to the
 * target kernel's module (modinfo plu_wire_version).
 *
 * The FLB compatible string does not change with it, unlike the KHO ABIs
 * of include/linux/kho/abi/, and stays "pci-liveupdate-set-v1" with wire
 * versions 2 and 3: a change of layout bumps the version, never the
 * string.  The string names the object family, the pci-liveupdate device
 * set, and it is all LUO matches on: a kernel whose string differs is
 * never handed the data at all, and the set is silently lost (no log
 * line; STATUS shows no incoming set, as after a cold boot).  With the
 * string kept, a module of any version is handed the image, finds the
 * layout version in the header and, if it does not know it, rejects the
 * image with a line in the log ("unsupported wire version") and
 * PCI_LIVEUPDATE_INCOMING_REJECTED in STATUS.  A live update is also how a
 * module is upgraded, so the new module must see the set the previous
 * version wrote, if only to say it cannot read it.  The string changes
 * only if the handle itself stops being the physical address of a header
 * that begins with @magic and @version.  The file handler's string
 * (PLU_FH_COMPATIBLE) stays too, and so does the format number of a
 * preserved file (2), so either module retrieves the other's file and
 * finishes the session whatever it makes of the set.
 *
 *  - Version 1 (module 0.1.x) had the record CRC at offset 20, computed
 *    with the field zero, @refs last and @root_bus, @path_depth and @path
 *    at 48..61.
 *  - Version 2 moved the record CRC to the end so that the next kernel
 *    validates a record in one CRC pass over it in place (see above).
 *  - Version 3 (module 0.3.0) adds the SR-IOV records and the device flag
 *    PCI_LIVEUPDATE_DEV_WITH_VFS; device records are otherwise those of
 *    version 2.  A version 3 module reads version 2 images: the set is
 *    kept, and a PF in it has no VF records (0.2.0 has no
 *    PCI_LIVEUPDATE_MARK_WITH_VFS), so SRIOV finds none for it and the
 *    VFs are not restored.  A version 2 module (0.2.0) rejects a version 3
 *    image as a whole, "unsupported wire version", whether or not it has
 *    SR-IOV records: no device of it is kept, not even those a version 2
 *    reader would understand, since the version check comes before any
 *    record is read.  The FLB compatible string is unchanged, as above,
 *    so the older module is handed the image and says so, rather than
 *    silently losing it.  The upgrade and downgrade VM scenarios show
 *    both, with a PF marked with its VFs on the version 3 side.
 */

#define PLU_FH_COMPATIBLE	"pci-liveupdate-fd-v1"
#define PLU_FLB_COMPATIBLE	"pci-liveupdate-set-v1"

#define PLU_WIRE_MAGIC		0x554c4350	/* "PCLU" in memory order */
#define PLU_WIRE_VERSION	3
/* The version the previous release (RELEASES) writes, also read. */
#define PLU_WIRE_VERSION_PREV	2
#define PLU_WIRE_CRC_SEED	0xffffffffU
#define PLU_WIRE_MAX_BODY	(4U << 20)	/* one order-10 folio */
#define PLU_WIRE_PATH_MAX	12
#define PLU_WIRE_DRIVER_LEN	16

/*
 * Record flags of the wire only, never in the uAPI: an SR-IOV record
 * (&struct plu_wire_sriov_record or, with PLU_WIRE_REC_VF too,
 * &struct plu_wire_vf_record) rather than a device.  Version 3 and later.
 */
#define PLU_WIRE_REC_SRIOV	0x8000
#define PLU_WIRE_REC_VF		0x4000
/* Flags an SR-IOV configuration record may have besides the two above. */
#define PLU_WIRE_SRIOV_F_ALL	PCI_LIVEUPDATE_SRIOV_AUTOPROBE
/* Flags a VF record may have besides the two above. */
#define PLU_WIRE_VF_F_ALL	PCI_LIVEUPDATE_VF_FLAGS_ALL
/* Device record flags of version 2, the previous release's. */
#define PLU_WIRE_V2_DEV_FLAGS	0x3f

/* Header flags */
#define PLU_WIRE_F_FROZEN	0x1	/* sealed by LUO freeze */
#define PLU_WIRE_F_ALL		PLU_WIRE_F_FROZEN

/**
 * struct plu_wire_header - header of the handed-over device set
 * @magic:       PLU_WIRE_MAGIC.
 * @version:     PLU_WIRE_VERSION.
 * @header_size: sizeof(struct plu_wire_header) (64).
 * @record_size: sizeof(struct plu_wire_record) (64).
 * @flags:       PLU_WIRE_F_*.
 * @count:       Records in use, at the start of the body.
 * @capacity:    Records the body has room for.
 * @records_xor: XOR of the @crc of the @count records.
 * @body_phys:   Physical address of the record block (KHO preserved).
 * @body_size:   Size of the record block in bytes.
 * @generation:  Incremented at every change; for debugging.
 * @reserved:    Zero.
 * @header_crc:  CRC32C of the preceding 60 bytes.
 */
struct plu_wire_header {
	__le32 magic;
	__le16 version;
	__le16 header_size;
	__le16 record_size;
	__le16 flags;
	__le32 count;
	__le32 capacity;
	__le32 records_xor;
	__le64 body_phys;
	__le64 body_size;
	__le64 generation;
	__le32 reserved[3];
	__le32 header_crc;
};

/**
 * struct plu_wire_record - one device of the handed-over set
 * @segment:          PCI segment.
 * @bus:              Bus number.
 * @devfn:            Device and function.
 * @flags:            PCI_LIVEUPDATE_DEV_* flags of the uAPI header.
 * @vendor:           Vendor ID.
 * @device:           Device ID.
 * @subsystem_vendor: Subsystem vendor ID.
 * @subsystem_device: Subsystem ID.
 * @class_rev:        Class code << 8 | revision (config dword 0x08).
 * @refs:             Marked devices below this bridge (AUTO), else 0.
 * @root_bus:         Number of the root bus.
 * @path_depth:       Entries of @path in use, 1..PLU_WIRE_PATH_MAX.
 * @dsn:              Device Serial Number, 0 unless PCI_LIVEUPDATE_DEV_DSN.
 * @driver:           Bound driver name, NUL padded, not NUL terminated when
 *                    16 bytes long (PCI_LIVEUPDATE_DEV_DRIVER_TRUNC if it was
 *                    longer).
 * @path:             devfn chain from @root_bus to the device; the last
 *                    entry used is @devfn, unused entries are zero.
 * @crc:              CRC32C of the preceding 60 bytes.
 */
struct plu_wire_record {
	__le32 segment;
	__u8 bus;
	__u8 devfn;
	__le16 flags;
	__le16 vendor;
	__le16 device;
	__le16 subsystem_vendor;
	__le16 subsystem_device;
	__le32 class_rev;
	__le16 refs;
	__u8 root_bus;
	__u8 path_depth;
	__le64 dsn;
	char driver[PLU_WIRE_DRIVER_LEN];
	__u8 path[PLU_WIRE_PATH_MAX];
	__le32 crc;
};

/**
 * struct plu_wire_sriov_record - SR-IOV configuration of a PF (version 3)
 * @segment:   PCI segment of the PF.
 * @bus:       Bus number of the PF.
 * @devfn:     Device and function of the PF; a device record of this
 *             address, flagged PCI_LIVEUPDATE_DEV_WITH_VFS, is in the image.
 * @flags:     PLU_WIRE_REC_SRIOV | PCI_LIVEUPDATE_SRIOV_AUTOPROBE if set.
 * @num_vfs:   VFs enabled at the reboot (sriov_numvfs), at most @total_vfs.
 * @total_vfs: sriov_totalvfs at the reboot.
 * @reserved:  Zero.
 * @crc:       CRC32C of the preceding 60 bytes.
 */
struct plu_wire_sriov_record {
	__le32 segment;
	__u8 bus;
	__u8 devfn;
	__le16 flags;
	__le16 num_vfs;
	__le16 total_vfs;
	__u8 reserved[48];
	__le32 crc;
};

/**
 * struct plu_wire_vf_record - one enabled VF of a PF (version 3)
 * @segment:          PCI segment of the PF.
 * @bus:              Bus number of the PF.
 * @devfn:            Device and function of the PF.
 * @flags:            PLU_WIRE_REC_SRIOV | PLU_WIRE_REC_VF |
 *                    PCI_LIVEUPDATE_VF_* flags.
 * @index:            VF index (0 is the first VF), below the PF's @num_vfs.
 * @vendor:           Vendor ID of the VF.
 * @device:           Device ID of the VF.
 * @subsystem_vendor: Subsystem vendor ID of the VF.
 * @subsystem_device: Subsystem ID of the VF.
 * @vf_bus:           Bus number the VF had.
 * @vf_devfn:         Device and function the VF had.
 * @reserved:         Zero.
 * @driver:           Driver bound to the VF, as &plu_wire_record.driver
 *                    (PCI_LIVEUPDATE_VF_DRIVER_TRUNC if cut).
 * @driver_override:  Its driver_override, likewise
 *                    (PCI_LIVEUPDATE_VF_OVERRIDE_TRUNC if cut).
 * @crc:              CRC32C of the preceding 60 bytes.
 */
struct plu_wire_vf_record {
	__le32 segment;
	__u8 bus;
	__u8 devfn;
	__le16 flags;
	__le16 index;
	__le16 vendor;
	__le16 device;
	__le16 subsystem_vendor;
	__le16 subsystem_device;
	__u8 vf_bus;
	__u8 vf_devfn;
	__u8 reserved[8];
	char driver[PLU_WIRE_DRIVER_LEN];
	char driver_override[PLU_WIRE_DRIVER_LEN];
	__le32 crc;
};

/*
 * The layout is part of the ABI: both structures are 64 bytes on every
 * architecture, and the uAPI limits are the wire's, since decoded records
 * are handed to userspace as they are.
 */
static_assert(sizeof(struct plu_wire_header) == 64,
	      "struct plu_wire_header is 64 bytes");
static_assert(sizeof(struct plu_wire_record) == 64,
	      "struct plu_wire_record is 64 bytes");
static_assert(sizeof(struct plu_wire_sriov_record) == 64,
	      "struct plu_wire_sriov_record is 64 bytes");
static_assert(sizeof(struct plu_wire_vf_record) == 64,
	      "struct plu_wire_vf_record is 64 bytes");
static_assert(PCI_LIVEUPDATE_PATH_MAX == PLU_WIRE_PATH_MAX,
	      "the uAPI path is the wire path");
static_assert(PCI_LIVEUPDATE_DRIVER_WIRE_LEN == PLU_WIRE_DRIVER_LEN,
	      "the uAPI says how much of the driver name the wire keeps");
static_assert(PCI_LIVEUPDATE_DRIVER_LEN > PLU_WIRE_DRIVER_LEN,
	      "a wire driver name and its NUL fit the uAPI field");

#endif /* _PCI_LIVEUPDATE_ABI_H */
