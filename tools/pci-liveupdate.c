// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: choose the PCI devices kept across a kexec-based Live
 * Update, drive the update through a LUO session, and inspect what came
 * through.  See pci-liveupdate(8).
 *
 * Here: main() and the commands[] table; the commands are in cmd_*.c, what
 * they share in command.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "cli.h"

#define BDF_HELP \
	"BDF is [SSSS:]BB:DD.F (hexadecimal, segment 0 if left out) or a\n" \
	"/sys/bus/pci/devices/... or /sys/devices/... path of the device.\n"

static const struct command commands[] = {
	{
		.name = "load",
		.synopsis = "[--ko FILE] [--param KEY=VALUE]...",
		.desc =
		"Load the pci_liveupdate kernel module with libkmod (with its\n"
		"dependencies, from /lib/modules), or from FILE.  Succeeds if it is\n"
		"loaded already.  In the new kernel, run it before anything opens\n"
		"/dev/liveupdate.\n",
		.options =
		"  -k, --ko FILE            load this .ko file instead\n"
		"  -p, --param KEY=VALUE    module parameter (repeatable)\n",
		.run = cmd_load,
	},
	{
		.name = "status",
		.synopsis = "[--json]",
		.desc =
		"Show the state of the module: binding, outgoing and incoming set.\n",
		.options =
		"  -j, --json               print a JSON object\n",
		.run = cmd_status,
	},
	{
		.name = "mark",
		.synopsis = "[--rebind] [--with-vfs] BDF...",
		.desc =
		"Add devices to the outgoing set (the bridges above them come\n"
		"along).  A device marked already is reported and not an error.\n",
		.options =
		"  -r, --rebind             bind the device's current driver again\n"
		"                           after the kexec\n"
		"  -v, --with-vfs           BDF is an SR-IOV PF: carry its VF\n"
		"                           configuration as it is at the reboot\n"
		"                           (sriov_numvfs, sriov_drivers_autoprobe,\n"
		"                           each VF's ids, driver and\n"
		"                           driver_override); 'restore-vfs' re-creates\n"
		"                           the VFs in the new kernel\n",
		.notes = BDF_HELP,
		.run = cmd_mark,
	},
	{
		.name = "unmark",
		.synopsis = "BDF...",
		.desc = "Remove marked devices from the outgoing set.\n",
		.notes = BDF_HELP,
		.run = cmd_unmark,
	},
	{
		.name = "query",
		.synopsis = "[--json] BDF",
		.desc =
		"Show the outgoing and incoming records of one device.  For the\n"
		"incoming set, BDF is the address the device had before the update.\n",
		.options =
		"  -j, --json               print a JSON object\n",
		.notes = BDF_HELP,
		.run = cmd_query,
	},
	{
		.name = "list",
		.synopsis = "[--outgoing|--incoming] [--json]",
		.desc =
		"List the outgoing set (the default) or the incoming set from the\n"
		"previous kernel, with a verdict for each incoming device.\n",
		.options =
		"  -o, --outgoing           the devices kept across the next update\n"
		"  -i, --incoming           the devices the previous kernel kept\n"
		"  -j, --json               print a JSON array\n",
		.run = cmd_list,
	},
	{
		.name = "check",
		.synopsis = "[--kernel FILE] [--initrd FILE] [--append CMDLINE]\n"
		"        [--reuse-cmdline] [--json]",
		.desc =
		"The preflight of a live update into FILE (default: the running\n"
		"release): its release has pci_liveupdate.ko, its initramfs loads\n"
		"the module early, the command line has liveupdate=on (and kho=on\n"
		"if needed), its config has CONFIG_LIVEUPDATE=y, its module reads\n"
		"the running module's wire version, a device is marked.  One\n"
		"ok:/warn:/fail: line each; exit status 1 if one failed, which\n"
		"makes 'kexec' refuse.\n",
		.options =
		"  -k, --kernel FILE        bzImage to boot (its release is read)\n"
		"  -i, --initrd FILE        initramfs (default /boot/initrd.img-REL)\n"
		"  -a, --append CMDLINE     next command line (default\n"
		"                           /proc/cmdline; added to it with -r)\n"
		"  -r, --reuse-cmdline      start from /proc/cmdline, as kexec -r\n"
		"  -j, --json               print a JSON object\n",
		.run = cmd_check,
	},
	{
		.name = "kexec",
		.synopsis = "{--session NAME | --systemctl} --kernel FILE\n"
		"        [--initrd FILE] [--append CMDLINE] [--reuse-cmdline]\n"
		"        [--no-reboot] [--force] [--dry-run]",
		.desc =
		"Create the LUO session NAME, preserve /dev/pci_liveupdate in it\n"
		"(token 0x706c75), load FILE with kexec_file_load, sync and reboot\n"
		"into it, all in this one process: the session lives only as long\n"
		"as the process does.  The checks of 'check' run first; a failed\n"
		"one refuses the update (exit status 1) unless --force.\n"
		"With --systemctl, systemd's session carries the file instead:\n"
		"after the checks, refuse while the fd store of " PLU_SERVICE "\n"
		"is empty, load FILE and run 'systemctl kexec'.\n",
		.options =
		"  -s, --session NAME       name of the LUO session (1-63 bytes)\n"
		"  -S, --systemctl          no session of its own: check that\n"
		"                           " PLU_SERVICE "'s fd store\n"
		"                           holds the file,\n"
		"                           load FILE, run 'systemctl kexec'\n"
		"  -k, --kernel FILE        kernel image to boot\n"
		"  -i, --initrd FILE        initramfs to pass\n"
		"  -a, --append CMDLINE     command line of the new kernel (added\n"
		"                           after the current one with -r)\n"
		"  -r, --reuse-cmdline      start from /proc/cmdline\n"
		"  -n, --no-reboot          load only, then exit.  Exiting closes\n"
		"                           the session: LUO unpreserves the file,\n"
		"                           so nothing will be handed over\n"
		"  -f, --force              go ahead although a check failed\n"
		"  -d, --dry-run            run the checks and open the files, then\n"
		"                           stop before the session is created\n"
		"                           (with -S: before the kernel is loaded)\n",
		.run = cmd_kexec,
	},
	{
		.name = "retrieve",
		.synopsis = "--session NAME [--finish] [--json]",
		.desc =
		"In the new kernel: retrieve the LUO session NAME and the\n"
		"/dev/pci_liveupdate file in it, and print the incoming set with\n"
		"its verdicts.  A session can be retrieved once per boot.\n",
		.options =
		"  -s, --session NAME       the name given to 'kexec'\n"
		"  -f, --finish             finish the session and report if that\n"
		"                           fails.  Without it, LUO finishes the\n"
		"                           session when this process exits and\n"
		"                           only logs a failure to dmesg\n"
		"  -j, --json               print a JSON object\n",
		.run = cmd_retrieve,
	},
	{
		.name = "rebind",
		.synopsis = "[BDF...]",
		.desc =
		"In the new kernel: bind every device marked with --rebind (or\n"
		"the ones given) to the driver it had before the update, when\n"
		"another driver claimed it first: set driver_override, unbind\n"
		"that driver, ask for a probe (drivers_probe), check the result.\n"
		"A device bound as recorded is left alone; a missing device, or\n"
		"another device at its address, is refused.  BDF is the address\n"
		"the device had before the update.\n",
		.notes = BDF_HELP,
		.run = cmd_rebind,
	},
	{
		.name = "restore-vfs",
		.synopsis = "[--force] [--json] [--wait SECONDS] [PF...]",
		.desc =
		"In the new kernel: re-create the VFs of every PF marked with\n"
		"--with-vfs (or of the ones given, by the address they had), each\n"
		"bound to its recorded driver.  With sriov_drivers_autoprobe off,\n"
		"write sriov_numvfs, set each VF's driver_override before it\n"
		"probes, bind it to its driver (loading the driver's module if\n"
		"needed), then restore sriov_drivers_autoprobe as recorded.\n"
		"One line per VF with its verdict.  Refuses, changing\n"
		"nothing, when a PF is not in the incoming set with its VFs, its\n"
		"sriov_totalvfs differs, no driver is bound to it, or it has VFs\n"
		"enabled with another count.  pci-liveupdate-restore-vfs.service\n"
		"runs it at boot once enabled.\n",
		.options =
		"  -f, --force              disable VFs enabled with another count\n"
		"  -j, --json               print a JSON array, one object per VF\n"
		"  -w, --wait SECONDS       wait up to SECONDS for each PF's driver\n"
		"                           (at boot it may still be loading)\n",
		.notes = BDF_HELP,
		.run = cmd_restore_vfs,
	},
	{
		.name = "hold",
		.synopsis = "",
		.desc =
		"The body of pci-liveupdate.service (Type=notify): keep a\n"
		"/dev/pci_liveupdate file in the service's systemd fd store as\n"
		"'pci_liveupdate', so that systemd 261 or later carries it (and\n"
		"the outgoing set) across 'systemctl kexec' in its LUO session.\n"
		"When the store hands the file back after the kexec, print the\n"
		"incoming set with its verdicts.  Runs until SIGTERM; SIGHUP\n"
		"prints the status again.\n",
		.run = cmd_hold,
	},
};

#define N_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: " PLU_PROG " COMMAND [OPTION]... [ARG]...\n"
		"       " PLU_PROG " --help | --version\n"
		"Keep chosen PCI devices across a kexec-based Live Update (LUO).\n"
		"\nCommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %s %s\n", commands[i].name, commands[i].synopsis);
	fprintf(f, "\nRun '" PLU_PROG " COMMAND --help' for one command.\n"
		"Exit status: 0 success, 1 failure (the kernel refused), "
		"2 usage error.\n");
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char prog[64];
	const struct command *cmd;

	if (argc < 2) {
		usage(stderr);
		return PLU_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return PLU_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf(PLU_PROG " %s (uAPI version %d, session token 0x%llx)\n",
		       PLU_VERSION, PCI_LIVEUPDATE_UAPI_VERSION,
		       (unsigned long long)PLU_SESSION_TOKEN);
		return PLU_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, PLU_PROG ": unknown %s '%s'\nTry '" PLU_PROG
			" --help'.\n", argv[1][0] == '-' ? "option" : "command",
			argv[1]);
		return PLU_EXIT_USAGE;
	}

	/* getopt_long() then names "pci-liveupdate CMD" in its messages. */
	snprintf(prog, sizeof(prog), PLU_PROG " %s", cmd->name);
	argv[1] = prog;
	optind = 1;
	return cmd->run(argc - 1, argv + 1, cmd);
}
