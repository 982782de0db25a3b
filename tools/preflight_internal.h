/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the files of the preflight (preflight*.c, initramfs.c): the
 * result being built, and each job's entry points.  preflight.h is the
 * interface to the commands.
 */
#ifndef PLU_TOOLS_PREFLIGHT_INTERNAL_H
#define PLU_TOOLS_PREFLIGHT_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "preflight.h"

#define MODULE_FILE	PLU_MODULE_NAME ".ko"
#define REL_MAX		65		/* struct utsname release */
#define MSG_MAX		512

/* --- the result (preflight_output.c) ------------------------------------ */

/* The modinfo fields of a module file the checks use; "" when absent. */
struct modfields {
	int err;		/* 0, or the negative errno of reading it */
	char wire[32];		/* plu_wire_version */
	char srcversion[64];
	char vermagic[256];
};

struct pf_item {
	const char *check;	/* short name, the JSON "check" */
	enum pf_level level;
	char *msg;
};

struct preflight {
	struct pf_item *items;
	size_t n, cap;
	bool oom;
	/* What was looked at, for --json; NULL or -1 when unknown. */
	char *kernel, *initrd, *cmdline, *module;
	char release[REL_MAX];
	long wire_running, wire_target, wire_initrd, marked;
	struct modfields dko;	/* the modinfo of module */
	/*
	 * The module the initramfs holds for the release: its name there
	 * ("" when it has none), its modinfo, why that cannot be read ("" if
	 * it can).
	 */
	char iko_name[PATH_MAX];
	struct modfields iko;
	char iko_why[MSG_MAX];
};

/* Add a line of the check @check ("wire", ...) to the result. */
void pf_add(struct preflight *p, const char *check, enum pf_level level,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* --- shared helpers (preflight.c) --------------------------------------- */

/* A path below the root, from a format; "" if it does not fit. */
const char *pf_rpath(char buf[PATH_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Read a whole (small) file; NULL with errno set on failure. */
char *pf_slurp(const char *path, size_t max);

/* --- the target kernel (preflight_kernel.c) ----------------------------- */

struct kconfig {
	bool present;
	bool liveupdate;	/* CONFIG_LIVEUPDATE=y */
	bool kho_default;	/* CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y */
};

int kernel_release(const char *path, char *rel, char *why, size_t wlen);
void read_kconfig(const char *rel, struct kconfig *c);
void check_kconfig(struct preflight *p, const char *rel, const struct kconfig *c);

/* --- the next command line (preflight_cmdline.c) ------------------------ */

void check_cmdline(struct preflight *p, const char *cmdline, const char *rel,
		   const struct kconfig *c);

/* --- the module file (preflight_module.c) ------------------------------- */

bool modname_eq(const char *a, size_t alen, const char *b);
bool list_names_module(const char *v, size_t len);
bool is_module_file(const char *base);
const char *base_name(const char *path);

enum mod_src { MOD_NONE, MOD_DEP, MOD_WALK };

struct modfile {
	enum mod_src src;
	char path[PATH_MAX];	/* as shown: without $PLU_ROOT */
	bool have_dep;		/* modules.dep exists */
};

void find_module(const char *rel, struct modfile *m);
int modfields_read(const char *file, struct modfields *f);
int modfields_of(const char *path, struct modfields *f);
const char *check_module(struct preflight *p, const char *rel,
			 struct modfile *m);

/* --- the running module (preflight_running.c) --------------------------- */

struct running {
	bool loaded;
	long wire;		/* -1: unknown */
	long marked;		/* -1: unknown */
	int luo_ready;		/* PCI_LIVEUPDATE_STATUS_LUO_READY; -1: unknown */
	char why[MSG_MAX];	/* why the wire version is unknown */
	char whym[MSG_MAX];	/* why the marked count is unknown */
};

void running_module(struct running *r);
void check_marked(struct preflight *p, const struct running *r);
void check_luo_ready(struct preflight *p, const struct running *r);
void check_sriov(struct preflight *p, const struct running *r);

/* --- the wire version (preflight_wire.c) -------------------------------- */

long parse_wire(const char *s);
void check_wire(struct preflight *p, const char *module, const char *rel,
		const struct running *r);
void check_initrd_module(struct preflight *p, const char *rel,
			 const struct running *r);

/* --- the initramfs (preflight_initramfs.c) ------------------------------ */

void check_initrd(struct preflight *p, const struct preflight_args *a,
		  const char *rel);

#endif /* PLU_TOOLS_PREFLIGHT_INTERNAL_H */
