// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight (preflight.c) of the wire version: the "wire" check, that
 * the module the next kernel loads reads the KHO image the running module
 * writes, for the module file and for its copy in the initramfs, and what
 * else that copy's modinfo says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "preflight_internal.h"

/* A wire version: a decimal number from 1 to 65535; -1 otherwise. */
long parse_wire(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 0xffff)
		return -1;
	return v;
}

/*
 * The wire versions a module writing @t reads (include/pci_liveupdate_abi.h,
 * "Compatibility policy"): its own and the previous release's, @t - 1;
 * version 1 predates the policy and is read by no later module.
 */
static long wire_oldest_read(long t)
{
	return t > 2 ? t - 1 : t;
}

/*
 * The wire version the module @what reads, from its modinfo @f (@why: why
 * that cannot be read, or NULL); -1, with a warning, when unknown.
 */
static long wire_target(struct preflight *p, const struct modfields *f,
			const char *what, const char *why)
{
	long v;

	if (why) {
		pf_add(p, "wire", PF_WARN, "unknown wire version: cannot read the modinfo of %s: %s",
		       what, why);
		return -1;
	}
	if (!f->wire[0]) {
		pf_add(p, "wire", PF_WARN, "unknown wire version: %s has no plu_wire_version field",
		       what);
		return -1;
	}
	v = parse_wire(f->wire);
	if (v < 0)
		pf_add(p, "wire", PF_WARN, "unknown wire version: plu_wire_version \"%s\" of %s is not a version",
		       f->wire, what);
	return v;
}

/* Whether the module @whose, reading @target, reads what @running writes. */
static void wire_verdict(struct preflight *p, long running, long target,
			 const char *whose)
{
	long lo = wire_oldest_read(target);
	char val[64];

	if (lo == target)
		snprintf(val, sizeof(val), "version %ld", lo);
	else
		snprintf(val, sizeof(val), "versions %ld and %ld", target, lo);
	if (running >= lo && running <= target)
		pf_add(p, "wire", PF_OK, "wire version: the running module writes version %ld, %s reads %s",
		       running, whose, val);
	else
		pf_add(p, "wire", PF_FAIL, "wire version: the running module writes version %ld, %s reads only %s",
		       running, whose, val);
}

void check_wire(struct preflight *p, const char *module, const char *rel,
		const struct running *r)
{
	char whose[REL_MAX + 32];

	if (module)
		p->wire_target = wire_target(p, &p->dko, module,
					     p->dko.err ? strerror(-p->dko.err) : NULL);
	if (!r->loaded)
		return;
	p->wire_running = r->wire;
	if (r->wire < 0)
		pf_add(p, "wire", PF_WARN, "unknown wire version of the running module (%s)", r->why);
	if (r->wire < 0 || p->wire_target < 0)
		return;
	snprintf(whose, sizeof(whose), "the module of %s", rel);
	wire_verdict(p, r->wire, p->wire_target, whose);
}

/*
 * The module the next boot loads is the initramfs's copy: the same wire
 * rule applies to it, and a copy that is not the disk's module (another
 * srcversion) or not built for @rel (vermagic) is said.
 */
void check_initrd_module(struct preflight *p, const char *rel,
			 const struct running *r)
{
	char what[2 * PATH_MAX];
	const char *vm = p->iko.vermagic;
	size_t vl = strcspn(vm, " ");

	if (!p->iko_name[0] || !p->initrd)
		return;
	snprintf(what, sizeof(what), "%s in initramfs %s", p->iko_name, p->initrd);
	p->wire_initrd = wire_target(p, &p->iko, what,
				     p->iko_why[0] ? p->iko_why : NULL);
	if (p->wire_initrd >= 0 && r->loaded && r->wire >= 0) {
		snprintf(what, sizeof(what), "the module in initramfs %s", p->initrd);
		wire_verdict(p, r->wire, p->wire_initrd, what);
	}
	if (p->iko_why[0])
		return;
	if (p->module && !p->dko.err && p->dko.srcversion[0] &&
	    p->iko.srcversion[0] && strcmp(p->dko.srcversion, p->iko.srcversion))
		pf_add(p, "initramfs", PF_WARN, "initramfs %s holds another %s than %s: srcversion %s, not %s; rebuild it (update-initramfs -u -k %s)",
		       p->initrd, MODULE_FILE, p->module, p->iko.srcversion,
		       p->dko.srcversion, rel);
	if (vl && (vl != strlen(rel) || strncmp(vm, rel, vl)))
		pf_add(p, "initramfs", PF_WARN, "initramfs %s holds a %s built for %.*s (vermagic), not %s: the kernel may refuse it; rebuild it (update-initramfs -u -k %s)",
		       p->initrd, MODULE_FILE, (int)vl, vm, rel, rel);
}
