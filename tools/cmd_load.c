// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate load: insert the pci_liveupdate module through libkmod.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libkmod.h>

#include "command.h"
#include "cli.h"

/* Append " KEY=VALUE" to the option string *@params. */
static int add_param(const struct command *cmd, char **params, const char *kv)
{
	size_t old = *params ? strlen(*params) : 0;
	const char *eq = strchr(kv, '=');
	char *p;

	if (!eq || eq == kv)
		return cmd_usage(cmd, "--param wants KEY=VALUE, not '%s'", kv);
	p = realloc(*params, old + strlen(kv) + 2);
	if (!p) {
		plu_error(PLU_OP_NONE, ENOMEM, "parsing arguments");
		return PLU_EXIT_FAIL;
	}
	snprintf(p + old, strlen(kv) + 2, "%s%s", old ? " " : "", kv);
	*params = p;
	return PLU_EXIT_OK;
}

static bool module_loaded(const struct kmod_module *mod)
{
	int state = kmod_module_get_initstate(mod);

	return state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING ||
	       state == KMOD_MODULE_BUILTIN;
}

/* After loading: tell how the module reached LUO, if it says so. */
static void report_loaded(const char *name)
{
	struct pci_liveupdate_status st = { 0 };
	struct plu_name n;
	int fd = open(PLU_DEV_PATH, O_RDONLY | O_CLOEXEC);

	printf("loaded %s", name);
	if (fd >= 0 && !SIZED_IOCTL(fd, PCI_LIVEUPDATE_IOCTL_STATUS, &st))
		printf(" (binding %s, uAPI version %u)",
		       plu_enum_name(PLU_ENUM_BINDING, st.binding, &n),
		       (unsigned int)st.uapi_version);
	putchar('\n');
	if (fd < 0)
		plu_msg("warning: %s did not appear; see dmesg", PLU_DEV_PATH);
	else
		close(fd);
}

static struct kmod_module *get_module(struct kmod_ctx *ctx, const char *ko)
{
	struct kmod_module *mod = NULL;
	int err;

	if (!ko) {
		err = kmod_module_new_from_name(ctx, PLU_MODULE_NAME, &mod);
		if (err < 0)
			plu_error(PLU_OP_NONE, -err, "looking up module %s",
				  PLU_MODULE_NAME);
		return err < 0 ? NULL : mod;
	}
	if (access(ko, R_OK)) {
		plu_error(PLU_OP_FILE, errno, "cannot read %s", ko);
		return NULL;
	}
	err = kmod_module_new_from_path(ctx, ko, &mod);
	if (err < 0)
		plu_error(PLU_OP_FILE, -err, "cannot use %s as a module", ko);
	return err < 0 ? NULL : mod;
}

static int insert(struct kmod_module *mod, const char *ko, const char *params)
{
	const char *name = kmod_module_get_name(mod);
	struct utsname u;
	int err;

	if (!ko && !kmod_module_get_path(mod)) {
		uname(&u);
		plu_msg("module %s is not installed for kernel %s", name,
			u.release);
		fprintf(stderr, "  hint: install it (make modules_install; depmod) "
			"or give its file with --ko FILE\n");
		return PLU_EXIT_FAIL;
	}
	if (ko)
		err = kmod_module_insert_module(mod, 0, params);
	else
		err = kmod_module_probe_insert_module(mod, 0, params, NULL,
						      NULL, NULL);
	if (err == -EEXIST) {
		printf("%s is already loaded\n", name);
		return PLU_EXIT_OK;
	}
	if (err < 0) {
		plu_error(PLU_OP_INSERT, -err, "cannot load %s", ko ? ko : name);
		return PLU_EXIT_FAIL;
	}
	report_loaded(name);
	return PLU_EXIT_OK;
}

static int load(const char *ko, const char *params)
{
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	int ret = PLU_EXIT_FAIL;

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		plu_msg("cannot initialise libkmod");
		return PLU_EXIT_FAIL;
	}
	mod = get_module(ctx, ko);
	if (!mod)
		goto out_ctx;

	if (module_loaded(mod)) {
		printf("%s is already loaded\n", kmod_module_get_name(mod));
		ret = PLU_EXIT_OK;
	} else if (access(LUO_DEV_PATH, F_OK)) {
		plu_msg("%s does not exist", LUO_DEV_PATH);
		fprintf(stderr, "  hint: %s\n", plu_luo_missing_hint);
	} else {
		ret = insert(mod, ko, params);
	}
	kmod_module_unref(mod);
out_ctx:
	kmod_unref(ctx);
	return ret;
}

int cmd_load(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "ko", required_argument, NULL, 'k' },
		{ "param", required_argument, NULL, 'p' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	const char *ko = NULL;
	char *params = NULL;
	int c, ret;

	while ((c = getopt_long(argc, argv, "k:p:h", opts, NULL)) != -1) {
		if (c == 'k') {
			ko = optarg;
		} else if (c == 'p') {
			ret = add_param(cmd, &params, optarg);
			if (ret)
				goto out;
		} else {
			ret = cmd_other_option(cmd, c);
			goto out;
		}
	}
	if (optind < argc)
		ret = cmd_usage(cmd, "unexpected argument '%s'", argv[optind]);
	else
		ret = load(ko, params);
out:
	free(params);
	return ret;
}
