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
 * block: it decodes a block of this one record, whose XOR digest is the
 * record's own CRC, so only a problem of the record itself is reported.
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
	h.count = cpu_to_le32(1);
	h.records_xor = w->crc;
	if (plu_wire_decode_records(&h, w, sizeof(*w), dev, why)) {
		memset(dev, 0, sizeof(*dev));
		return -EINVAL;
	}
	return 0;
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
