// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight (preflight.c) of the next kernel command line: how kexec
 * builds it from /proc/cmdline and --append, how the kernel parses the
 * parameters the checks look at, and the "cmdline" check (liveupdate=,
 * kho=, the module not blacklisted).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "preflight_internal.h"

size_t plu_cmdline_args_end(const char *cmdline)
{
	size_t pos = 0, len;

	while (cmdline[pos]) {
		pos += strspn(cmdline + pos, " \t");
		len = strcspn(cmdline + pos, " \t");
		if (len == 2 && !strncmp(cmdline + pos, "--", 2))
			return pos;
		pos += len;
	}
	return pos;
}

/* Like the kernel's kstrtobool(): 1 true, 0 false, -1 not a boolean. */
static int parse_bool(const char *v)
{
	if (*v && strchr("eEyYtT1", *v))
		return 1;
	if (*v && strchr("dDnNfF0", *v))
		return 0;
	if (v[0] == 'o' || v[0] == 'O') {
		if (v[1] == 'n' || v[1] == 'N')
			return 1;
		if (v[1] == 'f' || v[1] == 'F')
			return 0;
	}
	return -1;
}

int plu_cmdline_bool(const char *cmdline, const char *key)
{
	const char *p = cmdline, *end = cmdline + plu_cmdline_args_end(cmdline);
	size_t kl = strlen(key);
	int on = -1, v;

	while (p < end) {
		p += strspn(p, " \t");
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			v = parse_bool(p + kl + 1);
			if (v >= 0)
				on = v;
		}
		p += strcspn(p, " \t");
	}
	return on;
}

static char *read_proc_cmdline(void)
{
	char path[PATH_MAX];
	FILE *f;
	size_t cap = 0, len;
	char *line = NULL;

	/* Below $PLU_ROOT like every file the preflight reads (tests). */
	if (plu_root_path(path, sizeof(path), "/proc/cmdline")) {
		plu_error(PLU_OP_FILE, ENAMETOOLONG, "cannot open /proc/cmdline");
		return NULL;
	}
	f = fopen(path, "re");
	if (!f) {
		plu_error(PLU_OP_FILE, errno, "cannot open /proc/cmdline");
		return NULL;
	}
	if (getline(&line, &cap, f) < 0) {
		plu_error(PLU_OP_FILE, ferror(f) ? errno : EIO,
			  "cannot read /proc/cmdline");
		free(line);
		line = NULL;
	}
	fclose(f);
	if (line) {
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ' '))
			line[--len] = '\0';
	}
	return line;
}

/*
 * The new kernel's command line: /proc/cmdline and/or --append.  Appended
 * parameters go before a "--", behind which the kernel would hand them to
 * init.
 */
char *plu_build_cmdline(bool reuse, const char *append)
{
	char *reused = NULL, *line;
	size_t len, cut;

	if (!append)
		append = "";
	if (reuse) {
		reused = read_proc_cmdline();
		if (!reused)
			return NULL;
	} else {
		line = strdup(append);
		if (!line)
			plu_error(PLU_OP_NONE, ENOMEM, "building the command line");
		return line;
	}

	cut = plu_cmdline_args_end(reused);
	len = strlen(reused) + strlen(append) + 3;
	line = malloc(len);
	if (line)
		snprintf(line, len, "%.*s%s%s%s%s", (int)cut, reused,
			 cut && append[0] && reused[cut - 1] != ' ' ? " " : "",
			 append, append[0] && reused[cut] ? " " : "",
			 reused + cut);
	else
		plu_error(PLU_OP_NONE, ENOMEM, "building the command line");
	free(reused);
	return line;
}

/*
 * The parameter [*len] of the next command line, before a "--", that
 * blacklists the module: module_blacklist= (the kernel's; it keeps only the
 * last one) if @kernel, else modprobe.blacklist= (kmod's; each one counts).
 * Both are comma lists; '-' and '_' are the same in names.  NULL if none.
 */
static const char *cmdline_blacklist(const char *cmdline, bool kernel,
				     size_t *len)
{
	const char *key = kernel ? "module_blacklist" : "modprobe.blacklist";
	const char *p = cmdline, *end = cmdline + plu_cmdline_args_end(cmdline);
	const char *found = NULL;
	size_t kl = strlen(key), tl;

	while (p < end) {
		p += strspn(p, " \t");
		tl = strcspn(p, " \t");
		if (tl > kl && p[kl] == '=' && modname_eq(p, kl, key)) {
			if (list_names_module(p + kl + 1, tl - kl - 1)) {
				found = p;
				*len = tl;
				if (!kernel)
					break;
			} else if (kernel) {
				found = NULL;
			}
		}
		p += tl;
	}
	return found;
}

void check_cmdline(struct preflight *p, const char *cmdline,
		   const char *rel, const struct kconfig *c)
{
	int kho = plu_cmdline_bool(cmdline, "kho");
	const char *bl;
	size_t bl_len;

	if (plu_cmdline_bool(cmdline, "liveupdate") == 1)
		pf_add(p, "cmdline", PF_OK, "the next command line has liveupdate=on");
	else
		pf_add(p, "cmdline", PF_FAIL, "the next command line lacks liveupdate=on");

	if (kho == 1)
		pf_add(p, "cmdline", PF_OK, "the next command line has kho=on");
	else if (kho == 0)
		pf_add(p, "cmdline", PF_FAIL, "the next command line turns KHO off (kho=off)");
	else if (!rel)
		pf_add(p, "cmdline", PF_WARN, "the next command line lacks kho=on; whether the next kernel turns KHO on by default is unknown");
	else if (!c->present)
		pf_add(p, "cmdline", PF_WARN, "the next command line lacks kho=on; whether %s turns KHO on by default is unknown (no /boot/config-%s)",
		       rel, rel);
	else if (!c->kho_default)
		pf_add(p, "cmdline", PF_FAIL, "the next command line lacks kho=on (/boot/config-%s lacks CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y)",
		       rel);
	else
		pf_add(p, "cmdline", PF_OK, "KHO is on by default in %s (CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y)",
		       rel);

	bl = cmdline_blacklist(cmdline, true, &bl_len);
	if (bl)
		pf_add(p, "cmdline", PF_FAIL, "the next command line has %.*s: the kernel refuses to load %s",
		       (int)bl_len, bl, PLU_MODULE_NAME);
	bl = cmdline_blacklist(cmdline, false, &bl_len);
	if (bl)
		pf_add(p, "cmdline", PF_FAIL, "the next command line has %.*s: udev, systemd-modules-load and modprobe -b do not load %s",
		       (int)bl_len, bl, PLU_MODULE_NAME);
}
