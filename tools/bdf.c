// SPDX-License-Identifier: GPL-2.0
/*
 * PCI address parsing and formatting for the pci-liveupdate tool.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bdf.h"

#define FORMAT	"expected [SSSS:]BB:DD.F"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read between 1 and @max hex digits at *@p into *@val and advance *@p.
 * Fails on no digit or too many digits.
 */
static int read_hex(const char **p, int max, unsigned long *val)
{
	unsigned long v = 0;
	int n = 0;

	while (hex_digit(**p) >= 0) {
		if (n == max)
			return -1;
		v = v * 16 + (unsigned long)hex_digit(**p);
		(*p)++;
		n++;
	}
	if (n == 0)
		return -1;
	*val = v;
	return 0;
}

/* Copy the last '/'-separated component of @arg, trailing slashes ignored. */
static int last_component(const char *arg, char *buf, size_t len)
{
	size_t end = strlen(arg), start;

	while (end > 0 && arg[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && arg[start - 1] != '/')
		start--;
	if (end - start >= len)
		return -1;
	memcpy(buf, arg + start, end - start);
	buf[end - start] = '\0';
	return 0;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EINVAL;
}

int bdf_parse(const char *arg, struct bdf *out, const char **why)
{
	unsigned long seg = 0, bus, dev, fn;
	char buf[BDF_STRLEN];
	const char *p = buf;
	size_t colons;

	if (!arg || last_component(arg, buf, sizeof(buf)))
		return fail(why, "not a PCI address");
	if (!buf[0])
		return fail(why, "empty address");

	colons = count_char(buf, ':');
	if ((colons != 1 && colons != 2) || count_char(buf, '.') != 1)
		return fail(why, FORMAT);
	if (colons == 2 && read_hex(&p, 8, &seg))
		return fail(why, "bad segment (1-8 hex digits)");
	if (colons == 2 && *p++ != ':')
		return fail(why, FORMAT);
	if (read_hex(&p, 2, &bus))
		return fail(why, "bad bus number (1-2 hex digits)");
	if (*p++ != ':')
		return fail(why, FORMAT);
	if (read_hex(&p, 2, &dev))
		return fail(why, "bad device number (1-2 hex digits)");
	if (*p++ != '.')
		return fail(why, FORMAT);
	if (read_hex(&p, 1, &fn))
		return fail(why, "bad function number (one digit 0-7)");
	if (*p != '\0')
		return fail(why, FORMAT);
	if (dev > 0x1f)
		return fail(why, "device number above 1f");
	if (fn > 7)
		return fail(why, "function number above 7");

	out->segment = (uint32_t)seg;
	out->bus = (uint8_t)bus;
	out->devfn = BDF_DEVFN(dev, fn);
	return 0;
}

char *bdf_format(const struct bdf *b, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", (unsigned int)b->segment,
		 (unsigned int)b->bus, (unsigned int)BDF_SLOT(b->devfn),
		 (unsigned int)BDF_FUNC(b->devfn));
	return buf;
}

char *bdf_format_path(uint32_t segment, uint8_t root_bus, const uint8_t *hops,
		      size_t n, char *buf, size_t len)
{
	size_t used;
	int ret;

	ret = snprintf(buf, len, "%04x:%02x", (unsigned int)segment,
		       (unsigned int)root_bus);
	if (ret < 0)
		return buf;
	for (used = (size_t)ret; n > 0 && used < len; n--, hops++) {
		ret = snprintf(buf + used, len - used, "/%02x.%x",
			       (unsigned int)BDF_SLOT(*hops),
			       (unsigned int)BDF_FUNC(*hops));
		if (ret < 0)
			break;
		used += (size_t)ret;
	}
	return buf;
}
