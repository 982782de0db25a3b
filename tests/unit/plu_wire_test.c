// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: wire codec helpers that only the host programs use (see
 * plu_wire_test.h).
 */
#include "plu_wire_test.h"

/**
 * plu_wire_decode_record() - validate a wire record and decode it
 * @w:   Record to read.
 * @dev: Decoded device; zeroed first, @verdict and @cur_* stay zero.
 * @why: If not NULL, set to a static description of the problem on failure.
 *
 * Checks the record as plu_wire_decode_records() checks each record of a
 * block of the current version: it decodes a block of this one record,
 * whose XOR digest is the record's own CRC, so only a problem of the record
 * itself is reported.  A record flagged PLU_WIRE_REC_SRIOV is no device
 * record: it is checked as the previous version checks it, which rejects
 * it for its flags (plu_wire_decode_sriov_record() decodes those).
 *
 * Return: 0 on success, -EINVAL (with @dev zeroed) if the record is not
 * valid.
 */
int plu_wire_decode_record(const struct plu_wire_record *w,
			   struct pci_liveupdate_device *dev,
			   const char **why)
{
	struct plu_wire_header h;

	memset(&h, 0, sizeof(h));
	h.version = cpu_to_le16(PLU_WIRE_VERSION);
	h.count = cpu_to_le32(1);
	h.records_xor = w->crc;
	/* checked as a device record, as the previous version does */
	if (le16_to_cpu(w->flags) & PLU_WIRE_REC_SRIOV)
		h.version = cpu_to_le16(PLU_WIRE_VERSION_PREV);
	if (plu_wire_decode_records(&h, w, sizeof(*w), dev, why)) {
		memset(dev, 0, sizeof(*dev));
		return -EINVAL;
	}
	return 0;
}

/**
 * plu_wire_decode_sriov_record() - validate an SR-IOV record and decode it
 * @w:   Record to read.
 * @out: Decoded record; zeroed first.
 * @why: If not NULL, set to a static description of the problem on failure.
 *
 * As plu_wire_decode_record(), for a record flagged PLU_WIRE_REC_SRIOV in
 * an image of the current version.
 *
 * Return: 0 on success, -EINVAL (with @out zeroed) if the record is not a
 * valid SR-IOV record.
 */
int plu_wire_decode_sriov_record(const struct plu_wire_record *w,
				 struct plu_wire_sriov *out, const char **why)
{
	struct plu_wire_decoded d = { .sriov = out };
	struct plu_wire_header h;

	memset(&h, 0, sizeof(h));
	h.version = cpu_to_le16(PLU_WIRE_VERSION);
	h.count = cpu_to_le32(1);
	h.records_xor = w->crc;
	if (!plu_wire_decode(&h, w, sizeof(*w), &d, why) && d.nr_sriov == 1)
		return 0;
	if (!d.nr_sriov && why && !d.nr_devs)
		;	/* the decoder said why */
	else if (why)
		*why = "not an SR-IOV record";
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/**
 * plu_wire_check_records() - validate all records of an image
 * @h:        Header, already accepted by plu_wire_header_check().
 * @recs:     The record block.
 * @recs_len: Bytes readable at @recs.
 * @why:      If not NULL, set to a static description of the problem on
 *            failure.
 *
 * plu_wire_decode_records() without keeping the decoded records.
 *
 * Return: 0 if every record is valid, -EINVAL otherwise.
 */
int plu_wire_check_records(const struct plu_wire_header *h,
			   const struct plu_wire_record *recs, size_t recs_len,
			   const char **why)
{
	return plu_wire_decode_records(h, recs, recs_len, NULL, why);
}

/**
 * plu_wire_rewrite() - decode a record and write it again into an image
 * @dst:      Header of the image to write to.
 * @dst_recs: Its record block.
 * @slot:     Index to write, as for plu_wire_write().
 * @src:      Header of the image @w comes from (its version decides how
 *            @w is read).
 * @w:        The record.
 *
 * Decodes @w as plu_wire_decode() decodes a record of @src, a device or
 * an SR-IOV record, and writes it with the writer of its kind.
 *
 * Return: 0, -EINVAL if @w is not valid, or what the writer returns.
 */
int plu_wire_rewrite(struct plu_wire_header *dst,
		     struct plu_wire_record *dst_recs, u32 slot,
		     const struct plu_wire_header *src,
		     const struct plu_wire_record *w)
{
	struct pci_liveupdate_device dev;
	struct plu_wire_sriov sr;
	struct plu_wire_decoded d = { .devs = &dev, .sriov = &sr };
	struct plu_wire_header h;

	memset(&h, 0, sizeof(h));
	h.version = src->version;
	h.count = cpu_to_le32(1);
	h.records_xor = w->crc;
	if (plu_wire_decode(&h, w, sizeof(*w), &d, NULL))
		return -EINVAL;
	if (d.nr_sriov)
		return plu_wire_write_sriov(dst, dst_recs, slot, &sr);
	return plu_wire_write(dst, dst_recs, slot, &dev);
}
