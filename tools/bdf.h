/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI address (segment:bus:device.function) parsing and formatting for the
 * pci-liveupdate tool.  Free of any kernel header so that unit tests can
 * link bdf.c on its own.
 */
#ifndef PLU_TOOLS_BDF_H
#define PLU_TOOLS_BDF_H

#include <stddef.h>
#include <stdint.h>

#define BDF_DEVFN(slot, fn)	((uint8_t)((((slot) & 0x1f) << 3) | ((fn) & 0x07)))
#define BDF_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define BDF_FUNC(devfn)		((devfn) & 0x07)

/* "ffffffff:ff:1f.7" plus NUL, rounded up. */
#define BDF_STRLEN		24
/* "ffffffff:ff" plus up to 16 "/1f.7" hops plus NUL, rounded up. */
#define BDF_PATH_STRLEN		128

struct bdf {
	uint32_t segment;
	uint8_t bus;
	uint8_t devfn;
};

/**
 * bdf_parse() - parse a PCI address given on the command line
 * @arg: "SSSS:BB:DD.F", "BB:DD.F" (segment 0), or a path whose last
 *       component is one of those, such as /sys/bus/pci/devices/0000:01:00.0
 *       or /sys/devices/pci0000:00/0000:00:02.0/0000:01:00.0/ (the path is
 *       not opened or resolved).  Hexadecimal, either case: 1-8 digits of
 *       segment, 1-2 of bus, 1-2 of device (at most 0x1f), 1 of function
 *       (at most 7).  Nothing else may follow.
 * @out: the parsed address, written only on success.
 * @why: if not NULL, set to a short English reason on failure.
 *
 * Return: 0, or -EINVAL.
 */
int bdf_parse(const char *arg, struct bdf *out, const char **why);

/**
 * bdf_format() - format as "SSSS:BB:DD.F" (the segment has at least 4 digits,
 * like the names in /sys/bus/pci/devices).
 * @buf: at least BDF_STRLEN bytes.
 *
 * Return: @buf.
 */
char *bdf_format(const struct bdf *b, char *buf, size_t len);

/**
 * bdf_format_path() - format a topology path as "SSSS:RR/DD.F/DD.F..."
 * @segment:  PCI segment.
 * @root_bus: number of the root bus.
 * @hops:     devfn of each hop from the root bus down to the device.
 * @n:        number of hops.
 * @buf:      at least BDF_PATH_STRLEN bytes; cut short (still terminated) if
 *            too small.
 *
 * Return: @buf.
 */
char *bdf_format_path(uint32_t segment, uint8_t root_bus, const uint8_t *hops,
		      size_t n, char *buf, size_t len);

#endif /* PLU_TOOLS_BDF_H */
