// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest race of PRESERVE_FD against the module's init (issue 23).
 *
 * /dev/pci_liveupdate exists before the module has registered its LUO file
 * handler and, after it, its FLB.  A file preserved between the two
 * registrations is preserved without the FLB: no image is made, STATUS
 * stays idle, and closing the session puts an FLB reference that was never
 * taken ("refcount_t: underflow"), which saturates LUO's count so that no
 * later session of this module load carries a set.
 *
 * Each round loads the module from a child pinned to CPU 0 while this
 * process, pinned to CPU 1, opens the node the moment it exists and
 * retries PRESERVE_FD into a fresh LUO session until LUO accepts the file
 * (ENOENT while no handler takes it).  Whenever LUO accepts it, the set
 * must be preserved: STATUS says PRESERVED with an image in KHO memory.
 * Then the session is closed, the module unloaded, and the kernel log must
 * hold no refcount_t report.  The window is short (a review saw it about
 * once in five loads on TCG), hence many rounds; how many preserves landed
 * while init was still running is logged.
 *
 * Options (environment): PLU_RACE_KO (default
 * /lib/modules/pci_liveupdate.ko), PLU_RACE_ROUNDS (default 40).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/pci_liveupdate.h>

#include "kselftest_harness.h"
#include "plu_test.h"
#include "plu_race.h"

#define MOD_NAME	"pci_liveupdate"
#define TOKEN		0x7072ULL
#define WAIT_MS		120000

static const char *opt_ko = "/lib/modules/pci_liveupdate.ko";
static unsigned long opt_rounds = 40;

static bool module_gone(const void *arg)
{
	(void)arg;
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) == 0 ||
	       errno == ENOENT;
}

struct round {
	int loader_status;
	int open_err;		/* opening the node: 0 or errno */
	int preserve_err;	/* the last PRESERVE_FD: 0 or errno */
	unsigned long refused;	/* PRESERVE_FD answered ENOENT */
	bool during_init;	/* accepted while init was still running */
	struct pci_liveupdate_status st;
};

/*
 * One round: load, open and preserve as early as LUO allows, record
 * STATUS, close the session.  The loader is reaped before returning.
 */
static void run_round(int luo, unsigned long i, struct round *r)
{
	uint64_t end = race_now_ms() + WAIT_MS;
	int go, pfd = -1, sfd;
	pid_t loader;

	memset(r, 0, sizeof(*r));
	r->loader_status = -1;
	sfd = luo_session(luo, "pr-%lu", i);
	if (sfd < 0) {
		r->preserve_err = -sfd;
		return;
	}
	loader = race_start_loader(0, opt_ko, &go);
	if (loader < 0 || write(go, "g", 1) != 1) {
		r->preserve_err = errno;
		close(sfd);
		return;
	}
	/* The node, as soon as it exists (or the load is over). */
	while ((pfd = open(PLU_DEV, O_RDWR | O_CLOEXEC)) < 0 &&
	       race_now_ms() < end) {
		if (waitpid(loader, &r->loader_status, WNOHANG) == loader) {
			r->loader_status = WIFEXITED(r->loader_status) ?
					   WEXITSTATUS(r->loader_status) : 200;
			pfd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
			break;
		}
	}
	if (pfd < 0)
		r->open_err = errno ? errno : ETIMEDOUT;
	/* Preserve as early as LUO takes it; once init is over, it must. */
	while (pfd >= 0 && race_now_ms() < end) {
		bool init_was_over = r->loader_status >= 0;
		int ret = luo_preserve(sfd, pfd, TOKEN);

		r->preserve_err = -ret;
		if (!ret) {
			r->during_init = race_module_coming(MOD_NAME);
			get_status(pfd, &r->st);
			break;
		}
		if (ret != -ENOENT || init_was_over)
			break;
		r->refused++;
		if (waitpid(loader, &r->loader_status, WNOHANG) == loader)
			r->loader_status = WIFEXITED(r->loader_status) ?
					   WEXITSTATUS(r->loader_status) : 200;
	}
	close(sfd);	/* unpreserves the file */
	if (pfd >= 0)
		close(pfd);
	if (r->loader_status < 0)
		r->loader_status = race_reap_loader(loader, WAIT_MS);
	close(go);
}

FIXTURE(preserve) {
	int luo;
};

FIXTURE_SETUP(preserve)
{
	cpu_set_t set;

	ASSERT_FALSE(race_exists("/sys/module/" MOD_NAME))
		TH_LOG("the module is loaded: rmmod it first");
	ASSERT_TRUE(race_exists(opt_ko)) TH_LOG("no module at %s", opt_ko);
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set))
		TH_LOG("sched_setaffinity(CPU 1): %s (needs 2 CPUs)",
		       strerror(errno));
	self->luo = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->luo) TH_LOG("open " LUO_DEV ": %s", strerror(errno));
}

FIXTURE_TEARDOWN(preserve)
{
	if (self->luo >= 0)
		close(self->luo);
}

TEST_F_TIMEOUT(preserve, preserve_vs_module_init, 1800)
{
	unsigned long i, during_init = 0, refused = 0;
	struct round r;

	for (i = 0; i < opt_rounds; i++) {
		run_round(self->luo, i, &r);
		refused += r.refused;
		during_init += r.during_init;
		ASSERT_EQ(0, r.loader_status)
			TH_LOG("round %lu: loading %s failed: exit %d (errno)",
			       i, opt_ko, r.loader_status);
		ASSERT_EQ(0, r.open_err)
			TH_LOG("round %lu: open " PLU_DEV ": %s", i,
			       strerror(r.open_err));
		ASSERT_EQ(0, r.preserve_err)
			TH_LOG("round %lu: PRESERVE_FD still fails after init: %s",
			       i, strerror(r.preserve_err));
		ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_PRESERVED, r.st.state)
			TH_LOG("round %lu: LUO preserved the file %s init returned, but STATUS says state %u with %llu bytes of KHO memory: the file was preserved without the set",
			       i, r.during_init ? "before" : "after", r.st.state,
			       (unsigned long long)r.st.kho_bytes);
		ASSERT_LT(0ull, (unsigned long long)r.st.kho_bytes)
			TH_LOG("round %lu: preserved, but no image in KHO memory", i);
		ASSERT_FALSE(race_klog_has("refcount_t:"))
			TH_LOG("round %lu: a refcount_t report in the kernel log: LUO's FLB count went wrong",
			       i);
		ASSERT_TRUE(race_wait(module_gone, NULL, WAIT_MS))
			TH_LOG("round %lu: rmmod " MOD_NAME ": %s", i,
			       strerror(errno));
	}
	TH_LOG("%lu rounds: %lu preserves landed while init was still running, PRESERVE_FD refused %lu times before that",
	       opt_rounds, during_init, refused);
}

int main(int argc, char **argv)
{
	const char *env;

	if ((env = getenv("PLU_RACE_KO")) && *env)
		opt_ko = env;
	opt_rounds = race_env("PLU_RACE_ROUNDS", opt_rounds);
	printf("# pci-liveupdate preserve_race_test: %s, %lu rounds\n", opt_ko,
	       opt_rounds);
	fflush(stdout);
	return test_harness_run(argc, argv);
}
