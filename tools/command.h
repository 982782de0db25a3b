/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands of the pci-liveupdate tool: what the commands[] table of
 * pci-liveupdate.c holds, the helpers each command's option parsing shares
 * (command.c), and the commands themselves (cmd_*.c).
 */
#ifndef PLU_TOOLS_COMMAND_H
#define PLU_TOOLS_COMMAND_H

#include <stdio.h>

#include "bdf.h"

/* One entry of the commands[] table. */
struct command {
	const char *name;
	const char *synopsis;	/* the arguments after the name */
	const char *desc;	/* what it does */
	const char *options;	/* one line per option, --help excepted */
	const char *notes;	/* after the options, or NULL */
	int (*run)(int argc, char **argv, const struct command *cmd);
};

/* The --help entry of a command's getopt_long() options. */
#define PLU_OPT_HELP	{ "help", no_argument, NULL, 'h' }

/* Print the full help of @cmd to @f. */
void cmd_help(const struct command *cmd, FILE *f);
/* Report a usage error of @cmd; returns PLU_EXIT_USAGE. */
int cmd_usage(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Handle a getopt_long() result that the command does not handle itself:
 * 'h' prints the help (PLU_EXIT_OK), anything else is a usage error.
 */
int cmd_other_option(const struct command *cmd, int opt);
/* Parse a BDF argument; prints a usage error on failure. */
int cmd_parse_bdf(const struct command *cmd, const char *arg, struct bdf *b);
/* @arg as a decimal number up to @max for option @opt; -1: usage reported. */
int cmd_parse_uint(const struct command *cmd, const char *opt,
		   const char *arg, unsigned int max, unsigned int *v);

/* The commands (cmd_*.c); argv[0] is "pci-liveupdate COMMAND". */
int cmd_load(int argc, char **argv, const struct command *cmd);
int cmd_status(int argc, char **argv, const struct command *cmd);
int cmd_mark(int argc, char **argv, const struct command *cmd);
int cmd_unmark(int argc, char **argv, const struct command *cmd);
int cmd_query(int argc, char **argv, const struct command *cmd);
int cmd_list(int argc, char **argv, const struct command *cmd);
int cmd_kexec(int argc, char **argv, const struct command *cmd);
int cmd_retrieve(int argc, char **argv, const struct command *cmd);
int cmd_rebind(int argc, char **argv, const struct command *cmd);
int cmd_hold(int argc, char **argv, const struct command *cmd);
int cmd_check(int argc, char **argv, const struct command *cmd);
int cmd_restore_vfs(int argc, char **argv, const struct command *cmd);

#endif /* PLU_TOOLS_COMMAND_H */
