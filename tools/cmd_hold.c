// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate hold: the body of pci-liveupdate.service.
 *
 * Keeps a /dev/pci_liveupdate file in the service's systemd file descriptor
 * store.  With FileDescriptorStorePreserve=yes, systemd 261 or later puts
 * the store into its own LUO session ("systemd") at "systemctl kexec", which
 * preserves the file and with it the outgoing set (the module's FLB), and
 * hands the file back to the service in the next kernel.
 *
 * Who finishes: the file travels in systemd's session, not in one of ours.
 * PID 1 retrieves every file of that session and then finishes it, which
 * finishes our file and so the FLB: the KHO memory is freed and the decoded
 * incoming set stays readable (incoming state "finished").  So there is
 * nothing to finish here; the service reports what came through, and keeps
 * the file it got back in the store for the next update.
 *
 * Without systemd 261 (Debian 12 has 252) the store is an ordinary one: the
 * file is held while the service runs and nothing crosses a kexec, which
 * "pci-liveupdate kexec" still does on its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "cli.h"

#if PLU_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

/* The fd store name of the file; part of the service's interface. */
#define HOLD_FDNAME	"pci_liveupdate"

/* Print through the journal promptly: stdout is a stream socket there. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * The file named HOLD_FDNAME that systemd passed from the fd store, or -1.
 * Every other passed descriptor is closed: this unit stores nothing else.
 */
static int stored_fd(void)
{
	char **names = NULL;
	int n, i, fd = -1;

	n = sd_listen_fds_with_names(1, &names);
	if (n < 0) {
		plu_error(PLU_OP_NONE, -n, "cannot read the passed file descriptors");
		return -1;
	}
	for (i = 0; i < n; i++) {
		int cur = SD_LISTEN_FDS_START + i;
		const char *name = names && names[i] ? names[i] : "";

		if (fd < 0 && !strcmp(name, HOLD_FDNAME))
			fd = cur;
		else
			close(cur);
	}
	if (names) {
		for (i = 0; names[i]; i++)
			free(names[i]);
		free(names);
	}
	return fd;
}

/* Drop a stored file that does not work, so a fresh one can take its name. */
static void unstore(void)
{
	int r = sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=" HOLD_FDNAME);

	if (r < 0)
		plu_error(PLU_OP_NONE, -r, "cannot remove '%s' from the fd store",
			  HOLD_FDNAME);
}

/* Open /dev/pci_liveupdate and put it into the fd store. */
static int store_new(void)
{
	int fd, r;

	fd = plu_open_dev(O_RDWR);
	if (fd < 0)
		return -1;
	/* The file never becomes readable or hung up: nothing to poll. */
	r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=" HOLD_FDNAME
				   "\nFDPOLL=0", &fd, 1);
	if (r < 0) {
		plu_error(PLU_OP_NONE, -r, "cannot put %s into the fd store",
			  PLU_DEV_PATH);
		close(fd);
		return -1;
	}
	if (r == 0)
		say("not started by systemd ($NOTIFY_SOCKET unset): %s is held "
		    "by this process only and will not cross a kexec",
		    PLU_DEV_PATH);
	else
		say("opened %s and put it into the fd store as '%s'",
		    PLU_DEV_PATH, HOLD_FDNAME);
	return fd;
}

/* What the file handed back brought along; false if that is bad news. */
static bool report_incoming(int fd, const struct pci_liveupdate_status *st)
{
	struct pci_liveupdate_device *devs = NULL;
	uint32_t n = 0;
	int err;

	say("got %s back from the fd store as '%s'", PLU_DEV_PATH, HOLD_FDNAME);
	switch (st->incoming_state) {
	case PCI_LIVEUPDATE_INCOMING_NONE:
		say("no incoming device set in this boot (the service was "
		    "restarted, or the previous kernel handed nothing over)");
		return true;
	case PCI_LIVEUPDATE_INCOMING_REJECTED:
		print_incoming_summary(stdout, st);
		fflush(stdout);
		plu_msg("the device set from the previous kernel was rejected "
			"(%d: %s); see the kernel log", st->incoming_error,
			strerror(-st->incoming_error));
		return false;
	default:
		break;
	}
	err = plu_list(fd, true, &devs, &n);
	if (err) {
		plu_error(PLU_OP_LIST, -err, "list the incoming set");
		return false;
	}
	print_incoming_summary(stdout, st);
	print_device_table(stdout, devs, n, true);
	fflush(stdout);
	free(devs);
	if (st->incoming_state == PCI_LIVEUPDATE_INCOMING_ACTIVE)
		say("the incoming set is not finished yet: systemd finishes "
		    "its LUO session once it has handed the files back; see "
		    "the journal of PID 1 and the kernel log if it stays so");
	return true;
}

/* STATUS= for "systemctl status", and the same line to the journal. */
static void notify_status(int fd, bool ok)
{
	struct pci_liveupdate_status st;
	char msg[160];

	if (plu_get_status(fd, &st))
		return;
	snprintf(msg, sizeof(msg), "STATUS=holding %s: %u device(s) marked, "
		 "%u in the outgoing set%s", PLU_DEV_PATH,
		 (unsigned int)st.marked, (unsigned int)st.outgoing,
		 ok ? "" : "; the incoming set had a problem, see the journal");
	say("%s", msg + strlen("STATUS="));
	sd_notify(0, msg);
}

static int hold(void)
{
	struct pci_liveupdate_status st;
	sigset_t set;
	bool ok = true;
	int fd, sig;

	/* Blocked from the start: a stop request is never lost. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	if (access(LUO_DEV_PATH, F_OK))
		say("warning: %s does not exist: this kernel runs no Live Update "
		    "Orchestrator (CONFIG_LIVEUPDATE, liveupdate=on), so the "
		    "file is held but nothing will be carried", LUO_DEV_PATH);

	fd = stored_fd();
	if (fd >= 0) {
		if (plu_get_status(fd, &st)) {
			plu_msg("the stored '%s' is not a working %s; replacing it",
				HOLD_FDNAME, PLU_DEV_PATH);
			close(fd);
			unstore();
			fd = -1;
		} else {
			ok = report_incoming(fd, &st);
		}
	}
	if (fd < 0) {
		fd = store_new();
		if (fd < 0)
			return PLU_EXIT_FAIL;
	}

	notify_status(fd, ok);
	sd_notify(0, "READY=1");
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			plu_error(PLU_OP_NONE, errno, "sigwaitinfo");
			break;
		}
		if (sig != SIGHUP)
			break;
		notify_status(fd, ok);
	}
	sd_notify(0, "STOPPING=1");
	say("stopping; the fd store keeps %s (FileDescriptorStorePreserve=yes)",
	    PLU_DEV_PATH);
	close(fd);
	return sig < 0 ? PLU_EXIT_FAIL : PLU_EXIT_OK;
}
#else
static int hold(void)
{
	plu_msg("built without libsystemd (tools/Makefile SYSTEMD=0): "
		"'hold' is not available");
	return PLU_EXIT_FAIL;
}
#endif

int cmd_hold(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return cmd_other_option(cmd, c);
	if (optind < argc)
		return cmd_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return hold();
}
