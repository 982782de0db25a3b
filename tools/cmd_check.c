// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate check: print the preflight of a live update (preflight.c)
 * into the kernel, initramfs and command line given.
 */
#include <getopt.h>
#include <stdlib.h>

#include "command.h"
#include "cli.h"
#include "preflight.h"

int cmd_check(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "reuse-cmdline", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct preflight_args a = { .kernel = NULL };
	const char *append = NULL;
	bool reuse = false, json = false;
	struct preflight *p;
	unsigned int fails, warns;
	char *cmdline;
	int c;

	while ((c = getopt_long(argc, argv, "k:i:a:rjh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			a.kernel = optarg;
			break;
		case 'i':
			a.initrd = optarg;
			break;
		case 'a':
			append = optarg;
			break;
		case 'r':
			reuse = true;
			break;
		case 'j':
			json = true;
			break;
		default:
			return cmd_other_option(cmd, c);
		}
	}
	if (optind < argc)
		return cmd_usage(cmd, "unexpected argument '%s'", argv[optind]);

	/* Without --append: the running kernel's command line, as is. */
	cmdline = plu_build_cmdline(reuse || !append, append);
	if (!cmdline)
		return PLU_EXIT_FAIL;
	a.cmdline = cmdline;
	p = preflight_run(&a);
	free(cmdline);
	if (!p)
		return PLU_EXIT_FAIL;
	fails = preflight_count(p, PF_FAIL);
	warns = preflight_count(p, PF_WARN);
	if (json) {
		preflight_json(p, stdout);
	} else {
		preflight_print(p, stdout, false);
		printf("%u failed, %u warning%s: kexec %s\n", fails, warns,
		       warns == 1 ? "" : "s",
		       fails ? "would refuse (--force overrides)" : "would go ahead");
	}
	preflight_free(p);
	return fails ? PLU_EXIT_FAIL : PLU_EXIT_OK;
}
