// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight of a live update, what "pci-liveupdate check" reports and
 * "pci-liveupdate kexec" runs first.  Before the device set is handed to
 * another kernel, find out whether that kernel can take it: its release
 * (from the bzImage) has the module, its initramfs loads the module before
 * anything opens /dev/liveupdate, its command line turns LUO and KHO on
 * and does not blacklist the module, it was built with LUO, and its module
 * (the file, and the copy in the initramfs that the next boot loads) reads
 * the wire version the running module writes.  kexec refuses on a failure
 * (--force goes ahead), because each of them loses the set, and some (the
 * module loaded too late) break every later LUO open of that boot.
 *
 * This file runs the checks in their order (preflight_run()); each job has
 * a file of its own: preflight_kernel.c (the release and config),
 * preflight_cmdline.c (the next command line), preflight_module.c (the
 * module file and its modinfo), preflight_initramfs.c (the initramfs, read
 * by initramfs.c), preflight_running.c (the running module),
 * preflight_wire.c (the wire version) and preflight_output.c (the result).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cli.h"
#include "preflight_internal.h"

/* --- root-relative paths ------------------------------------------------ */

static const char *plu_root(void)
{
	const char *r = getenv("PLU_ROOT");

	return r ? r : "";
}

int plu_root_path(char *buf, size_t len, const char *path)
{
	const char *root = plu_root();
	size_t rl = strlen(root);
	int n;

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	n = snprintf(buf, len, "%.*s%s", (int)rl, root, path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A path below the root, from a format; "" if it does not fit. */
const char *pf_rpath(char buf[PATH_MAX], const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel) || plu_root_path(buf, PATH_MAX, rel))
		buf[0] = '\0';
	return buf;
}

/* --- small file helpers ------------------------------------------------- */

/* Read a whole (small) file; NULL with errno set on failure. */
char *pf_slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int err;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, max, f);
	err = ferror(f) ? EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* --- all checks in their order ------------------------------------------ */

struct preflight *preflight_run(const struct preflight_args *a)
{
	struct preflight *p = calloc(1, sizeof(*p));
	char why[MSG_MAX], *rel = NULL;
	const char *module = NULL;
	struct kconfig kc = { .present = false };
	struct running r;
	struct modfile m;
	struct utsname u;

	if (!p) {
		plu_error(PLU_OP_NONE, ENOMEM, "preflight");
		return NULL;
	}
	p->wire_running = p->wire_target = p->wire_initrd = p->marked = -1;
	p->kernel = dup_or_null(a->kernel);
	p->cmdline = dup_or_null(a->cmdline);

	if (a->kernel) {
		if (kernel_release(a->kernel, p->release, why, sizeof(why)))
			pf_add(p, "kernel", PF_FAIL, "kernel %s: %s; the checks that need its release are skipped",
			       a->kernel, why);
		else
			pf_add(p, "kernel", PF_OK, "kernel %s: release %s", a->kernel, p->release);
	} else if (uname(&u)) {
		pf_add(p, "kernel", PF_FAIL, "cannot tell the running kernel's release: %s",
		       strerror(errno));
	} else {
		snprintf(p->release, sizeof(p->release), "%s", u.release);
		pf_add(p, "kernel", PF_OK, "kernel: release %s (the running kernel; no --kernel)",
		       p->release);
	}
	if (p->release[0]) {
		rel = p->release;
		read_kconfig(rel, &kc);
		check_kconfig(p, rel, &kc);
	}
	check_cmdline(p, a->cmdline, rel, &kc);
	if (rel) {
		module = check_module(p, rel, &m);
		check_initrd(p, a, rel);
	}

	running_module(&r);
	if (!r.loaded)
		pf_add(p, "running", PF_FAIL, "%s is not loaded in the running kernel: there is no device set to hand over",
		       PLU_MODULE_NAME);
	if (rel) {
		check_wire(p, module, rel, &r);
		check_initrd_module(p, rel, &r);
	}
	check_luo_ready(p, &r);
	check_marked(p, &r);
	check_sriov(p, &r);

	if (p->oom) {
		plu_error(PLU_OP_NONE, ENOMEM, "preflight");
		preflight_free(p);
		return NULL;
	}
	return p;
}
