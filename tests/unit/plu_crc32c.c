// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace CRC32C (Castagnoli) for the wire codec tests, fuzzer and
 * benchmark.  Same contract as the kernel's crc32c(): reflected polynomial
 * 0x82F63B78, raw update, no inversion on entry or exit.
 *
 * Two implementations: a portable slice-by-8 table walk, and on x86-64 the
 * SSE4.2 crc32 instruction, chosen at first use when the CPU has it (as the
 * kernel does with its arch-optimized crc32c).  PLU_CRC32C_SW=1 in the
 * environment forces the table version.
 */
#include <stdlib.h>

#include "../../src/plu_wire_compat.h"

#define PLU_CRC32C_POLY	0x82f63b78U

u32 plu_crc32c_sw(u32 crc, const void *buf, size_t len);
u32 plu_crc32c_hw(u32 crc, const void *buf, size_t len);
int plu_crc32c_have_hw(void);
const char *plu_crc32c_impl_name(void);
int plu_crc32c_select(int hw);

static u32 plu_crc_tab[8][256];
static int plu_crc_tab_ready;

static void plu_crc_tab_init(void)
{
	u32 i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1) ? PLU_CRC32C_POLY : 0);
		plu_crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++) {
			c = plu_crc_tab[k - 1][i];
			plu_crc_tab[k][i] = (c >> 8) ^ plu_crc_tab[0][c & 0xff];
		}
	plu_crc_tab_ready = 1;
}

static inline u32 plu_load_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

u32 plu_crc32c_sw(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	u32 lo, hi;

	if (!plu_crc_tab_ready)
		plu_crc_tab_init();

	while (len && ((uintptr_t)p & 7)) {
		crc = (crc >> 8) ^ plu_crc_tab[0][(crc ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		lo = crc ^ plu_load_le32(p);
		hi = plu_load_le32(p + 4);
		crc = plu_crc_tab[7][lo & 0xff] ^
		      plu_crc_tab[6][(lo >> 8) & 0xff] ^
		      plu_crc_tab[5][(lo >> 16) & 0xff] ^
		      plu_crc_tab[4][lo >> 24] ^
		      plu_crc_tab[3][hi & 0xff] ^
		      plu_crc_tab[2][(hi >> 8) & 0xff] ^
		      plu_crc_tab[1][(hi >> 16) & 0xff] ^
		      plu_crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ plu_crc_tab[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2")))
u32 plu_crc32c_hw(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	uint64_t c = crc, v;
	u32 v32;

	/* x86 loads need no alignment; four at a time, as records are 64 B */
	while (len >= 32) {
		for (int i = 0; i < 4; i++) {
			memcpy(&v, p + 8 * i, 8);
			c = __builtin_ia32_crc32di(c, v);
		}
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&v32, p, 4);
		c = __builtin_ia32_crc32si((u32)c, v32);
		p += 4;
		len -= 4;
	}
	while (len--)
		c = __builtin_ia32_crc32qi((u32)c, *p++);
	return (u32)c;
}

int plu_crc32c_have_hw(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("sse4.2");
}
#else
u32 plu_crc32c_hw(u32 crc, const void *buf, size_t len)
{
	return plu_crc32c_sw(crc, buf, len);
}

int plu_crc32c_have_hw(void)
{
	return 0;
}
#endif

/* 0: not chosen yet, 1: table, 2: instruction */
static int plu_crc_impl;

static void plu_crc_choose(void)
{
	const char *sw = getenv("PLU_CRC32C_SW");

	plu_crc_impl = (plu_crc32c_have_hw() && !(sw && *sw == '1')) ? 2 : 1;
}

const char *plu_crc32c_impl_name(void)
{
	if (!plu_crc_impl)
		plu_crc_choose();
	return plu_crc_impl == 2 ? "sse4.2 crc32 instruction" : "slice-by-8 table";
}

/* Use the instruction (@hw != 0) or the table; -1 if there is no instruction. */
int plu_crc32c_select(int hw)
{
	if (hw && !plu_crc32c_have_hw())
		return -1;
	plu_crc_impl = hw ? 2 : 1;
	return 0;
}

u32 plu_crc32c(u32 crc, const void *buf, size_t len)
{
	if (!plu_crc_impl)
		plu_crc_choose();
	if (plu_crc_impl == 2)
		return plu_crc32c_hw(crc, buf, len);
	return plu_crc32c_sw(crc, buf, len);
}
