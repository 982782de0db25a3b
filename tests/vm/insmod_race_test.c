// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest race of a LUO session finish against the module's init (issue
 * 11).
 *
 * Run in the kernel after a live update that preserved /dev/pci_liveupdate
 * in a LUO session, with the module not loaded yet (plu_noload).  The test
 * loads the module itself (finit_module from a child process) and, the
 * moment /dev/pci_liveupdate appears, opens /dev/liveupdate, retrieves the
 * session and its file and finishes the session.  If the module exposes its
 * LUO file handler before it has fetched the incoming set, the finish
 * reaches the FLB before its first retrieve: refcount_t underflow in
 * liveupdate_flb_put_incoming(), and the KHO memory is kept until reboot.
 *
 * To make the window, however short, reliable: the racer waits for the
 * device's "add" uevent (NETLINK_KOBJECT_UEVENT; device_add() sends it
 * right after devtmpfs made the node, while misc_register() has not
 * returned yet), and runs SCHED_FIFO on the CPU the loading process is
 * pinned to, so the module's init cannot go on until the racer is done or
 * blocks.  Whatever the module's order, the outcome must be one of
 * the two consistent ones:
 *
 *   finished  the session finished (after EBUSY retries, if the file
 *             handler refused while init had not fetched the set yet) and
 *             STATUS says the incoming set is FINISHED;
 *   eio       /dev/liveupdate could not be opened (EIO; LUO logs "No
 *             registered handler"), the session stays, and STATUS says the
 *             incoming set is ACTIVE.
 *
 * The outcome, and whether the finish ran while the module's STATUS still
 * said NONE (the window was hit), go to /tmp/insmod-race.outcome for the
 * stage to record.
 *
 * Options (environment): PLU_RACE_KO (default /lib/modules/pci_liveupdate.ko),
 * PLU_RACE_SESSION (default "ir"), PLU_RACE_TOKEN (default 0x706c75, the
 * CLI's token).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/pci_liveupdate.h>

#include "kselftest_harness.h"
#include "plu_test.h"
#include "plu_race.h"

#define NODE_NAME	"pci_liveupdate"
#define NODE_WAIT_MS	60000
#define INSMOD_WAIT_MS	120000
#define FINISH_TRIES	5
#define OUTCOME_FILE	"/tmp/insmod-race.outcome"

static const char *opt_ko = "/lib/modules/pci_liveupdate.ko";
static const char *opt_session = "ir";
static unsigned long opt_token = 0x706c75;

static const char *const in_states[] = {
	"none", "active", "rejected", "finished",
};

static const char *in_state_name(int s)
{
	return s >= 0 && s < 4 ? in_states[s] : "?";
}

/* A socket receiving the kernel's uevents, or -errno. */
static int uevent_socket(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK, .nl_groups = 1,
	};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* An "add" uevent of DEVNAME=pci_liveupdate ("\0" separated fields). */
static bool is_node_add(const char *msg, size_t len)
{
	const char *p = msg, *end = msg + len;
	bool add = !strncmp(msg, "add@", 4);

	for (; add && p < end; p += strlen(p) + 1)
		if (!strcmp(p, "DEVNAME=" NODE_NAME))
			return true;
	return false;
}

/*
 * Until /dev/pci_liveupdate exists: its uevent, bounded, and a look at the
 * node at least every 100 ms.  Returns 0, or -ETIMEDOUT, or -ECHILD if the
 * loader exited without creating it.
 */
static int wait_node(int ue, pid_t loader, int *loader_status)
{
	uint64_t end = race_now_ms() + NODE_WAIT_MS;
	struct pollfd pfd = { .fd = ue, .events = POLLIN };
	char msg[8192];
	int status;

	for (;;) {
		uint64_t now = race_now_ms();
		ssize_t n;

		if (race_exists("/dev/" NODE_NAME))
			return 0;
		if (now >= end)
			return -ETIMEDOUT;
		if (waitpid(loader, &status, WNOHANG) == loader) {
			*loader_status = WIFEXITED(status) ? WEXITSTATUS(status) : 200;
			return race_exists("/dev/" NODE_NAME) ? 0 : -ECHILD;
		}
		poll(&pfd, 1, end - now < 100 ? (int)(end - now) : 100);
		while ((n = recv(ue, msg, sizeof(msg) - 1, 0)) > 0) {
			msg[n] = 0;
			if (is_node_add(msg, n))
				return 0;
		}
	}
}

struct result {
	int luo_err;		/* open /dev/liveupdate: 0 or errno */
	int session_err;	/* RETRIEVE_SESSION */
	int fd_err;		/* RETRIEVE_FD */
	int finish_err;		/* the last FINISH */
	int finish_ebusy;	/* FINISH refused with EBUSY */
	int state_at_finish;	/* STATUS.incoming_state right after FINISH */
	bool loader_running;	/* the module's init had not returned */
	uint64_t node_to_finish_ms;
};

static int incoming_state(int fd)
{
	struct pci_liveupdate_status st;

	return get_status(fd, &st) ? -1 : (int)st.incoming_state;
}

FIXTURE(insmod) {
	int unused;
};

FIXTURE_SETUP(insmod)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(insmod)
{
}

TEST_F_TIMEOUT(insmod, finish_vs_module_init, 600)
{
	struct sched_param rt = { .sched_priority = 50 }, other = { 0 };
	int ue, go, luo = -1, sfd = -1, pfd = -1, fd, st, loader_status = -1;
	struct result res = { .state_at_finish = -1 };
	const char *outcome;
	uint64_t t_node;
	cpu_set_t set;
	pid_t loader;
	FILE *f;
	int ret, i;

	ASSERT_FALSE(race_exists("/sys/module/pci_liveupdate"))
		TH_LOG("the module is already loaded: boot with plu_noload");
	ASSERT_FALSE(race_exists("/dev/" NODE_NAME));
	ASSERT_TRUE(race_exists(opt_ko)) TH_LOG("no module at %s", opt_ko);
	ASSERT_TRUE(race_exists(LUO_DEV)) TH_LOG("no " LUO_DEV);

	loader = race_start_loader(0, opt_ko, &go);
	ASSERT_LT(0, loader) TH_LOG("fork: %s", strerror(errno));
	ue = uevent_socket();
	ASSERT_LE(0, ue) TH_LOG("uevent netlink socket: %s", strerror(-ue));
	/* No page fault that could sleep once the race is on. */
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE))
		TH_LOG("mlockall: %s", strerror(errno));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set))
		TH_LOG("sched_setaffinity: %s", strerror(errno));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &rt))
		TH_LOG("sched_setscheduler(SCHED_FIFO): %s", strerror(errno));

	ASSERT_EQ(1, write(go, "g", 1));
	ret = wait_node(ue, loader, &loader_status);
	t_node = race_now_ms();
	if (ret) {
		sched_setscheduler(0, SCHED_OTHER, &other);
		ASSERT_EQ(0, ret) TH_LOG("/dev/" NODE_NAME " %s (loader exit %d)",
					 ret == -ETIMEDOUT ? "did not appear in time" :
					 "not created; the module load failed",
					 loader_status);
	}

	/* As fast as possible: open, retrieve, finish. */
	luo = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	if (luo < 0)
		res.luo_err = errno;
	if (luo >= 0) {
		sfd = luo_retrieve_session(luo, opt_session);
		if (sfd < 0)
			res.session_err = -sfd;
	}
	if (sfd >= 0) {
		pfd = luo_retrieve_fd(sfd, opt_token);
		if (pfd < 0)
			res.fd_err = -pfd;
	}
	if (pfd >= 0) {
		ret = luo_finish(sfd);
		res.finish_err = -ret;
		res.state_at_finish = incoming_state(pfd);
		res.node_to_finish_ms = race_now_ms() - t_node;
		res.loader_running = waitpid(loader, &st, WNOHANG) == 0;
		if (!res.loader_running)
			loader_status = WIFEXITED(st) ? WEXITSTATUS(st) : 200;
	}
	/* Give the CPU back; the module's init may go on now. */
	sched_setscheduler(0, SCHED_OTHER, &other);
	if (loader_status < 0)
		loader_status = race_reap_loader(loader, INSMOD_WAIT_MS);
	/* A handler that refused until init fetched the set: try again. */
	for (i = 0; pfd >= 0 && res.finish_err == EBUSY && i < FINISH_TRIES; i++) {
		res.finish_ebusy++;
		ret = luo_finish(sfd);
		res.finish_err = -ret;
	}

	TH_LOG("open " LUO_DEV ": %s; RETRIEVE_SESSION: %s; RETRIEVE_FD: %s; FINISH: %s",
	       strerror(res.luo_err),
	       luo < 0 ? "not tried" : strerror(res.session_err),
	       sfd < 0 ? "not tried" : strerror(res.fd_err),
	       pfd < 0 ? "not tried" : strerror(res.finish_err));
	if (pfd >= 0)
		TH_LOG("FINISH %llu ms after the node appeared, refused with EBUSY %d times; incoming state right after it: %s; module init %s then",
		       (unsigned long long)res.node_to_finish_ms,
		       res.finish_ebusy, in_state_name(res.state_at_finish),
		       res.loader_running ? "still running" : "done");
	ASSERT_EQ(0, loader_status) TH_LOG("loading %s failed: exit %d (errno)",
					   opt_ko, loader_status);

	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open " PLU_DEV ": %s", strerror(errno));
	st = incoming_state(fd);
	close(fd);
	TH_LOG("incoming state now: %s", in_state_name(st));

	/* Recorded first, so a failing run still says what happened. */
	outcome = res.luo_err ? "eio" :
		  res.session_err || res.fd_err || res.finish_err ? "failed" :
		  "finished";
	f = fopen(OUTCOME_FILE, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "%s window=%s ebusy=%d incoming=%s\n", outcome,
		res.luo_err ? "n/a" :
		res.state_at_finish == PCI_LIVEUPDATE_INCOMING_NONE ? "hit" :
		"missed", res.finish_ebusy, in_state_name(st));
	fclose(f);
	TH_LOG("outcome: %s", outcome);

	ASSERT_FALSE(race_klog_has("refcount_t:"))
		TH_LOG("a refcount_t splat in the kernel log: LUO's FLB count went wrong");
	if (res.luo_err) {
		ASSERT_EQ(EIO, res.luo_err)
			TH_LOG("open " LUO_DEV ": %s, expected success or EIO",
			       strerror(res.luo_err));
		ASSERT_TRUE(race_klog_has("No registered handler"))
			TH_LOG(LUO_DEV " failed, but LUO logged no missing handler");
		ASSERT_EQ(PCI_LIVEUPDATE_INCOMING_ACTIVE, st)
			TH_LOG("session not finished, yet incoming state %s",
			       in_state_name(st));
	} else {
		ASSERT_EQ(0, res.session_err)
			TH_LOG("RETRIEVE_SESSION '%s': %s", opt_session,
			       strerror(res.session_err));
		ASSERT_EQ(0, res.fd_err) TH_LOG("RETRIEVE_FD: %s",
						strerror(res.fd_err));
		ASSERT_EQ(0, res.finish_err)
			TH_LOG("FINISH: %s after %d EBUSY retries",
			       strerror(res.finish_err), res.finish_ebusy);
		ASSERT_EQ(PCI_LIVEUPDATE_INCOMING_FINISHED, st)
			TH_LOG("the session finished, yet incoming state %s: the FLB was not finished and keeps its KHO memory",
			       in_state_name(st));
	}
	if (pfd >= 0)
		close(pfd);
	if (sfd >= 0)
		close(sfd);
	if (luo >= 0)
		close(luo);
	close(ue);
	close(go);
}

int main(int argc, char **argv)
{
	const char *env;

	if ((env = getenv("PLU_RACE_KO")) && *env)
		opt_ko = env;
	if ((env = getenv("PLU_RACE_SESSION")) && *env)
		opt_session = env;
	opt_token = race_env("PLU_RACE_TOKEN", opt_token);
	unlink(OUTCOME_FILE);
	printf("# pci-liveupdate insmod_race_test: %s, session '%s'\n", opt_ko,
	       opt_session);
	fflush(stdout);
	return test_harness_run(argc, argv);
}
