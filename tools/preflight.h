/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The preflight of a live update (preflight*.c, initramfs.c): what
 * "pci-liveupdate check" reports and what makes "pci-liveupdate kexec"
 * refuse.
 */
#ifndef PLU_TOOLS_PREFLIGHT_H
#define PLU_TOOLS_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum pf_level {
	PF_OK,
	PF_WARN,	/* reported, does not refuse */
	PF_FAIL,	/* makes kexec refuse unless --force */
};

struct preflight_args {
	const char *kernel;	/* image to boot; NULL: the running release */
	const char *initrd;	/* initramfs to pass; NULL: see no_initrd */
	/*
	 * With initrd NULL: true when none will be passed (kexec without
	 * --initrd), false to look at /boot/initrd.img-REL (check).
	 */
	bool no_initrd;
	const char *cmdline;	/* the next command line, never NULL */
};

struct preflight;

/* Run every check.  NULL only when out of memory (reported). */
struct preflight *preflight_run(const struct preflight_args *a);
unsigned int preflight_count(const struct preflight *p, enum pf_level level);
/* "ok: ...", "warn: ...", "fail: ..." lines; only warn/fail if @problems. */
void preflight_print(const struct preflight *p, FILE *f, bool problems);
void preflight_json(const struct preflight *p, FILE *f);
void preflight_free(struct preflight *p);

/*
 * Every absolute path the checks read (/lib/modules, /boot, /proc/cmdline,
 * /sys, /dev/pci_liveupdate, /etc, /usr/share/initramfs-tools) is taken
 * below $PLU_ROOT when that is set, so that tests can build a fake system.
 * Writes "$PLU_ROOT@path" to @buf; -1 if it does not fit.
 */
int plu_root_path(char *buf, size_t len, const char *path);

/* Offset of a standalone "--" (the start of init's arguments), or strlen. */
size_t plu_cmdline_args_end(const char *cmdline);
/*
 * The boolean kernel parameter @key ("liveupdate") as the kernel parses it
 * (kstrtobool, the last valid one counts): 1, 0, or -1 when not given.
 */
int plu_cmdline_bool(const char *cmdline, const char *key);
/*
 * The next kernel's command line as kexec builds it: /proc/cmdline if
 * @reuse, with @append added before a "--"; else @append.  NULL on failure
 * (reported).
 */
char *plu_build_cmdline(bool reuse, const char *append);

#endif /* PLU_TOOLS_PREFLIGHT_H */
