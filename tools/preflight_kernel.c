// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight (preflight.c) of the target kernel itself: its release,
 * read from the bzImage's setup header, and its /boot/config-REL (the
 * "config" check; the "cmdline" check needs it too).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preflight_internal.h"

/* --- the release, from the bzImage -------------------------------------- */

/*
 * x86 boot protocol (Documentation/arch/x86/boot.rst): the setup header
 * holds "HdrS" at 0x202, the protocol version at 0x206, and at 0x20E
 * kernel_version, the offset of a NUL-terminated version string minus 0x200
 * ("7.3.4 (builder@host) #1 SMP ..."), inside the setup sectors.
 */
#define BZ_SETUP_SECTS	0x1f1

#define BZ_MAGIC	0x202

#define BZ_PROTOCOL	0x206

#define BZ_KVERSION	0x20e

int kernel_release(const char *path, char *rel, char *why, size_t wlen)
{
	unsigned char hdr[0x210];
	unsigned int sects, kv, proto;
	char str[REL_MAX + 256];
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wlen, "cannot open it: %s", strerror(errno));
		return -1;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr + BZ_MAGIC, "HdrS", 4)) {
		close(fd);
		snprintf(why, wlen, "not an x86 bzImage (no HdrS signature at 0x202)");
		return -1;
	}
	proto = hdr[BZ_PROTOCOL] | hdr[BZ_PROTOCOL + 1] << 8;
	kv = hdr[BZ_KVERSION] | hdr[BZ_KVERSION + 1] << 8;
	sects = hdr[BZ_SETUP_SECTS] ? hdr[BZ_SETUP_SECTS] : 4;
	if (proto < 0x200 || !kv || kv + 0x200 >= (sects + 1) * 512) {
		close(fd);
		snprintf(why, wlen, "its boot header (protocol %u.%02u) has no kernel version string",
			 proto >> 8, proto & 0xff);
		return -1;
	}
	n = pread(fd, str, sizeof(str) - 1, kv + 0x200);
	close(fd);
	if (n <= 0) {
		snprintf(why, wlen, "its kernel version string cannot be read");
		return -1;
	}
	str[n] = '\0';
	len = strcspn(str, " \t\n");
	/* It names a directory below /lib/modules: no "/", no "." or "..". */
	if (!len || len >= REL_MAX || memchr(str, '/', len) ||
	    !strncmp(str, ".", len) || !strncmp(str, "..", len)) {
		snprintf(why, wlen, "its kernel version string is not a kernel release");
		return -1;
	}
	memcpy(rel, str, len);
	rel[len] = '\0';
	for (; len > 0; len--) {
		if ((unsigned char)rel[len - 1] < 0x21 ||
		    (unsigned char)rel[len - 1] > 0x7e) {
			snprintf(why, wlen, "its kernel version string is not a kernel release");
			return -1;
		}
	}
	return 0;
}

/* --- its config --------------------------------------------------------- */

void read_kconfig(const char *rel, struct kconfig *c)
{
	char buf[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen(pf_rpath(buf, "/boot/config-%s", rel), "re");
	if (!f)
		return;
	c->present = true;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!strcmp(line, "CONFIG_LIVEUPDATE=y"))
			c->liveupdate = true;
		else if (!strcmp(line, "CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y"))
			c->kho_default = true;
	}
	free(line);
	fclose(f);
}

void check_kconfig(struct preflight *p, const char *rel,
		   const struct kconfig *c)
{
	if (!c->present)
		pf_add(p, "config", PF_WARN, "LUO support of %s unknown: no /boot/config-%s",
		       rel, rel);
	else if (!c->liveupdate)
		pf_add(p, "config", PF_FAIL, "/boot/config-%s lacks CONFIG_LIVEUPDATE=y: %s has no Live Update Orchestrator",
		       rel, rel);
	else
		pf_add(p, "config", PF_OK, "/boot/config-%s has CONFIG_LIVEUPDATE=y", rel);
}
