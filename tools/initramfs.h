/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The initramfs reader (initramfs.c) of the preflight's "initramfs" check
 * (preflight_initramfs.c).
 */
#ifndef PLU_TOOLS_INITRAMFS_H
#define PLU_TOOLS_INITRAMFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "preflight_internal.h"

/*
 * What the initramfs says, from its file names and a few of its files.
 * What loads the module is kept per kind, as whether it is early enough
 * depends on the image's init (see check_initrd()).
 */
struct initrd_scan {
	const char *rel;
	bool names;		/* take the file names from this walk */
	bool has_module;
	bool has_systemd;	/* lib/systemd/systemd: systemd is its init */
	char module[PATH_MAX];	/* its name in the image */
	char other_rel[REL_MAX];	/* modules for another release */
	char by_init[PATH_MAX];	/* conf/modules or a boot script */
	char by_cmdline[PATH_MAX];	/* dracut's rd.driver.pre= */
	char by_load_d[PATH_MAX];	/* a modules-load.d file */
	unsigned int archives;
	/*
	 * The bytes of the module for @rel, as the image holds them, are
	 * written to ko_fd (-1: not wanted); the last copy in the image
	 * counts, as in scan_name().
	 */
	int ko_fd;
	int ko_err;		/* errno of writing them */
	char ko_name[PATH_MAX];	/* its name in the image; "" if not found */
};

/* The kinds of file in an initramfs that can load the module. */
enum loader_kind {
	LOADER_NONE,
	LOADER_MODULES,		/* conf/modules: "module [args]" lines */
	LOADER_LOAD_D,		/* modules-load.d: "module" lines, # and ; comments */
	LOADER_CMDLINE_D,	/* dracut's etc/cmdline.d: rd.driver.pre=a,b */
	LOADER_SCRIPT,		/* a boot script: a modprobe/insmod command */
};

/* Whether one line of a file of kind @k loads the module. */
bool line_loads(enum loader_kind k, const char *line);
/*
 * Walk the image @path: file names (if scan->names), the files that can
 * load the module, the module's bytes.  Return: 0, or -1 with @why set.
 */
int initrd_walk(const char *path, struct initrd_scan *scan, char *why,
		size_t wlen);
/* The names through lsinitramfs(8): 0, -ENOENT, or its exit status. */
int lsinitramfs(const char *path, struct initrd_scan *scan, const char **prog);

/* Where the module taken out of the image is put for libkmod. */
struct ko_tmp {
	char dir[PATH_MAX];	/* "" when there is none */
	char raw[PATH_MAX];	/* as the image holds it */
	char plain[PATH_MAX];	/* decompressed */
	int fd;			/* raw, open read-write; -1 */
	int err;		/* errno of making them */
};

void ko_tmp_open(struct ko_tmp *t);
void ko_tmp_close(struct ko_tmp *t);
const char *ko_plain(struct ko_tmp *t, char *why, size_t wlen);

#endif /* PLU_TOOLS_INITRAMFS_H */
