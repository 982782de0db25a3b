// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the pci-liveupdate wire codec (src/plu_wire.c), run
 * with the kernel's kselftest harness.
 */
#include "kselftest_harness.h"

#include <stddef.h>

#include "../../include/pci_liveupdate_names.h"
#include "plu_wire_test.h"

u32 plu_crc32c_sw(u32 crc, const void *buf, size_t len);
u32 plu_crc32c_hw(u32 crc, const void *buf, size_t len);
int plu_crc32c_have_hw(void);
const char *plu_crc32c_impl_name(void);

#define BODY_PHYS	0x12345000ULL
#define REC_SIZE	sizeof(struct plu_wire_record)

/* The sizes are asserted in pci_liveupdate_abi.h; the offsets here. */
_Static_assert(offsetof(struct plu_wire_header, header_crc) == 60, "hcrc");
_Static_assert(offsetof(struct plu_wire_record, refs) == 20, "refs");
_Static_assert(offsetof(struct plu_wire_record, root_bus) == 22, "root_bus");
_Static_assert(offsetof(struct plu_wire_record, dsn) == 24, "dsn");
_Static_assert(offsetof(struct plu_wire_record, driver) == 32, "driver");
_Static_assert(offsetof(struct plu_wire_record, path) == 48, "path");
_Static_assert(offsetof(struct plu_wire_record, crc) == 60, "rcrc");

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u32 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state >> 16);
}

/* A valid marked endpoint two bridges below its root bus. */
static void dev_endpoint(struct pci_liveupdate_device *d, u32 n)
{
	memset(d, 0, sizeof(*d));
	d->segment = n >> 16;
	d->bus = (u8)(n >> 8);
	d->devfn = (u8)n;
	d->flags = PCI_LIVEUPDATE_DEV_MARKED | PCI_LIVEUPDATE_DEV_DSN |
		   PCI_LIVEUPDATE_DEV_REBIND;
	d->vendor = 0x8086;
	d->device = 0x1572;
	d->subsystem_vendor = 0x17aa;
	d->subsystem_device = 0x4021;
	d->class_code = 0x020000;
	d->revision = 0x02;
	d->root_bus = 0x00;
	d->path_depth = 3;
	d->path[0] = 0x08;
	d->path[1] = 0x10;
	d->path[2] = d->devfn;
	d->dsn = 0x0011223344556677ULL ^ n;
	strcpy(d->driver, "i40e");
}

/* A valid auto bridge. */
static void dev_bridge(struct pci_liveupdate_device *d, u32 n)
{
	memset(d, 0, sizeof(*d));
	d->segment = 0xffff;
	d->bus = 0x3a;
	d->devfn = (u8)n;
	d->flags = PCI_LIVEUPDATE_DEV_AUTO | PCI_LIVEUPDATE_DEV_BRIDGE;
	d->vendor = 0x10b5;
	d->device = 0x8747;
	d->class_code = 0x060400;
	d->revision = 0xca;
	d->root_bus = 0x39;
	d->path_depth = 1;
	d->path[0] = d->devfn;
	d->refs = (u16)(n % 7 + 1);
	strcpy(d->driver, "pcieport");
}

/* Re-CRC a record after a test changed a field: a well-formed bad record. */
static void reseal_record(struct plu_wire_record *w)
{
	w->crc = cpu_to_le32(plu_wire_crc(w, offsetof(struct plu_wire_record,
						      crc)));
}

static void reseal_header(struct plu_wire_header *h)
{
	h->header_crc = cpu_to_le32(plu_wire_crc(h, 60));
}

static u32 xor_of(const struct plu_wire_record *recs, u32 n)
{
	u32 x = 0, i;

	for (i = 0; i < n; i++)
		x ^= le32_to_cpu(recs[i].crc);
	return x;
}

static int all_zero(const void *p, size_t len)
{
	const u8 *b = p;

	while (len--)
		if (*b++)
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- CRC */

TEST(crc32c_check_value)
{
	const char *s = "123456789";
	static const u8 z[32];

	ASSERT_EQ(0xE3069283U, ~plu_crc32c(~0U, s, 9));
	ASSERT_EQ(0xE3069283U, ~plu_crc32c_sw(~0U, s, 9));
	ASSERT_EQ(0xE3069283U, ~plu_crc32c_hw(~0U, s, 9));
	ASSERT_EQ(~0xE3069283U, plu_wire_crc(s, 9));
	/* empty input leaves the seed alone */
	ASSERT_EQ(PLU_WIRE_CRC_SEED, plu_wire_crc(s, 0));
	/* 32 zero bytes, a published CRC32C test vector */
	ASSERT_EQ(0x8A9136AAU, ~plu_crc32c(~0U, z, sizeof(z)));
	TH_LOG("crc32c: %s", plu_crc32c_impl_name());
}

TEST(crc32c_sw_hw_chain_agree)
{
	u8 buf[300];
	size_t off, len, cut;
	u32 a, b, c;

	for (off = 0; off < sizeof(buf); off++)
		buf[off] = (u8)rnd();
	for (off = 0; off < 9; off++)
		for (len = 0; len + off <= sizeof(buf); len += 1 + len / 8) {
			a = plu_crc32c_sw(0x12345678, buf + off, len);
			b = plu_crc32c_hw(0x12345678, buf + off, len);
			ASSERT_EQ(a, b);
			cut = len / 3;
			c = plu_crc32c(0x12345678, buf + off, cut);
			c = plu_crc32c(c, buf + off + cut, len - cut);
			ASSERT_EQ(a, c);
		}
}

/* ------------------------------------------------------------- records */

TEST(encode_byte_layout)
{
	struct pci_liveupdate_device d;
	struct plu_wire_record w, z;
	const u8 *b = (const u8 *)&w;

	dev_endpoint(&d, 0x4231);
	d.segment = 0x10000;
	plu_wire_encode_record(&w, &d);

	/* segment 0x00010000, bus 0x42, devfn 0x31 */
	EXPECT_EQ(0x00, b[0]);
	EXPECT_EQ(0x00, b[1]);
	EXPECT_EQ(0x01, b[2]);
	EXPECT_EQ(0x00, b[3]);
	EXPECT_EQ(0x42, b[4]);
	EXPECT_EQ(0x31, b[5]);
	EXPECT_EQ(0x19, b[6]);		/* flags */
	EXPECT_EQ(0x00, b[7]);
	EXPECT_EQ(0x86, b[8]);		/* vendor */
	EXPECT_EQ(0x80, b[9]);
	EXPECT_EQ(0x72, b[10]);		/* device */
	EXPECT_EQ(0x15, b[11]);
	EXPECT_EQ(0xaa, b[12]);
	EXPECT_EQ(0x17, b[13]);
	EXPECT_EQ(0x21, b[14]);
	EXPECT_EQ(0x40, b[15]);
	/* class_rev = 0x02000002 */
	EXPECT_EQ(0x02, b[16]);
	EXPECT_EQ(0x00, b[17]);
	EXPECT_EQ(0x00, b[18]);
	EXPECT_EQ(0x02, b[19]);
	/* dsn little endian */
	EXPECT_EQ((u8)(d.dsn), b[24]);
	EXPECT_EQ(0x00, b[31]);
	EXPECT_EQ(0x11, b[30]);
	EXPECT_EQ(0, b[20]);		/* refs */
	EXPECT_EQ(0, b[21]);
	EXPECT_EQ(0x00, b[22]);		/* root bus */
	EXPECT_EQ(3, b[23]);		/* path depth */
	EXPECT_EQ(0, memcmp(b + 32, "i40e\0\0\0\0\0\0\0\0\0\0\0\0", 16));
	EXPECT_EQ(0x08, b[48]);
	EXPECT_EQ(0x10, b[49]);
	EXPECT_EQ(0x31, b[50]);
	EXPECT_TRUE(all_zero(b + 51, 9));

	/* CRC of the first 60 bytes, stored LE in the last 4 */
	EXPECT_EQ(plu_crc32c(~0U, b, 60), (u32)b[60] | (u32)b[61] << 8 |
		  (u32)b[62] << 16 | (u32)b[63] << 24);
	/* so the CRC run on over the stored value ends at zero */
	EXPECT_EQ(0U, plu_crc32c(~0U, b, 64));
	z = w;
	z.crc = 0;
	EXPECT_NE(0U, plu_crc32c(~0U, &z, sizeof(z)));

	/* refs little endian */
	dev_bridge(&d, 5);
	d.refs = 0x1234;
	plu_wire_encode_record(&w, &d);
	EXPECT_EQ(0x34, b[20]);
	EXPECT_EQ(0x12, b[21]);
	EXPECT_EQ(0xca, b[16]);
	EXPECT_EQ(0x00, b[17]);
	EXPECT_EQ(0x04, b[18]);
	EXPECT_EQ(0x06, b[19]);
}

static void roundtrip(struct __test_metadata *_metadata,
		      const struct pci_liveupdate_device *in,
		      const struct pci_liveupdate_device *expect)
{
	struct pci_liveupdate_device out;
	struct plu_wire_record w, w2;
	const char *why = NULL;

	memset(&w, 0xa5, sizeof(w));
	plu_wire_encode_record(&w, in);
	memset(&out, 0x5a, sizeof(out));
	ASSERT_EQ(0, plu_wire_decode_record(&w, &out, &why)) {
		TH_LOG("decode failed: %s", why);
	}
	ASSERT_EQ(0, memcmp(&out, expect, sizeof(out))) {
		TH_LOG("decoded device differs from the expected one");
	}
	/* decoding with why == NULL works too */
	ASSERT_EQ(0, plu_wire_decode_record(&w, &out, NULL));
	/* re-encoding the decoded device gives the same bytes */
	plu_wire_encode_record(&w2, &out);
	ASSERT_EQ(0, memcmp(&w, &w2, sizeof(w)));
}

TEST(roundtrip_variants)
{
	struct pci_liveupdate_device d, e;
	int i;

	/* plain endpoint with DSN */
	dev_endpoint(&d, 0x0123);
	roundtrip(_metadata, &d, &d);

	/* segment 0x10000 and 0xffff, all-ones ids */
	dev_endpoint(&d, 0x10000 | 0xff07);
	d.path[2] = d.devfn;
	d.vendor = d.device = 0xffff;
	d.subsystem_vendor = d.subsystem_device = 0xffff;
	d.class_code = 0xffffff;
	d.revision = 0xff;
	d.dsn = ~0ULL;
	roundtrip(_metadata, &d, &d);
	d.segment = 0xffff;
	roundtrip(_metadata, &d, &d);
	d.segment = 0xffffffff;
	roundtrip(_metadata, &d, &d);

	/* no DSN: the serial is dropped on the wire */
	dev_endpoint(&d, 0x0200);
	d.flags &= ~PCI_LIVEUPDATE_DEV_DSN;
	e = d;
	e.dsn = 0;
	roundtrip(_metadata, &d, &e);

	/* no driver at all */
	d.driver[0] = 0;
	memset(&e.driver, 0, sizeof(e.driver));
	e.driver[0] = 0;
	roundtrip(_metadata, &d, &e);

	/* maximum path depth */
	dev_endpoint(&d, 0x0577);
	d.path_depth = PLU_WIRE_PATH_MAX;
	for (i = 0; i < PLU_WIRE_PATH_MAX; i++)
		d.path[i] = (u8)(0x10 + i * 9);
	d.path[PLU_WIRE_PATH_MAX - 1] = d.devfn;
	roundtrip(_metadata, &d, &d);

	/* path entries past the depth are not carried */
	dev_endpoint(&d, 0x0301);
	d.path[5] = 0x77;
	d.path[11] = 0x01;
	e = d;
	e.path[5] = e.path[11] = 0;
	roundtrip(_metadata, &d, &e);

	/* 16-byte driver name exactly, with and without TRUNC */
	dev_endpoint(&d, 0x0402);
	strcpy(d.driver, "abcdefghijklmnop");
	roundtrip(_metadata, &d, &d);
	d.flags |= PCI_LIVEUPDATE_DEV_DRIVER_TRUNC;
	roundtrip(_metadata, &d, &d);

	/* longer name: cut to 16 bytes on the wire */
	strcpy(d.driver, "a_very_long_driver_name_xyz");
	e = d;
	memset(e.driver, 0, sizeof(e.driver));
	memcpy(e.driver, "a_very_long_driv", 16);
	roundtrip(_metadata, &d, &e);

	/* auto bridge with refs, verdict/cur_* are never carried */
	dev_bridge(&d, 0xf8);
	d.refs = 0xffff;
	roundtrip(_metadata, &d, &d);
	d.verdict = 3;
	d.cur_bus = 9;
	d.cur_devfn = 9;
	e = d;
	e.verdict = e.cur_bus = e.cur_devfn = 0;
	roundtrip(_metadata, &d, &e);

	/* a bridge that is also marked by the user */
	d.flags |= PCI_LIVEUPDATE_DEV_MARKED;
	d.verdict = d.cur_bus = d.cur_devfn = 0;
	roundtrip(_metadata, &d, &d);

	/* every flag combination the decoder accepts round-trips */
	for (i = 0; i <= PCI_LIVEUPDATE_DEV_FLAGS_ALL; i++) {
		if (!(i & (PCI_LIVEUPDATE_DEV_MARKED | PCI_LIVEUPDATE_DEV_AUTO)))
			continue;
		if ((i & PCI_LIVEUPDATE_DEV_AUTO) &&
		    !(i & PCI_LIVEUPDATE_DEV_BRIDGE))
			continue;
		dev_endpoint(&d, 0x0100 | (u32)i);
		d.path[2] = d.devfn;
		strcpy(d.driver, "0123456789abcdef");
		d.flags = (u16)i;
		d.refs = (i & PCI_LIVEUPDATE_DEV_AUTO) ? (u16)(i + 1) : 0;
		e = d;
		if (!(i & PCI_LIVEUPDATE_DEV_DSN))
			e.dsn = 0;
		roundtrip(_metadata, &d, &e);
	}
}

static void expect_bad_record(struct __test_metadata *_metadata,
			      const struct plu_wire_record *w,
			      const char *needle)
{
	struct pci_liveupdate_device out;
	struct plu_wire_header h;
	struct plu_wire_record recs[2];
	const char *why = NULL;

	ASSERT_EQ(-EINVAL, plu_wire_decode_record(w, &out, &why));
	ASSERT_NE(NULL, why);
	ASSERT_NE(NULL, strstr(why, needle)) {
		TH_LOG("why \"%s\", expected \"%s\"", why, needle);
	}
	ASSERT_EQ(-EINVAL, plu_wire_decode_record(w, &out, NULL));

	/* the same record in an otherwise valid image, digest fixed up */
	plu_wire_header_init(&h, BODY_PHYS, 2);
	dev_bridge(&out, 1);
	plu_wire_encode_record(&recs[0], &out);
	recs[1] = *w;
	h.count = cpu_to_le32(2);
	h.records_xor = cpu_to_le32(xor_of(recs, 2));
	reseal_header(&h);
	ASSERT_EQ(0, plu_wire_header_check(&h, NULL));
	why = NULL;
	ASSERT_EQ(-EINVAL, plu_wire_check_records(&h, recs, sizeof(recs), &why));
	ASSERT_NE(NULL, strstr(why, needle)) {
		TH_LOG("why \"%s\", expected \"%s\"", why, needle);
	}
}

TEST(record_every_byte_flip_rejected)
{
	struct pci_liveupdate_device d;
	struct plu_wire_record w, bad;
	static const u8 masks[] = { 0x01, 0x10, 0x80, 0xff };
	size_t pos, m;

	dev_endpoint(&d, 0x10000 | 0x1234);
	d.path[2] = d.devfn;
	plu_wire_encode_record(&w, &d);
	for (pos = 0; pos < sizeof(w); pos++)
		for (m = 0; m < sizeof(masks); m++) {
			bad = w;
			((u8 *)&bad)[pos] ^= masks[m];
			expect_bad_record(_metadata, &bad, "CRC");
		}
}

TEST(record_bad_crc)
{
	struct pci_liveupdate_device d;
	struct plu_wire_record w;

	dev_bridge(&d, 2);
	plu_wire_encode_record(&w, &d);
	w.crc = cpu_to_le32(le32_to_cpu(w.crc) + 1);
	expect_bad_record(_metadata, &w, "record CRC mismatch");
	w.crc = 0;
	expect_bad_record(_metadata, &w, "record CRC mismatch");
}

/* Encode a valid endpoint, damage a field, re-CRC, expect @needle. */
#define BAD_FIELD(needle, stmt) do {				\
	struct pci_liveupdate_device _d;			\
	struct plu_wire_record w;				\
								\
	dev_endpoint(&_d, 0x0533);				\
	plu_wire_encode_record(&w, &_d);			\
	stmt;							\
	reseal_record(&w);					\
	expect_bad_record(_metadata, &w, needle);		\
} while (0)

TEST(record_field_rejections)
{
	BAD_FIELD("unknown record flags", w.flags |= cpu_to_le16(0x80));
	/* version 3: an SR-IOV record, with flags no SR-IOV record has */
	BAD_FIELD("record flags", w.flags |= cpu_to_le16(0x8000));
	BAD_FIELD("neither marked nor auto",
		  w.flags = cpu_to_le16(PCI_LIVEUPDATE_DEV_BRIDGE));
	BAD_FIELD("auto record is not a bridge",
		  w.flags = cpu_to_le16(PCI_LIVEUPDATE_DEV_AUTO);
		  w.refs = cpu_to_le16(1));
	BAD_FIELD("auto record without refs",
		  w.flags = cpu_to_le16(PCI_LIVEUPDATE_DEV_AUTO |
					PCI_LIVEUPDATE_DEV_BRIDGE));
	BAD_FIELD("refs on a record that is not auto",
		  w.refs = cpu_to_le16(1));
	BAD_FIELD("path depth", w.path_depth = 0);
	BAD_FIELD("path depth", w.path_depth = PLU_WIRE_PATH_MAX + 1);
	BAD_FIELD("path depth", w.path_depth = 0xff);
	BAD_FIELD("record path does not end at devfn", w.path[2] ^= 1);
	BAD_FIELD("record path does not end at devfn", w.devfn ^= 0x80);
	BAD_FIELD("record path does not end at devfn", w.path_depth = 2);
	BAD_FIELD("nonzero unused", w.path[3] = 1);
	BAD_FIELD("nonzero unused", w.path[PLU_WIRE_PATH_MAX - 1] = 0x80);
	BAD_FIELD("DSN set without DSN flag",
		  w.flags &= cpu_to_le16(~PCI_LIVEUPDATE_DEV_DSN));
	BAD_FIELD("driver name not printable", w.driver[0] = ' ');
	BAD_FIELD("driver name not printable", w.driver[2] = 0x7f);
	BAD_FIELD("driver name not printable", w.driver[1] = (char)0x80);
	BAD_FIELD("driver name not printable", w.driver[3] = '\n');
	BAD_FIELD("driver name not printable",
		  memcpy(w.driver, "abcdefghijklmno\x01", 16));
	BAD_FIELD("not NUL padded", w.driver[15] = 'x');
	BAD_FIELD("not NUL padded", w.driver[5] = 'x');
	BAD_FIELD("not NUL padded", w.driver[0] = 0);
	BAD_FIELD("marked truncated but short",
		  w.flags |= cpu_to_le16(PCI_LIVEUPDATE_DEV_DRIVER_TRUNC));
	BAD_FIELD("marked truncated but short",
		  memcpy(w.driver, "abcdefghijklmno", 16);
		  w.flags |= cpu_to_le16(PCI_LIVEUPDATE_DEV_DRIVER_TRUNC));
}

TEST(record_edge_values_accepted)
{
	struct pci_liveupdate_device d, out;
	struct plu_wire_record w;

	/* every printable character is accepted in the name */
	dev_endpoint(&d, 7);
	memcpy(d.driver, "!~09AZaz_-.:[]{}", 16);
	d.driver[16] = 0;
	plu_wire_encode_record(&w, &d);
	ASSERT_EQ(0, plu_wire_decode_record(&w, &out, NULL));
	/* devfn 0 at depth 1 with path[0] == 0 */
	dev_endpoint(&d, 0);
	d.path_depth = 1;
	d.path[0] = 0;
	d.path[1] = d.path[2] = 0;
	plu_wire_encode_record(&w, &d);
	ASSERT_EQ(0, plu_wire_decode_record(&w, &out, NULL));
	ASSERT_EQ(0, memcmp(&out, &d, sizeof(d)));
}

/*
 * The decoder computes every field check at once, with no early exit, and
 * checks the driver name and the path eight bytes at a time.  These are the
 * same rules stated one by one and byte by byte, in the order the format
 * lists them; the test below holds the decoder to them.
 */
static const char *ref_role_problem(const struct plu_wire_record *w)
{
	u16 flags = le16_to_cpu(w->flags);
	int is_auto = !!(flags & PCI_LIVEUPDATE_DEV_AUTO);

	if (flags & ~PCI_LIVEUPDATE_DEV_FLAGS_ALL)
		return "unknown record flags";
	if (!(flags & (PCI_LIVEUPDATE_DEV_MARKED | PCI_LIVEUPDATE_DEV_AUTO)))
		return "record neither marked nor auto";
	if (is_auto && !(flags & PCI_LIVEUPDATE_DEV_BRIDGE))
		return "auto record is not a bridge";
	if (is_auto && !w->refs)
		return "auto record without refs";
	if (!is_auto && w->refs)
		return "refs on a record that is not auto";
	return NULL;
}

static const char *ref_driver_problem(const struct plu_wire_record *w)
{
	unsigned int len, i;

	for (len = 0; len < PLU_WIRE_DRIVER_LEN && w->driver[len]; len++)
		if ((u8)w->driver[len] < 0x21 || (u8)w->driver[len] > 0x7e)
			return "record driver name not printable";
	for (i = len; i < PLU_WIRE_DRIVER_LEN; i++)
		if (w->driver[i])
			return "record driver name not NUL padded";
	if ((le16_to_cpu(w->flags) & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC) &&
	    len < PLU_WIRE_DRIVER_LEN)
		return "record driver marked truncated but short";
	return NULL;
}

static const char *ref_path_problem(const struct plu_wire_record *w)
{
	unsigned int i;

	if (w->path_depth < 1 || w->path_depth > PLU_WIRE_PATH_MAX)
		return "record path depth out of range";
	if (w->path[w->path_depth - 1] != w->devfn)
		return "record path does not end at devfn";
	for (i = w->path_depth; i < PLU_WIRE_PATH_MAX; i++)
		if (w->path[i])
			return "record path has nonzero unused entries";
	return NULL;
}

/* A byte that is, with even odds, NUL, printable, or anything at all. */
static u8 rnd_name_byte(void)
{
	static const u8 edge[] = { 0x01, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xff };
	u32 r = rnd();

	switch (r % 4) {
	case 0:
		return 0;
	case 1:
		return (u8)(0x21 + (r >> 8) % 94);
	case 2:
		return edge[(r >> 8) % sizeof(edge)];
	default:
		return (u8)(r >> 8);
	}
}

TEST(record_checks_match_fieldwise_rules)
{
	struct pci_liveupdate_device d, out;
	struct plu_wire_record w;
	const char *why, *want;
	unsigned int i, k, n;

	dev_endpoint(&d, 0x42);
	for (n = 0; n < 200000; n++) {
		plu_wire_encode_record(&w, &d);
		/* a name of random length, then random damage after it */
		k = rnd() % (PLU_WIRE_DRIVER_LEN + 1);
		memset(w.driver, 0, sizeof(w.driver));
		for (i = 0; i < k; i++)
			w.driver[i] = (char)(0x21 + rnd() % 94);
		for (i = rnd() % 4; i; i--)
			w.driver[rnd() % PLU_WIRE_DRIVER_LEN] =
				(char)rnd_name_byte();
		if (rnd() % 2)
			w.flags |= cpu_to_le16(PCI_LIVEUPDATE_DEV_DRIVER_TRUNC);
		/* a path of random depth (0..13), sometimes damaged */
		w.path_depth = (u8)(rnd() % (PLU_WIRE_PATH_MAX + 2));
		memset(w.path, 0, sizeof(w.path));
		for (i = 0; i < w.path_depth && i < PLU_WIRE_PATH_MAX; i++)
			w.path[i] = (u8)rnd();
		if (w.path_depth >= 1 && w.path_depth <= PLU_WIRE_PATH_MAX &&
		    rnd() % 4)
			w.path[w.path_depth - 1] = w.devfn;
		if (rnd() % 3 == 0)
			w.path[rnd() % PLU_WIRE_PATH_MAX] = (u8)(1 + rnd() % 255);
		/* flags, refs and DSN: mostly valid, sometimes anything */
		if (rnd() % 4 == 0)
			w.flags = cpu_to_le16((u16)(rnd() % 8 ? rnd() % 64 :
						    rnd()));
		if (rnd() % 4 == 0)
			w.refs = cpu_to_le16((u16)(rnd() % 3 ? 0 : rnd()));
		if (rnd() % 4 == 0)
			w.dsn = rnd() % 2 ? 0 : cpu_to_le64((u64)rnd() << 40);
		reseal_record(&w);

		want = ref_role_problem(&w);
		if (!want)
			want = ref_path_problem(&w);
		if (!want && !(le16_to_cpu(w.flags) & PCI_LIVEUPDATE_DEV_DSN) &&
		    w.dsn)
			want = "record DSN set without DSN flag";
		if (!want)
			want = ref_driver_problem(&w);
		why = NULL;
		plu_wire_decode_record(&w, &out, &why);
		if (!want) {
			ASSERT_EQ(NULL, why) {
				TH_LOG("case %u: rejected a valid record: %s",
				       n, why);
			}
		} else {
			ASSERT_NE(NULL, why) {
				TH_LOG("case %u: accepted, expected \"%s\"",
				       n, want);
			}
			ASSERT_STREQ(want, why) {
				TH_LOG("case %u", n);
			}
		}
	}
}

/* -------------------------------------------------------------- header */

TEST(header_init_check)
{
	struct plu_wire_header *h = malloc(sizeof(*h)); /* ASan: exact size */
	const char *why = "untouched";

	ASSERT_NE(NULL, h);
	memset(h, 0xcc, sizeof(*h));
	plu_wire_header_init(h, BODY_PHYS, 100);
	ASSERT_EQ(0, plu_wire_header_check(h, &why));
	ASSERT_STREQ("untouched", why);
	EXPECT_EQ((u32)PLU_WIRE_MAGIC, le32_to_cpu(h->magic));
	EXPECT_EQ(0, memcmp(h, "PCLU", 4));
	EXPECT_EQ(PLU_WIRE_VERSION, le16_to_cpu(h->version));
	EXPECT_EQ(64U, le16_to_cpu(h->header_size));
	EXPECT_EQ(64U, le16_to_cpu(h->record_size));
	EXPECT_EQ(0U, le16_to_cpu(h->flags));
	EXPECT_EQ(0U, le32_to_cpu(h->count));
	EXPECT_EQ(100U, le32_to_cpu(h->capacity));
	EXPECT_EQ(0U, le32_to_cpu(h->records_xor));
	EXPECT_EQ(BODY_PHYS, le64_to_cpu(h->body_phys));
	EXPECT_EQ(6400U, le64_to_cpu(h->body_size));
	EXPECT_EQ(0U, le64_to_cpu(h->generation));
	EXPECT_TRUE(all_zero(h->reserved, sizeof(h->reserved)));
	EXPECT_EQ(plu_crc32c(~0U, h, 60), le32_to_cpu(h->header_crc));

	/* the largest body */
	plu_wire_header_init(h, BODY_PHYS, PLU_WIRE_MAX_BODY / 64);
	ASSERT_EQ(0, plu_wire_header_check(h, NULL));
	free(h);
}

TEST(header_rebase_and_flags)
{
	struct plu_wire_header h;
	const char *why = NULL;

	plu_wire_header_init(&h, BODY_PHYS, 4);
	h.count = cpu_to_le32(3);
	h.records_xor = cpu_to_le32(0xdeadbeef);
	reseal_header(&h);
	plu_wire_header_rebase(&h, 0x7654000, 1024);
	ASSERT_EQ(0, plu_wire_header_check(&h, NULL));
	EXPECT_EQ(0x7654000ULL, le64_to_cpu(h.body_phys));
	EXPECT_EQ(1024U, le32_to_cpu(h.capacity));
	EXPECT_EQ(65536U, le64_to_cpu(h.body_size));
	EXPECT_EQ(3U, le32_to_cpu(h.count));
	EXPECT_EQ(0xdeadbeefU, le32_to_cpu(h.records_xor));
	EXPECT_EQ(1U, le64_to_cpu(h.generation));

	plu_wire_header_set_flags(&h, PLU_WIRE_F_FROZEN);
	ASSERT_EQ(0, plu_wire_header_check(&h, NULL));
	EXPECT_EQ(PLU_WIRE_F_FROZEN, le16_to_cpu(h.flags));
	EXPECT_EQ(2U, le64_to_cpu(h.generation));
	plu_wire_header_set_flags(&h, 0);
	ASSERT_EQ(0, plu_wire_header_check(&h, NULL));
	EXPECT_EQ(3U, le64_to_cpu(h.generation));

	plu_wire_header_set_flags(&h, 0x2);
	ASSERT_EQ(-EINVAL, plu_wire_header_check(&h, &why));
	ASSERT_STREQ("unknown header flags", why);
}

static void expect_bad_header(struct __test_metadata *_metadata,
			      const struct plu_wire_header *h,
			      const char *needle)
{
	struct plu_wire_header *copy = malloc(sizeof(*copy));
	const char *why = NULL;

	ASSERT_NE(NULL, copy);
	memcpy(copy, h, sizeof(*copy));
	ASSERT_EQ(-EINVAL, plu_wire_header_check(copy, &why));
	ASSERT_NE(NULL, why);
	ASSERT_NE(NULL, strstr(why, needle)) {
		TH_LOG("why \"%s\", expected \"%s\"", why, needle);
	}
	ASSERT_EQ(-EINVAL, plu_wire_header_check(copy, NULL));
	free(copy);
}

#define BAD_HEADER(needle, stmt) do {				\
	struct plu_wire_header h;				\
								\
	plu_wire_header_init(&h, BODY_PHYS, 16);		\
	h.count = cpu_to_le32(3);				\
	stmt;							\
	reseal_header(&h);					\
	expect_bad_header(_metadata, &h, needle);		\
} while (0)

TEST(header_field_rejections)
{
	BAD_HEADER("bad wire magic", h.magic = cpu_to_le32(0x554c4351));
	BAD_HEADER("bad wire magic", h.magic = 0);
	BAD_HEADER("unsupported wire version",
		   h.version = cpu_to_le16(PLU_WIRE_VERSION + 1));
	BAD_HEADER("unsupported wire version", h.version = cpu_to_le16(1));
	BAD_HEADER("unsupported wire version", h.version = cpu_to_le16(0));
	BAD_HEADER("unsupported wire version", h.version = cpu_to_le16(0x100));
	BAD_HEADER("bad wire header size", h.header_size = cpu_to_le16(63));
	BAD_HEADER("bad wire header size", h.header_size = cpu_to_le16(128));
	BAD_HEADER("bad wire record size", h.record_size = cpu_to_le16(32));
	BAD_HEADER("bad wire record size", h.record_size = cpu_to_le16(65));
	BAD_HEADER("unknown header flags", h.flags = cpu_to_le16(2));
	BAD_HEADER("unknown header flags", h.flags = cpu_to_le16(0x8001));
	BAD_HEADER("nonzero reserved", h.reserved[0] = cpu_to_le32(1));
	BAD_HEADER("nonzero reserved", h.reserved[1] = cpu_to_le32(0x100));
	BAD_HEADER("nonzero reserved", h.reserved[2] = cpu_to_le32(1U << 31));
	BAD_HEADER("count exceeds capacity", h.count = cpu_to_le32(17));
	BAD_HEADER("count exceeds capacity", h.count = cpu_to_le32(~0U));
	BAD_HEADER("capacity exceeds record block",
		   h.capacity = cpu_to_le32(17));
	BAD_HEADER("capacity exceeds record block",
		   h.body_size = cpu_to_le64(16 * 64 - 1));
	BAD_HEADER("capacity exceeds record block",
		   h.capacity = cpu_to_le32(~0U));
	BAD_HEADER("record block too large",
		   h.body_size = cpu_to_le64(PLU_WIRE_MAX_BODY + 1));
	BAD_HEADER("record block too large",
		   h.capacity = cpu_to_le32(PLU_WIRE_MAX_BODY / 64 + 1);
		   h.body_size = cpu_to_le64(PLU_WIRE_MAX_BODY + 64));
	/* a body size whose capacity product would wrap in 64 bits */
	BAD_HEADER("record block too large",
		   h.body_size = cpu_to_le64(1ULL << 63));
	BAD_HEADER("record block too large", h.body_size = cpu_to_le64(~0ULL));
	BAD_HEADER("empty record block",
		   h.count = 0; h.capacity = 0; h.body_size = 0);
	/* the block must be exactly capacity records: no slack after them */
	BAD_HEADER("record block larger than its capacity",
		   h.body_size = cpu_to_le64(16 * 64 + 1));
	BAD_HEADER("record block larger than its capacity",
		   h.body_size = cpu_to_le64(17 * 64));
	BAD_HEADER("record block larger than its capacity",
		   h.body_size = cpu_to_le64(2 * 16 * 64));
	BAD_HEADER("record block larger than its capacity",
		   h.body_size = cpu_to_le64(PLU_WIRE_MAX_BODY));
	BAD_HEADER("record block larger than its capacity",
		   h.count = 0; h.capacity = 0; h.body_size = cpu_to_le64(64));
	BAD_HEADER("address is zero", h.body_phys = 0);
	BAD_HEADER("not page aligned", h.body_phys = cpu_to_le64(BODY_PHYS + 8));
	BAD_HEADER("not page aligned", h.body_phys = cpu_to_le64(0x800));
}

TEST(header_every_byte_flip_rejected)
{
	struct plu_wire_header good, bad;
	static const u8 masks[] = { 0x01, 0x08, 0x80, 0xff };
	size_t pos, m;

	plu_wire_header_init(&good, BODY_PHYS, 16);
	good.count = cpu_to_le32(3);
	reseal_header(&good);
	for (pos = 0; pos < sizeof(good); pos++)
		for (m = 0; m < sizeof(masks); m++) {
			bad = good;
			((u8 *)&bad)[pos] ^= masks[m];
			expect_bad_header(_metadata, &bad, "");
		}
	/* a damaged CRC alone */
	bad = good;
	bad.header_crc ^= cpu_to_le32(1U << 17);
	expect_bad_header(_metadata, &bad, "header CRC mismatch");
	/* damage past magic..sizes is reported as a CRC problem */
	bad = good;
	bad.count ^= cpu_to_le32(0x40);
	expect_bad_header(_metadata, &bad, "header CRC mismatch");
}

/* --------------------------------------------------- write and remove */

struct image {
	struct plu_wire_header h;
	struct plu_wire_record *recs;
	u32 cap;
};

static void image_init(struct image *im, u32 cap)
{
	im->cap = cap;
	im->recs = calloc(cap ? cap : 1, REC_SIZE);
	plu_wire_header_init(&im->h, BODY_PHYS, cap);
}

static void image_ok(struct __test_metadata *_metadata,
		     const struct image *im)
{
	const char *why = NULL;
	u32 n = le32_to_cpu(im->h.count);

	ASSERT_EQ(0, plu_wire_header_check(&im->h, &why)) {
		TH_LOG("header: %s", why);
	}
	ASSERT_EQ(0, plu_wire_check_records(&im->h, im->recs, n * REC_SIZE,
					    &why)) {
		TH_LOG("records: %s", why);
	}
	ASSERT_EQ(xor_of(im->recs, n), le32_to_cpu(im->h.records_xor));
	/* everything past count is zero */
	ASSERT_TRUE(all_zero(im->recs + n, (size_t)(im->cap - n) * REC_SIZE));
}

static void expect_slot(struct __test_metadata *_metadata,
			const struct image *im, u32 slot,
			const struct pci_liveupdate_device *d)
{
	struct plu_wire_record w;

	plu_wire_encode_record(&w, d);
	ASSERT_EQ(0, memcmp(&w, &im->recs[slot], sizeof(w)));
}

TEST(put_append_overwrite)
{
	struct pci_liveupdate_device d[6], x;
	struct plu_wire_header before;
	struct image im;
	u32 i;

	image_init(&im, 5);
	image_ok(_metadata, &im);
	for (i = 0; i < 5; i++) {
		if (i & 1)
			dev_bridge(&d[i], i);
		else
			dev_endpoint(&d[i], 0x100 * i + i);
		d[i].path[d[i].path_depth - 1] = d[i].devfn;
		ASSERT_EQ(0, plu_wire_write(&im.h, im.recs, i, &d[i]));
		ASSERT_EQ(i + 1, le32_to_cpu(im.h.count));
		ASSERT_EQ(i + 1, le64_to_cpu(im.h.generation));
		image_ok(_metadata, &im);
	}
	for (i = 0; i < 5; i++)
		expect_slot(_metadata, &im, i, &d[i]);

	/* full: append fails and changes nothing */
	dev_endpoint(&d[5], 0x999);
	before = im.h;
	ASSERT_EQ(-ENOSPC, plu_wire_write(&im.h, im.recs, 5, &d[5]));
	ASSERT_EQ(0, memcmp(&before, &im.h, sizeof(before)));
	/* past count: -EINVAL, nothing changes */
	ASSERT_EQ(-EINVAL, plu_wire_write(&im.h, im.recs, 6, &d[5]));
	ASSERT_EQ(-EINVAL, plu_wire_write(&im.h, im.recs, ~0U, &d[5]));
	ASSERT_EQ(0, memcmp(&before, &im.h, sizeof(before)));

	/* overwrite the middle one */
	x = d[2];
	x.vendor = 0x1af4;
	x.flags |= PCI_LIVEUPDATE_DEV_REBIND;
	ASSERT_EQ(0, plu_wire_write(&im.h, im.recs, 2, &x));
	ASSERT_EQ(5U, le32_to_cpu(im.h.count));
	ASSERT_EQ(6U, le64_to_cpu(im.h.generation));
	image_ok(_metadata, &im);
	expect_slot(_metadata, &im, 2, &x);
	expect_slot(_metadata, &im, 1, &d[1]);
	expect_slot(_metadata, &im, 3, &d[3]);
	/* overwriting with identical contents keeps the digest */
	before = im.h;
	ASSERT_EQ(0, plu_wire_write(&im.h, im.recs, 2, &x));
	ASSERT_EQ(before.records_xor, im.h.records_xor);
	image_ok(_metadata, &im);

	/* a fresh image: slot > count on an empty image */
	free(im.recs);
	image_init(&im, 3);
	ASSERT_EQ(-EINVAL, plu_wire_write(&im.h, im.recs, 1, &d[0]));
	ASSERT_EQ(0U, le32_to_cpu(im.h.count));
	free(im.recs);
}

TEST(remove_swap_bookkeeping)
{
	struct pci_liveupdate_device d[5];
	struct plu_wire_record saved[5];
	struct plu_wire_header before;
	struct image im;
	u32 i, gen;

	image_init(&im, 8);
	for (i = 0; i < 5; i++) {
		dev_endpoint(&d[i], 0x10 + i);
		ASSERT_EQ(0, plu_wire_write(&im.h, im.recs, i, &d[i]));
	}
	memcpy(saved, im.recs, sizeof(saved));
	gen = (u32)le64_to_cpu(im.h.generation);

	/* out of range: nothing changes */
	before = im.h;
	ASSERT_EQ(PLU_NO_SLOT, plu_wire_remove(&im.h, im.recs, 5));
	ASSERT_EQ(PLU_NO_SLOT, plu_wire_remove(&im.h, im.recs, ~0U));
	ASSERT_EQ(0, memcmp(&before, &im.h, sizeof(before)));
	ASSERT_EQ(0, memcmp(saved, im.recs, sizeof(saved)));

	/* remove slot 1: the last record (4) moves into it */
	ASSERT_EQ(4U, plu_wire_remove(&im.h, im.recs, 1));
	ASSERT_EQ(4U, le32_to_cpu(im.h.count));
	ASSERT_EQ(gen + 1, le64_to_cpu(im.h.generation));
	ASSERT_EQ(0, memcmp(&im.recs[1], &saved[4], REC_SIZE));
	ASSERT_EQ(0, memcmp(&im.recs[0], &saved[0], REC_SIZE));
	ASSERT_EQ(0, memcmp(&im.recs[2], &saved[2], REC_SIZE));
	ASSERT_EQ(0, memcmp(&im.recs[3], &saved[3], REC_SIZE));
	ASSERT_TRUE(all_zero(&im.recs[4], REC_SIZE));
	image_ok(_metadata, &im);

	/* remove the last one: nothing moves, its index comes back */
	ASSERT_EQ(3U, plu_wire_remove(&im.h, im.recs, 3));
	ASSERT_EQ(3U, le32_to_cpu(im.h.count));
	ASSERT_EQ(0, memcmp(&im.recs[2], &saved[2], REC_SIZE));
	ASSERT_TRUE(all_zero(&im.recs[3], REC_SIZE));
	image_ok(_metadata, &im);

	/* remove slot 0: record 2 moves to 0 */
	ASSERT_EQ(2U, plu_wire_remove(&im.h, im.recs, 0));
	ASSERT_EQ(0, memcmp(&im.recs[0], &saved[2], REC_SIZE));
	ASSERT_EQ(0, memcmp(&im.recs[1], &saved[4], REC_SIZE));
	image_ok(_metadata, &im);

	/* empty it: the digest returns to zero */
	ASSERT_EQ(1U, plu_wire_remove(&im.h, im.recs, 1));
	ASSERT_EQ(0U, plu_wire_remove(&im.h, im.recs, 0));
	ASSERT_EQ(0U, le32_to_cpu(im.h.count));
	ASSERT_EQ(0U, le32_to_cpu(im.h.records_xor));
	ASSERT_EQ(PLU_NO_SLOT, plu_wire_remove(&im.h, im.recs, 0));
	image_ok(_metadata, &im);
	free(im.recs);
}

/* Random write/remove against a model, the way the kernel drives it. */
TEST(random_ops_against_model)
{
	enum { CAP = 97, OPS = 20000 };
	struct pci_liveupdate_device model[CAP], d, out;
	struct image im;
	u32 n = 0, i, op, slot, from;

	image_init(&im, CAP);
	for (op = 0; op < OPS; op++) {
		u32 r = rnd();

		if (n && (r % 3 == 0 || n == CAP)) {
			slot = rnd() % n;
			from = plu_wire_remove(&im.h, im.recs, slot);
			ASSERT_EQ(n - 1, from);
			model[slot] = model[from];
			n--;
		} else {
			if (r & 8)
				dev_endpoint(&d, rnd());
			else
				dev_bridge(&d, rnd());
			d.path[d.path_depth - 1] = d.devfn;
			slot = (n && (r & 16)) ? rnd() % n : n;
			ASSERT_EQ(0, plu_wire_write(&im.h, im.recs, slot, &d));
			model[slot] = d;
			if (slot == n)
				n++;
		}
		ASSERT_EQ(n, le32_to_cpu(im.h.count));
		ASSERT_EQ(op + 1, le64_to_cpu(im.h.generation));
		if (op % 64 == 0 || op == OPS - 1) {
			image_ok(_metadata, &im);
			for (i = 0; i < n; i++) {
				ASSERT_EQ(0, plu_wire_decode_record(&im.recs[i],
								    &out, NULL));
				if (!(model[i].flags & PCI_LIVEUPDATE_DEV_DSN))
					model[i].dsn = 0;
				ASSERT_EQ(0, memcmp(&out, &model[i],
						    sizeof(out)));
			}
		}
	}
	free(im.recs);
}

/* ----------------------------------------------------- check_records */

static void build_image(struct image *im, u32 cap, u32 n)
{
	struct pci_liveupdate_device d;
	u32 i;

	image_init(im, cap);
	for (i = 0; i < n; i++) {
		if (i % 5 == 4)
			dev_bridge(&d, i);
		else
			dev_endpoint(&d, 0x10000 * (i % 3) + i);
		d.path[d.path_depth - 1] = d.devfn;
		plu_wire_write(&im->h, im->recs, i, &d);
	}
}

TEST(check_records_good)
{
	struct plu_wire_record *exact;
	struct image im;
	const char *why = "untouched";

	build_image(&im, 64, 64);
	image_ok(_metadata, &im);
	/* an exactly-sized block (ASan catches reads past it) */
	exact = malloc(64 * REC_SIZE);
	ASSERT_NE(NULL, exact);
	memcpy(exact, im.recs, 64 * REC_SIZE);
	ASSERT_EQ(0, plu_wire_check_records(&im.h, exact, 64 * REC_SIZE, &why));
	ASSERT_STREQ("untouched", why);
	/* a longer buffer is fine too */
	ASSERT_EQ(0, plu_wire_check_records(&im.h, im.recs, ~(size_t)0, NULL));
	free(exact);
	free(im.recs);

	/* an empty image needs no bytes */
	image_init(&im, 1);
	ASSERT_EQ(0, plu_wire_check_records(&im.h, NULL, 0, NULL));
	free(im.recs);
}

static void expect_bad_records(struct __test_metadata *_metadata,
			       const struct image *im, size_t len,
			       const char *needle)
{
	const char *why = NULL;

	ASSERT_EQ(-EINVAL, plu_wire_check_records(&im->h, im->recs, len, &why));
	ASSERT_NE(NULL, why);
	ASSERT_NE(NULL, strstr(why, needle)) {
		TH_LOG("why \"%s\", expected \"%s\"", why, needle);
	}
	ASSERT_EQ(-EINVAL, plu_wire_check_records(&im->h, im->recs, len, NULL));
}

TEST(check_records_truncated)
{
	struct image im;

	build_image(&im, 10, 5);
	expect_bad_records(_metadata, &im, 5 * REC_SIZE - 1,
			   "record block shorter than count");
	expect_bad_records(_metadata, &im, 4 * REC_SIZE,
			   "record block shorter than count");
	expect_bad_records(_metadata, &im, 0, "record block shorter than count");
	/* a header claiming a huge count against a small block */
	im.h.count = cpu_to_le32(0x7fffffff);
	expect_bad_records(_metadata, &im, 10 * REC_SIZE,
			   "record block shorter than count");
	free(im.recs);
}

TEST(check_records_every_byte_flip)
{
	struct image im;
	size_t pos;
	u8 *b;

	build_image(&im, 8, 8);
	b = (u8 *)im.recs;
	for (pos = 0; pos < 8 * REC_SIZE; pos += 7) {
		b[pos] ^= 0x04;
		expect_bad_records(_metadata, &im, 8 * REC_SIZE, "CRC");
		b[pos] ^= 0x04;
	}
	image_ok(_metadata, &im);
	free(im.recs);
}

TEST(check_records_xor_mismatch)
{
	struct image a, b;
	struct plu_wire_record tmp;

	/* two images with the same count, record 1 different */
	build_image(&a, 6, 4);
	build_image(&b, 6, 4);
	{
		struct pci_liveupdate_device d;

		dev_endpoint(&d, 0x777);
		ASSERT_EQ(0, plu_wire_write(&b.h, b.recs, 1, &d));
	}
	image_ok(_metadata, &a);
	image_ok(_metadata, &b);
	/* swap the contents of record 1 between the two images */
	tmp = a.recs[1];
	a.recs[1] = b.recs[1];
	b.recs[1] = tmp;
	expect_bad_records(_metadata, &a, 4 * REC_SIZE, "XOR digest");
	expect_bad_records(_metadata, &b, 4 * REC_SIZE, "XOR digest");
	/* swapping back repairs both */
	b.recs[1] = a.recs[1];
	a.recs[1] = tmp;
	image_ok(_metadata, &a);
	image_ok(_metadata, &b);

	/* a dropped record with the count fixed up and the header re-CRCed */
	a.h.count = cpu_to_le32(3);
	reseal_header(&a.h);
	ASSERT_EQ(0, plu_wire_header_check(&a.h, NULL));
	expect_bad_records(_metadata, &a, 4 * REC_SIZE, "XOR digest");
	/* an added record (a copy of another) */
	a.h.count = cpu_to_le32(5);
	a.recs[4] = a.recs[0];
	reseal_header(&a.h);
	ASSERT_EQ(0, plu_wire_header_check(&a.h, NULL));
	expect_bad_records(_metadata, &a, 5 * REC_SIZE, "XOR digest");
	/* one record replaced by a duplicate of another */
	b.recs[2] = b.recs[3];
	expect_bad_records(_metadata, &b, 4 * REC_SIZE, "XOR digest");
	/* the digest itself damaged, header re-CRCed */
	free(b.recs);
	build_image(&b, 6, 4);
	b.h.records_xor ^= cpu_to_le32(0x100);
	reseal_header(&b.h);
	expect_bad_records(_metadata, &b, 4 * REC_SIZE, "XOR digest");
	free(a.recs);
	free(b.recs);
}

TEST(check_records_large_image)
{
	struct image im;

	build_image(&im, PLU_WIRE_MAX_BODY / 64, 4096);
	image_ok(_metadata, &im);
	ASSERT_EQ(0, plu_wire_header_check(&im.h, NULL));
	free(im.recs);
}

/* ------------------------------------------------------- image_check */

/*
 * plu_wire_image_check() runs before the module takes the record block, on
 * memory it reads in place through a map callback.  Here that memory is one
 * stretch of fake RAM at @base, backed by an exactly sized buffer (ASan
 * catches a read past the range the check was given), and the callback
 * counts its calls so the tests can tell whether the check got as far as
 * looking at memory.
 */
#define HDR_PHYS	0x40000000ULL	/* header page, apart from the body */
#define SZ_4K		0x1000ULL
#define SZ_16K		0x4000ULL
#define SZ_64K		0x10000ULL
#define TOP_PAGE	(~0ULL - SZ_4K + 1)	/* last page of the space */

struct fake_ram {
	u64 base;
	u64 len;
	const u8 *bytes;
	unsigned int calls;
	u64 asked_phys;
	u64 asked_len;
};

static const void *fake_map(void *ctx, u64 phys, u64 len)
{
	struct fake_ram *r = ctx;

	r->calls++;
	r->asked_phys = phys;
	r->asked_len = len;
	if (phys < r->base || phys - r->base > r->len ||
	    len > r->len - (phys - r->base))
		return NULL;
	return r->bytes + (phys - r->base);
}

/* A frozen image as the module leaves it at reboot, and RAM holding it. */
struct frozen {
	struct plu_wire_header h;
	struct plu_wire_record *recs;	/* exactly capacity records */
	struct pci_liveupdate_device *devs;
	u32 cap, n;
	struct fake_ram ram;
};

static void frozen_dev(struct pci_liveupdate_device *d, u32 i)
{
	if (i % 4 == 3)
		dev_bridge(d, i);
	else
		dev_endpoint(d, 0x10000 * (i % 3) + i);
	d->path[d->path_depth - 1] = d->devfn;
}

static void frozen_build(struct __test_metadata *_metadata, struct frozen *f,
			 u64 body_phys, u32 cap, u32 n, u16 flags)
{
	u32 i;

	f->cap = cap;
	f->n = n;
	f->recs = calloc(cap, REC_SIZE);
	f->devs = calloc(n ? n : 1, sizeof(*f->devs));
	ASSERT_NE(NULL, f->recs);
	ASSERT_NE(NULL, f->devs);
	plu_wire_header_init(&f->h, body_phys, cap);
	for (i = 0; i < n; i++) {
		frozen_dev(&f->devs[i], i);
		ASSERT_EQ(0, plu_wire_write(&f->h, f->recs, i, &f->devs[i]));
		if (!(f->devs[i].flags & PCI_LIVEUPDATE_DEV_DSN))
			f->devs[i].dsn = 0;
	}
	if (flags)
		plu_wire_header_set_flags(&f->h, flags);
	memset(&f->ram, 0, sizeof(f->ram));
	f->ram.base = body_phys;
	f->ram.len = (u64)cap * REC_SIZE;
	f->ram.bytes = (const u8 *)f->recs;
}

static void frozen_free(struct frozen *f)
{
	free(f->recs);
	free(f->devs);
}

/* Run the check with an exactly sized @out, as the module allocates it. */
static int run_image_check(const struct plu_wire_header *h, u64 hdr_phys,
			   u64 page_size, struct fake_ram *ram,
			   struct pci_liveupdate_device **outp, const char **why)
{
	u32 count = le32_to_cpu(h->count);
	struct pci_liveupdate_device *out;
	int ret;

	/* a count this large is rejected before anything is decoded */
	out = malloc((count && count <= 65536 ? count : 1) * sizeof(*out));
	if (!out)
		abort();
	ret = plu_wire_image_check(h, hdr_phys, page_size, fake_map, ram, out,
				   why);
	if (outp)
		*outp = out;
	else
		free(out);
	return ret;
}

static void expect_image_ok(struct __test_metadata *_metadata,
			    const struct frozen *f, u64 hdr_phys,
			    u64 page_size)
{
	struct fake_ram ram = f->ram;
	struct pci_liveupdate_device *out;
	const char *why = "untouched";
	u32 i;

	ASSERT_EQ(0, run_image_check(&f->h, hdr_phys, page_size, &ram, &out,
				     &why)) {
		TH_LOG("rejected: %s", why);
	}
	ASSERT_STREQ("untouched", why);
	/* it looked at exactly the block the header names, once */
	ASSERT_EQ(1U, ram.calls);
	ASSERT_EQ(le64_to_cpu(f->h.body_phys), ram.asked_phys);
	ASSERT_EQ(le64_to_cpu(f->h.body_size), ram.asked_len);
	for (i = 0; i < f->n; i++)
		ASSERT_EQ(0, memcmp(&out[i], &f->devs[i], sizeof(out[i]))) {
			TH_LOG("device %u decoded differently", i);
		}
	free(out);
	/* and with why == NULL */
	ram = f->ram;
	ASSERT_EQ(0, run_image_check(&f->h, hdr_phys, page_size, &ram, NULL,
				     NULL));
}

/*
 * Expect the check to fail with @needle; @map_calls is 0 for the checks
 * that come before memory is looked at, 1 for those after.
 */
static void expect_image_bad(struct __test_metadata *_metadata,
			     const struct plu_wire_header *h,
			     const struct fake_ram *ram_in, u64 hdr_phys,
			     u64 page_size, const char *needle,
			     unsigned int map_calls)
{
	struct fake_ram ram = *ram_in;
	const char *why = NULL;

	ASSERT_EQ(-EINVAL, run_image_check(h, hdr_phys, page_size, &ram, NULL,
					   &why));
	ASSERT_NE(NULL, why);
	ASSERT_NE(NULL, strstr(why, needle)) {
		TH_LOG("why \"%s\", expected \"%s\"", why, needle);
	}
	ASSERT_EQ(map_calls, ram.calls) {
		TH_LOG("map called %u times for \"%s\", expected %u",
		       ram.calls, why, map_calls);
	}
	ram = *ram_in;
	ASSERT_EQ(-EINVAL, run_image_check(h, hdr_phys, page_size, &ram, NULL,
					   NULL));
	ASSERT_EQ(map_calls, ram.calls);
}

TEST(image_check_accepts_frozen_image)
{
	static const u32 counts[] = { 0, 1, 5, 63, 64 };
	struct frozen f;
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		frozen_build(_metadata, &f, BODY_PHYS, 64, counts[i],
			     PLU_WIRE_F_FROZEN);
		expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);
		frozen_free(&f);
	}
	/* a block of several pages, partly used */
	frozen_build(_metadata, &f, BODY_PHYS, 1024, 300, PLU_WIRE_F_FROZEN);
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);
	frozen_free(&f);
	/* 16K and 64K pages: the block is aligned to them */
	frozen_build(_metadata, &f, 0x12340000, 256, 17, PLU_WIRE_F_FROZEN);
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_16K);
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_64K);
	frozen_free(&f);
	/* the largest block */
	frozen_build(_metadata, &f, BODY_PHYS, PLU_WIRE_MAX_BODY / 64, 4096,
		     PLU_WIRE_F_FROZEN);
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);
	frozen_free(&f);
}

TEST(image_check_accepts_after_remove)
{
	struct frozen f;

	/* remove keeps the slots past the count zero, as the check wants */
	frozen_build(_metadata, &f, BODY_PHYS, 64, 6, 0);
	ASSERT_EQ(5U, plu_wire_remove(&f.h, f.recs, 1));
	f.devs[1] = f.devs[5];
	ASSERT_EQ(4U, plu_wire_remove(&f.h, f.recs, 4));
	f.n = 4;
	plu_wire_header_set_flags(&f.h, PLU_WIRE_F_FROZEN);
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);
	frozen_free(&f);
}

TEST(image_check_rejects_unfrozen)
{
	struct frozen f;

	frozen_build(_metadata, &f, BODY_PHYS, 64, 3, 0);
	ASSERT_EQ(0, plu_wire_header_check(&f.h, NULL));
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "not sealed by LUO freeze", 0);
	/* frozen, then unfrozen again (LUO unfreeze) */
	plu_wire_header_set_flags(&f.h, PLU_WIRE_F_FROZEN);
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);
	plu_wire_header_set_flags(&f.h, 0);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "not sealed by LUO freeze", 0);
	frozen_free(&f);
}

/* Damage a frozen header, re-CRC it, expect @needle before any map. */
#define BAD_FROZEN_HEADER(needle, stmt) do {				\
	struct frozen f;						\
	struct plu_wire_header *h = &f.h;				\
									\
	frozen_build(_metadata, &f, BODY_PHYS, 64, 3,			\
		     PLU_WIRE_F_FROZEN);				\
	stmt;								\
	reseal_header(h);						\
	expect_image_bad(_metadata, h, &f.ram, HDR_PHYS, SZ_4K,		\
			 needle, 0);					\
	frozen_free(&f);						\
} while (0)

TEST(image_check_rejects_bad_header_before_map)
{
	struct frozen f;

	frozen_build(_metadata, &f, BODY_PHYS, 64, 3, PLU_WIRE_F_FROZEN);
	f.h.header_crc ^= cpu_to_le32(0x8000);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "header CRC mismatch", 0);
	frozen_free(&f);

	BAD_FROZEN_HEADER("bad wire magic", h->magic ^= cpu_to_le32(1));
	BAD_FROZEN_HEADER("unsupported wire version",
			  h->version = cpu_to_le16(1));
	BAD_FROZEN_HEADER("unknown header flags",
			  h->flags |= cpu_to_le16(0x10));
	BAD_FROZEN_HEADER("count exceeds capacity",
			  h->count = cpu_to_le32(65));
	BAD_FROZEN_HEADER("capacity exceeds record block",
			  h->capacity = cpu_to_le32(65));
	BAD_FROZEN_HEADER("record block larger than its capacity",
			  h->body_size = cpu_to_le64(2 * 64 * 64));
	BAD_FROZEN_HEADER("record block larger than its capacity",
			  h->capacity = cpu_to_le32(32));
	BAD_FROZEN_HEADER("record block too large",
			  h->capacity = cpu_to_le32(PLU_WIRE_MAX_BODY / 32);
			  h->body_size = cpu_to_le64(2ULL * PLU_WIRE_MAX_BODY));
	BAD_FROZEN_HEADER("address is zero", h->body_phys = 0);
	BAD_FROZEN_HEADER("not page aligned",
			  h->body_phys = cpu_to_le64(BODY_PHYS + 64));
}

/* A frozen image at @body_phys, checked against a header at @hdr_phys. */
static void overlap_case(struct __test_metadata *_metadata, u64 body_phys,
			 u32 cap, u64 hdr_phys, u64 page_size, int overlaps)
{
	struct frozen f;

	frozen_build(_metadata, &f, body_phys, cap, cap / 3,
		     PLU_WIRE_F_FROZEN);
	if (overlaps)
		expect_image_bad(_metadata, &f.h, &f.ram, hdr_phys, page_size,
				 "overlaps the header page", 0);
	else
		expect_image_ok(_metadata, &f, hdr_phys, page_size);
	frozen_free(&f);
}

TEST(image_check_rejects_body_on_header_page)
{
	/* the block is the header page itself */
	overlap_case(_metadata, HDR_PHYS, 64, HDR_PHYS, SZ_4K, 1);
	overlap_case(_metadata, HDR_PHYS, 1, HDR_PHYS, SZ_4K, 1);
	/* the header page named by an address inside it */
	overlap_case(_metadata, HDR_PHYS, 64, HDR_PHYS + 0x40, SZ_4K, 1);
	overlap_case(_metadata, HDR_PHYS, 64, HDR_PHYS + SZ_4K - 1, SZ_4K, 1);
	/* 16K pages: the rest of the header's page counts too */
	overlap_case(_metadata, HDR_PHYS, 64, HDR_PHYS + 3 * SZ_4K, SZ_16K, 1);
	overlap_case(_metadata, HDR_PHYS, 256, HDR_PHYS, SZ_16K, 1);
	/* the same addresses with 4K pages are the next page: fine */
	overlap_case(_metadata, HDR_PHYS, 64, HDR_PHYS + SZ_4K, SZ_4K, 0);
}

TEST(image_check_rejects_overlap_from_below)
{
	/* ends inside the header page */
	overlap_case(_metadata, HDR_PHYS - SZ_4K, 128, HDR_PHYS, SZ_4K, 1);
	/* ends one record into it */
	overlap_case(_metadata, HDR_PHYS - SZ_4K, 65, HDR_PHYS, SZ_4K, 1);
	/* covers it and goes on above it */
	overlap_case(_metadata, HDR_PHYS - 2 * SZ_4K, 256, HDR_PHYS, SZ_4K, 1);
	overlap_case(_metadata, HDR_PHYS - SZ_64K, PLU_WIRE_MAX_BODY / 64,
		     HDR_PHYS, SZ_4K, 1);
	/* 16K pages: reaching the header's page but not the header itself */
	overlap_case(_metadata, HDR_PHYS - SZ_16K, 257, HDR_PHYS + 2 * SZ_4K,
		     SZ_16K, 1);
	/* ends exactly where the header page starts: no overlap */
	overlap_case(_metadata, HDR_PHYS - SZ_4K, 64, HDR_PHYS, SZ_4K, 0);
	overlap_case(_metadata, HDR_PHYS - SZ_16K, 256, HDR_PHYS + 2 * SZ_4K,
		     SZ_16K, 0);
}

TEST(image_check_rejects_overlap_from_above)
{
	/* starts on the header page and goes on past its end */
	overlap_case(_metadata, HDR_PHYS, 128, HDR_PHYS, SZ_4K, 1);
	overlap_case(_metadata, HDR_PHYS, 1024, HDR_PHYS + 0x800, SZ_4K, 1);
	overlap_case(_metadata, HDR_PHYS, 512, HDR_PHYS + SZ_4K, SZ_16K, 1);
	/* starts right after the header page: no overlap */
	overlap_case(_metadata, HDR_PHYS + SZ_4K, 128, HDR_PHYS, SZ_4K, 0);
	overlap_case(_metadata, HDR_PHYS + SZ_16K, 512, HDR_PHYS + SZ_4K,
		     SZ_16K, 0);
}

TEST(image_check_rejects_misaligned_for_page_size)
{
	struct frozen f;

	/* 4K aligned (the header check passes) but not 16K or 64K aligned */
	frozen_build(_metadata, &f, BODY_PHYS, 256, 9, PLU_WIRE_F_FROZEN);
	ASSERT_EQ(0, plu_wire_header_check(&f.h, NULL));
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_16K,
			 "not page aligned", 0);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_64K,
			 "not page aligned", 0);
	frozen_free(&f);
	/* 16K aligned but not 64K aligned */
	frozen_build(_metadata, &f, 0x12344000, 256, 9, PLU_WIRE_F_FROZEN);
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_16K);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_64K,
			 "not page aligned", 0);
	/* the alignment is checked before the overlap */
	expect_image_bad(_metadata, &f.h, &f.ram, 0x12340000, SZ_64K,
			 "not page aligned", 0);
	frozen_free(&f);
}

TEST(image_check_rejects_address_wrap)
{
	struct frozen f;

	/* two pages from the last page: wraps to address 0 and beyond */
	frozen_build(_metadata, &f, TOP_PAGE, 128, 1, PLU_WIRE_F_FROZEN);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "wraps around the address space", 0);
	/* a 4M block 2M below the top, the header page at address 0 */
	frozen_free(&f);
	frozen_build(_metadata, &f, 0ULL - (2ULL << 20),
		     PLU_WIRE_MAX_BODY / 64, 0, PLU_WIRE_F_FROZEN);
	expect_image_bad(_metadata, &f.h, &f.ram, 0, SZ_4K,
			 "wraps around the address space", 0);
	frozen_free(&f);
	/*
	 * The last page exactly: its end is not a u64.  Rejected either
	 * way, and no such RAM exists.
	 */
	frozen_build(_metadata, &f, TOP_PAGE, 64, 1, PLU_WIRE_F_FROZEN);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K, "", 0);
	frozen_free(&f);
}

TEST(image_check_header_on_the_last_page)
{
	/* the overlap test must not wrap either: header page at the top */
	overlap_case(_metadata, TOP_PAGE - SZ_4K, 64, TOP_PAGE, SZ_4K, 0);
	overlap_case(_metadata, TOP_PAGE - 2 * SZ_4K, 64, TOP_PAGE, SZ_4K, 0);
	overlap_case(_metadata, TOP_PAGE - SZ_4K, 65, TOP_PAGE, SZ_4K, 1);
	overlap_case(_metadata, TOP_PAGE - SZ_4K, 127, TOP_PAGE, SZ_4K, 1);
}

TEST(image_check_rejects_memory_not_ram)
{
	struct fake_ram ram;
	struct frozen f;

	frozen_build(_metadata, &f, BODY_PHYS, 128, 70, PLU_WIRE_F_FROZEN);
	/* RAM elsewhere */
	ram = f.ram;
	ram.base = BODY_PHYS + 0x100000;
	expect_image_bad(_metadata, &f.h, &ram, HDR_PHYS, SZ_4K,
			 "not RAM of this kernel", 1);
	/* RAM ending one byte short of the block */
	ram = f.ram;
	ram.len--;
	expect_image_bad(_metadata, &f.h, &ram, HDR_PHYS, SZ_4K,
			 "not RAM of this kernel", 1);
	/* RAM only from the block's second page */
	ram = f.ram;
	ram.base += SZ_4K;
	ram.bytes += SZ_4K;
	ram.len -= SZ_4K;
	expect_image_bad(_metadata, &f.h, &ram, HDR_PHYS, SZ_4K,
			 "not RAM of this kernel", 1);
	/* no RAM at all */
	ram = f.ram;
	ram.len = 0;
	expect_image_bad(_metadata, &f.h, &ram, HDR_PHYS, SZ_4K,
			 "not RAM of this kernel", 1);
	frozen_free(&f);
}

TEST(image_check_rejects_bad_records)
{
	struct frozen f;

	frozen_build(_metadata, &f, BODY_PHYS, 64, 5, PLU_WIRE_F_FROZEN);
	((u8 *)&f.recs[2])[17] ^= 0x01;
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "record CRC mismatch", 1);
	((u8 *)&f.recs[2])[17] ^= 0x01;
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);

	/* a well-formed bad record, its CRC and the digest made to match */
	f.recs[4].refs = cpu_to_le16(1);
	reseal_record(&f.recs[4]);
	f.h.records_xor = cpu_to_le32(xor_of(f.recs, 5));
	reseal_header(&f.h);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "refs on a record that is not auto", 1);
	frozen_free(&f);

	/* a count one past the records: the zero slot is no record */
	frozen_build(_metadata, &f, BODY_PHYS, 64, 5, PLU_WIRE_F_FROZEN);
	f.h.count = cpu_to_le32(6);
	reseal_header(&f.h);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "record CRC mismatch", 1);
	frozen_free(&f);
}

TEST(image_check_rejects_digest_mismatch)
{
	struct frozen f;

	frozen_build(_metadata, &f, BODY_PHYS, 64, 5, PLU_WIRE_F_FROZEN);
	f.h.records_xor ^= cpu_to_le32(0x40000);
	reseal_header(&f.h);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "record XOR digest mismatch", 1);
	frozen_free(&f);

	/* a record dropped from the count */
	frozen_build(_metadata, &f, BODY_PHYS, 64, 5, PLU_WIRE_F_FROZEN);
	f.h.count = cpu_to_le32(4);
	reseal_header(&f.h);
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "record XOR digest mismatch", 1);
	frozen_free(&f);
}

TEST(image_check_rejects_data_past_records)
{
	struct frozen f;
	u8 *b;

	frozen_build(_metadata, &f, BODY_PHYS, 64, 5, PLU_WIRE_F_FROZEN);
	b = (u8 *)f.recs;
	/* the first byte after the records, and the very last one */
	b[5 * REC_SIZE] = 1;
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "holds data past its records", 1);
	b[5 * REC_SIZE] = 0;
	b[64 * REC_SIZE - 1] = 0x80;
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "holds data past its records", 1);
	b[64 * REC_SIZE - 1] = 0;
	expect_image_ok(_metadata, &f, HDR_PHYS, SZ_4K);
	/* a valid record left behind past the count */
	f.recs[5] = f.recs[0];
	expect_image_bad(_metadata, &f.h, &f.ram, HDR_PHYS, SZ_4K,
			 "holds data past its records", 1);
	frozen_free(&f);
}

TEST(image_check_rejects_foreign_memory)
{
	struct plu_wire_header h;
	struct fake_ram ram;
	u8 *foreign = malloc(4 * SZ_4K);
	u32 i;

	/* another KHO user's folio: anything but zeros and our records */
	ASSERT_NE(NULL, foreign);
	for (i = 0; i < 4 * SZ_4K; i++)
		foreign[i] = (u8)(i * 37 + 11) | 0x40;
	memset(&ram, 0, sizeof(ram));
	ram.base = BODY_PHYS;
	ram.len = 4 * SZ_4K;
	ram.bytes = foreign;

	/* an empty set pointing at it, and one claiming records there */
	plu_wire_header_init(&h, BODY_PHYS, 256);
	plu_wire_header_set_flags(&h, PLU_WIRE_F_FROZEN);
	expect_image_bad(_metadata, &h, &ram, HDR_PHYS, SZ_4K,
			 "holds data past its records", 1);
	h.count = cpu_to_le32(3);
	h.records_xor = cpu_to_le32(xor_of((const void *)foreign, 3));
	reseal_header(&h);
	expect_image_bad(_metadata, &h, &ram, HDR_PHYS, SZ_4K,
			 "record CRC mismatch", 1);
	/* a smaller window of it */
	plu_wire_header_init(&h, BODY_PHYS + SZ_4K, 64);
	plu_wire_header_set_flags(&h, PLU_WIRE_F_FROZEN);
	expect_image_bad(_metadata, &h, &ram, HDR_PHYS, SZ_4K,
			 "holds data past its records", 1);
	free(foreign);
}

/* ------------------------------------------------------------ names */

/*
 * The names sysfs, debugfs and the log print, from a header that needs no
 * kernel headers: this file builds it as plain C11.
 */
TEST(enum_names)
{
	ASSERT_STREQ("direct", plu_binding_name(PCI_LIVEUPDATE_BINDING_DIRECT));
	ASSERT_STREQ("kprobe", plu_binding_name(PCI_LIVEUPDATE_BINDING_KPROBE));
	ASSERT_EQ(NULL, plu_binding_name(0));
	ASSERT_STREQ("idle", plu_state_name(PCI_LIVEUPDATE_STATE_IDLE));
	ASSERT_STREQ("preserved",
		     plu_state_name(PCI_LIVEUPDATE_STATE_PRESERVED));
	ASSERT_STREQ("frozen", plu_state_name(PCI_LIVEUPDATE_STATE_FROZEN));
	ASSERT_EQ(NULL, plu_state_name(PCI_LIVEUPDATE_STATE_FROZEN + 1));
	ASSERT_STREQ("none",
		     plu_incoming_state_name(PCI_LIVEUPDATE_INCOMING_NONE));
	ASSERT_STREQ("active",
		     plu_incoming_state_name(PCI_LIVEUPDATE_INCOMING_ACTIVE));
	ASSERT_STREQ("rejected",
		     plu_incoming_state_name(PCI_LIVEUPDATE_INCOMING_REJECTED));
	ASSERT_STREQ("finished",
		     plu_incoming_state_name(PCI_LIVEUPDATE_INCOMING_FINISHED));
	ASSERT_EQ(NULL, plu_incoming_state_name(PCI_LIVEUPDATE_INCOMING_FINISHED +
						 1));
	ASSERT_STREQ("ok", plu_verdict_name(PCI_LIVEUPDATE_VERDICT_OK));
	ASSERT_STREQ("missing",
		     plu_verdict_name(PCI_LIVEUPDATE_VERDICT_MISSING));
	ASSERT_STREQ("identity-mismatch", plu_verdict_name(
		     PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH));
	ASSERT_STREQ("driver-mismatch",
		     plu_verdict_name(PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH));
	ASSERT_STREQ("path-moved",
		     plu_verdict_name(PCI_LIVEUPDATE_VERDICT_PATH_MOVED));
	ASSERT_STREQ("not-created",
		     plu_verdict_name(PCI_LIVEUPDATE_VERDICT_NOT_CREATED));
	ASSERT_EQ(NULL,
		  plu_verdict_name(PCI_LIVEUPDATE_VERDICT_NOT_CREATED + 1));
}

/* SR-IOV records (wire version 3): the PF's configuration and its VFs. */
static void sriov_cfg(struct plu_wire_sriov *s, u16 num, u16 total)
{
	memset(s, 0, sizeof(*s));
	s->segment = 0x1;
	s->bus = 0x05;
	s->devfn = 0x00;
	s->num_vfs = num;
	s->total_vfs = total;
	s->sriov_flags = PCI_LIVEUPDATE_SRIOV_AUTOPROBE;
}

static void sriov_vf(struct plu_wire_sriov *s, u16 index, const char *drv,
		     const char *ovr)
{
	memset(s, 0, sizeof(*s));
	s->segment = 0x1;
	s->bus = 0x05;
	s->devfn = 0x00;
	s->is_vf = true;
	s->vf.index = index;
	s->vf.vendor = 0x1b36;
	s->vf.device = 0x0010;
	s->vf.subsystem_vendor = 0x1af4;
	s->vf.subsystem_device = 0x1100;
	s->vf.bus = 0x05;
	s->vf.devfn = (u8)(index + 1);
	strcpy(s->vf.driver, drv);
	strcpy(s->vf.driver_override, ovr);
}

TEST(sriov_record_roundtrip)
{
	struct pci_liveupdate_device d;
	struct plu_wire_sriov in, out;
	struct plu_wire_record w;
	const char *why = NULL;

	sriov_cfg(&in, 3, 7);
	plu_wire_encode_sriov(&w, &in);
	ASSERT_EQ(PLU_WIRE_REC_SRIOV | PCI_LIVEUPDATE_SRIOV_AUTOPROBE,
		  le16_to_cpu(w.flags));
	ASSERT_EQ(0U, plu_wire_crc(&w, sizeof(w)));
	ASSERT_EQ(0, plu_wire_decode_sriov_record(&w, &out, &why));
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));

	sriov_vf(&in, 2, "vfio-pci", "vfio-pci");
	plu_wire_encode_sriov(&w, &in);
	ASSERT_EQ(PLU_WIRE_REC_SRIOV | PLU_WIRE_REC_VF, le16_to_cpu(w.flags));
	ASSERT_EQ(0, plu_wire_decode_sriov_record(&w, &out, &why));
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));

	/* names are cut at 16 bytes; the caller flags the cut */
	sriov_vf(&in, 65534, "0123456789abcdefXYZ", "");
	in.vf.flags = PCI_LIVEUPDATE_VF_DRIVER_TRUNC;
	plu_wire_encode_sriov(&w, &in);
	ASSERT_EQ(0, plu_wire_decode_sriov_record(&w, &out, &why));
	ASSERT_EQ(65534, out.vf.index);
	ASSERT_STREQ("0123456789abcdef", out.vf.driver);
	ASSERT_EQ(PCI_LIVEUPDATE_VF_DRIVER_TRUNC, out.vf.flags);
	/* a device record is not an SR-IOV record, nor the other way round */
	dev_endpoint(&d, 1);
	plu_wire_encode_record(&w, &d);
	ASSERT_EQ(-EINVAL, plu_wire_decode_sriov_record(&w, &out, &why));
}

static void expect_bad_sriov(struct __test_metadata *_metadata,
			     struct plu_wire_record *w, const char *needle)
{
	struct plu_wire_sriov out;
	const char *why = NULL;

	reseal_record(w);
	ASSERT_EQ(-EINVAL, plu_wire_decode_sriov_record(w, &out, &why)) {
		TH_LOG("accepted, expected \"%s\"", needle);
	}
	ASSERT_NE(NULL, why);
	ASSERT_NE(NULL, strstr(why, needle)) {
		TH_LOG("why \"%s\", expected \"%s\"", why, needle);
	}
}

TEST(sriov_record_rejections)
{
	struct plu_wire_sriov_record c;
	struct plu_wire_vf_record v;
	struct plu_wire_sriov s;
	struct plu_wire_record w;
	unsigned int i;

	sriov_cfg(&s, 2, 2);
	plu_wire_encode_sriov(&w, &s);
	memcpy(&c, &w, sizeof(c));
	c.num_vfs = cpu_to_le16(3);
	memcpy(&w, &c, sizeof(w));
	expect_bad_sriov(_metadata, &w, "more VFs than its total");
	plu_wire_encode_sriov(&w, &s);
	memcpy(&c, &w, sizeof(c));
	c.reserved[47] = 1;
	memcpy(&w, &c, sizeof(w));
	expect_bad_sriov(_metadata, &w, "reserved");
	plu_wire_encode_sriov(&w, &s);
	w.flags |= cpu_to_le16(0x2);
	expect_bad_sriov(_metadata, &w, "unknown SR-IOV record flags");
	plu_wire_encode_sriov(&w, &s);
	w.flags |= cpu_to_le16(PCI_LIVEUPDATE_DEV_WITH_VFS);
	expect_bad_sriov(_metadata, &w, "unknown SR-IOV record flags");

	sriov_vf(&s, 0, "nvme", "");
	plu_wire_encode_sriov(&w, &s);
	w.flags |= cpu_to_le16(0x4);
	expect_bad_sriov(_metadata, &w, "unknown SR-IOV record flags");
	plu_wire_encode_sriov(&w, &s);
	memcpy(&v, &w, sizeof(v));
	v.reserved[0] = 0x80;
	memcpy(&w, &v, sizeof(w));
	expect_bad_sriov(_metadata, &w, "reserved");
	plu_wire_encode_sriov(&w, &s);
	memcpy(&v, &w, sizeof(v));
	v.driver[6] = 'x';
	memcpy(&w, &v, sizeof(w));
	expect_bad_sriov(_metadata, &w, "driver name not NUL padded");
	plu_wire_encode_sriov(&w, &s);
	memcpy(&v, &w, sizeof(v));
	v.driver_override[0] = ' ';
	memcpy(&w, &v, sizeof(w));
	expect_bad_sriov(_metadata, &w, "driver_override not printable");
	plu_wire_encode_sriov(&w, &s);
	memcpy(&v, &w, sizeof(v));
	v.driver_override[0] = 'a';
	v.driver_override[2] = 'b';
	memcpy(&w, &v, sizeof(w));
	expect_bad_sriov(_metadata, &w, "driver_override not NUL padded");
	plu_wire_encode_sriov(&w, &s);
	w.flags |= cpu_to_le16(PCI_LIVEUPDATE_VF_OVERRIDE_TRUNC);
	expect_bad_sriov(_metadata, &w,
			 "driver_override marked truncated but short");

	/* every single bit flip of a VF record is caught */
	for (i = 0; i < 8 * sizeof(w); i++) {
		struct plu_wire_sriov out;

		plu_wire_encode_sriov(&w, &s);
		((u8 *)&w)[i / 8] ^= (u8)(1 << (i % 8));
		ASSERT_NE(0, plu_wire_decode_sriov_record(&w, &out, NULL) &&
			     plu_wire_decode_record(&w, &(struct pci_liveupdate_device){0},
						    NULL)) {
			TH_LOG("bit %u flipped, still accepted", i);
		}
	}
}

/* A v3 image of devices and SR-IOV records, split by plu_wire_decode(). */
TEST(sriov_image_decode)
{
	struct plu_wire_record recs[8] = {};
	struct pci_liveupdate_device d[2], devs[8];
	struct plu_wire_sriov s[3], sr[8];
	struct plu_wire_decoded out = { .devs = devs, .sriov = sr };
	struct plu_wire_header h;
	const char *why = NULL;

	dev_endpoint(&d[0], 0x10500);
	d[0].flags |= PCI_LIVEUPDATE_DEV_WITH_VFS;
	dev_bridge(&d[1], 3);
	sriov_cfg(&s[0], 2, 4);
	sriov_vf(&s[1], 1, "vfio-pci", "vfio-pci");
	sriov_vf(&s[2], 0, "nvme", "");
	plu_wire_header_init(&h, BODY_PHYS, 8);
	ASSERT_EQ(PLU_WIRE_VERSION, le16_to_cpu(h.version));
	ASSERT_EQ(0, plu_wire_write_sriov(&h, recs, 0, &s[1]));
	ASSERT_EQ(0, plu_wire_write(&h, recs, 1, &d[0]));
	ASSERT_EQ(0, plu_wire_write_sriov(&h, recs, 2, &s[0]));
	ASSERT_EQ(0, plu_wire_write(&h, recs, 3, &d[1]));
	ASSERT_EQ(0, plu_wire_write_sriov(&h, recs, 4, &s[2]));
	ASSERT_EQ(0, plu_wire_header_check(&h, &why));
	ASSERT_EQ(0, plu_wire_decode(&h, recs, sizeof(recs), &out, &why));
	ASSERT_EQ(2U, out.nr_devs);
	ASSERT_EQ(3U, out.nr_sriov);
	ASSERT_EQ(0, memcmp(&d[0], &devs[0], sizeof(d[0])));
	ASSERT_EQ(0, memcmp(&d[1], &devs[1], sizeof(d[1])));
	ASSERT_EQ(0, memcmp(&s[1], &sr[0], sizeof(s[1])));
	ASSERT_EQ(0, memcmp(&s[0], &sr[1], sizeof(s[0])));
	ASSERT_EQ(0, memcmp(&s[2], &sr[2], sizeof(s[2])));
	/* the device-only decoder packs the devices, checks everything */
	memset(devs, 0, sizeof(devs));
	ASSERT_EQ(0, plu_wire_decode_records(&h, recs, sizeof(recs), devs,
					     &why));
	ASSERT_EQ(0, memcmp(&d[1], &devs[1], sizeof(d[1])));
	/* removing an SR-IOV record keeps the digest right */
	ASSERT_EQ(4U, plu_wire_remove(&h, recs, 0));
	ASSERT_EQ(0, plu_wire_decode(&h, recs, sizeof(recs), &out, &why));
	ASSERT_EQ(2U, out.nr_sriov);
	/* a damaged SR-IOV record rejects the image */
	recs[0].bus ^= 1;
	ASSERT_EQ(-EINVAL, plu_wire_decode(&h, recs, sizeof(recs), &out,
					   &why));
	ASSERT_STREQ("record CRC mismatch", why);
}

/*
 * The previous release's version (2) is read: its device records are
 * those of today without PCI_LIVEUPDATE_DEV_WITH_VFS, and it has no SR-IOV
 * records.  Versions around them are rejected.
 */
TEST(previous_version_read)
{
	struct plu_wire_record recs[4] = {};
	struct pci_liveupdate_device d, devs[4];
	struct plu_wire_sriov s;
	struct plu_wire_header h;
	const char *why = NULL;

	ASSERT_EQ(PLU_WIRE_VERSION - 1, PLU_WIRE_VERSION_PREV);
	dev_endpoint(&d, 0x300);
	plu_wire_header_init(&h, BODY_PHYS, 4);
	ASSERT_EQ(0, plu_wire_write(&h, recs, 0, &d));
	h.version = cpu_to_le16(PLU_WIRE_VERSION_PREV);
	reseal_header(&h);
	ASSERT_EQ(0, plu_wire_header_check(&h, &why));
	ASSERT_EQ(0, plu_wire_decode_records(&h, recs, sizeof(recs), devs,
					     &why));
	ASSERT_EQ(0, memcmp(&d, &devs[0], sizeof(d)));

	/* version 2 knows no WITH_VFS flag ... */
	d.flags |= PCI_LIVEUPDATE_DEV_WITH_VFS;
	ASSERT_EQ(0, plu_wire_write(&h, recs, 0, &d));
	ASSERT_EQ(-EINVAL, plu_wire_decode_records(&h, recs, sizeof(recs),
						   devs, &why));
	ASSERT_STREQ("unknown record flags", why);
	/* ... and no SR-IOV records */
	d.flags &= ~PCI_LIVEUPDATE_DEV_WITH_VFS;
	ASSERT_EQ(0, plu_wire_write(&h, recs, 0, &d));
	sriov_cfg(&s, 0, 1);
	ASSERT_EQ(0, plu_wire_write_sriov(&h, recs, 1, &s));
	ASSERT_EQ(-EINVAL, plu_wire_decode_records(&h, recs, sizeof(recs),
						   devs, &why));
	ASSERT_STREQ("unknown record flags", why);

	h.version = cpu_to_le16(PLU_WIRE_VERSION_PREV - 1);
	reseal_header(&h);
	ASSERT_EQ(-EINVAL, plu_wire_header_check(&h, &why));
	ASSERT_STREQ("unsupported wire version", why);
	h.version = cpu_to_le16(PLU_WIRE_VERSION + 1);
	reseal_header(&h);
	ASSERT_EQ(-EINVAL, plu_wire_header_check(&h, &why));
	ASSERT_STREQ("unsupported wire version", why);
}

TEST_HARNESS_MAIN
