// SPDX-License-Identifier: GPL-2.0
/*
 * What the commands of the pci-liveupdate tool share: their --help, usage
 * errors, the options they leave to getopt_long(), and BDF arguments.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "command.h"
#include "cli.h"

void cmd_help(const struct command *cmd, FILE *f)
{
	fprintf(f, "Usage: " PLU_PROG " %s %s\n%s\nOptions:\n%s"
		"  -h, --help               show this help\n",
		cmd->name, cmd->synopsis, cmd->desc,
		cmd->options ? cmd->options : "");
	if (cmd->notes)
		fprintf(f, "\n%s", cmd->notes);
}

int cmd_usage(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PLU_PROG " %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PLU_PROG " %s --help'.\n", cmd->name);
	return PLU_EXIT_USAGE;
}

int cmd_other_option(const struct command *cmd, int opt)
{
	if (opt == 'h') {
		cmd_help(cmd, stdout);
		return PLU_EXIT_OK;
	}
	/* getopt_long() has said what was wrong. */
	fprintf(stderr, "Try '" PLU_PROG " %s --help'.\n", cmd->name);
	return PLU_EXIT_USAGE;
}

int cmd_parse_bdf(const struct command *cmd, const char *arg, struct bdf *b)
{
	const char *why = NULL;

	if (!bdf_parse(arg, b, &why))
		return 0;
	cmd_usage(cmd, "invalid PCI device '%s': %s", arg, why);
	return -1;
}

int cmd_parse_uint(const struct command *cmd, const char *opt,
		   const char *arg, unsigned int max, unsigned int *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || n > max) {
		cmd_usage(cmd, "%s wants a number from 0 to %u, not '%s'", opt,
			  max, arg);
		return -1;
	}
	*v = n;
	return 0;
}
