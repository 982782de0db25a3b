/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci-liveupdate: what the wire codec needs, in the kernel and in userspace.
 */
#ifndef _PLU_WIRE_COMPAT_H
#define _PLU_WIRE_COMPAT_H

#ifdef __KERNEL__
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/byteorder.h>

static inline u32 plu_crc32c(u32 crc, const void *buf, size_t len)
{
	return crc32c(crc, buf, len);
}

/* Index of the lowest set bit of a non-zero word. */
static inline unsigned int plu_ffs(u32 x)
{
	return __ffs(x);
}
#else /* userspace: unit tests, fuzzers, benchmarks */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

/* glibc's <sys/cdefs.h> has the kernel's __always_inline; a hint elsewhere */
#ifndef __always_inline
#define __always_inline		inline
#endif

/*
 * Not htole*()/le*toh(): <endian.h> declares those only with _DEFAULT_SOURCE,
 * which strict -std=c11 does not give.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define cpu_to_le16(x) ((__le16)(uint16_t)(x))
#define cpu_to_le32(x) ((__le32)(uint32_t)(x))
#define cpu_to_le64(x) ((__le64)(uint64_t)(x))
#define le16_to_cpu(x) ((uint16_t)(x))
#define le32_to_cpu(x) ((uint32_t)(x))
#define le64_to_cpu(x) ((uint64_t)(x))
#else
#define cpu_to_le16(x) ((__le16)__builtin_bswap16((uint16_t)(x)))
#define cpu_to_le32(x) ((__le32)__builtin_bswap32((uint32_t)(x)))
#define cpu_to_le64(x) ((__le64)__builtin_bswap64((uint64_t)(x)))
#define le16_to_cpu(x) __builtin_bswap16((uint16_t)(x))
#define le32_to_cpu(x) __builtin_bswap32((uint32_t)(x))
#define le64_to_cpu(x) __builtin_bswap64((uint64_t)(x))
#endif

/* Index of the lowest set bit of a non-zero word, as the kernel's __ffs(). */
static inline unsigned int plu_ffs(u32 x)
{
	return (unsigned int)__builtin_ctz(x);
}

/* Raw CRC32C update (no inversion), same contract as the kernel's crc32c(). */
u32 plu_crc32c(u32 crc, const void *buf, size_t len);
#endif

#endif /* _PLU_WIRE_COMPAT_H */
