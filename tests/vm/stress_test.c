// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest concurrency tests of /dev/pci_liveupdate.
 *
 * Worker threads, each with its own fd and its own share of the markable
 * PCI devices, mark, unmark, list, query and read the status for a bounded
 * number of operations.  A device belongs to one worker only, so each
 * worker knows exactly which of its devices are marked and checks every
 * answer against that; bridges are shared, so their reference counts are
 * updated from several threads at once.  Every LIST snapshot must be
 * consistent in itself: sorted, every marked device has all its bridges
 * tracked with AUTO, and each bridge's refs equal the marked devices below
 * it in that same snapshot.
 *
 * With sessions, one more thread keeps /dev/liveupdate open (only one
 * opener is allowed) and for hundreds of rounds creates a LUO session,
 * preserves a fresh /dev/pci_liveupdate fd in it (state must become
 * PRESERVED) and closes the session (state back to IDLE), while the
 * workers go on.  Kernel splats (lockdep, KASAN) are caught by the VM
 * harness's serial log scan.
 *
 * Needs the module loaded, an empty outgoing set and no other LUO user.
 * Options (before the harness's own options), or the env vars:
 *   --threads=N  (PLU_STRESS_THREADS, default 4)   worker threads
 *   --ops=N      (PLU_STRESS_OPS, default 5000)     operations per worker
 *   --rounds=N   (PLU_STRESS_ROUNDS, default 300)   session rounds
 *   --seed=N     (PLU_SEED, default: time)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_liveupdate.h>

#include "kselftest_harness.h"
#include "plu_test.h"
#include "plu_race.h"

#define MAX_THREADS	64

static unsigned int opt_threads = 4;
static unsigned long opt_ops = 5000;
static unsigned long opt_rounds = 300;
static uint64_t opt_seed;

/* ------------------------------------------------------------------ */
/* Devices from sysfs                                                  */

static int markable[MAX_DEVS];	/* indices of the non-VF devices */
static int nmarkable;

static bool find_markable(void)
{
	int i;

	for (i = 0; i < ndevs; i++)
		if (!devs[i].vf)
			markable[nmarkable++] = i;
	if (!nmarkable) {
		snprintf(discover_error, sizeof(discover_error),
			 "no markable PCI device");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* LIST_OUTGOING snapshots                                             */

/*
 * Internal consistency of one LIST_OUTGOING snapshot.  @owner (may be
 * NULL) maps a device to the worker whose marks are known: @own_marked
 * says which of @owner's devices must appear MARKED, @own_rebind which of
 * them with REBIND.
 */
static bool check_snapshot(const struct pci_liveupdate_device *l, uint32_t n,
			   const bool *own, const bool *own_marked,
			   const bool *own_rebind, char *why, size_t len)
{
	int idx[MAX_DEVS], pos[MAX_DEVS];
	unsigned int cnt[MAX_DEVS] = { 0 };
	uint32_t i;
	int k, d;

	if (n > (uint32_t)nmarkable) {
		snprintf(why, len, "%u entries, only %d markable devices", n,
			 nmarkable);
		return false;
	}
	for (k = 0; k < ndevs; k++)
		pos[k] = -1;
	for (i = 0; i < n; i++) {
		const struct pci_liveupdate_device *e = &l[i];
		uint16_t f = e->flags;

		if (i && key_of(l[i - 1].segment, l[i - 1].bus, l[i - 1].devfn) >=
			 key_of(e->segment, e->bus, e->devfn)) {
			snprintf(why, len, "not sorted at entry %u", i);
			return false;
		}
		d = find_dev(e->segment, e->bus, e->devfn);
		if (d < 0 || devs[d].vf) {
			snprintf(why, len, "entry %u %04x:%02x:%02x.%x is not a markable device",
				 i, e->segment, e->bus, e->devfn >> 3,
				 e->devfn & 7);
			return false;
		}
		idx[i] = d;
		pos[d] = i;
		if (f & ~PCI_LIVEUPDATE_DEV_FLAGS_ALL ||
		    !(f & (PCI_LIVEUPDATE_DEV_MARKED | PCI_LIVEUPDATE_DEV_AUTO)) ||
		    !(f & PCI_LIVEUPDATE_DEV_AUTO) != !e->refs ||
		    !(f & PCI_LIVEUPDATE_DEV_BRIDGE) != !devs[d].bridge ||
		    (f & PCI_LIVEUPDATE_DEV_REBIND &&
		     !(f & PCI_LIVEUPDATE_DEV_MARKED))) {
			snprintf(why, len, "%s: inconsistent flags %#x refs %u",
				 devs[d].bdf, f, e->refs);
			return false;
		}
		if (e->vendor != devs[d].vendor || e->device != devs[d].device ||
		    e->root_bus != devs[d].root_bus ||
		    e->path_depth != devs[d].depth || e->verdict) {
			snprintf(why, len, "%s: identity/path differ from sysfs",
				 devs[d].bdf);
			return false;
		}
	}
	for (i = 0; i < n; i++) {
		if (!(l[i].flags & PCI_LIVEUPDATE_DEV_MARKED))
			continue;
		d = idx[i];
		for (k = 0; k < devs[d].nanc; k++) {
			int b = devs[d].anc[k];

			if (pos[b] < 0 ||
			    !(l[pos[b]].flags & PCI_LIVEUPDATE_DEV_AUTO)) {
				snprintf(why, len, "%s is MARKED but bridge %s is %s",
					 devs[d].bdf, devs[b].bdf,
					 pos[b] < 0 ? "missing" : "not AUTO");
				return false;
			}
			cnt[b]++;
		}
	}
	for (i = 0; i < n; i++) {
		if (l[i].refs != cnt[idx[i]]) {
			snprintf(why, len, "%s: refs %u, %u marked devices below it",
				 devs[idx[i]].bdf, l[i].refs, cnt[idx[i]]);
			return false;
		}
	}
	for (k = 0; own && k < ndevs; k++) {
		bool marked, rebind;

		if (!own[k])
			continue;
		marked = pos[k] >= 0 &&
			 (l[pos[k]].flags & PCI_LIVEUPDATE_DEV_MARKED);
		rebind = pos[k] >= 0 &&
			 (l[pos[k]].flags & PCI_LIVEUPDATE_DEV_REBIND);
		if (marked != own_marked[k] || rebind != own_rebind[k]) {
			snprintf(why, len, "own device %s: MARKED %d REBIND %d, expected %d %d",
				 devs[k].bdf, marked, rebind, own_marked[k],
				 own_rebind[k]);
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Shared run state                                                    */

struct run {
	pthread_mutex_t lock;	/* eagain */
	pthread_barrier_t start;
	struct race_err err;	/* the first failure; it stops every thread */
	atomic_bool session_running;
	bool with_session;
	unsigned long eagain;
};

#define fail(r, ...)	race_fail(&(r)->err, __VA_ARGS__)

struct worker {
	struct run *run;
	pthread_t th;
	int id;
	int fd;
	uint64_t rng;
	int own[MAX_DEVS];
	int nown;
	bool is_own[MAX_DEVS];
	bool marked[MAX_DEVS];
	bool rebind[MAX_DEVS];
	unsigned long ops;
	unsigned long n[8];
};

enum { OP_MARK, OP_UNMARK, OP_LIST, OP_QUERY, OP_STATUS, OP_WRONG };

static unsigned int own_marked_count(const struct worker *w)
{
	unsigned int n = 0;
	int k;

	for (k = 0; k < w->nown; k++)
		n += w->marked[w->own[k]];
	return n;
}

static bool worker_list(struct worker *w)
{
	static __thread struct pci_liveupdate_device buf[MAX_DEVS];
	uint32_t count = MAX_DEVS;
	char why[256];
	int ret;

	ret = list_outgoing(w->fd, buf, &count);
	if (ret == -EAGAIN) {
		/*
		 * Not an errno the uAPI gives for LIST (ENOSPC, EINVAL,
		 * EFAULT); counted, and the test fails at the end, so the
		 * rest of the run still gets exercised.
		 */
		pthread_mutex_lock(&w->run->lock);
		w->run->eagain++;
		pthread_mutex_unlock(&w->run->lock);
		return true;
	}
	if (ret) {
		fail(w->run, "worker %d: LIST_OUTGOING: %s", w->id, en(ret));
		return false;
	}
	if (!check_snapshot(buf, count, w->is_own, w->marked, w->rebind, why,
			    sizeof(why))) {
		fail(w->run, "worker %d: LIST_OUTGOING snapshot: %s", w->id, why);
		return false;
	}
	return true;
}

static bool worker_query(struct worker *w)
{
	int d = markable[rnd_next(&w->rng) % nmarkable], ret;
	struct pci_liveupdate_query q;
	uint16_t f;

	ret = do_query(w->fd, d, &q);
	f = q.outgoing.flags;
	if (w->is_own[d] && w->marked[d]) {
		if (ret || !(q.found & PCI_LIVEUPDATE_FOUND_OUTGOING) ||
		    !(f & PCI_LIVEUPDATE_DEV_MARKED) ||
		    !(f & PCI_LIVEUPDATE_DEV_REBIND) != !w->rebind[d]) {
			fail(w->run, "worker %d: QUERY own marked %s: %s found %#x flags %#x",
			     w->id, devs[d].bdf, en(ret), q.found, f);
			return false;
		}
	} else if (ret == -ENOENT) {
		return true;
	} else if (ret) {
		fail(w->run, "worker %d: QUERY %s: %s", w->id, devs[d].bdf,
		     en(ret));
		return false;
	} else if (!(q.found & PCI_LIVEUPDATE_FOUND_OUTGOING) ||
		   (w->is_own[d] && (f & PCI_LIVEUPDATE_DEV_MARKED)) ||
		   !(f & (PCI_LIVEUPDATE_DEV_MARKED | PCI_LIVEUPDATE_DEV_AUTO)) ||
		   !(f & PCI_LIVEUPDATE_DEV_AUTO) != !q.outgoing.refs) {
		fail(w->run, "worker %d: QUERY %s (%s): found %#x flags %#x refs %u",
		     w->id, devs[d].bdf, w->is_own[d] ? "own, unmarked" : "other's",
		     q.found, f, q.outgoing.refs);
		return false;
	}
	return true;
}

static bool worker_status(struct worker *w)
{
	struct pci_liveupdate_status st;
	unsigned int mine = own_marked_count(w);
	int ret = get_status(w->fd, &st);

	if (ret) {
		fail(w->run, "worker %d: STATUS: %s", w->id, en(ret));
		return false;
	}
	if (st.marked < mine || st.marked > (uint32_t)nmarkable ||
	    st.outgoing < st.marked || st.outgoing > (uint32_t)nmarkable ||
	    (st.state != PCI_LIVEUPDATE_STATE_IDLE &&
	     !(w->run->with_session && st.state == PCI_LIVEUPDATE_STATE_PRESERVED)) ||
	    (st.state == PCI_LIVEUPDATE_STATE_IDLE) != !st.kho_bytes) {
		fail(w->run, "worker %d: STATUS marked %u (own %u) outgoing %u state %u kho_bytes %llu",
		     w->id, st.marked, mine, st.outgoing, st.state,
		     (unsigned long long)st.kho_bytes);
		return false;
	}
	return true;
}

static bool worker_toggle(struct worker *w, bool wrong)
{
	int d = w->own[rnd_next(&w->rng) % w->nown], ret, want;
	uint32_t flags = rnd_next(&w->rng) % 4 ? 0 : PCI_LIVEUPDATE_MARK_REBIND;
	bool mark = !w->marked[d];

	if (wrong)		/* MARK of a marked / UNMARK of an unmarked device */
		mark = !mark;
	ret = mark ? mark_dev(w->fd, d, flags) : unmark_dev(w->fd, d);
	want = !wrong ? 0 : mark ? -EEXIST : -ENOENT;
	if (ret != want) {
		fail(w->run, "worker %d: %s %s (marked %d): %s, expected %s",
		     w->id, mark ? "MARK" : "UNMARK", devs[d].bdf, w->marked[d],
		     en(ret), en(want));
		return false;
	}
	if (!wrong) {
		w->marked[d] = mark;
		w->rebind[d] = mark && flags;
	}
	w->n[mark ? OP_MARK : OP_UNMARK]++;
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	unsigned long i, cap = opt_ops * 50;
	bool ok = true;

	pthread_barrier_wait(&r->start);
	for (i = 0; ok && !atomic_load(&r->err.failed) &&
	     (i < opt_ops || (atomic_load(&r->session_running) && i < cap));
	     i++) {
		unsigned int op = rnd_next(&w->rng) % 100;

		if (op < 40)
			ok = worker_toggle(w, false);
		else if (op < 44)
			ok = worker_toggle(w, true);
		else if (op < 70)
			ok = (w->n[OP_LIST]++, worker_list(w));
		else if (op < 88)
			ok = (w->n[OP_QUERY]++, worker_query(w));
		else
			ok = (w->n[OP_STATUS]++, worker_status(w));
	}
	w->ops = i;
	return NULL;
}

struct session_thread {
	struct run *run;
	pthread_t th;
	int luo;
	int stfd;		/* for STATUS */
	unsigned long rounds;
};

static bool expect_state(struct run *r, int fd, uint32_t state,
			 unsigned long round, const char *when)
{
	struct pci_liveupdate_status st;
	int ret = get_status(fd, &st);

	if (ret || st.state != state || !st.kho_bytes != !state) {
		fail(r, "session round %lu, %s: STATUS %s state %u kho_bytes %llu, expected state %u",
		     round, when, en(ret), st.state,
		     (unsigned long long)st.kho_bytes, state);
		return false;
	}
	return true;
}

static void *session_main(void *arg)
{
	struct session_thread *s = arg;
	struct run *r = s->run;
	unsigned long i;

	pthread_barrier_wait(&r->start);
	for (i = 0; i < opt_rounds && !atomic_load(&r->err.failed); i++) {
		int sfd, pfd, ret;

		if (!expect_state(r, s->stfd, PCI_LIVEUPDATE_STATE_IDLE, i,
				  "before the session"))
			break;
		sfd = luo_session(s->luo, "plu-stress-%d-%lu", getpid(), i);
		if (sfd < 0) {
			fail(r, "session round %lu: CREATE_SESSION: %s", i, en(sfd));
			break;
		}
		pfd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
		if (pfd < 0) {
			fail(r, "session round %lu: open " PLU_DEV ": %s", i,
			     strerror(errno));
			close(sfd);
			break;
		}
		ret = luo_preserve(sfd, pfd, 0x706c7500 + i);
		if (ret) {
			fail(r, "session round %lu: PRESERVE_FD of " PLU_DEV ": %s",
			     i, en(ret));
			close(pfd);
			close(sfd);
			break;
		}
		/* The session holds its own reference; drop ours early or late. */
		if (i & 1)
			close(pfd);
		if (!expect_state(r, s->stfd, PCI_LIVEUPDATE_STATE_PRESERVED, i,
				  "after PRESERVE_FD")) {
			close(sfd);
			break;
		}
		close(sfd);	/* unpreserves everything in the session */
		if (!(i & 1))
			close(pfd);
		if (!expect_state(r, s->stfd, PCI_LIVEUPDATE_STATE_IDLE, i,
				  "after closing the session"))
			break;
	}
	s->rounds = i;
	atomic_store(&r->session_running, false);
	return NULL;
}

/* ------------------------------------------------------------------ */

FIXTURE(stress) {
	int fd;
};

FIXTURE_SETUP(stress)
{
	struct pci_liveupdate_status st;

	ASSERT_LT(0, nmarkable) TH_LOG("device discovery failed: %s",
				       discover_error);
	self->fd = plu_fixture_open(_metadata, &st);
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_IDLE, st.state)
		TH_LOG("state %u at test start: a LUO session holds the file",
		       st.state);
}

FIXTURE_TEARDOWN(stress)
{
	if (self->fd < 0)
		return;
	unmark_all(self->fd);
	close(self->fd);
}

static void check_empty(struct __test_metadata *_metadata, int fd)
{
	struct pci_liveupdate_device buf[4];
	struct pci_liveupdate_status st;
	uint32_t count = 4;
	int ret;

	ret = list_outgoing(fd, buf, &count);
	ASSERT_EQ(0, ret) TH_LOG("final LIST_OUTGOING: %s", en(ret));
	ASSERT_EQ(0u, count) TH_LOG("outgoing set not empty after every worker unmarked its devices");
	ret = get_status(fd, &st);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0u, st.marked);
	ASSERT_EQ(0u, st.outgoing);
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_IDLE, st.state);
	ASSERT_EQ(0ull, (unsigned long long)st.kho_bytes);
}

static void run_stress(struct __test_metadata *_metadata, int fd,
		       bool with_session)
{
	static struct worker w[MAX_THREADS];
	struct session_thread s = { 0 };
	struct pci_liveupdate_query q;
	unsigned int nthr = opt_threads, t, parties;
	uint64_t seed = opt_seed;
	struct run r = { 0 };
	int order[MAX_DEVS], i, j, k, ret;
	unsigned long lists = 0;

	ASSERT_TRUE(nthr >= 1 && nthr <= MAX_THREADS);
	pthread_mutex_init(&r.lock, NULL);
	pthread_mutex_init(&r.err.lock, NULL);
	r.with_session = with_session;
	atomic_store(&r.session_running, with_session);
	TH_LOG("%u workers x %lu ops%s, %d markable devices, seed %llu",
	       nthr, opt_ops, with_session ? ", with LUO sessions" : "",
	       nmarkable, (unsigned long long)seed);

	if (with_session) {
		s.run = &r;
		s.luo = open(LUO_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, s.luo) TH_LOG("open " LUO_DEV ": %s%s",
					   strerror(errno),
					   errno == EBUSY ? " (another process holds it)" : "");
		s.stfd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, s.stfd);
	}

	/* Deal the markable devices out to the workers, shuffled. */
	for (i = 0; i < nmarkable; i++)
		order[i] = markable[i];
	for (i = nmarkable - 1; i > 0; i--) {
		j = rnd_next(&seed) % (i + 1);
		k = order[i];
		order[i] = order[j];
		order[j] = k;
	}
	memset(w, 0, sizeof(w));
	for (t = 0; t < nthr; t++) {
		w[t].run = &r;
		w[t].id = t;
		w[t].rng = rnd_next(&seed) | 1;
		w[t].fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, w[t].fd);
	}
	for (i = 0; i < nmarkable; i++) {
		struct worker *o = &w[i % nthr];

		o->own[o->nown++] = order[i];
		o->is_own[order[i]] = true;
	}
	for (t = 0; t < nthr; t++) {
		ASSERT_LT(0, w[t].nown)
			TH_LOG("%u workers but only %d markable devices; use --threads",
			       nthr, nmarkable);
	}

	parties = nthr + with_session;
	ASSERT_EQ(0, pthread_barrier_init(&r.start, NULL, parties));
	for (t = 0; t < nthr; t++) {
		ASSERT_EQ(0, pthread_create(&w[t].th, NULL, worker_main, &w[t]));
	}
	if (with_session) {
		ASSERT_EQ(0, pthread_create(&s.th, NULL, session_main, &s));
	}
	for (t = 0; t < nthr; t++)
		pthread_join(w[t].th, NULL);
	if (with_session)
		pthread_join(s.th, NULL);

	for (t = 0; t < nthr; t++)
		TH_LOG("worker %u: %lu ops (mark %lu unmark %lu list %lu query %lu status %lu), %d devices",
		       t, w[t].ops, w[t].n[OP_MARK], w[t].n[OP_UNMARK],
		       w[t].n[OP_LIST], w[t].n[OP_QUERY], w[t].n[OP_STATUS],
		       w[t].nown);
	if (with_session)
		TH_LOG("session thread: %lu rounds", s.rounds);
	ASSERT_EQ(0, r.err.msg[0]) TH_LOG("%s (seed %llu)", r.err.msg,
				      (unsigned long long)opt_seed);
	if (r.eagain)
		TH_LOG("LIST_OUTGOING returned EAGAIN %lu times (fails below)",
		       r.eagain);
	for (t = 0; t < nthr; t++) {
		ASSERT_LE(opt_ops, w[t].ops);
	}
	if (with_session) {
		ASSERT_EQ(opt_rounds, s.rounds);
	}

	/* Quiet now: each worker's view must hold exactly. */
	for (t = 0; t < nthr; t++) {
		ASSERT_TRUE(worker_list(&w[t])) TH_LOG("%s", r.err.msg);
		for (k = 0; k < w[t].nown; k++) {
			int d = w[t].own[k];

			ret = do_query(fd, d, &q);
			if (w[t].marked[d]) {
				ASSERT_EQ(0, ret) TH_LOG("QUERY %s: %s", devs[d].bdf,
							 en(ret));
				ASSERT_TRUE(!!(q.outgoing.flags &
					       PCI_LIVEUPDATE_DEV_MARKED));
			} else if (!ret) {
				ASSERT_FALSE(!!(q.outgoing.flags &
						PCI_LIVEUPDATE_DEV_MARKED))
					TH_LOG("%s marked, its worker unmarked it",
					       devs[d].bdf);
			} else {
				ASSERT_EQ(-ENOENT, ret);
			}
		}
	}
	/* Every worker unmarks what it marked, from its own fd. */
	for (t = 0; t < nthr; t++) {
		for (k = 0; k < w[t].nown; k++) {
			int d = w[t].own[k];

			if (!w[t].marked[d])
				continue;
			ret = unmark_dev(w[t].fd, d);
			ASSERT_EQ(0, ret) TH_LOG("final UNMARK %s: %s",
						 devs[d].bdf, en(ret));
			w[t].marked[d] = false;
		}
		close(w[t].fd);
	}
	check_empty(_metadata, fd);
	if (with_session) {
		close(s.stfd);
		close(s.luo);
	}
	for (t = 0; t < nthr; t++)
		lists += w[t].n[OP_LIST];
	ASSERT_EQ(0ul, r.eagain)
		TH_LOG("LIST_OUTGOING failed with EAGAIN %lu times in %lu calls while the set changed; the uAPI documents only ENOSPC, EINVAL and EFAULT for LIST",
		       r.eagain, lists);
}

TEST_F_TIMEOUT(stress, workers, 900)
{
	run_stress(_metadata, self->fd, false);
}

TEST_F_TIMEOUT(stress, workers_and_sessions, 1800)
{
	run_stress(_metadata, self->fd, true);
}

/*
 * The outgoing set stays PRESERVED while any file is preserved in any
 * session, and goes back to IDLE (marks kept) when the last one goes.
 */
TEST_F_TIMEOUT(stress, session_refcount, 300)
{
	static struct pci_liveupdate_device buf[MAX_DEVS];
	struct pci_liveupdate_status st;
	int luo, sa, sb, f1, f2, f3, e = -1, o = -1, i, ret;
	bool own[MAX_DEVS] = { 0 }, mk[MAX_DEVS] = { 0 }, rb[MAX_DEVS] = { 0 };
	uint32_t count;
	char why[256];

	for (i = 0; i < nmarkable; i++) {
		int d = markable[i];

		if (devs[d].nanc && e < 0)
			e = d;
		else if (o < 0 && !devs[d].bridge)
			o = d;
	}
	ASSERT_LE(0, e) TH_LOG("no device behind a bridge");
	ASSERT_LE(0, o) TH_LOG("need a second markable endpoint");
	luo = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, luo) TH_LOG("open " LUO_DEV ": %s", strerror(errno));
	ret = mark_dev(self->fd, e, 0);
	ASSERT_EQ(0, ret) TH_LOG("MARK %s: %s", devs[e].bdf, en(ret));

	sa = luo_session(luo, "plu-refcount-a-%d", getpid());
	ASSERT_LE(0, sa) TH_LOG("CREATE_SESSION A: %s", en(sa));
	sb = luo_session(luo, "plu-refcount-b-%d", getpid());
	ASSERT_LE(0, sb) TH_LOG("CREATE_SESSION B: %s", en(sb));
	f1 = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	f2 = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	f3 = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_TRUE(f1 >= 0 && f2 >= 0 && f3 >= 0);

	ret = luo_preserve(sa, f1, 1);
	ASSERT_EQ(0, ret) TH_LOG("PRESERVE_FD f1 in A: %s", en(ret));
	ASSERT_EQ(0, get_status(self->fd, &st));
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_PRESERVED, st.state);
	ASSERT_LT(0ull, (unsigned long long)st.kho_bytes);
	ASSERT_EQ(1u, st.marked);
	ret = luo_preserve(sa, f2, 2);
	ASSERT_EQ(0, ret) TH_LOG("PRESERVE_FD f2 in A: %s", en(ret));
	ret = luo_preserve(sb, f3, 1);
	ASSERT_EQ(0, ret) TH_LOG("PRESERVE_FD f3 in B: %s", en(ret));

	/* Marks change while preserved. */
	ret = mark_dev(self->fd, o, 0);
	ASSERT_EQ(0, ret) TH_LOG("MARK %s while preserved: %s", devs[o].bdf,
				 en(ret));
	ret = unmark_dev(self->fd, o);
	ASSERT_EQ(0, ret) TH_LOG("UNMARK %s while preserved: %s", devs[o].bdf,
				 en(ret));

	close(sa);
	ASSERT_EQ(0, get_status(self->fd, &st));
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_PRESERVED, st.state)
		TH_LOG("session B still preserves a file, yet state %u", st.state);
	ASSERT_LT(0ull, (unsigned long long)st.kho_bytes);
	close(sb);
	ASSERT_EQ(0, get_status(self->fd, &st));
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_IDLE, st.state)
		TH_LOG("no session left, yet state %u", st.state);
	ASSERT_EQ(0ull, (unsigned long long)st.kho_bytes);
	ASSERT_EQ(1u, st.marked) TH_LOG("marks must survive the unpreserve");

	count = MAX_DEVS;
	ASSERT_EQ(0, list_outgoing(self->fd, buf, &count));
	ASSERT_EQ((uint32_t)devs[e].nanc + 1, count);
	own[e] = mk[e] = true;
	ASSERT_TRUE(check_snapshot(buf, count, own, mk, rb, why, sizeof(why)))
		TH_LOG("%s", why);
	/* The files outlive their sessions; a new session works. */
	sa = luo_session(luo, "plu-refcount-c-%d", getpid());
	ASSERT_LE(0, sa) TH_LOG("CREATE_SESSION C: %s", en(sa));
	ret = luo_preserve(sa, f1, 9);
	ASSERT_EQ(0, ret) TH_LOG("PRESERVE_FD again after unpreserve: %s",
				 en(ret));
	ASSERT_EQ(0, get_status(self->fd, &st));
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_PRESERVED, st.state);
	close(sa);
	ASSERT_EQ(0, get_status(self->fd, &st));
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_IDLE, st.state);
	close(f1);
	close(f2);
	close(f3);
	close(luo);
	ret = unmark_dev(self->fd, e);
	ASSERT_EQ(0, ret);
	check_empty(_metadata, self->fd);
}

static unsigned long num_opt(const char *s, const char *name)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || !*s) {
		fprintf(stderr, "bad %s value '%s'\n", name, s);
		exit(KSFT_FAIL);
	}
	return v;
}

int main(int argc, char **argv)
{
	char **hargv = calloc(argc + 1, sizeof(*hargv));
	bool seeded = false;
	const char *env;
	int i, hargc = 0;

	if (!hargv)
		return KSFT_FAIL;
	if ((env = getenv("PLU_STRESS_THREADS")))
		opt_threads = num_opt(env, "PLU_STRESS_THREADS");
	if ((env = getenv("PLU_STRESS_OPS")))
		opt_ops = num_opt(env, "PLU_STRESS_OPS");
	if ((env = getenv("PLU_STRESS_ROUNDS")))
		opt_rounds = num_opt(env, "PLU_STRESS_ROUNDS");
	if ((env = getenv("PLU_SEED"))) {
		opt_seed = num_opt(env, "PLU_SEED");
		seeded = true;
	}
	hargv[hargc++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--threads=", 10)) {
			opt_threads = num_opt(argv[i] + 10, "--threads");
		} else if (!strncmp(argv[i], "--ops=", 6)) {
			opt_ops = num_opt(argv[i] + 6, "--ops");
		} else if (!strncmp(argv[i], "--rounds=", 9)) {
			opt_rounds = num_opt(argv[i] + 9, "--rounds");
		} else if (!strncmp(argv[i], "--seed=", 7)) {
			opt_seed = num_opt(argv[i] + 7, "--seed");
			seeded = true;
		} else {
			hargv[hargc++] = argv[i];
		}
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		opt_seed = (uint64_t)ts.tv_sec * 1000000007ull ^ ts.tv_nsec;
	}
	if (!opt_seed)
		opt_seed = 1;
	if (!discover() || !find_markable())
		nmarkable = 0;	/* setup fails with the reason */
	printf("# pci-liveupdate stress_test: %d PCI devices (%d markable), seed %llu\n",
	       ndevs, nmarkable, (unsigned long long)opt_seed);
	fflush(stdout);
	return test_harness_run(hargc, hargv);
}
