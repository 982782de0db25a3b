// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the pci-liveupdate wire decoder.
 *
 * Input: a struct plu_wire_header followed by a record block, i.e. what
 * the next kernel finds in KHO memory.  The header is checked, then the
 * records; whatever the decoder accepts must re-encode to the very same
 * bytes and rebuild, through plu_wire_write(), into the same image.  Every
 * 64-byte record of the input is also fed to plu_wire_decode_record() on
 * its own, with the same round-trip property.
 *
 * Random mutations almost always break a CRC, so a custom mutator re-seals
 * the record CRCs, the XOR digest and the header CRC of most mutants; that
 * lets the fuzzer reach the field checks behind the CRCs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/plu_wire_test.h"

#define HDR_SIZE	sizeof(struct plu_wire_header)
#define REC_SIZE	sizeof(struct plu_wire_record)

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

static void fail(const char *what, size_t idx)
{
	fprintf(stderr, "fuzz_wire: %s (record %zu)\n", what, idx);
	abort();
}

static void roundtrip_one(const struct plu_wire_record *w, size_t idx)
{
	struct pci_liveupdate_device dev;
	struct plu_wire_record again;
	const char *why = NULL;

	if (plu_wire_decode_record(w, &dev, &why)) {
		if (!why)
			fail("rejected record without a reason", idx);
		return;
	}
	if (dev.driver[PLU_WIRE_DRIVER_LEN] != 0)
		fail("decoded driver name not terminated", idx);
	plu_wire_encode_record(&again, &dev);
	if (memcmp(&again, w, sizeof(again)))
		fail("decoded record does not re-encode to the same bytes", idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plu_wire_header *h, rebuilt;
	struct plu_wire_record *recs, *recs2;
	size_t recs_len, nrec, i;
	const char *why = NULL;
	u32 count, cap;

	if (size < HDR_SIZE)
		return 0;
	recs_len = size - HDR_SIZE;
	nrec = recs_len / REC_SIZE;

	/* exactly sized copies, so ASan sees any read past them */
	h = malloc(HDR_SIZE);
	recs = malloc(recs_len ? recs_len : 1);
	if (!h || !recs)
		abort();
	memcpy(h, data, HDR_SIZE);
	memcpy(recs, data + HDR_SIZE, recs_len);

	for (i = 0; i < nrec; i++)
		roundtrip_one(&recs[i], i);

	if (plu_wire_header_check(h, &why)) {
		if (!why)
			fail("rejected header without a reason", 0);
		goto out;
	}
	why = NULL;
	if (plu_wire_check_records(h, recs, recs_len, &why)) {
		if (!why)
			fail("rejected records without a reason", 0);
		goto out;
	}

	/* accepted: every record decodes and the image can be rebuilt */
	count = le32_to_cpu(h->count);
	cap = le32_to_cpu(h->capacity);
	if ((size_t)count > nrec)
		fail("accepted more records than the input holds", count);
	recs2 = calloc(cap ? cap : 1, REC_SIZE);
	if (!recs2)
		abort();
	plu_wire_header_init(&rebuilt, le64_to_cpu(h->body_phys), cap);
	rebuilt.version = h->version;
	/* reseal: with no record to write, nothing else renews the CRC */
	plu_wire_header_set_flags(&rebuilt, 0);
	for (i = 0; i < count; i++) {
		int ret = plu_wire_rewrite(&rebuilt, recs2, (u32)i, h, &recs[i]);

		if (ret == -EINVAL)
			fail("record of an accepted image does not decode", i);
		if (ret)
			fail("write of an accepted record failed", i);
	}
	if (memcmp(recs2, recs, (size_t)count * REC_SIZE))
		fail("rebuilt records differ", 0);
	if (rebuilt.records_xor != h->records_xor || rebuilt.count != h->count)
		fail("rebuilt header differs", 0);
	/* capacity 0 gives an empty body, which a reader rejects */
	if (cap && (plu_wire_header_check(&rebuilt, NULL) ||
		    plu_wire_check_records(&rebuilt, recs2,
					   (size_t)count * REC_SIZE, NULL)))
		fail("rebuilt image rejected", 0);
	free(recs2);
out:
	free(recs);
	free(h);
	return 0;
}

/* Fix the CRCs and the digest of a mutant, as a writer would have. */
static void reseal(uint8_t *data, size_t size)
{
	struct plu_wire_header h;
	struct plu_wire_record w;
	size_t nrec, i, n;
	u32 x = 0;

	if (size < HDR_SIZE)
		return;
	memcpy(&h, data, HDR_SIZE);
	nrec = (size - HDR_SIZE) / REC_SIZE;
	n = le32_to_cpu(h.count);
	if (n > nrec)
		n = nrec;
	for (i = 0; i < nrec; i++) {
		memcpy(&w, data + HDR_SIZE + i * REC_SIZE, REC_SIZE);
		w.crc = cpu_to_le32(plu_wire_crc(&w,
				offsetof(struct plu_wire_record, crc)));
		memcpy(data + HDR_SIZE + i * REC_SIZE, &w, REC_SIZE);
		if (i < n)
			x ^= le32_to_cpu(w.crc);
	}
	h.records_xor = cpu_to_le32(x);
	h.header_crc = cpu_to_le32(plu_wire_crc(&h,
				offsetof(struct plu_wire_header, header_crc)));
	memcpy(data, &h, HDR_SIZE);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	size = LLVMFuzzerMutate(data, size, max_size);
	if (seed % 8)		/* leave 1 in 8 mutants raw */
		reseal(data, size);
	return size;
}
