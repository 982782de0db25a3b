// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate kexec and retrieve: the two ends of a live update, driven
 * through a LUO session that carries the /dev/pci_liveupdate file.  With
 * --systemctl, kexec leaves the session to systemd (PLU_SERVICE's fd store)
 * and only checks, loads the kernel and runs "systemctl kexec".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kexec.h>
#include <linux/liveupdate.h>

#include "command.h"
#include "cli.h"
#include "preflight.h"
#include "subprocess.h"

#define TOKEN_FMT	"0x%llx"
#define TOKEN_ARG	(unsigned long long)PLU_SESSION_TOKEN

/* The descriptors one kexec or retrieve holds; -1 when not open. */
struct session_fds {
	int luo;	/* /dev/liveupdate */
	int session;	/* the LUO session */
	int plu;	/* /dev/pci_liveupdate */
	int kernel;
	int initrd;
};

#define SESSION_FDS_INIT	{ -1, -1, -1, -1, -1 }

static void session_fds_close(struct session_fds *f)
{
	int *fds[] = { &f->initrd, &f->kernel, &f->plu, &f->session, &f->luo };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* One line of progress, flushed at once (the next step may be a reboot). */
static void step(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void step(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static int check_session_name(const struct command *cmd, const char *name)
{
	if (!name)
		return cmd_usage(cmd, "--session NAME is required");
	if (!name[0] || strlen(name) >= LIVEUPDATE_SESSION_NAME_LENGTH)
		return cmd_usage(cmd, "session names are 1 to %d bytes long",
				 LIVEUPDATE_SESSION_NAME_LENGTH - 1);
	return PLU_EXIT_OK;
}

/* LUO calls; each reports its own failure and returns -1 then. */

static int luo_open(void)
{
	int fd = open(LUO_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		plu_error(PLU_OP_OPEN_LUO, errno, "cannot open %s", LUO_DEV_PATH);
	return fd;
}

static int luo_create_session(int luo, const char *name)
{
	struct liveupdate_ioctl_create_session c = { .fd = -1 };
	int err;

	snprintf((char *)c.name, sizeof(c.name), "%s", name);
	err = SIZED_IOCTL(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &c);
	if (err) {
		plu_error(PLU_OP_CREATE_SESSION, -err,
			  "cannot create LUO session '%s'", name);
		return -1;
	}
	return c.fd;
}

static int luo_retrieve_session(int luo, const char *name)
{
	struct liveupdate_ioctl_retrieve_session r = { .fd = -1 };
	int err;

	snprintf((char *)r.name, sizeof(r.name), "%s", name);
	err = SIZED_IOCTL(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &r);
	if (err) {
		plu_error(PLU_OP_RETRIEVE_SESSION, -err,
			  "cannot retrieve LUO session '%s'", name);
		return -1;
	}
	return r.fd;
}

static int luo_preserve_fd(int session, int fd)
{
	struct liveupdate_session_preserve_fd p = {
		.fd = fd,
		.token = PLU_SESSION_TOKEN,
	};
	int err = SIZED_IOCTL(session, LIVEUPDATE_SESSION_PRESERVE_FD, &p);

	if (err)
		plu_error(PLU_OP_PRESERVE_FD, -err,
			  "cannot preserve %s in the LUO session", PLU_DEV_PATH);
	return err ? -1 : 0;
}

static int luo_retrieve_fd(int session)
{
	struct liveupdate_session_retrieve_fd r = {
		.fd = -1,
		.token = PLU_SESSION_TOKEN,
	};
	int err = SIZED_IOCTL(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &r);

	if (err) {
		plu_error(PLU_OP_RETRIEVE_FD, -err,
			  "cannot retrieve the file with token " TOKEN_FMT,
			  TOKEN_ARG);
		return -1;
	}
	return r.fd;
}

static int luo_finish(int session, const char *name)
{
	struct liveupdate_session_finish fin = { 0 };
	int err = SIZED_IOCTL(session, LIVEUPDATE_SESSION_FINISH, &fin);

	if (err)
		plu_error(PLU_OP_FINISH, -err, "cannot finish LUO session '%s'",
			  name);
	return err;
}

/* kexec */

struct kexec_args {
	const char *session;
	const char *kernel;
	const char *initrd;
	const char *append;
	bool reuse_cmdline;
	bool reboot;
	bool force;	/* go ahead although a check failed */
	bool dry_run;	/* stop before anything changes */
	bool systemctl;	/* load, then "systemctl kexec": systemd's session */
};

static int open_image(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		plu_error(PLU_OP_FILE, errno, "cannot open %s", path);
		return -1;
	}
	return 0;
}

/* Create the session and put /dev/pci_liveupdate into it. */
static int preserve(const char *session, struct session_fds *f)
{
	struct pci_liveupdate_status st;
	struct plu_name n;

	/* Opened first: no need to touch LUO if the module is missing. */
	f->plu = plu_open_dev(O_RDWR);
	if (f->plu < 0)
		return -1;
	step(stdout, "opened %s", PLU_DEV_PATH);
	f->luo = luo_open();
	if (f->luo < 0)
		return -1;
	step(stdout, "opened %s", LUO_DEV_PATH);
	f->session = luo_create_session(f->luo, session);
	if (f->session < 0)
		return -1;
	step(stdout, "created LUO session '%s'", session);
	if (luo_preserve_fd(f->session, f->plu))
		return -1;
	step(stdout, "preserved %s in session '%s' (token " TOKEN_FMT ")",
	     PLU_DEV_PATH, session, TOKEN_ARG);
	if (plu_get_status(f->plu, &st))
		return -1;
	step(stdout, "outgoing set: %s, %u devices (%u marked), %llu bytes of KHO memory",
	     plu_enum_name(PLU_ENUM_STATE, st.state, &n),
	     (unsigned int)st.outgoing, (unsigned int)st.marked,
	     (unsigned long long)st.kho_bytes);
	/*
	 * A file preserved without the set (a module whose FLB was not
	 * registered yet) would reboot into a kernel that has none: never.
	 */
	if (st.state != PCI_LIVEUPDATE_STATE_PRESERVED || !st.kho_bytes) {
		plu_msg("kexec refused: %s is preserved but the outgoing set is %s, not in KHO memory; the set would be lost (see dmesg).  Exiting closes the session.",
			PLU_DEV_PATH, plu_enum_name(PLU_ENUM_STATE, st.state, &n));
		return -1;
	}
	return 0;
}

static int load_kernel(const struct kexec_args *a, struct session_fds *f,
		       const char *cmdline)
{
	unsigned long flags = f->initrd < 0 ? KEXEC_FILE_NO_INITRAMFS : 0;
	long ret;

#ifdef SYS_kexec_file_load
	ret = syscall(SYS_kexec_file_load, f->kernel, f->initrd,
		      strlen(cmdline) + 1, cmdline, flags);
#else
	(void)flags;
	errno = ENOSYS;
	ret = -1;
#endif
	if (ret < 0) {
		plu_error(PLU_OP_KEXEC_LOAD, errno, "kexec_file_load of %s",
			  a->kernel);
		return -1;
	}
	step(stdout, "loaded %s%s%s with command line \"%s\"", a->kernel,
	     a->initrd ? " and initrd " : "", a->initrd ? a->initrd : "",
	     cmdline);
	return 0;
}

/*
 * The checks of "pci-liveupdate check" on what this kexec will boot: each
 * failure loses the device set (or, with the module loaded too late, every
 * LUO open of the next boot), so refuse unless --force.  Problems go to
 * stderr, one line each.  Return: 0 to go ahead.
 */
static int preflight(const struct kexec_args *a, const char *cmdline)
{
	struct preflight_args pa = {
		.kernel = a->kernel,
		.initrd = a->initrd,
		.no_initrd = true,	/* without --initrd, none is passed */
		.cmdline = cmdline,
	};
	unsigned int fails, warns;
	struct preflight *p;

	p = preflight_run(&pa);
	if (!p)
		return -1;
	fflush(stdout);
	preflight_print(p, stderr, true);
	fails = preflight_count(p, PF_FAIL);
	warns = preflight_count(p, PF_WARN);
	preflight_free(p);
	if (fails && !a->force) {
		plu_msg("kexec refused: %u preflight check%s failed (see '" PLU_PROG
			" check'; --force goes ahead anyway)", fails,
			fails == 1 ? "" : "s");
		return -1;
	}
	if (fails)
		plu_msg("--force: going ahead although %u preflight check%s failed",
			fails, fails == 1 ? "" : "s");
	step(stdout, "preflight: %u failed, %u warning%s", fails, warns,
	     warns == 1 ? "" : "s");
	return 0;
}

/* What systemd says of PLU_SERVICE: its state and its fd store. */
struct service_state {
	char active[32];	/* ActiveState */
	char sub[48];		/* SubState */
	long n_fds;		/* NFileDescriptorStore; -1 if not said */
};

/* The value of @key in the line @l ("KEY=VALUE\n") into @buf, if it is. */
static bool prop_value(const char *l, const char *key, char *buf, size_t size)
{
	size_t n = strlen(key);

	if (strncmp(l, key, n) || l[n] != '=')
		return false;
	snprintf(buf, size, "%.*s", (int)strcspn(l + n + 1, "\n"), l + n + 1);
	return true;
}

static void service_state_line(struct service_state *st, const char *l)
{
	char n[24], *end;

	if (prop_value(l, "ActiveState", st->active, sizeof(st->active)) ||
	    prop_value(l, "SubState", st->sub, sizeof(st->sub)) ||
	    !prop_value(l, "NFileDescriptorStore", n, sizeof(n)))
		return;
	errno = 0;
	st->n_fds = strtol(n, &end, 10);
	if (errno || end == n || *end)
		st->n_fds = -1;
}

/*
 * "systemctl show -p ActiveState -p SubState -p NFileDescriptorStore
 * PLU_SERVICE" into @st.  Return: 0, a positive exit status of systemctl,
 * or a negative errno if it cannot be run.
 */
static int service_state(struct service_state *st)
{
	static const char *const argv[] = {
		"systemctl", "show", "-p", "ActiveState", "-p", "SubState",
		"-p", "NFileDescriptorStore", PLU_SERVICE, NULL
	};
	char line[128];
	int fd, rc, err = 0;
	FILE *in;
	pid_t pid;

	*st = (struct service_state){ .n_fds = -1 };
	fflush(stdout);
	pid = plu_spawn_reader(argv, -1, &fd);
	if (pid < 0)
		return pid;
	in = fdopen(fd, "r");
	if (in) {
		while (fgets(line, sizeof(line), in))
			service_state_line(st, line);
		fclose(in);
	} else {
		err = -errno;
		close(fd);
	}
	rc = plu_reap(pid);
	if (rc < 0)
		return -errno;
	return err ? err : rc;
}

/*
 * --systemctl: what systemd carries across "systemctl kexec" is the fd
 * store of PLU_SERVICE.  An active service holds the file there; so does a
 * stopped one (FileDescriptorStorePreserve=yes pins the store:
 * "dead-resources-pinned").  With an empty store the set is lost, so
 * refuse unless --force.  Return: 0 to go ahead.
 */
static int service_check(const struct kexec_args *a)
{
	struct service_state st;
	int ret = service_state(&st);
	char why[200];

	if (!ret && st.n_fds > 0) {
		step(stdout, PLU_SERVICE "'s fd store holds " PLU_DEV_PATH
		     " for systemctl kexec (%s, %s)", st.active, st.sub);
		return 0;
	}
	if (ret < 0)
		snprintf(why, sizeof(why), "systemctl cannot be run (%s) to ask "
			 "about " PLU_SERVICE "'s fd store", strerror(-ret));
	else if (ret > 0 || st.n_fds < 0)
		snprintf(why, sizeof(why), "systemctl show " PLU_SERVICE
			 " failed (exit status %d) or did not say how many fds "
			 "its store holds", ret);
	else
		snprintf(why, sizeof(why), PLU_SERVICE "'s fd store is empty "
			 "(%s, %s): nothing carries " PLU_DEV_PATH
			 " across systemctl kexec", st.active, st.sub);
	if (!a->force) {
		plu_msg("kexec refused: %s (--force goes ahead anyway)", why);
		return -1;
	}
	plu_msg("--force: going ahead although %s", why);
	return 0;
}

/* --systemctl: load the kernel, then leave the reboot to systemd. */
static int systemctl_kexec(const struct kexec_args *a, struct session_fds *f,
			   const char *cmdline)
{
	static const char *const argv[] = { "systemctl", "kexec", NULL };

	if (a->dry_run) {
		step(stdout, "dry run: would load %s%s%s with command line \"%s\" and run systemctl kexec",
		     a->kernel, a->initrd ? " and initrd " : "",
		     a->initrd ? a->initrd : "", cmdline);
		return PLU_EXIT_OK;
	}
	if (load_kernel(a, f, cmdline))
		return PLU_EXIT_FAIL;
	session_fds_close(f);
	step(stdout, "running systemctl kexec: systemd preserves the fd store "
	     "of " PLU_SERVICE " and boots the loaded kernel");
	execvp(argv[0], (char *const *)argv);
	plu_error(PLU_OP_SYSTEMCTL, errno, "cannot run systemctl kexec");
	return PLU_EXIT_FAIL;
}

static int do_kexec(const struct kexec_args *a, const char *cmdline)
{
	struct session_fds f = SESSION_FDS_INIT;
	int ret = PLU_EXIT_FAIL;

	if (preflight(a, cmdline) || (a->systemctl && service_check(a)) ||
	    open_image(a->kernel, &f.kernel) ||
	    (a->initrd && open_image(a->initrd, &f.initrd)))
		goto out;
	if (a->systemctl) {
		ret = systemctl_kexec(a, &f, cmdline);
		goto out;
	}
	if (a->dry_run) {
		step(stdout, "dry run: would preserve %s in LUO session '%s', load %s%s%s with command line \"%s\"%s",
		     PLU_DEV_PATH, a->session, a->kernel,
		     a->initrd ? " and initrd " : "", a->initrd ? a->initrd : "",
		     cmdline, a->reboot ? " and reboot into it" : "");
		ret = PLU_EXIT_OK;
		goto out;
	}
	if (preserve(a->session, &f) || load_kernel(a, &f, cmdline))
		goto out;

	if (!a->reboot) {
		step(stdout, "not rebooting (--no-reboot).  Exiting closes the "
		     "session: LUO unpreserves %s\nand the outgoing set goes back "
		     "to idle.  The loaded kernel stays loaded.", PLU_DEV_PATH);
		ret = PLU_EXIT_OK;
		goto out;
	}
	step(stdout, "syncing file systems");
	sync();
	step(stdout, "rebooting into the new kernel (reboot(RB_KEXEC))");
	reboot(RB_KEXEC);
	plu_error(PLU_OP_REBOOT, errno, "reboot(RB_KEXEC)");
out:
	session_fds_close(&f);
	return ret;
}

/* --systemctl or a session of our own, and what goes with each. */
static int check_kexec_mode(const struct command *cmd,
			    const struct kexec_args *a)
{
	if (!a->systemctl)
		return check_session_name(cmd, a->session);
	if (a->session)
		return cmd_usage(cmd, "--session and --systemctl exclude each "
				 "other: systemd's LUO session carries the file");
	if (!a->reboot)
		return cmd_usage(cmd, "--no-reboot and --systemctl exclude each "
				 "other: systemctl kexec reboots");
	return PLU_EXIT_OK;
}

int cmd_kexec(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "session", required_argument, NULL, 's' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "reuse-cmdline", no_argument, NULL, 'r' },
		{ "no-reboot", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "systemctl", no_argument, NULL, 'S' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct kexec_args a = { .reboot = true };
	char *cmdline;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:k:i:a:rnfdSh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a.session = optarg;
			break;
		case 'k':
			a.kernel = optarg;
			break;
		case 'i':
			a.initrd = optarg;
			break;
		case 'a':
			a.append = optarg;
			break;
		case 'r':
			a.reuse_cmdline = true;
			break;
		case 'n':
			a.reboot = false;
			break;
		case 'f':
			a.force = true;
			break;
		case 'd':
			a.dry_run = true;
			break;
		case 'S':
			a.systemctl = true;
			break;
		default:
			return cmd_other_option(cmd, c);
		}
	}
	if (optind < argc)
		return cmd_usage(cmd, "unexpected argument '%s'", argv[optind]);
	ret = check_kexec_mode(cmd, &a);
	if (ret)
		return ret;
	if (!a.kernel)
		return cmd_usage(cmd, "--kernel FILE is required");

	cmdline = plu_build_cmdline(a.reuse_cmdline, a.append);
	if (!cmdline)
		return PLU_EXIT_FAIL;
	ret = do_kexec(&a, cmdline);
	free(cmdline);
	return ret;
}

/* retrieve */

struct retrieve_result {
	struct pci_liveupdate_status st;
	struct pci_liveupdate_device *devs;
	uint32_t n;
	bool finished;
	int finish_err;		/* negative errno, 0 if none */
};

static void retrieve_json(const char *name, const struct retrieve_result *r)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "session", name);
	json_hex(&j, "token", PLU_SESSION_TOKEN, 1);
	json_bool(&j, "finished", r->finished);
	if (r->finish_err)
		json_int(&j, "finish_error", r->finish_err);
	else
		json_null(&j, "finish_error");
	json_status(&j, "status", &r->st);
	json_devices(&j, "devices", r->devs, r->n, true);
	json_object_end(&j);
}

/*
 * Retrieve session and file, read the incoming set, finish if asked.  The
 * descriptors stay open in @f until the caller is done, so that an
 * unfinished session is closed (and finished by LUO) only at the very end.
 */
static int retrieve(const char *name, bool finish, FILE *log,
		    struct session_fds *f, struct retrieve_result *r)
{
	int err;

	f->luo = luo_open();
	if (f->luo < 0)
		return -1;
	step(log, "opened %s", LUO_DEV_PATH);
	f->session = luo_retrieve_session(f->luo, name);
	if (f->session < 0)
		return -1;
	step(log, "retrieved LUO session '%s'", name);
	f->plu = luo_retrieve_fd(f->session);
	if (f->plu < 0)
		return -1;
	step(log, "retrieved %s (token " TOKEN_FMT ")", PLU_DEV_PATH, TOKEN_ARG);
	err = plu_list(f->plu, true, &r->devs, &r->n);
	if (err) {
		plu_error(PLU_OP_LIST, -err, "list the incoming set");
		return -1;
	}
	if (finish) {
		r->finish_err = luo_finish(f->session, name);
		r->finished = !r->finish_err;
		if (r->finished)
			step(log, "finished LUO session '%s'", name);
	}
	return plu_get_status(f->plu, &r->st) ? -1 : 0;
}

static int report_retrieve(const char *name, const struct retrieve_result *r,
			   bool finish, bool json)
{
	int ret = r->finish_err ? PLU_EXIT_FAIL : PLU_EXIT_OK;

	if (json) {
		retrieve_json(name, r);
	} else {
		print_incoming_summary(stdout, &r->st);
		print_device_table(stdout, r->devs, r->n, true);
	}
	if (!finish)
		step(json ? stderr : stdout, "session '%s' not finished: LUO "
		     "finishes it by itself when this process exits", name);
	if (r->st.incoming_state == PCI_LIVEUPDATE_INCOMING_REJECTED) {
		plu_msg("the device set from the previous kernel was rejected "
			"(%d: %s); see dmesg", r->st.incoming_error,
			strerror(-r->st.incoming_error));
		ret = PLU_EXIT_FAIL;
	}
	return ret;
}

static int do_retrieve(const char *name, bool finish, bool json)
{
	struct retrieve_result r = { .n = 0 };
	struct session_fds f = SESSION_FDS_INIT;
	int ret = PLU_EXIT_FAIL;

	/* LUO binds preserved files to handlers when it is first opened. */
	if (access(PLU_DEV_PATH, F_OK)) {
		plu_msg("%s does not exist: the pci_liveupdate module is not loaded",
			PLU_DEV_PATH);
		fprintf(stderr, "  hint: run 'pci-liveupdate load' first; it must be "
			"loaded before anything\n  opens %s in this boot\n",
			LUO_DEV_PATH);
		return PLU_EXIT_FAIL;
	}
	if (!retrieve(name, finish, json ? stderr : stdout, &f, &r))
		ret = report_retrieve(name, &r, finish, json);
	fflush(stdout);
	session_fds_close(&f);
	free(r.devs);
	return ret;
}

int cmd_retrieve(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "session", required_argument, NULL, 's' },
		{ "finish", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	const char *session = NULL;
	bool finish = false, json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:fjh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			session = optarg;
			break;
		case 'f':
			finish = true;
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
	ret = check_session_name(cmd, session);
	if (ret)
		return ret;
	return do_retrieve(session, finish, json);
}
