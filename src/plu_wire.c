// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: encode, decode and validate the KHO wire format.
 *
 * The format is described in include/pci_liveupdate_abi.h.  This file is
 * built into the kernel module and, through plu_wire_compat.h, into the
 * userspace unit tests, fuzzer and benchmark; the few helpers only those
 * use are in tests/unit/plu_wire_test.c.  It never allocates and never
 * recurses; every function runs in O(1) except plu_wire_decode() and
 * plu_wire_image_check_all() and their wrappers, which are linear in the
 * size of the block.
 */

#include "plu_wire.h"

#define PLU_WIRE_HDR_CRC_LEN	offsetof(struct plu_wire_header, header_crc)
#define PLU_WIRE_REC_CRC_LEN	offsetof(struct plu_wire_record, crc)
#define PLU_WIRE_BODY_ALIGN	4096U

static void plu_set_why(const char **why, const char *msg)
{
	if (why)
		*why = msg;
}

/**
 * plu_wire_crc() - CRC32C of a buffer as used by the wire format
 * @buf: Bytes to checksum.
 * @len: Number of bytes.
 *
 * Return: crc32c seeded with PLU_WIRE_CRC_SEED, without final inversion.
 */
u32 plu_wire_crc(const void *buf, size_t len)
{
	return plu_crc32c(PLU_WIRE_CRC_SEED, buf, len);
}

static_assert(PLU_WIRE_REC_CRC_LEN + sizeof(__le32) ==
	      sizeof(struct plu_wire_record), "record CRC is the last field");

static void plu_wire_header_seal(struct plu_wire_header *h)
{
	h->header_crc = cpu_to_le32(plu_wire_crc(h, PLU_WIRE_HDR_CRC_LEN));
}

static void plu_wire_header_bump(struct plu_wire_header *h)
{
	h->generation = cpu_to_le64(le64_to_cpu(h->generation) + 1);
	plu_wire_header_seal(h);
}

/* Copy a name into a wire field of PLU_WIRE_DRIVER_LEN bytes, NUL padded. */
static void plu_wire_put_name(char *dst, const char *name)
{
	unsigned int i;

	for (i = 0; i < PLU_WIRE_DRIVER_LEN && name[i]; i++)
		dst[i] = name[i];
}

/**
 * plu_wire_encode_record() - fill a wire record from a device
 * @w:   Record to write; every byte of it is written.
 * @dev: Device to encode.
 *
 * Copies @dev->flags as they are: the caller sets
 * PCI_LIVEUPDATE_DEV_DRIVER_TRUNC when the driver name is longer than
 * PLU_WIRE_DRIVER_LEN bytes.  The serial number is kept only with
 * PCI_LIVEUPDATE_DEV_DSN, path entries past @dev->path_depth are zeroed, and
 * the record CRC is computed last.
 */
void plu_wire_encode_record(struct plu_wire_record *w,
			    const struct pci_liveupdate_device *dev)
{
	unsigned int depth = dev->path_depth;
	unsigned int i;

	if (depth > PLU_WIRE_PATH_MAX)
		depth = PLU_WIRE_PATH_MAX;

	memset(w, 0, sizeof(*w));
	w->segment = cpu_to_le32(dev->segment);
	w->bus = dev->bus;
	w->devfn = dev->devfn;
	w->flags = cpu_to_le16(dev->flags);
	w->vendor = cpu_to_le16(dev->vendor);
	w->device = cpu_to_le16(dev->device);
	w->subsystem_vendor = cpu_to_le16(dev->subsystem_vendor);
	w->subsystem_device = cpu_to_le16(dev->subsystem_device);
	w->class_rev = cpu_to_le32((dev->class_code & 0xffffffU) << 8 |
				   dev->revision);
	if (dev->flags & PCI_LIVEUPDATE_DEV_DSN)
		w->dsn = cpu_to_le64(dev->dsn);
	plu_wire_put_name(w->driver, dev->driver);
	w->root_bus = dev->root_bus;
	w->path_depth = dev->path_depth;
	for (i = 0; i < depth; i++)
		w->path[i] = dev->path[i];
	w->refs = cpu_to_le16(dev->refs);
	w->crc = cpu_to_le32(plu_wire_crc(w, PLU_WIRE_REC_CRC_LEN));
}

/**
 * plu_wire_encode_sriov() - fill a wire record from an SR-IOV record
 * @w: Record to write; every byte of it is written.
 * @s: The PF's configuration or, with @s->is_vf, one of its VFs.
 *
 * For a VF the caller sets PCI_LIVEUPDATE_VF_DRIVER_TRUNC and
 * PCI_LIVEUPDATE_VF_OVERRIDE_TRUNC in @s->vf.flags when a name is longer
 * than PLU_WIRE_DRIVER_LEN bytes; flags beyond the known ones are dropped.
 */
void plu_wire_encode_sriov(struct plu_wire_record *w,
			   const struct plu_wire_sriov *s)
{
	struct plu_wire_sriov_record c = {};
	struct plu_wire_vf_record v = {};

	if (!s->is_vf) {
		c.segment = cpu_to_le32(s->segment);
		c.bus = s->bus;
		c.devfn = s->devfn;
		c.flags = cpu_to_le16(PLU_WIRE_REC_SRIOV |
				      (s->sriov_flags & PLU_WIRE_SRIOV_F_ALL));
		c.num_vfs = cpu_to_le16(s->num_vfs);
		c.total_vfs = cpu_to_le16(s->total_vfs);
		c.crc = cpu_to_le32(plu_wire_crc(&c, PLU_WIRE_REC_CRC_LEN));
		memcpy(w, &c, sizeof(*w));
		return;
	}
	v.segment = cpu_to_le32(s->segment);
	v.bus = s->bus;
	v.devfn = s->devfn;
	v.flags = cpu_to_le16(PLU_WIRE_REC_SRIOV | PLU_WIRE_REC_VF |
			      (s->vf.flags & PLU_WIRE_VF_F_ALL));
	v.index = cpu_to_le16(s->vf.index);
	v.vendor = cpu_to_le16(s->vf.vendor);
	v.device = cpu_to_le16(s->vf.device);
	v.subsystem_vendor = cpu_to_le16(s->vf.subsystem_vendor);
	v.subsystem_device = cpu_to_le16(s->vf.subsystem_device);
	v.vf_bus = s->vf.bus;
	v.vf_devfn = s->vf.devfn;
	plu_wire_put_name(v.driver, s->vf.driver);
	plu_wire_put_name(v.driver_override, s->vf.driver_override);
	v.crc = cpu_to_le32(plu_wire_crc(&v, PLU_WIRE_REC_CRC_LEN));
	memcpy(w, &v, sizeof(*w));
}

#define PLU_BYTES_01	0x0101010101010101ULL
#define PLU_BYTES_7F	0x7f7f7f7f7f7f7f7fULL
#define PLU_BYTES_80	0x8080808080808080ULL

/*
 * The decoder runs over every record in the next kernel, so the byte
 * string checks below work on eight bytes at a time rather than in loops
 * with a data dependent exit.  Each helper takes eight bytes as a little
 * endian u64 (byte i in bits 8i..8i+7) and handles each byte on its own:
 * no carry crosses from one byte into the next, because every addition is
 * done on values below 0x80.
 */

/*
 * A mask of the bytes before the first NUL of @x: all of @x when it has no
 * NUL.  In (x - 0x01..) & ~x & 0x80.. the lowest set bit is exact (the
 * higher ones may not be), and it is bit 7 of the first NUL byte; the mask
 * also covers bits 0..6 of that byte, which are zero.
 */
static inline u64 plu_bytes_before_nul(u64 x)
{
	u64 nul = (x - PLU_BYTES_01) & ~x & PLU_BYTES_80;

	return (nul & -nul) - 1;
}

/* Bit 7 of each byte is set iff that byte is outside 0x21..0x7e. */
static inline u64 plu_bytes_unprintable(u64 x)
{
	u64 low7 = x & PLU_BYTES_7F;

	/* >= 0x80 | < 0x21 (adding 0x5f leaves bit 7 clear) | >= 0x7f */
	return (x | ~(low7 + 0x5f * PLU_BYTES_01) | (low7 + PLU_BYTES_01)) &
	       PLU_BYTES_80;
}

static inline u64 plu_load_le64(const void *p)
{
	__le64 v;

	memcpy(&v, p, sizeof(v));
	return le64_to_cpu(v);
}

static inline u64 plu_load_le32(const void *p)
{
	__le32 v;

	memcpy(&v, p, sizeof(v));
	return le32_to_cpu(v);
}

/*
 * What a record can have wrong, one bit each.  plu_wire_record_problems()
 * computes them all, with no early exit (valid records pay for every check
 * anyway, and the CPU then overlaps neighbouring records), and the lowest
 * set bit names the problem reported, so the order here is the order of
 * the checks.
 */
enum plu_wire_record_check {
	PLU_REC_CRC,
	PLU_REC_FLAGS,
	PLU_REC_ROLE,
	PLU_REC_AUTO_BRIDGE,
	PLU_REC_AUTO_REFS,
	PLU_REC_REFS,
	PLU_REC_DEPTH,
	PLU_REC_PATH_END,
	PLU_REC_PATH_UNUSED,
	PLU_REC_DSN,
	PLU_REC_DRIVER_PRINT,
	PLU_REC_DRIVER_PAD,
	PLU_REC_DRIVER_TRUNC,
	PLU_REC_SRIOV_FLAGS,
	PLU_REC_SRIOV_RESERVED,
	PLU_REC_SRIOV_COUNT,
	PLU_REC_OVERRIDE_PRINT,
	PLU_REC_OVERRIDE_PAD,
	PLU_REC_OVERRIDE_TRUNC,
	PLU_REC_NR_CHECKS,
};

static const char * const plu_wire_record_why[PLU_REC_NR_CHECKS] = {
	[PLU_REC_CRC]		= "record CRC mismatch",
	[PLU_REC_FLAGS]		= "unknown record flags",
	[PLU_REC_ROLE]		= "record neither marked nor auto",
	[PLU_REC_AUTO_BRIDGE]	= "auto record is not a bridge",
	[PLU_REC_AUTO_REFS]	= "auto record without refs",
	[PLU_REC_REFS]		= "refs on a record that is not auto",
	[PLU_REC_DEPTH]		= "record path depth out of range",
	[PLU_REC_PATH_END]	= "record path does not end at devfn",
	[PLU_REC_PATH_UNUSED]	= "record path has nonzero unused entries",
	[PLU_REC_DSN]		= "record DSN set without DSN flag",
	[PLU_REC_DRIVER_PRINT]	= "record driver name not printable",
	[PLU_REC_DRIVER_PAD]	= "record driver name not NUL padded",
	[PLU_REC_DRIVER_TRUNC]	= "record driver marked truncated but short",
	[PLU_REC_SRIOV_FLAGS]	= "unknown SR-IOV record flags",
	[PLU_REC_SRIOV_RESERVED] = "nonzero reserved SR-IOV record field",
	[PLU_REC_SRIOV_COUNT]	= "SR-IOV record has more VFs than its total",
	[PLU_REC_OVERRIDE_PRINT] = "VF driver_override not printable",
	[PLU_REC_OVERRIDE_PAD]	= "VF driver_override not NUL padded",
	[PLU_REC_OVERRIDE_TRUNC] = "VF driver_override marked truncated but short",
};

#define PLU_REC_BAD(cond, check)	((u32)!!(cond) << (check))

/*
 * A driver name of PLU_WIRE_DRIVER_LEN bytes: the bytes before the first
 * NUL are printable, all bytes after it are NUL, @trunc (the name was cut)
 * only with a name of all 16 bytes.
 */
static inline u32 plu_wire_name_problems(const char *name, bool trunc)
{
	u64 lo = plu_load_le64(&name[0]);
	u64 hi = plu_load_le64(&name[8]);
	u64 name_lo = plu_bytes_before_nul(lo);
	/* the name goes on into @hi only if @lo has no NUL */
	u64 name_hi = name_lo == ~0ULL ? plu_bytes_before_nul(hi) : 0;

	return PLU_REC_BAD((plu_bytes_unprintable(lo) & name_lo) |
			   (plu_bytes_unprintable(hi) & name_hi),
			   PLU_REC_DRIVER_PRINT) |
	       PLU_REC_BAD((lo & ~name_lo) | (hi & ~name_hi),
			   PLU_REC_DRIVER_PAD) |
	       PLU_REC_BAD(trunc && name_hi != ~0ULL, PLU_REC_DRIVER_TRUNC);
}

static inline u32 plu_wire_driver_problems(const struct plu_wire_record *w,
					   u16 flags)
{
	return plu_wire_name_problems(w->driver,
				      flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC);
}

static_assert(PLU_WIRE_PATH_MAX == 12, "path is read as 8 + 4 bytes");

/*
 * Path: depth in range, ends at devfn, unused entries zero.  @tail is the
 * path from its last entry on, which must be devfn and then zeros.  With
 * the depth out of range the other two bits come from shifts kept in
 * range; they do not matter then, since the depth bit is lower.
 */
static inline u32 plu_wire_path_problems(const struct plu_wire_record *w)
{
	unsigned int depth = w->path_depth;
	/* entries 0..7 in lo, 8..11 in hi */
	u64 lo = plu_load_le64(&w->path[0]);
	u64 hi = plu_load_le32(&w->path[8]);
	u64 tail = depth <= 8 ? lo >> ((8 * (depth - 1)) & 63) :
				hi >> ((8 * (depth - 9)) & 63);
	u64 rest = depth <= 8 ? hi : 0;

	/* depth 0 wraps around to a large value */
	return PLU_REC_BAD(depth - 1 >= PLU_WIRE_PATH_MAX, PLU_REC_DEPTH) |
	       PLU_REC_BAD((u8)tail != w->devfn, PLU_REC_PATH_END) |
	       PLU_REC_BAD((tail >> 8) | rest, PLU_REC_PATH_UNUSED);
}

/*
 * Every check of a device record, as PLU_REC_* bits; 0 for a valid record.
 * @known: the device flags of the image's version.
 */
static __always_inline u32
plu_wire_record_problems(const struct plu_wire_record *w, u16 known)
{
	u16 flags = le16_to_cpu(w->flags);
	bool is_auto = flags & PCI_LIVEUPDATE_DEV_AUTO;
	bool refs = w->refs != 0;

	/* CRC over the stored CRC too: zero for a good record */
	return PLU_REC_BAD(plu_wire_crc(w, sizeof(*w)), PLU_REC_CRC) |
	       PLU_REC_BAD(flags & ~known, PLU_REC_FLAGS) |
	       PLU_REC_BAD(!(flags & (PCI_LIVEUPDATE_DEV_MARKED |
				      PCI_LIVEUPDATE_DEV_AUTO)),
			   PLU_REC_ROLE) |
	       PLU_REC_BAD(is_auto && !(flags & PCI_LIVEUPDATE_DEV_BRIDGE),
			   PLU_REC_AUTO_BRIDGE) |
	       PLU_REC_BAD(is_auto && !refs, PLU_REC_AUTO_REFS) |
	       PLU_REC_BAD(!is_auto && refs, PLU_REC_REFS) |
	       plu_wire_path_problems(w) |
	       PLU_REC_BAD(!(flags & PCI_LIVEUPDATE_DEV_DSN) && w->dsn,
			   PLU_REC_DSN) |
	       /* class_rev >> 8 always fits the 24-bit class code */
	       plu_wire_driver_problems(w, flags);
}

static int plu_wire_bytes_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static_assert(offsetof(struct plu_wire_record, flags) ==
	      offsetof(struct plu_wire_sriov_record, flags) &&
	      offsetof(struct plu_wire_record, flags) ==
	      offsetof(struct plu_wire_vf_record, flags),
	      "every kind of record has its flags at the same offset");
static_assert(offsetof(struct plu_wire_sriov_record, crc) ==
	      PLU_WIRE_REC_CRC_LEN &&
	      offsetof(struct plu_wire_vf_record, crc) == PLU_WIRE_REC_CRC_LEN,
	      "every kind of record has its CRC last");

/*
 * Every check of an SR-IOV record (PLU_WIRE_REC_SRIOV, version 3 on), as
 * PLU_REC_* bits.  Read through a copy: the block is an array of
 * &struct plu_wire_record.
 */
static u32 plu_wire_sriov_problems(const struct plu_wire_record *rec)
{
	u16 flags = le16_to_cpu(rec->flags);
	u32 p = PLU_REC_BAD(plu_wire_crc(rec, sizeof(*rec)), PLU_REC_CRC);
	struct plu_wire_sriov_record s;
	struct plu_wire_vf_record v;

	if (flags & PLU_WIRE_REC_VF) {
		memcpy(&v, rec, sizeof(v));
		return p |
		       PLU_REC_BAD(flags & ~(PLU_WIRE_REC_SRIOV | PLU_WIRE_REC_VF |
					     PLU_WIRE_VF_F_ALL),
				   PLU_REC_SRIOV_FLAGS) |
		       PLU_REC_BAD(!plu_wire_bytes_zero(v.reserved,
							sizeof(v.reserved)),
				   PLU_REC_SRIOV_RESERVED) |
		       plu_wire_name_problems(v.driver, flags &
					      PCI_LIVEUPDATE_VF_DRIVER_TRUNC) |
		       plu_wire_name_problems(v.driver_override, flags &
					      PCI_LIVEUPDATE_VF_OVERRIDE_TRUNC)
		       << (PLU_REC_OVERRIDE_PRINT - PLU_REC_DRIVER_PRINT);
	}
	memcpy(&s, rec, sizeof(s));
	return p |
	       PLU_REC_BAD(flags & ~(PLU_WIRE_REC_SRIOV | PLU_WIRE_SRIOV_F_ALL),
			   PLU_REC_SRIOV_FLAGS) |
	       PLU_REC_BAD(!plu_wire_bytes_zero(s.reserved, sizeof(s.reserved)),
			   PLU_REC_SRIOV_RESERVED) |
	       PLU_REC_BAD(le16_to_cpu(s.num_vfs) > le16_to_cpu(s.total_vfs),
			   PLU_REC_SRIOV_COUNT);
}

/* Decode an SR-IOV record plu_wire_sriov_problems() accepted. */
static void plu_wire_sriov_fill(const struct plu_wire_record *rec,
				struct plu_wire_sriov *out)
{
	u16 flags = le16_to_cpu(rec->flags);
	struct plu_wire_sriov_record s;
	struct plu_wire_vf_record v;

	memset(out, 0, sizeof(*out));
	out->segment = le32_to_cpu(rec->segment);
	out->bus = rec->bus;
	out->devfn = rec->devfn;
	if (!(flags & PLU_WIRE_REC_VF)) {
		memcpy(&s, rec, sizeof(s));
		out->num_vfs = le16_to_cpu(s.num_vfs);
		out->total_vfs = le16_to_cpu(s.total_vfs);
		out->sriov_flags = flags & PLU_WIRE_SRIOV_F_ALL;
		return;
	}
	memcpy(&v, rec, sizeof(v));
	out->is_vf = true;
	out->vf.index = le16_to_cpu(v.index);
	out->vf.flags = flags & PLU_WIRE_VF_F_ALL;
	out->vf.vendor = le16_to_cpu(v.vendor);
	out->vf.device = le16_to_cpu(v.device);
	out->vf.subsystem_vendor = le16_to_cpu(v.subsystem_vendor);
	out->vf.subsystem_device = le16_to_cpu(v.subsystem_device);
	out->vf.bus = v.vf_bus;
	out->vf.devfn = v.vf_devfn;
	memcpy(out->vf.driver, v.driver, PLU_WIRE_DRIVER_LEN);
	memcpy(out->vf.driver_override, v.driver_override,
	       PLU_WIRE_DRIVER_LEN);
}

/* The message of the first problem in a non-zero problems() result. */
static const char *plu_wire_record_why_first(u32 problems)
{
	return plu_wire_record_why[plu_ffs(problems)];
}

/* Decode a record plu_wire_record_problems() accepted; every byte of @dev. */
static inline void plu_wire_record_fill(const struct plu_wire_record *w,
					struct pci_liveupdate_device *dev)
{
	u32 class_rev = le32_to_cpu(w->class_rev);

	memset(dev, 0, sizeof(*dev));
	dev->segment = le32_to_cpu(w->segment);
	dev->bus = w->bus;
	dev->devfn = w->devfn;
	dev->flags = le16_to_cpu(w->flags);
	dev->vendor = le16_to_cpu(w->vendor);
	dev->device = le16_to_cpu(w->device);
	dev->subsystem_vendor = le16_to_cpu(w->subsystem_vendor);
	dev->subsystem_device = le16_to_cpu(w->subsystem_device);
	dev->class_code = class_rev >> 8;
	dev->revision = class_rev & 0xff;
	dev->root_bus = w->root_bus;
	dev->path_depth = w->path_depth;
	dev->refs = le16_to_cpu(w->refs);
	/* entries past the depth were checked to be zero */
	memcpy(dev->path, w->path, PLU_WIRE_PATH_MAX);
	dev->dsn = le64_to_cpu(w->dsn);
	memcpy(dev->driver, w->driver, PLU_WIRE_DRIVER_LEN);
}

/**
 * plu_wire_header_init() - set up the header of an empty image
 * @h:         Header to write; every byte of it is written.
 * @body_phys: Physical address of the record block (page aligned).
 * @capacity:  Records the block has room for.
 */
void plu_wire_header_init(struct plu_wire_header *h, u64 body_phys,
			  u32 capacity)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le32(PLU_WIRE_MAGIC);
	h->version = cpu_to_le16(PLU_WIRE_VERSION);
	h->header_size = cpu_to_le16(sizeof(struct plu_wire_header));
	h->record_size = cpu_to_le16(sizeof(struct plu_wire_record));
	h->capacity = cpu_to_le32(capacity);
	h->body_phys = cpu_to_le64(body_phys);
	h->body_size = cpu_to_le64((u64)capacity *
				   sizeof(struct plu_wire_record));
	plu_wire_header_seal(h);
}

/**
 * plu_wire_header_rebase() - point the header at a new record block
 * @h:         Header of the image.
 * @body_phys: Physical address of the new block, holding a copy of the
 *             records.
 * @capacity:  Records the new block has room for.
 *
 * The count and the XOR digest are unchanged, since the records are.
 */
void plu_wire_header_rebase(struct plu_wire_header *h, u64 body_phys,
			    u32 capacity)
{
	h->body_phys = cpu_to_le64(body_phys);
	h->capacity = cpu_to_le32(capacity);
	h->body_size = cpu_to_le64((u64)capacity *
				   sizeof(struct plu_wire_record));
	plu_wire_header_bump(h);
}

/**
 * plu_wire_header_set_flags() - replace the header flags
 * @h:     Header of the image.
 * @flags: New PLU_WIRE_F_* flags.
 */
void plu_wire_header_set_flags(struct plu_wire_header *h, u16 flags)
{
	h->flags = cpu_to_le16(flags);
	plu_wire_header_bump(h);
}

static const char *plu_wire_header_problem(const struct plu_wire_header *h)
{
	u64 body_size = le64_to_cpu(h->body_size);
	u64 body_phys = le64_to_cpu(h->body_phys);
	u32 capacity = le32_to_cpu(h->capacity);

	if (le32_to_cpu(h->magic) != PLU_WIRE_MAGIC)
		return "bad wire magic";
	if (le16_to_cpu(h->version) != PLU_WIRE_VERSION &&
	    le16_to_cpu(h->version) != PLU_WIRE_VERSION_PREV)
		return "unsupported wire version";
	if (le16_to_cpu(h->header_size) != sizeof(struct plu_wire_header))
		return "bad wire header size";
	if (le16_to_cpu(h->record_size) != sizeof(struct plu_wire_record))
		return "bad wire record size";
	/*
	 * The CRC comes before the field checks so that random damage is
	 * reported as such rather than as whichever field it happened to hit.
	 */
	if (plu_wire_crc(h, PLU_WIRE_HDR_CRC_LEN) !=
	    le32_to_cpu(h->header_crc))
		return "header CRC mismatch";
	if (le16_to_cpu(h->flags) & ~PLU_WIRE_F_ALL)
		return "unknown header flags";
	if (h->reserved[0] || h->reserved[1] || h->reserved[2])
		return "nonzero reserved header field";
	if (le32_to_cpu(h->count) > capacity)
		return "record count exceeds capacity";
	if (!body_size)
		return "empty record block";
	if (body_size > PLU_WIRE_MAX_BODY)
		return "record block too large";
	/* u32 * 64 cannot overflow a u64 */
	if ((u64)capacity * sizeof(struct plu_wire_record) > body_size)
		return "capacity exceeds record block size";
	if ((u64)capacity * sizeof(struct plu_wire_record) < body_size)
		return "record block larger than its capacity";
	if (!body_phys)
		return "record block address is zero";
	if (body_phys & (PLU_WIRE_BODY_ALIGN - 1))
		return "record block address not page aligned";
	return NULL;
}

/**
 * plu_wire_header_check() - validate a received header
 * @h:   Header to check; exactly sizeof(*h) bytes are read.
 * @why: If not NULL, set to a static description of the problem on failure.
 *
 * Checks magic, version (PLU_WIRE_VERSION or PLU_WIRE_VERSION_PREV),
 * header and record sizes,
 * the header CRC, known flags, zero reserved fields, @count <= @capacity,
 * a non-empty record block of at most PLU_WIRE_MAX_BODY bytes that is
 * exactly @capacity records long, and a non-zero, page aligned @body_phys.
 * It does not look at the record block: see plu_wire_image_check().
 *
 * Return: 0 if the header can be trusted, -EINVAL otherwise.
 */
int plu_wire_header_check(const struct plu_wire_header *h, const char **why)
{
	const char *problem = plu_wire_header_problem(h);

	if (problem) {
		plu_set_why(why, problem);
		return -EINVAL;
	}
	return 0;
}

static int plu_wire_put(struct plu_wire_header *h, struct plu_wire_record *recs,
			u32 slot, const struct plu_wire_record *w)
{
	u32 count = le32_to_cpu(h->count);
	u32 digest = le32_to_cpu(h->records_xor);

	if (slot > count)
		return -EINVAL;
	if (slot == count) {
		if (count >= le32_to_cpu(h->capacity))
			return -ENOSPC;
		h->count = cpu_to_le32(count + 1);
	} else {
		digest ^= le32_to_cpu(recs[slot].crc);
	}
	recs[slot] = *w;
	digest ^= le32_to_cpu(recs[slot].crc);
	h->records_xor = cpu_to_le32(digest);
	plu_wire_header_bump(h);
	return 0;
}

/**
 * plu_wire_write() - write one record of the image and update the header
 * @h:    Header of the image.
 * @recs: Record block.
 * @slot: Index to write: below @h->count to overwrite that record, equal to
 *        @h->count to append one.
 * @dev:  Device to encode.
 *
 * Runs in O(1): the XOR digest is updated with the old and new record CRCs
 * rather than recomputed.
 *
 * Return: 0 on success, -ENOSPC when appending to a full block, -EINVAL if
 * @slot is past @h->count.
 */
int plu_wire_write(struct plu_wire_header *h, struct plu_wire_record *recs,
		   u32 slot, const struct pci_liveupdate_device *dev)
{
	struct plu_wire_record w;

	plu_wire_encode_record(&w, dev);
	return plu_wire_put(h, recs, slot, &w);
}

/**
 * plu_wire_write_sriov() - write one SR-IOV record and update the header
 * @h:    Header of the image.
 * @recs: Record block.
 * @slot: Index to write, as for plu_wire_write().
 * @s:    The PF's configuration or one of its VFs.
 *
 * O(1), as plu_wire_write().
 *
 * Return: 0 on success, -ENOSPC when appending to a full block, -EINVAL if
 * @slot is past @h->count.
 */
int plu_wire_write_sriov(struct plu_wire_header *h,
			 struct plu_wire_record *recs, u32 slot,
			 const struct plu_wire_sriov *s)
{
	struct plu_wire_record w;

	plu_wire_encode_sriov(&w, s);
	return plu_wire_put(h, recs, slot, &w);
}

/**
 * plu_wire_remove() - remove one record of the image in O(1)
 * @h:    Header of the image.
 * @recs: Record block.
 * @slot: Index of the record to remove.
 *
 * The last record is moved into @slot (unless @slot is the last one) and
 * the vacated last slot is zeroed, so the records stay packed at the start
 * of the block.
 *
 * Return: the index the moved record came from, which is the new count
 * (equal to @slot if nothing moved), so the caller can update its own map
 * of slots; PLU_NO_SLOT, with nothing changed, if @slot is not below
 * @h->count.
 */
u32 plu_wire_remove(struct plu_wire_header *h, struct plu_wire_record *recs,
		    u32 slot)
{
	u32 count = le32_to_cpu(h->count);
	u32 last;

	if (slot >= count)
		return PLU_NO_SLOT;
	last = count - 1;
	h->records_xor = cpu_to_le32(le32_to_cpu(h->records_xor) ^
				     le32_to_cpu(recs[slot].crc));
	if (slot != last)
		recs[slot] = recs[last];
	memset(&recs[last], 0, sizeof(recs[last]));
	h->count = cpu_to_le32(last);
	plu_wire_header_bump(h);
	return last;
}

/**
 * plu_wire_decode() - validate and decode all records of an image
 * @h:        Header, already accepted by plu_wire_header_check().
 * @recs:     The record block.
 * @recs_len: Bytes readable at @recs.
 * @d:        Where the decoded records go (see &struct plu_wire_decoded),
 *            or NULL to only validate.
 * @why:      If not NULL, set to a static description of the problem on
 *            failure.
 *
 * Validates and decodes each of the @h->count records in one pass: the
 * record CRC and every field the format constrains.  Device records: known
 * flags (those of the image's version), MARKED or AUTO, AUTO only on
 * bridges and with @refs, path depth and end, zero unused path entries,
 * DSN only with its flag, printable NUL padded driver name, DRIVER_TRUNC
 * only with a 16-byte name.  SR-IOV records (version 3 on): known flags,
 * zero reserved bytes, @num_vfs <= @total_vfs, driver and driver_override
 * names as a device's driver name.  Then it compares the XOR of all CRCs
 * with @h->records_xor.  A decoded record is zeroed first, so its
 * @verdict and @cur_* are zero.  It does not look for two records with
 * the same address, nor match SR-IOV records with their PF: the caller
 * does that when it indexes the decoded records, which it has to do
 * anyway.  On failure @d holds partial results the caller must not use.
 *
 * Return: 0 if every record is valid, -EINVAL otherwise.
 */
int plu_wire_decode(const struct plu_wire_header *h,
		    const struct plu_wire_record *recs, size_t recs_len,
		    struct plu_wire_decoded *d, const char **why)
{
	bool v3 = le16_to_cpu(h->version) != PLU_WIRE_VERSION_PREV;
	u16 known = v3 ? PCI_LIVEUPDATE_DEV_FLAGS_ALL : PLU_WIRE_V2_DEV_FLAGS;
	u32 count = le32_to_cpu(h->count);
	u32 problems, digest = 0;
	u32 i;

	if ((u64)count * sizeof(*recs) > recs_len) {
		plu_set_why(why, "record block shorter than count");
		return -EINVAL;
	}
	if (d) {
		d->nr_devs = 0;
		d->nr_sriov = 0;
	}
	for (i = 0; i < count; i++) {
		bool sriov = v3 && (le16_to_cpu(recs[i].flags) &
				    PLU_WIRE_REC_SRIOV);

		problems = sriov ? plu_wire_sriov_problems(&recs[i]) :
				   plu_wire_record_problems(&recs[i], known);
		if (problems) {
			plu_set_why(why, plu_wire_record_why_first(problems));
			return -EINVAL;
		}
		if (d && sriov) {
			if (d->sriov)
				plu_wire_sriov_fill(&recs[i],
						    &d->sriov[d->nr_sriov]);
			d->nr_sriov++;
		} else if (d) {
			if (d->devs)
				plu_wire_record_fill(&recs[i],
						     &d->devs[d->nr_devs]);
			d->nr_devs++;
		}
		digest ^= le32_to_cpu(recs[i].crc);
	}
	if (digest != le32_to_cpu(h->records_xor)) {
		plu_set_why(why, "record XOR digest mismatch");
		return -EINVAL;
	}
	return 0;
}

/**
 * plu_wire_decode_records() - validate and decode the device records
 * @h:        Header, already accepted by plu_wire_header_check().
 * @recs:     The record block.
 * @recs_len: Bytes readable at @recs.
 * @out:      Room for @h->count decoded device records, or NULL to only
 *            validate.
 * @why:      If not NULL, set to a static description of the problem on
 *            failure.
 *
 * plu_wire_decode() keeping only the device records, in their order in
 * the image (so @out[i] is record i of an image with no SR-IOV records).
 *
 * Return: 0 if every record is valid, -EINVAL otherwise.
 */
int plu_wire_decode_records(const struct plu_wire_header *h,
			    const struct plu_wire_record *recs,
			    size_t recs_len, struct pci_liveupdate_device *out,
			    const char **why)
{
	struct plu_wire_decoded d = { .devs = out };

	return plu_wire_decode(h, recs, recs_len, &d, why);
}

/**
 * plu_wire_image_check_all() - prove a received record block is this image's
 * @h:         Header, in the page the FLB handle points at.
 * @hdr_phys:  Physical address of that page.
 * @page_size: Page size of the reading kernel.
 * @map:       Returns the @len bytes at physical address @phys, readable in
 *             place, if all of them are RAM of this kernel; NULL otherwise.
 *             It must not claim the memory: nothing is restored yet.
 * @ctx:       Passed to @map.
 * @out:       Where the decoded records go, as for plu_wire_decode().
 * @why:       If not NULL, set to a static description of the problem on
 *             failure.
 *
 * A CRC is no proof of ownership: a header with a valid CRC may still point
 * at its own page or at memory another KHO user preserved.  So before the
 * caller restores (takes ownership of) the record block, this checks all
 * that can be checked in place: the header as plu_wire_header_check()
 * does, that the image was sealed by LUO freeze, that the block does not
 * overlap the header's page and is page aligned, that it is RAM, that its
 * @count records are valid and match the XOR digest, and that every byte
 * past them is zero, as the writer keeps it.  Another user's memory passes
 * only if it happens to hold exactly that.  An empty set proves nothing
 * (any zeroed memory passes), so the caller must not restore the block of
 * an image with no records; and it must check that what it restores is
 * one folio of exactly @h->body_size bytes.
 *
 * Return: 0 if the block may be restored, -EINVAL otherwise.
 */
int plu_wire_image_check_all(const struct plu_wire_header *h, u64 hdr_phys,
			     u64 page_size,
			     const void *(*map)(void *ctx, u64 phys, u64 len),
			     void *ctx, struct plu_wire_decoded *out,
			     const char **why)
{
	u64 body_phys = le64_to_cpu(h->body_phys);
	u64 body_size = le64_to_cpu(h->body_size);
	u64 hdr_page = hdr_phys & ~(page_size - 1);
	u64 used = (u64)le32_to_cpu(h->count) * sizeof(struct plu_wire_record);
	const unsigned char *body;

	if (plu_wire_header_check(h, why))
		return -EINVAL;
	if (!(le16_to_cpu(h->flags) & PLU_WIRE_F_FROZEN)) {
		plu_set_why(why, "image was not sealed by LUO freeze");
		return -EINVAL;
	}
	if (body_phys & (page_size - 1)) {
		plu_set_why(why, "record block address not page aligned");
		return -EINVAL;
	}
	/* body_size <= PLU_WIRE_MAX_BODY: only the address can wrap. */
	if (body_phys + body_size < body_phys) {
		plu_set_why(why, "record block wraps around the address space");
		return -EINVAL;
	}
	/* hdr_page + page_size is 0 for the last page: compare with its end */
	if (body_phys <= hdr_page + (page_size - 1) &&
	    hdr_page < body_phys + body_size) {
		plu_set_why(why, "record block overlaps the header page");
		return -EINVAL;
	}
	body = map(ctx, body_phys, body_size);
	if (!body) {
		plu_set_why(why, "record block is not RAM of this kernel");
		return -EINVAL;
	}
	if (plu_wire_decode(h, (const struct plu_wire_record *)body,
			    body_size, out, why))
		return -EINVAL;
	if (!plu_wire_bytes_zero(body + used, body_size - used)) {
		plu_set_why(why, "record block holds data past its records");
		return -EINVAL;
	}
	return 0;
}

/**
 * plu_wire_image_check() - plu_wire_image_check_all(), device records only
 * @h:         Header, in the page the FLB handle points at.
 * @hdr_phys:  Physical address of that page.
 * @page_size: Page size of the reading kernel.
 * @map:       As for plu_wire_image_check_all().
 * @ctx:       Passed to @map.
 * @out:       Room for @h->count decoded device records.
 * @why:       If not NULL, set to a static description of the problem on
 *             failure.
 *
 * Return: 0 if the block may be restored, -EINVAL otherwise.
 */
int plu_wire_image_check(const struct plu_wire_header *h, u64 hdr_phys,
			 u64 page_size,
			 const void *(*map)(void *ctx, u64 phys, u64 len),
			 void *ctx, struct pci_liveupdate_device *out,
			 const char **why)
{
	struct plu_wire_decoded d = { .devs = out };

	return plu_wire_image_check_all(h, hdr_phys, page_size, map, ctx, &d,
					why);
}
