// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight (preflight.c) of the module file of a release: its name
 * in its forms (pci_liveupdate, pci-liveupdate, .ko[.gz|.xz|.zst]), where
 * modprobe finds it under /lib/modules/REL, its modinfo through libkmod,
 * and the "module" check.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libkmod.h>

#include "cli.h"
#include "preflight_internal.h"

/* --- the module's names ------------------------------------------------- */

/* Module names: '-' and '_' are the same. */
bool modname_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (strlen(b) != alen)
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/* Whether the comma list [v, v+len) names the module. */
bool list_names_module(const char *v, size_t len)
{
	const char *end = v + len;
	size_t vl;

	while (v < end) {
		vl = strcspn(v, ",");
		if (vl > (size_t)(end - v))
			vl = end - v;
		if (modname_eq(v, vl, PLU_MODULE_NAME))
			return true;
		v += vl + 1;
	}
	return false;
}

/* Whether a file name is the module: pci_liveupdate.ko[.xz|.zst|.gz]. */
bool is_module_file(const char *base)
{
	static const char *const sfx[] = { "", ".xz", ".zst", ".gz" };
	size_t bl = strlen(base), ml = strlen(MODULE_FILE), i;

	if (bl < ml || !modname_eq(base, ml, MODULE_FILE))
		return false;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (!strcmp(base + ml, sfx[i]))
			return true;
	}
	return false;
}

const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* --- where modprobe finds it -------------------------------------------- */

/* modules.dep: "kernel/x/y.ko.zst: deps..." (relative to the directory). */
static void find_in_dep(const char *rel, struct modfile *m)
{
	char buf[PATH_MAX], *line = NULL, *colon;
	size_t cap = 0;
	FILE *f;

	f = fopen(pf_rpath(buf, "/lib/modules/%s/modules.dep", rel), "re");
	if (!f)
		return;
	m->have_dep = true;
	while (getline(&line, &cap, f) > 0) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (!is_module_file(base_name(line)))
			continue;
		if (line[0] == '/')
			snprintf(m->path, sizeof(m->path), "%s", line);
		else
			snprintf(m->path, sizeof(m->path), "/lib/modules/%s/%s",
				 rel, line);
		if (!access(pf_rpath(buf, "%s", m->path), F_OK)) {
			m->src = MOD_DEP;
			break;
		}
	}
	free(line);
	fclose(f);
}

/* Depth-first search of @dir (shown as @shown) for the module file. */
static bool walk(const char *dir, const char *shown, int depth,
		 struct modfile *m)
{
	char sub[PATH_MAX], subshown[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (depth > 8)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= sizeof(sub) ||
		    (size_t)snprintf(subshown, sizeof(subshown), "%s/%s", shown,
				     de->d_name) >= sizeof(subshown) ||
		    stat(sub, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			found = walk(sub, subshown, depth + 1, m);
		} else if (S_ISREG(st.st_mode) && is_module_file(de->d_name)) {
			snprintf(m->path, sizeof(m->path), "%s", subshown);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/*
 * Where modprobe would find the module for @rel: modules.dep first; else a
 * walk of the directories DKMS and modules_install use, in depmod's default
 * order of precedence (updates/, with updates/dkms/, first).
 *
 * Not libkmod's lookup (kmod_new() on /lib/modules/REL below the root,
 * kmod_module_new_from_lookup()): it reads only modules.dep.bin, so a tree
 * with the text modules.dep alone would look empty, and it cannot find a
 * module that is in no index, which is what the walk is for (to say that
 * modprobe misses it).  libkmod reads the modinfo (modfields_read()).
 */
void find_module(const char *rel, struct modfile *m)
{
	static const char *const dirs[] = { "updates", "extra", "kernel" };
	char buf[PATH_MAX], shown[PATH_MAX];
	size_t i;

	memset(m, 0, sizeof(*m));
	find_in_dep(rel, m);
	if (m->src == MOD_DEP)
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(shown, sizeof(shown), "/lib/modules/%s/%s", rel, dirs[i]);
		if (walk(pf_rpath(buf, "%s", shown), shown, 0, m)) {
			m->src = MOD_WALK;
			return;
		}
	}
}

/* --- modinfo ------------------------------------------------------------ */

static void kmod_quiet(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
}

/* The first value of a field counts (none is expected twice). */
static void field_set(char *dst, size_t len, const char *val)
{
	if (!dst[0])
		snprintf(dst, len, "%s", val);
}

/*
 * Read the modinfo of the module file @file (a real path, not below the
 * root) through libkmod, which decompresses what it was built for.
 * Return: 0 or a negative errno, also in @f->err.
 */
int modfields_read(const char *file, struct modfields *f)
{
	static const char *const no_config[] = { NULL };
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	const char *key, *val;
	int err;

	memset(f, 0, sizeof(*f));
	/* One context per file: a context knows a module name only once. */
	ctx = kmod_new(NULL, no_config);
	if (!ctx)
		return f->err = -ENOMEM;
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	err = kmod_module_new_from_path(ctx, file, &mod);
	if (!err)
		err = kmod_module_get_info(mod, &list);
	if (err < 0) {
		f->err = err;
		goto out;
	}
	kmod_list_foreach(l, list) {
		key = kmod_module_info_get_key(l);
		val = kmod_module_info_get_value(l);
		if (!strcmp(key, "plu_wire_version"))
			field_set(f->wire, sizeof(f->wire), val);
		else if (!strcmp(key, "srcversion"))
			field_set(f->srcversion, sizeof(f->srcversion), val);
		else if (!strcmp(key, "vermagic"))
			field_set(f->vermagic, sizeof(f->vermagic), val);
	}
	kmod_module_info_free_list(list);
out:
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return f->err;
}

/* The same for a module file of this system (a shown path). */
int modfields_of(const char *path, struct modfields *f)
{
	char buf[PATH_MAX];

	return modfields_read(pf_rpath(buf, "%s", path), f);
}

/* --- the check ---------------------------------------------------------- */

/* Returns the module's path for the wire check, or NULL. */
const char *check_module(struct preflight *p, const char *rel,
			 struct modfile *m)
{
	find_module(rel, m);
	if (m->src == MOD_NONE) {
		pf_add(p, "module", PF_FAIL, "no %s for %s under /lib/modules/%s (DKMS has not built it: dkms autoinstall -k %s)",
		       MODULE_FILE, rel, rel, rel);
		return NULL;
	}
	pf_add(p, "module", PF_OK, "module %s", m->path);
	if (m->src == MOD_WALK && m->have_dep)
		pf_add(p, "module", PF_WARN, "%s is not in /lib/modules/%s/modules.dep: modprobe does not find it (depmod %s)",
		       m->path, rel, rel);
	else if (m->src == MOD_WALK)
		pf_add(p, "module", PF_WARN, "no /lib/modules/%s/modules.dep: modprobe does not find %s (depmod %s)",
		       rel, PLU_MODULE_NAME, rel);
	p->module = strdup(m->path);
	modfields_of(m->path, &p->dko);
	return m->path;
}
