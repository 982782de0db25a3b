// SPDX-License-Identifier: GPL-2.0
/*
 * chaos_test: a seeded, randomized, concurrent exerciser of every entry
 * point of pci_liveupdate (issue 23, item 4).
 *
 * PLU_CHAOS_THREADS threads each draw operations from one weighted table
 * until PLU_CHAOS_OPS of them did something (an operation that finds its
 * fd slot empty or busy, or a load or topology change already under way,
 * does not count; at most 20 times as many are drawn): open and close of
 * /dev/pci_liveupdate; every ioctl (STATUS, MARK, UNMARK, LIST_OUTGOING,
 * LIST_INCOMING, QUERY, SRIOV, an unknown one) with valid and with invalid
 * arguments, MARK of the SR-IOV PF also with its VFs
 * (PCI_LIVEUPDATE_MARK_WITH_VFS) while sriov_numvfs toggles; LUO sessions on the one
 * /dev/liveupdate fd of the process (create, PRESERVE_FD, close, which
 * unpreserves, and retrieve/finish, which in a boot without incoming
 * sessions only reach their error paths); reads of the module's sysfs and
 * debugfs files; rmmod (delete_module, O_NONBLOCK), an unload that first
 * closes every fd and session (as stopping the service does), and insmod
 * (finit_module of PLU_CHAOS_KO, one at a time); sriov_numvfs toggles of
 * the SR-IOV PF; remove of a bridge and PCI rescan; unbind and bind of an endpoint's driver.  Every
 * operation tolerates the module being absent.
 *
 * Invariants:
 *  - every answer is one the uAPI documents for the arguments given, and
 *    arguments that are always wrong never succeed;
 *  - STATUS agrees with what succeeded: while this process holds a LUO
 *    session into which PRESERVE_FD of /dev/pci_liveupdate succeeded, the
 *    outgoing set is PRESERVED (or FROZEN) with KHO memory; with no such
 *    session it is IDLE without; marked and outgoing match LIST_OUTGOING,
 *    whose entries are the marked devices and exactly the bridges above
 *    them (refs = marked devices below).  The state is checked under the
 *    write side of a rwlock whose read side every operation that preserves
 *    or closes a session holds, so that check is exact, not racy; the
 *    counts are compared whenever no MARK, UNMARK or topology change
 *    overlapped the check (a count of those in flight and a generation say
 *    so; the end of the test fails unless some check compared them).
 *    Checked as a table operation, right after every successful
 *    PRESERVE_FD, and at the end;
 *  - no new kernel log line of a splat (WARNING, BUG, refcount_t, KASAN,
 *    lockdep, hung task), read from /dev/kmsg at every check;
 *  - at the end: everything closed, the module unloads (bounded polling of
 *    delete_module), and kmemleak, where the kernel has it, reports nothing
 *    whose backtrace names pci_liveupdate, LUO or KHO.
 * Hung tasks panic the test kernel (tests/vm/kernel.config; the stage
 * lowers the timeout), and the VM run's verdict fails on any splat.
 *
 * Reproducible: thread T draws from xorshift seeded with (seed, T).  A
 * failure prints the seed, the op counts and the last CHAOS_LOG operations
 * of each thread.  The interleaving is the scheduler's, so a replay of a
 * seed runs the same operations per thread, not the same race.
 *
 * Options (environment): PLU_CHAOS_SEED (default 1), PLU_CHAOS_OPS
 * (operations per thread, default 3000), PLU_CHAOS_THREADS (default 4),
 * PLU_CHAOS_KO (default /lib/modules/pci_liveupdate.ko), PLU_CHAOS_PF
 * (default 0000:02:00.0), PLU_CHAOS_BRIDGES (bridges to remove, default
 * "0000:00:04.0 0000:00:06.0 0000:03:01.0"), PLU_CHAOS_ENDPOINTS (unbind
 * and bind, default "0000:00:03.0 0000:01:00.0 0000:04:01.0"),
 * PLU_CHAOS_MIN_COVERAGE (default 1: fail unless a check saw a preserved
 * session, a check compared the counts and the module was unloaded at
 * least once).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/liveupdate.h>
#include <linux/pci_liveupdate.h>

#include "kselftest_harness.h"
#include "plu_test.h"
#include "plu_race.h"

#define MOD_NAME	"pci_liveupdate"
#define MISC_SYSFS	"/sys/class/misc/pci_liveupdate"
#define DEBUGFS_DIR	"/sys/kernel/debug/pci_liveupdate"
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#define MAX_THREADS	16
#define NPLU		3	/* /dev/pci_liveupdate fds in play */
#define NSESS		3	/* LUO sessions in play */
#define CHAOS_LOG	24	/* operations kept per thread for the report */
#define MAX_LIST	(MAX_DEVS + 8)
#define MAX_ADDRS	(MAX_DEVS + 8)
#define RESTORE_MS	120000
#define UNLOAD_MS	60000
#define EB(e)		((emask)1 << (e))

/* A set of errnos (0: success), all below 128. */
typedef unsigned __int128 emask;

static uint64_t opt_seed = 1;
static unsigned long opt_ops = 3000;
static unsigned long opt_threads = 4;
static unsigned long opt_min_cov = 1;
static const char *opt_ko = "/lib/modules/pci_liveupdate.ko";
static const char *opt_pf = "0000:02:00.0";
static char opt_bridges[256] = "0000:00:04.0 0000:00:06.0 0000:03:01.0";
static char opt_endpoints[256] = "0000:00:03.0 0000:01:00.0 0000:04:01.0";

/* ------------------------------------------------------------------ */
/* Operations                                                          */

enum op {
	OP_OPEN, OP_CLOSE, OP_STATUS, OP_STATUS_BAD, OP_MARK, OP_MARK_BAD,
	OP_UNMARK, OP_UNMARK_BAD, OP_LIST_OUT, OP_LIST_IN, OP_LIST_BAD,
	OP_QUERY, OP_QUERY_BAD, OP_SRIOV_GET, OP_BAD_CMD, OP_SESS_NEW, OP_SESS_BAD,
	OP_PRESERVE, OP_OPEN_PRESERVE, OP_PRESERVE_BAD, OP_SESS_CLOSE, OP_RETRIEVE, OP_FINISH,
	OP_SYSFS, OP_DEBUGFS, OP_RMMOD, OP_UNLOAD, OP_INSMOD, OP_SRIOV, OP_REMOVE,
	OP_RESCAN, OP_UNBIND, OP_BIND, OP_CHECK, NR_OPS
};

static const struct {
	const char *name;
	unsigned int weight;
} ops[NR_OPS] = {
	[OP_OPEN]	  = { "open",		10 },
	[OP_CLOSE]	  = { "close",		8 },
	[OP_STATUS]	  = { "status",		6 },
	[OP_STATUS_BAD]	  = { "status-bad",	2 },
	[OP_MARK]	  = { "mark",		8 },
	[OP_MARK_BAD]	  = { "mark-bad",	2 },
	[OP_UNMARK]	  = { "unmark",		7 },
	[OP_UNMARK_BAD]	  = { "unmark-bad",	1 },
	[OP_LIST_OUT]	  = { "list-out",	4 },
	[OP_LIST_IN]	  = { "list-in",	2 },
	[OP_LIST_BAD]	  = { "list-bad",	2 },
	[OP_QUERY]	  = { "query",		4 },
	[OP_QUERY_BAD]	  = { "query-bad",	1 },
	[OP_SRIOV_GET]	  = { "sriov-get",	3 },
	[OP_BAD_CMD]	  = { "bad-cmd",	1 },
	[OP_SESS_NEW]	  = { "session-new",	6 },
	[OP_SESS_BAD]	  = { "session-bad",	1 },
	[OP_PRESERVE]	  = { "preserve",	10 },
	[OP_OPEN_PRESERVE] = { "open-preserve", 4 },
	[OP_PRESERVE_BAD] = { "preserve-bad",	1 },
	[OP_SESS_CLOSE]	  = { "session-close",	6 },
	[OP_RETRIEVE]	  = { "retrieve",	1 },
	[OP_FINISH]	  = { "finish",		1 },
	[OP_SYSFS]	  = { "sysfs",		4 },
	[OP_DEBUGFS]	  = { "debugfs",	3 },
	[OP_RMMOD]	  = { "rmmod",		4 },
	[OP_UNLOAD]	  = { "unload",		2 },
	[OP_INSMOD]	  = { "insmod",		6 },
	[OP_SRIOV]	  = { "sriov",		1 },
	[OP_REMOVE]	  = { "remove",		1 },
	[OP_RESCAN]	  = { "rescan",		1 },
	[OP_UNBIND]	  = { "unbind",		1 },
	[OP_BIND]	  = { "bind",		1 },
	[OP_CHECK]	  = { "check",		4 },
};

struct logent {
	unsigned long n;	/* the thread's op number */
	int op;
	int arg;		/* slot, device index, ... (-1: none) */
	int ret;		/* 0, -errno, or a positive count */
};

struct worker {
	struct chaos *c;
	int id;
	uint64_t rnd;
	unsigned long n;			/* ops drawn */
	unsigned long done;			/* ops that did something */
	bool noop;				/* this op found nothing to do */
	unsigned long count[NR_OPS];		/* ops that succeeded */
	unsigned long tries[NR_OPS];		/* ops drawn */
	uint64_t ms[NR_OPS];			/* time spent in them */
	struct logent log[CHAOS_LOG];
	/*
	 * LIST buffers, not malloc()ed per op: growing or trimming a heap
	 * means an mprotect/munmap, whose TLB flush waits for every CPU this
	 * process runs on, the one busy in the module's init among them.
	 */
	struct pci_liveupdate_device list[MAX_LIST];
	pthread_t th;
};

struct slot {
	pthread_mutex_t lock;
	int fd;
	int preserved;		/* sessions: files PRESERVE_FD took */
	unsigned long gen;
};

struct addr {
	uint32_t seg;
	uint8_t bus;
	uint8_t devfn;
};

struct chaos {
	struct race_err err;
	pthread_rwlock_t state;		/* read: ops changing the state; write: check */
	pthread_mutex_t topo;		/* sriov, remove, rescan */
	struct slot plu[NPLU];
	struct slot sess[NSESS];
	int luo;
	int kmsg;
	struct addr addr[MAX_ADDRS];	/* devs[], then addresses of no device */
	int naddr;
	int bridge[8], nbridges;
	int ep[8], nep;
	char ep_drv[8][64];
	int pf;
	bool is_pf[MAX_ADDRS];		/* addr[i] is an SR-IOV PF */
	char numvfs[PATH_MAX], totalvfs[24];
	atomic_ulong sess_seq;
	atomic_bool loading;		/* a thread is in finit_module */
	/* MARK, UNMARK and topology ops in flight, and done */
	atomic_uint mut_inflight;
	atomic_ulong mut_gen;
	atomic_ulong preserved_coming;	/* PRESERVE_FD done during init */
	atomic_ulong opened_coming;	/* opens done during init */
	atomic_ulong tried_coming;	/* PRESERVE_FD tried during init */
	/* check statistics, under the write lock */
	unsigned long checks, checks_preserved, checks_absent, checks_counts;
	struct worker w[MAX_THREADS];
};

/*
 * Around an operation that changes the outgoing set's counts: the check
 * compares them only when none was in flight and none ended meanwhile.
 */
static void mut_begin(struct chaos *c)
{
	atomic_fetch_add(&c->mut_inflight, 1);
}

static void mut_end(struct chaos *c)
{
	atomic_fetch_add(&c->mut_gen, 1);
	atomic_fetch_sub(&c->mut_inflight, 1);
}

static bool stopped(struct chaos *c)
{
	return atomic_load(&c->err.failed);
}

static void logop(struct worker *w, int op, int arg, int ret)
{
	struct logent *e = &w->log[w->n % CHAOS_LOG];

	e->n = w->n;
	e->op = op;
	e->arg = arg;
	e->ret = ret;
}

static void wfail(struct worker *w, int op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void wfail(struct worker *w, int op, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	race_fail(&w->c->err, "seed %llu thread %d op %lu (%s): %s",
		  (unsigned long long)opt_seed, w->id, w->n, ops[op].name, msg);
}

/* @ret (0 or -errno) is one of the errnos in @allow (EB(0) for success). */
static bool allowed(int ret, emask allow)
{
	int e = -ret;

	return e >= 0 && e < 128 && (allow & EB(e));
}

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return n ? rnd_next(&w->rnd) % n : 0;
}

/* ------------------------------------------------------------------ */
/* The exact check                                                     */

/* @b is a bridge strictly above @m, by root bus and path. */
static bool above(const struct pci_liveupdate_device *b,
		  const struct pci_liveupdate_device *m)
{
	return b->segment == m->segment && b->root_bus == m->root_bus &&
	       b->path_depth < m->path_depth &&
	       b->path_depth <= PCI_LIVEUPDATE_PATH_MAX &&
	       !memcmp(b->path, m->path, b->path_depth);
}

/* Splat lines the kernel printed since the last look; false on one. */
static bool kmsg_clean(struct chaos *c, char *why, size_t len)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "refcount_t:", "KASAN", "UBSAN", "Oops",
		"blocked for more than", "circular locking",
		"recursive locking", "inconsistent lock state",
		"bad unlock balance", "suspicious RCU usage",
		"general protection fault",
	};
	char rec[2048];
	unsigned int i;
	ssize_t n;

	if (c->kmsg < 0)
		return true;
	for (;;) {
		n = read(c->kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return true;
		rec[n] = 0;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *msg = strchr(rec, ';');

			if (msg && strstr(msg, bad[i])) {
				msg[strcspn(msg, "\n")] = 0;
				snprintf(why, len, "kernel log: %.300s", msg + 1);
				return false;
			}
		}
	}
}

/*
 * The invariants of STATUS and LIST_OUTGOING against what this process
 * holds, with every operation that changes them excluded.  Returns false
 * with @why on a violation.
 */
static bool check_locked(struct chaos *c, char *why, size_t len)
{
	static struct pci_liveupdate_device buf[MAX_LIST];
	struct pci_liveupdate_status st;
	uint32_t count = MAX_LIST, i, j, marked = 0;
	int fd, ret, k, preserved = 0;
	unsigned long gen;
	unsigned int busy;

	if (!kmsg_clean(c, why, len))
		return false;
	for (k = 0; k < NSESS; k++)
		preserved += c->sess[k].preserved;
	c->checks++;
	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* Absent, loading or going: nothing may be preserved then. */
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO) {
			snprintf(why, len, "open " PLU_DEV ": %s", strerror(errno));
			return false;
		}
		if (preserved && !race_exists("/sys/module/" MOD_NAME)) {
			snprintf(why, len, "the module is gone while %d file(s) are preserved in this process's sessions",
				 preserved);
			return false;
		}
		c->checks_absent++;
		return true;
	}
	busy = atomic_load(&c->mut_inflight);
	gen = atomic_load(&c->mut_gen);
	ret = get_status(fd, &st);
	if (!ret)
		ret = list_outgoing(fd, buf, &count);
	close(fd);
	if (ret) {
		snprintf(why, len, "STATUS/LIST_OUTGOING on a fresh fd: %s", en(ret));
		return false;
	}
	if (preserved) {
		c->checks_preserved++;
		if ((st.state != PCI_LIVEUPDATE_STATE_PRESERVED &&
		     st.state != PCI_LIVEUPDATE_STATE_FROZEN) || !st.kho_bytes) {
			snprintf(why, len, "%d file(s) preserved in this process's LUO sessions, but STATUS says state %u with %llu bytes of KHO memory: a preserved file without the set",
				 preserved, st.state,
				 (unsigned long long)st.kho_bytes);
			return false;
		}
	} else if (st.state != PCI_LIVEUPDATE_STATE_IDLE || st.kho_bytes) {
		snprintf(why, len, "no file preserved, but STATUS says state %u with %llu bytes of KHO memory",
			 st.state, (unsigned long long)st.kho_bytes);
		return false;
	}
	/* A MARK, UNMARK or removal overlapped: the counts may differ. */
	if (busy || atomic_load(&c->mut_inflight) ||
	    gen != atomic_load(&c->mut_gen))
		return true;
	c->checks_counts++;
	if (count != st.outgoing) {
		snprintf(why, len, "STATUS outgoing %u, LIST_OUTGOING %u entries",
			 st.outgoing, count);
		return false;
	}
	for (i = 0; i < count; i++) {
		const struct pci_liveupdate_device *e = &buf[i];
		uint32_t below = 0, hops = 0;

		if (e->flags & PCI_LIVEUPDATE_DEV_MARKED)
			marked++;
		for (j = 0; j < count; j++) {
			if (!(buf[j].flags & PCI_LIVEUPDATE_DEV_MARKED))
				continue;
			below += above(e, &buf[j]);
		}
		if (e->refs != below ||
		    !!(e->flags & PCI_LIVEUPDATE_DEV_AUTO) != !!below ||
		    !(e->flags & (PCI_LIVEUPDATE_DEV_AUTO |
				  PCI_LIVEUPDATE_DEV_MARKED))) {
			snprintf(why, len, "LIST_OUTGOING entry %04x:%02x:%02x.%x flags %#x refs %u, but %u marked devices below it",
				 e->segment, e->bus, e->devfn >> 3,
				 e->devfn & 7, e->flags, e->refs, below);
			return false;
		}
		if (!(e->flags & PCI_LIVEUPDATE_DEV_MARKED))
			continue;
		for (j = 0; j < count; j++)
			hops += above(&buf[j], e);
		if (!e->path_depth || hops != e->path_depth - 1u) {
			snprintf(why, len, "marked %04x:%02x:%02x.%x has path depth %u, but %u of the bridges above it are listed",
				 e->segment, e->bus, e->devfn >> 3,
				 e->devfn & 7, e->path_depth, hops);
			return false;
		}
	}
	if (marked != st.marked) {
		snprintf(why, len, "STATUS marked %u, LIST_OUTGOING has %u marked",
			 st.marked, marked);
		return false;
	}
	return true;
}

static void do_check(struct worker *w, int op)
{
	struct chaos *c = w->c;
	char why[512];
	bool ok;

	pthread_rwlock_wrlock(&c->state);
	ok = check_locked(c, why, sizeof(why));
	pthread_rwlock_unlock(&c->state);
	if (!ok)
		wfail(w, op, "%s", why);
}

/* ------------------------------------------------------------------ */
/* Slots                                                               */

/* A random slot, locked; NULL when the one drawn is busy. */
static struct slot *grab(struct worker *w, struct slot *s, int n, int *idx)
{
	*idx = rnd(w, n);
	if (pthread_mutex_trylock(&s[*idx].lock)) {
		w->noop = true;
		return NULL;
	}
	return &s[*idx];
}

static void release(struct slot *s)
{
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------------ */
/* The operations                                                      */

static int pick_addr(struct worker *w, struct addr *a)
{
	int i = rnd(w, w->c->naddr);

	*a = w->c->addr[i];
	return i;
}

static int mark_addr(int fd, unsigned long cmd, const struct addr *a,
		     uint32_t flags, uint16_t reserved)
{
	return do_mark(fd, cmd, a->seg, a->bus, a->devfn, flags, reserved);
}

/* An ioctl with a struct of @size bytes whose tail past @real is @tail. */
static int sized_ioctl(int fd, unsigned long cmd, const void *s, size_t real,
		       uint32_t size, unsigned char tail)
{
	unsigned char buf[512];

	if (size > sizeof(buf))
		size = sizeof(buf);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, s, real < size ? real : size);
	if (size > real)
		memset(buf + real, tail, size - real);
	memcpy(buf, &size, sizeof(size));
	return xioctl(fd, cmd, buf);
}

static int read_file(const char *path)
{
	char buf[4096];
	ssize_t n;
	long total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	if (n < 0)
		return -errno;
	return total > INT_MAX ? INT_MAX : total;
}

/*
 * SRIOV of a random address: ENOENT but for the SR-IOV PF, which is marked
 * with its VFs or not at any moment; its answer is self-consistent.  One
 * in five calls has an invalid argument: EINVAL.
 */
static int op_sriov_get(struct worker *w, int fd, int *arg)
{
	struct pci_liveupdate_vf vfs[16];
	struct pci_liveupdate_sriov q;
	emask allow = EB(ENOENT);
	struct addr a;
	uint32_t i;
	int ret, v = rnd(w, 5);

	*arg = pick_addr(w, &a);
	if (rnd(w, 4)) {	/* mostly the PF */
		*arg = w->c->pf;
		a = w->c->addr[*arg];
	}
	memset(&q, 0, sizeof(q));
	memset(vfs, 0x5a, sizeof(vfs));
	q.size = sizeof(q);
	q.segment = a.seg;
	q.bus = a.bus;
	q.devfn = a.devfn;
	q.flags = rnd(w, 4) ? 0 : PCI_LIVEUPDATE_SRIOV_INCOMING;
	q.count = 16;
	q.entry_size = sizeof(vfs[0]);
	q.vfs = rnd(w, 4) ? (uintptr_t)vfs : 0;
	if (w->c->is_pf[*arg])
		allow |= EB(0) | EB(ENOMEM);
	if (v == 0) {
		switch (rnd(w, 3)) {
		case 0: q.flags |= 1u << (1 + rnd(w, 31)); break;
		case 1: q.reserved = 1 + rnd(w, 0xfffe); break;
		default: q.entry_size = rnd(w, sizeof(vfs[0])); break;
		}
		allow = EB(EINVAL);
	}
	ret = xioctl(fd, PCI_LIVEUPDATE_IOCTL_SRIOV, &q);
	if (!allowed(ret, allow)) {
		wfail(w, OP_SRIOV_GET, "SRIOV %04x:%02x:%02x.%x flags %#x reserved %#x entry_size %u: %s",
		      a.seg, a.bus, a.devfn >> 3, a.devfn & 7, q.flags,
		      q.reserved, q.entry_size, en(ret));
		return ret;
	}
	if (ret)
		return ret;
	if (q.count > q.num_vfs || q.num_vfs > q.total_vfs ||
	    (!(q.flags & PCI_LIVEUPDATE_SRIOV_INCOMING) && q.num_vfs && !q.count) ||
	    q.sriov_flags & ~PCI_LIVEUPDATE_SRIOV_AUTOPROBE) {
		wfail(w, OP_SRIOV_GET, "SRIOV: count %u num_vfs %u total_vfs %u sriov_flags %#x",
		      q.count, q.num_vfs, q.total_vfs, q.sriov_flags);
		return -EPROTO;
	}
	for (i = 0; q.vfs && i < q.count; i++) {
		const struct pci_liveupdate_vf *e = &vfs[i];

		/*
		 * Outgoing, the records are the indices num_vfs - count ..
		 * num_vfs - 1: VFs come and go from index 0 up, num_vfs is
		 * one past the highest present (sriov_race_test.c).
		 */
		if (e->index >= q.num_vfs || (i && e->index <= vfs[i - 1].index) ||
		    (!(q.flags & PCI_LIVEUPDATE_SRIOV_INCOMING) &&
		     e->index != q.num_vfs - q.count + i) ||
		    (!(q.flags & PCI_LIVEUPDATE_SRIOV_INCOMING) && e->verdict) ||
		    e->flags & ~PCI_LIVEUPDATE_VF_FLAGS_ALL ||
		    !memchr(e->driver, 0, sizeof(e->driver)) ||
		    !memchr(e->driver_override, 0, sizeof(e->driver_override))) {
			wfail(w, OP_SRIOV_GET, "SRIOV entry %u of %u: index %u verdict %u flags %#x (num_vfs %u)",
			      i, q.count, e->index, e->verdict, e->flags,
			      q.num_vfs);
			return -EPROTO;
		}
	}
	if (q.vfs && q.count < 16 && vfs[q.count].index != 0x5a5a) {
		wfail(w, OP_SRIOV_GET, "SRIOV wrote past its %u entries", q.count);
		return -EPROTO;
	}
	return (int)q.count;
}

/* Ops on an open /dev/pci_liveupdate fd; each returns 0, -errno or count. */
static int op_fd(struct worker *w, int op, int fd, int *arg)
{
	static const emask mark_ok = EB(0) | EB(ENODEV) | EB(EINVAL) |
		EB(EEXIST) | EB(EBUSY) | EB(ENAMETOOLONG) | EB(E2BIG) |
		EB(ENOSPC) | EB(ENOMEM);
	struct pci_liveupdate_device *list = w->list;
	struct pci_liveupdate_status st;
	struct pci_liveupdate_query q;
	struct addr a;
	uint32_t count, flags;
	int ret, v;

	switch (op) {
	case OP_STATUS:
		ret = get_status(fd, &st);
		if (ret || st.uapi_version != PCI_LIVEUPDATE_UAPI_VERSION ||
		    st.state > PCI_LIVEUPDATE_STATE_FROZEN ||
		    st.incoming_state > PCI_LIVEUPDATE_INCOMING_FINISHED ||
		    st.marked > st.outgoing) {
			wfail(w, op, "STATUS: %s, uapi %u state %u incoming_state %u marked %u outgoing %u",
			      en(ret), st.uapi_version, st.state,
			      st.incoming_state, st.marked, st.outgoing);
			return ret ? ret : -EPROTO;
		}
		return 0;
	case OP_STATUS_BAD:
		memset(&st, 0, sizeof(st));
		v = rnd(w, 3);
		if (v == 0) {	/* shorter than version 1 */
			ret = sized_ioctl(fd, PCI_LIVEUPDATE_IOCTL_STATUS, &st,
					  sizeof(st), rnd(w, 8), 0);
			*arg = 0;
			if (ret != -EINVAL)
				wfail(w, op, "STATUS with a short size: %s, expected EINVAL", en(ret));
		} else if (v == 1) {	/* a non-zero tail */
			ret = sized_ioctl(fd, PCI_LIVEUPDATE_IOCTL_STATUS, &st,
					  sizeof(st), sizeof(st) + 8, 0x5a);
			*arg = 1;
			if (ret != -E2BIG)
				wfail(w, op, "STATUS with a non-zero tail: %s, expected E2BIG", en(ret));
		} else {
			ret = xioctl(fd, PCI_LIVEUPDATE_IOCTL_STATUS, (void *)16);
			*arg = 2;
			if (ret != -EFAULT)
				wfail(w, op, "STATUS at a bad address: %s, expected EFAULT", en(ret));
		}
		return ret;
	case OP_MARK:
	case OP_UNMARK: {
		emask allow = op == OP_MARK ? mark_ok :
			      EB(0) | EB(ENOENT) | EB(ENODEV) | EB(EBUSY);

		*arg = pick_addr(w, &a);
		if (op == OP_MARK && !rnd(w, 8)) {	/* the PF, more often */
			*arg = w->c->pf;
			a = w->c->addr[*arg];
		}
		flags = op == OP_MARK && !rnd(w, 4) ? PCI_LIVEUPDATE_MARK_REBIND : 0;
		/* The PF with its VFs: never EINVAL, it is an SR-IOV PF. */
		if (op == OP_MARK && w->c->is_pf[*arg] && rnd(w, 2)) {
			flags |= PCI_LIVEUPDATE_MARK_WITH_VFS |
				 (rnd(w, 2) ? PCI_LIVEUPDATE_MARK_VF_AUTOPROBE : 0);
			allow &= ~EB(EINVAL);
		}
		mut_begin(w->c);
		ret = mark_addr(fd, op == OP_MARK ? PCI_LIVEUPDATE_IOCTL_MARK :
				PCI_LIVEUPDATE_IOCTL_UNMARK, &a, flags, 0);
		mut_end(w->c);
		if (!allowed(ret, allow))
			wfail(w, op, "%04x:%02x:%02x.%x flags %#x: %s",
			      a.seg, a.bus, a.devfn >> 3, a.devfn & 7, flags,
			      en(ret));
		return ret;
	}
	case OP_MARK_BAD:
	case OP_UNMARK_BAD: {
		unsigned long cmd = op == OP_MARK_BAD ? PCI_LIVEUPDATE_IOCTL_MARK :
				    PCI_LIVEUPDATE_IOCTL_UNMARK;
		struct pci_liveupdate_mark m = { .size = sizeof(m) };
		int want = -EINVAL, alt = -EINVAL;

		*arg = pick_addr(w, &a);
		m.segment = a.seg;
		m.bus = a.bus;
		m.devfn = a.devfn;
		v = rnd(w, 6);
		mut_begin(w->c);
		if (v == 0) {		/* an unknown flag */
			ret = mark_addr(fd, cmd, &a, 1u << (3 + rnd(w, 29)), 0);
		} else if (v == 4) {	/* VF_AUTOPROBE without WITH_VFS */
			ret = mark_addr(fd, cmd, &a,
					PCI_LIVEUPDATE_MARK_VF_AUTOPROBE |
					(rnd(w, 2) ? PCI_LIVEUPDATE_MARK_REBIND : 0), 0);
		} else if (v == 5) {	/* WITH_VFS, of a device no PF */
			if (w->c->is_pf[*arg]) {
				mut_end(w->c);
				w->noop = true;
				return -EAGAIN;
			}
			ret = mark_addr(fd, cmd, &a, PCI_LIVEUPDATE_MARK_WITH_VFS, 0);
			/* UNMARK takes no flags; MARK looks for the device first */
			if (op == OP_MARK_BAD)
				alt = -ENODEV;
		} else if (v == 1) {	/* reserved set */
			ret = mark_addr(fd, cmd, &a, 0, 1 + rnd(w, 0xfffe));
		} else if (v == 2) {	/* too short */
			ret = sized_ioctl(fd, cmd, &m, sizeof(m),
					  rnd(w, offsetof(struct pci_liveupdate_mark, reserved)), 0);
		} else {		/* a non-zero tail */
			ret = sized_ioctl(fd, cmd, &m, sizeof(m), sizeof(m) + 4, 1);
			want = -E2BIG;
		}
		mut_end(w->c);
		if (ret != want && ret != alt)
			wfail(w, op, "variant %d at %04x:%02x:%02x.%x: %s, expected %s",
			      v, a.seg, a.bus, a.devfn >> 3, a.devfn & 7,
			      en(ret), en(want));
		return ret;
	}
	case OP_LIST_OUT:
	case OP_LIST_IN:
		count = rnd(w, 4) ? MAX_LIST : rnd(w, 3);
		*arg = count;
		ret = do_list(fd, op == OP_LIST_OUT ?
			      PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING :
			      PCI_LIVEUPDATE_IOCTL_LIST_INCOMING,
			      rnd(w, 8) ? list : NULL, &count, DEVSZ, 0);
		if (!allowed(ret, EB(0) | EB(ENOSPC)) || count > MAX_DEVS)
			wfail(w, op, "LIST: %s, count %u", en(ret), count);
		return ret ? ret : (int)count;
	case OP_LIST_BAD: {
		struct pci_liveupdate_list l = {
			.size = sizeof(l), .count = 1, .entry_size = DEVSZ,
		};
		unsigned long cmd = rnd(w, 2) ? PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING :
				    PCI_LIVEUPDATE_IOCTL_LIST_INCOMING;
		emask allow = EB(EINVAL);

		v = rnd(w, 4);
		*arg = v;
		if (v == 0) {
			l.flags = 1u << rnd(w, 32);
		} else if (v == 1) {
			l.entry_size = rnd(w, 8);
		} else if (v == 2) {	/* a bad pointer: nothing to copy is fine */
			l.devices = 8;
			allow = EB(0) | EB(EFAULT) | EB(ENOSPC);
		} else {
			ret = sized_ioctl(fd, cmd, &l, sizeof(l), sizeof(l) + 8, 3);
			if (ret != -E2BIG)
				wfail(w, op, "LIST with a non-zero tail: %s", en(ret));
			return ret;
		}
		ret = xioctl(fd, cmd, &l);
		if (!allowed(ret, allow))
			wfail(w, op, "LIST variant %d: %s", v, en(ret));
		return ret;
	}
	case OP_QUERY:
		*arg = pick_addr(w, &a);
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.segment = a.seg;
		q.bus = a.bus;
		q.devfn = a.devfn;
		ret = xioctl(fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);
		if (!allowed(ret, EB(0) | EB(ENOENT)) ||
		    (!ret && !q.found) ||
		    (!ret && (q.found & PCI_LIVEUPDATE_FOUND_OUTGOING) &&
		     (q.outgoing.bus != a.bus || q.outgoing.devfn != a.devfn)))
			wfail(w, op, "QUERY %04x:%02x:%02x.%x: %s, found %#x",
			      a.seg, a.bus, a.devfn >> 3, a.devfn & 7, en(ret),
			      q.found);
		return ret;
	case OP_QUERY_BAD:
		*arg = pick_addr(w, &a);
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.segment = a.seg;
		q.bus = a.bus;
		q.devfn = a.devfn;
		q.reserved = 1 + rnd(w, 0xfffe);
		ret = xioctl(fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);
		if (ret != -EINVAL)
			wfail(w, op, "QUERY with reserved %#x: %s", q.reserved, en(ret));
		return ret;
	case OP_SRIOV_GET:
		return op_sriov_get(w, fd, arg);
	case OP_BAD_CMD:
		v = PCI_LIVEUPDATE_CMD_SRIOV + 1 + rnd(w, 0xf0);
		*arg = v;
		ret = xioctl(fd, _IO(PCI_LIVEUPDATE_IOCTL_TYPE, v), NULL);
		if (ret != -ENOTTY)
			wfail(w, op, "ioctl nr %#x: %s, expected ENOTTY", v, en(ret));
		return ret;
	}
	return -EINVAL;
}

static int op_open(struct worker *w, int *arg)
{
	struct slot *s = grab(w, w->c->plu, NPLU, arg);
	int ret = 0;

	if (!s)
		return -EAGAIN;
	if (s->fd < 0) {
		s->fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
		if (s->fd < 0) {
			ret = -errno;
			if (!allowed(ret, EB(ENOENT) | EB(ENODEV) | EB(ENXIO)))
				wfail(w, OP_OPEN, "open " PLU_DEV ": %s", en(ret));
		} else {
			s->gen++;
			if (race_module_coming(MOD_NAME))
				atomic_fetch_add(&w->c->opened_coming, 1);
		}
	} else {
		ret = -EEXIST;	/* slot in use: nothing done */
		w->noop = true;
	}
	release(s);
	return ret;
}

static int op_close(struct worker *w, struct slot *s0, int n, int *arg,
		    bool session)
{
	struct chaos *c = w->c;
	struct slot *s;
	int ret = 0;

	if (session)
		pthread_rwlock_rdlock(&c->state);
	s = grab(w, s0, n, arg);
	if (!s) {
		ret = -EAGAIN;
	} else {
		if (s->fd < 0) {
			ret = -EBADF;
			w->noop = true;
		} else {
			/* The last reference: the session's release unpreserves. */
			close(s->fd);
			s->fd = -1;
			s->preserved = 0;
		}
		release(s);
	}
	if (session)
		pthread_rwlock_unlock(&c->state);
	return ret;
}

static int op_plu(struct worker *w, int op, int *arg)
{
	int idx, ret;
	struct slot *s = grab(w, w->c->plu, NPLU, &idx);

	if (!s)
		return -EAGAIN;
	*arg = idx;
	if (s->fd < 0) {
		release(s);
		w->noop = true;
		return -EBADF;
	}
	ret = op_fd(w, op, s->fd, arg);
	release(s);
	return ret;
}

static int op_session_new(struct worker *w, int *arg)
{
	struct chaos *c = w->c;
	struct slot *s = grab(w, c->sess, NSESS, arg);
	int ret = 0;

	if (!s)
		return -EAGAIN;
	if (s->fd >= 0) {
		ret = -EEXIST;
		w->noop = true;
	} else {
		ret = luo_session(c->luo, "chaos-%llu-%lu",
				  (unsigned long long)opt_seed,
				  atomic_fetch_add(&c->sess_seq, 1));
		if (ret >= 0) {
			s->fd = ret;
			s->preserved = 0;
			s->gen++;
			ret = 0;
		} else if (!allowed(ret, EB(ENOMEM) | EB(ENOSPC))) {
			wfail(w, OP_SESS_NEW, "CREATE_SESSION: %s", en(ret));
		}
	}
	release(s);
	return ret;
}

/* CREATE_SESSION with a name in use, an empty name, a short struct. */
static int op_session_bad(struct worker *w, int *arg)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct chaos *c = w->c;
	int v = rnd(w, 2), ret;

	*arg = v;
	if (v == 0) {
		ret = luo_session(c->luo, "chaos-dup-%d", w->id);
		if (ret >= 0) {
			int again = luo_session(c->luo, "chaos-dup-%d", w->id);

			close(ret);
			if (again >= 0) {
				close(again);
				wfail(w, OP_SESS_BAD, "two sessions of one name");
				return 0;
			}
			return again;
		}
		return ret;
	}
	ret = sized_ioctl(c->luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs,
			  sizeof(cs), rnd(w, 4), 0);
	if (ret >= 0) {
		wfail(w, OP_SESS_BAD, "CREATE_SESSION of size < 4 succeeded");
		return 0;
	}
	return ret;
}

/*
 * A session slot, grabbed with the read side of the state lock held; NULL
 * (the lock released again) if none could be had.
 */
static struct slot *grab_session(struct worker *w, int *si)
{
	struct chaos *c = w->c;
	struct slot *s;

	pthread_rwlock_rdlock(&c->state);
	s = grab(w, c->sess, NSESS, si);
	if (!s)
		pthread_rwlock_unlock(&c->state);
	return s;
}

/*
 * PRESERVE_FD of an open /dev/pci_liveupdate into a session; with @fresh,
 * of one opened right before (into an empty slot), as the CLI's kexec
 * does.
 */
static int op_preserve(struct worker *w, bool fresh, int *arg)
{
	struct chaos *c = w->c;
	struct slot *s, *p;
	int si, pi, ret;
	bool done = false;

	s = grab_session(w, &si);
	if (!s)
		return -EAGAIN;
	p = grab(w, c->plu, NPLU, &pi);
	*arg = si * 10 + pi;
	if (p && fresh && p->fd < 0 && s->fd >= 0) {
		p->fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
		if (p->fd < 0 && !allowed(-errno, EB(ENOENT) | EB(ENODEV) | EB(ENXIO)))
			wfail(w, OP_OPEN_PRESERVE, "open " PLU_DEV ": %s", en(-errno));
	}
	if (!p) {
		ret = -EAGAIN;
	} else if (s->fd < 0 || p->fd < 0) {
		ret = -EBADF;
		w->noop = true;
	} else {
		if (race_module_coming(MOD_NAME))
			atomic_fetch_add(&c->tried_coming, 1);
		ret = luo_preserve(s->fd, p->fd, rnd_next(&w->rnd));
		if (!ret) {
			s->preserved++;
			done = true;
			if (race_module_coming(MOD_NAME))
				atomic_fetch_add(&c->preserved_coming, 1);
		} else if (!allowed(ret, EB(ENOENT) | EB(EBUSY) | EB(EEXIST) |
				    EB(ENOSPC) | EB(ENOMEM))) {
			wfail(w, fresh ? OP_OPEN_PRESERVE : OP_PRESERVE,
			      "PRESERVE_FD: %s", en(ret));
		}
	}
	if (p)
		release(p);
	release(s);
	pthread_rwlock_unlock(&c->state);
	if (done)
		do_check(w, fresh ? OP_OPEN_PRESERVE : OP_PRESERVE);
	return ret;
}

/* PRESERVE_FD of a bad fd or of a file no handler takes: never succeeds. */
static int op_preserve_bad(struct worker *w, int *arg)
{
	struct chaos *c = w->c;
	struct slot *s;
	int si, ret, fd = -1;

	s = grab_session(w, &si);
	*arg = si;
	if (!s)
		return -EAGAIN;
	if (s->fd < 0) {
		ret = -EBADF;
		w->noop = true;
	} else {
		if (rnd(w, 2))
			fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		ret = luo_preserve(s->fd, fd < 0 ? 1000 + (int)rnd(w, 1000) : fd,
				   rnd_next(&w->rnd));
		if (!ret) {
			s->preserved++;	/* whatever it is, it is held now */
			wfail(w, OP_PRESERVE_BAD, "PRESERVE_FD of %s succeeded",
			      fd < 0 ? "a closed fd" : "/dev/null");
		}
		if (fd >= 0)
			close(fd);
	}
	release(s);
	pthread_rwlock_unlock(&c->state);
	return ret;
}

/* Incoming-only session ioctls: none in a boot without incoming sessions. */
static int op_incoming(struct worker *w, int op, int *arg)
{
	struct chaos *c = w->c;
	struct slot *s;
	int si, ret;

	if (op == OP_RETRIEVE && rnd(w, 2)) {
		*arg = -1;
		ret = luo_retrieve_session(c->luo, "chaos-never-preserved");
		if (ret >= 0) {
			close(ret);
			wfail(w, op, "RETRIEVE_SESSION of a session no kernel preserved succeeded");
			return 0;
		}
		return ret;
	}
	s = grab_session(w, &si);
	*arg = si;
	if (!s)
		return -EAGAIN;
	if (s->fd < 0) {
		ret = -EBADF;
		w->noop = true;
	} else if (op == OP_RETRIEVE) {
		ret = luo_retrieve_fd(s->fd, rnd_next(&w->rnd));
		if (ret >= 0) {
			close(ret);
			wfail(w, op, "RETRIEVE_FD in an outgoing session succeeded");
		}
	} else {
		ret = luo_finish(s->fd);
		if (!ret)
			wfail(w, op, "FINISH of an outgoing session succeeded");
	}
	release(s);
	pthread_rwlock_unlock(&c->state);
	return ret;
}

static int op_sysfs(struct worker *w, int *arg)
{
	static const char *const misc[] = {
		"binding", "state", "incoming_state", "counts", "luo_ready",
		"dev", "uevent",
	};
	static const char *const pci[] = {
		"vendor", "device", "class", "config", "sriov_numvfs",
		"driver_override", "uevent",
	};
	char p[PATH_MAX];
	int v = rnd(w, 2), ret;

	if (v) {
		*arg = rnd(w, sizeof(misc) / sizeof(misc[0]));
		snprintf(p, sizeof(p), MISC_SYSFS "/%s", misc[*arg]);
	} else {
		int d = rnd(w, ndevs);

		*arg = 100 + d;
		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s/%s", devs[d].bdf,
			 pci[rnd(w, sizeof(pci) / sizeof(pci[0]))]);
	}
	ret = read_file(p);
	if (ret < 0 && !allowed(ret, EB(ENOENT) | EB(ENODEV) | EB(ENXIO) |
				EB(EIO)))
		wfail(w, OP_SYSFS, "read %s: %s", p, en(ret));
	return ret;
}

static int op_debugfs(struct worker *w, int *arg)
{
	static const char *const files[] = {
		"outgoing", "incoming", "timings", "image",
	};
	char p[PATH_MAX];
	int ret;

	*arg = rnd(w, 4);
	snprintf(p, sizeof(p), DEBUGFS_DIR "/%s", files[*arg]);
	ret = read_file(p);
	/* ENXIO, EIO: the file was removed under the read (rmmod). */
	if (ret < 0 && !allowed(ret, EB(ENOENT) | EB(ENODEV) | EB(ENODATA) |
				EB(ENXIO) | EB(EIO)))
		wfail(w, OP_DEBUGFS, "read %s: %s", p, en(ret));
	return ret;
}

static int op_rmmod(struct worker *w)
{
	int ret;

	ret = syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;
	if (!allowed(ret, EB(0) | EB(ENOENT) | EB(EWOULDBLOCK) | EB(EBUSY)))
		wfail(w, OP_RMMOD, "delete_module: %s", en(ret));
	return ret;
}

/*
 * What stopping every user and unloading does (a service stop, then
 * modprobe -r): close every fd of the module and every session this
 * process holds, then delete_module.  Without it the module would seldom
 * be unloaded, with fds and preserved files held at random.
 */
static int op_unload(struct worker *w)
{
	struct chaos *c = w->c;
	int i, ret;

	pthread_rwlock_rdlock(&c->state);
	for (i = 0; i < NSESS; i++) {
		if (pthread_mutex_trylock(&c->sess[i].lock))
			continue;
		if (c->sess[i].fd >= 0)
			close(c->sess[i].fd);
		c->sess[i].fd = -1;
		c->sess[i].preserved = 0;
		pthread_mutex_unlock(&c->sess[i].lock);
	}
	pthread_rwlock_unlock(&c->state);
	for (i = 0; i < NPLU; i++) {
		if (pthread_mutex_trylock(&c->plu[i].lock))
			continue;
		if (c->plu[i].fd >= 0)
			close(c->plu[i].fd);
		c->plu[i].fd = -1;
		pthread_mutex_unlock(&c->plu[i].lock);
	}
	ret = syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;
	if (!allowed(ret, EB(0) | EB(ENOENT) | EB(EWOULDBLOCK) | EB(EBUSY)))
		wfail(w, OP_UNLOAD, "delete_module: %s", en(ret));
	return ret;
}

/*
 * No lock: a load must be able to race every PRESERVE_FD.  One load at a
 * time: a second finit_module of the same file waits for the first, and a
 * load takes hundreds of milliseconds under TCG, so without this every
 * thread would be waiting in it by the time the module's init reaches
 * the window that matters, with nobody left to race it.
 */
static int op_insmod(struct worker *w)
{
	int fd, ret;

	if (atomic_exchange(&w->c->loading, true)) {
		w->noop = true;
		return -EALREADY;
	}
	fd = open(opt_ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		atomic_store(&w->c->loading, false);
		wfail(w, OP_INSMOD, "open %s: %s", opt_ko, en(ret));
		return ret;
	}
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	atomic_store(&w->c->loading, false);
	if (!allowed(ret, EB(0) | EB(EEXIST) | EB(EBUSY)))
		wfail(w, OP_INSMOD, "finit_module %s: %s", opt_ko, en(ret));
	return ret;
}

static int op_topo(struct worker *w, int op, int *arg)
{
	struct chaos *c = w->c;
	char p[PATH_MAX];
	int ret, b;

	/*
	 * One at a time; a thread that finds one running does another op.
	 * A removal drops tracked devices: mut_begin(), as for MARK.
	 */
	if (pthread_mutex_trylock(&c->topo)) {
		w->noop = true;
		return -EALREADY;
	}
	mut_begin(c);
	switch (op) {
	case OP_SRIOV:
		*arg = rnd(w, 2);
		/* QEMU's VF controllers start offline: no driver for them. */
		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s/sriov_drivers_autoprobe",
			 devs[c->pf].bdf);
		race_write(p, "0");
		ret = race_write(c->numvfs, *arg ? c->totalvfs : "0");
		if (!allowed(ret, EB(0) | EB(EBUSY) | EB(ENOENT) | EB(ENODEV) |
			     EB(EOPNOTSUPP)))
			wfail(w, op, "echo %s > %s: %s", *arg ? c->totalvfs : "0",
			      c->numvfs, en(ret));
		break;
	case OP_REMOVE:
		b = c->bridge[rnd(w, c->nbridges)];
		*arg = b;
		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s/remove", devs[b].bdf);
		ret = race_write(p, "1");
		if (!allowed(ret, EB(0) | EB(ENOENT) | EB(ENODEV)))
			wfail(w, op, "echo 1 > %s: %s", p, en(ret));
		break;
	default:
		*arg = -1;
		ret = race_write("/sys/bus/pci/rescan", "1");
		if (ret)
			wfail(w, op, "echo 1 > /sys/bus/pci/rescan: %s", en(ret));
		break;
	}
	mut_end(c);
	pthread_mutex_unlock(&c->topo);
	return ret;
}

static int op_bind(struct worker *w, int op, int *arg)
{
	struct chaos *c = w->c;
	int e = rnd(w, c->nep), ret;
	const char *bdf = devs[c->ep[e]].bdf;
	char p[PATH_MAX];

	*arg = c->ep[e];
	if (op == OP_UNBIND)
		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s/driver/unbind", bdf);
	else
		snprintf(p, sizeof(p), "/sys/bus/pci/drivers/%.63s/bind", c->ep_drv[e]);
	ret = race_write(p, bdf);
	if (!allowed(ret, EB(0) | EB(ENOENT) | EB(ENODEV) | EB(EBUSY)))
		wfail(w, op, "echo %s > %s: %s", bdf, p, en(ret));
	return ret;
}

static int run_op(struct worker *w, int op, int *arg)
{
	struct chaos *c = w->c;

	*arg = -1;
	switch (op) {
	case OP_OPEN:		return op_open(w, arg);
	case OP_CLOSE:		return op_close(w, c->plu, NPLU, arg, false);
	case OP_SESS_NEW:	return op_session_new(w, arg);
	case OP_SESS_BAD:	return op_session_bad(w, arg);
	case OP_PRESERVE:	return op_preserve(w, false, arg);
	case OP_OPEN_PRESERVE:	return op_preserve(w, true, arg);
	case OP_PRESERVE_BAD:	return op_preserve_bad(w, arg);
	case OP_SESS_CLOSE:	return op_close(w, c->sess, NSESS, arg, true);
	case OP_RETRIEVE:
	case OP_FINISH:		return op_incoming(w, op, arg);
	case OP_SYSFS:		return op_sysfs(w, arg);
	case OP_DEBUGFS:	return op_debugfs(w, arg);
	case OP_RMMOD:		return op_rmmod(w);
	case OP_UNLOAD:		return op_unload(w);
	case OP_INSMOD:		return op_insmod(w);
	case OP_SRIOV:
	case OP_REMOVE:
	case OP_RESCAN:		return op_topo(w, op, arg);
	case OP_UNBIND:
	case OP_BIND:		return op_bind(w, op, arg);
	case OP_CHECK:		do_check(w, op); return 0;
	default:		return op_plu(w, op, arg);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int total = 0, i, x;
	int op, a, ret;
	uint64_t t;

	for (i = 0; i < NR_OPS; i++)
		total += ops[i].weight;
	/*
	 * opt_ops operations that did something; drawing one whose slot is
	 * empty or busy (the module is absent, a load or a topology change
	 * is under way) does not count, or the threads would spend their
	 * budget while one of them waits for a load.  Bounded all the same.
	 */
	for (w->n = 0; w->done < opt_ops && w->n < 20 * opt_ops &&
	     !stopped(w->c); w->n++) {
		w->noop = false;
		x = rnd(w, total);
		for (op = 0; x >= ops[op].weight; op++)
			x -= ops[op].weight;
		t = race_now_ms();
		ret = run_op(w, op, &a);
		w->ms[op] += race_now_ms() - t;
		w->tries[op]++;
		logop(w, op, a, ret);
		if (ret >= 0)
			w->count[op]++;
		w->done += !w->noop;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Setup, teardown, the end checks                                     */

static void print_logs(struct chaos *c)
{
	unsigned long i, k;

	for (i = 0; i < opt_threads; i++) {
		struct worker *w = &c->w[i];

		printf("# thread %lu: %lu ops; the last %d:\n", i, w->n,
		       CHAOS_LOG);
		for (k = w->n > CHAOS_LOG ? w->n - CHAOS_LOG : 0; k < w->n; k++) {
			struct logent *e = &w->log[k % CHAOS_LOG];

			if (e->n != k)
				continue;
			printf("#   %6lu %-13s arg %4d -> %d%s%s\n", e->n,
			       ops[e->op].name, e->arg, e->ret,
			       e->ret < 0 ? " " : "", e->ret < 0 ? en(e->ret) : "");
		}
	}
	fflush(stdout);
}

static bool module_gone(const void *arg)
{
	(void)arg;
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) == 0 ||
	       errno == ENOENT;
}

static bool module_loaded(const void *arg)
{
	(void)arg;
	return race_exists(PLU_DEV);
}

static bool has_driver(const void *bdf)
{
	char drv[64];

	race_driver(bdf, drv, sizeof(drv));
	return drv[0];
}

/* Every device of the start is back, and the endpoints have their driver. */
static bool restored(const void *arg)
{
	const struct chaos *c = arg;
	char p[PATH_MAX], drv[64];
	int i;

	for (i = 0; i < ndevs; i++) {
		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s", devs[i].bdf);
		if (!race_exists(p))
			return false;
	}
	for (i = 0; i < c->nep; i++) {
		race_driver(devs[c->ep[i]].bdf, drv, sizeof(drv));
		if (strcmp(drv, c->ep_drv[i]))
			return false;
	}
	return true;
}

/* Close every session (unpreserving) and every fd of the module. */
static void close_all(struct chaos *c)
{
	int k;

	for (k = 0; k < NSESS; k++) {
		if (c->sess[k].fd >= 0)
			close(c->sess[k].fd);
		c->sess[k].fd = -1;
		c->sess[k].preserved = 0;
	}
	for (k = 0; k < NPLU; k++) {
		if (c->plu[k].fd >= 0)
			close(c->plu[k].fd);
		c->plu[k].fd = -1;
	}
}

/* Rescan, rebind, VFs off: the topology of the start, or false. */
static bool restore_topology(struct chaos *c)
{
	char p[PATH_MAX];
	int i;

	race_write(c->numvfs, "0");
	race_write("/sys/bus/pci/rescan", "1");
	for (i = 0; i < c->nep; i++) {
		snprintf(p, sizeof(p), "/sys/bus/pci/drivers/%.63s/bind", c->ep_drv[i]);
		race_write(p, devs[c->ep[i]].bdf);
	}
	return race_wait(restored, c, RESTORE_MS);
}

/*
 * Scan now; of the objects kmemleak reports, how many have a backtrace
 * naming pci_liveupdate, LUO or KHO (*@all: how many in all).
 */
static int kmemleak_attributable(char *first, size_t len, int *all)
{
	static char buf[1 << 20];
	char *obj, *next;
	int fd, n = 0, total = 0;
	ssize_t got;

	if (race_write(KMEMLEAK, "scan"))
		return -1;
	fd = open(KMEMLEAK, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (total < (int)sizeof(buf) - 1 &&
	       (got = read(fd, buf + total, sizeof(buf) - 1 - total)) > 0)
		total += got;
	close(fd);
	buf[total] = 0;
	first[0] = 0;
	*all = 0;
	for (obj = strstr(buf, "unreferenced object"); obj; obj = next) {
		next = strstr(obj + 1, "unreferenced object");
		(*all)++;
		if (next)
			next[-1] = 0;
		if (strstr(obj, "pci_liveupdate") || strstr(obj, "plu_") ||
		    strstr(obj, "luo_") || strstr(obj, "kho_") ||
		    strstr(obj, "liveupdate")) {
			if (!n++)
				snprintf(first, len, "%.400s", obj + strlen("unreferenced "));
		}
	}
	return n;
}

FIXTURE(chaos) {
	struct chaos *c;
};

FIXTURE_SETUP(chaos)
{
	char list[256], *tok, *save = NULL;
	unsigned long total = 0;
	int i, k;
	struct chaos *c;

	ASSERT_LT(0, ndevs) TH_LOG("device discovery failed: %s", discover_error);
	ASSERT_GE((unsigned long)MAX_THREADS, opt_threads);
	ASSERT_LT(0ul, opt_threads);
	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	self->c = c;
	pthread_mutex_init(&c->err.lock, NULL);
	{
		pthread_rwlockattr_t ra;

		/* The check must not starve behind a stream of readers. */
		pthread_rwlockattr_init(&ra);
		pthread_rwlockattr_setkind_np(&ra,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&c->state, &ra);
		pthread_rwlockattr_destroy(&ra);
	}
	pthread_mutex_init(&c->topo, NULL);
	for (i = 0; i < NPLU; i++) {
		pthread_mutex_init(&c->plu[i].lock, NULL);
		c->plu[i].fd = -1;
	}
	for (i = 0; i < NSESS; i++) {
		pthread_mutex_init(&c->sess[i].lock, NULL);
		c->sess[i].fd = -1;
	}
	c->luo = -1;
	c->kmsg = -1;

	/* Addresses: every device, the PF's VF slots, two of no device. */
	for (i = 0; i < ndevs; i++)
		c->addr[c->naddr++] = (struct addr){ devs[i].seg, devs[i].bus,
						     devs[i].devfn };
	c->pf = find_bdf(opt_pf);
	ASSERT_LE(0, c->pf) TH_LOG("no PCI device %s", opt_pf);
	for (i = 0; i < ndevs; i++)
		c->is_pf[i] = !devs[i].vf &&
			      read_sysfs_ulong(devs[i].bdf, "sriov_totalvfs", &total);
	ASSERT_TRUE(read_sysfs_ulong(opt_pf, "sriov_totalvfs", &total))
		TH_LOG("%s is not SR-IOV capable", opt_pf);
	ASSERT_LT(0ul, total);
	snprintf(c->totalvfs, sizeof(c->totalvfs), "%lu", total);
	snprintf(c->numvfs, sizeof(c->numvfs), SYSFS_PCI "/%.64s/sriov_numvfs", opt_pf);
	for (k = 1; k <= (int)total && k < 8; k++)
		c->addr[c->naddr++] = (struct addr){ devs[c->pf].seg,
			devs[c->pf].bus, (uint8_t)(devs[c->pf].devfn + k) };
	c->addr[c->naddr++] = (struct addr){ 0, 0xee, 0x08 };
	c->addr[c->naddr++] = (struct addr){ 0x77, 0, 0 };

	snprintf(list, sizeof(list), "%s", opt_bridges);
	for (tok = strtok_r(list, " ", &save); tok && c->nbridges < 8;
	     tok = strtok_r(NULL, " ", &save)) {
		i = find_bdf(tok);
		ASSERT_LE(0, i) TH_LOG("bridge %s not found", tok);
		ASSERT_TRUE(devs[i].bridge) TH_LOG("%s is not a bridge", tok);
		c->bridge[c->nbridges++] = i;
	}
	ASSERT_LT(0, c->nbridges);
	save = NULL;
	snprintf(list, sizeof(list), "%s", opt_endpoints);
	for (tok = strtok_r(list, " ", &save); tok && c->nep < 8;
	     tok = strtok_r(NULL, " ", &save)) {
		i = find_bdf(tok);
		ASSERT_LE(0, i) TH_LOG("endpoint %s not found", tok);
		c->ep[c->nep] = i;
		/* nvme probes asynchronously, also after a rescan. */
		race_wait(has_driver, tok, RESTORE_MS);
		race_driver(tok, c->ep_drv[c->nep], sizeof(c->ep_drv[0]));
		ASSERT_NE(0, c->ep_drv[c->nep][0])
			TH_LOG("endpoint %s has no driver", tok);
		c->nep++;
	}
	ASSERT_LT(0, c->nep);

	/* The module loaded, nothing marked, no other LUO user. */
	if (!race_exists(PLU_DEV)) {
		int fd = open(opt_ko, O_RDONLY | O_CLOEXEC);

		ASSERT_LE(0, fd) TH_LOG("open %s: %s", opt_ko, strerror(errno));
		ASSERT_EQ(0, syscall(SYS_finit_module, fd, "", 0))
			TH_LOG("finit_module %s: %s", opt_ko, strerror(errno));
		close(fd);
	}
	{
		struct pci_liveupdate_status st;
		int fd = plu_fixture_open(_metadata, &st);

		close(fd);
		ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_IDLE, st.state);
	}
	c->luo = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, c->luo) TH_LOG("open " LUO_DEV ": %s", strerror(errno));
	c->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, c->kmsg) TH_LOG("open /dev/kmsg: %s", strerror(errno));
	ASSERT_LE(0, lseek(c->kmsg, 0, SEEK_END));
	if (race_exists(KMEMLEAK))
		race_write(KMEMLEAK, "clear");
}

FIXTURE_TEARDOWN(chaos)
{
	struct chaos *c = self->c;
	int i;

	if (!c)
		return;
	for (i = 0; i < NSESS; i++)
		if (c->sess[i].fd >= 0)
			close(c->sess[i].fd);
	for (i = 0; i < NPLU; i++)
		if (c->plu[i].fd >= 0)
			close(c->plu[i].fd);
	if (c->luo >= 0)
		close(c->luo);
	if (c->kmsg >= 0)
		close(c->kmsg);
	free(c);
}

TEST_F_TIMEOUT(chaos, random_ops, 3000)
{
	struct chaos *c = self->c;
	unsigned long i, sum[NR_OPS] = { 0 }, tries[NR_OPS] = { 0 }, nops = 0;
	unsigned long drawn = 0;
	uint64_t ms[NR_OPS] = { 0 };
	uint64_t t0 = race_now_ms();
	char why[512], leak[512];
	bool ok;
	int k, fd, leaks;

	printf("# seed %llu: %lu threads x %lu ops\n",
	       (unsigned long long)opt_seed, opt_threads, opt_ops);
	fflush(stdout);
	for (i = 0; i < opt_threads; i++) {
		struct worker *w = &c->w[i];

		w->c = c;
		w->id = i;
		/* (seed, thread) -> its own stream; xorshift needs a non-zero state */
		w->rnd = (opt_seed + 1) * 0x9e3779b97f4a7c15ull ^
			 (i + 1) * 0xbf58476d1ce4e5b9ull;
		if (!w->rnd)
			w->rnd = 1;
		rnd_next(&w->rnd);
		ASSERT_EQ(0, pthread_create(&w->th, NULL, worker_main, w));
	}
	for (i = 0; i < opt_threads; i++)
		pthread_join(c->w[i].th, NULL);
	for (i = 0; i < opt_threads; i++) {
		nops += c->w[i].done;
		drawn += c->w[i].n;
		for (k = 0; k < NR_OPS; k++) {
			sum[k] += c->w[i].count[k];
			tries[k] += c->w[i].tries[k];
			ms[k] += c->w[i].ms[k];
		}
	}
	printf("# seed %llu: %lu ops (%lu drawn) in %llu ms; %lu checks (%lu with a preserved session, %lu with the module absent, %lu compared the counts); during the module's init: %lu opens, %lu PRESERVE_FD tried, %lu accepted\n#  succeeded/drawn (time in them):",
	       (unsigned long long)opt_seed, nops, drawn,
	       (unsigned long long)(race_now_ms() - t0), c->checks,
	       c->checks_preserved, c->checks_absent, c->checks_counts,
	       atomic_load(&c->opened_coming), atomic_load(&c->tried_coming),
	       atomic_load(&c->preserved_coming));
	for (k = 0; k < NR_OPS; k++)
		printf(" %s %lu/%lu (%llu ms)", ops[k].name, sum[k], tries[k],
		       (unsigned long long)ms[k]);
	printf("\n");
	fflush(stdout);
	if (c->err.msg[0]) {
		printf("# FAILED: %s\n", c->err.msg);
		print_logs(c);
		/* Leave no fd, session, mark or removed device to the next seed. */
		close_all(c);
		restore_topology(c);
		fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			unmark_all(fd);
			close(fd);
		}
	}
	ASSERT_EQ(0, c->err.msg[0])
		TH_LOG("seed %llu: %s (replay: PLU_CHAOS_SEED=%llu PLU_CHAOS_OPS=%lu PLU_CHAOS_THREADS=%lu)",
		       (unsigned long long)opt_seed, c->err.msg,
		       (unsigned long long)opt_seed, opt_ops, opt_threads);

	/* The end: a last exact check, then close everything. */
	pthread_rwlock_wrlock(&c->state);
	ok = check_locked(c, why, sizeof(why));
	pthread_rwlock_unlock(&c->state);
	ASSERT_TRUE(ok) TH_LOG("seed %llu, final check: %s",
			       (unsigned long long)opt_seed, why);
	if (opt_min_cov) {
		ASSERT_LT(0ul, c->checks_preserved)
			TH_LOG("seed %llu: no check ever saw a preserved session",
			       (unsigned long long)opt_seed);
		ASSERT_LT(0ul, c->checks_counts)
			TH_LOG("seed %llu: no check compared the counts (a topology change overlapped each)",
			       (unsigned long long)opt_seed);
		ASSERT_LT(0ul, sum[OP_RMMOD] + sum[OP_UNLOAD])
			TH_LOG("seed %llu: the module was never unloaded",
			       (unsigned long long)opt_seed);
	}
	close_all(c);
	ASSERT_TRUE(restore_topology(c))
		TH_LOG("seed %llu: devices or drivers not back %d s after a rescan",
		       (unsigned long long)opt_seed, RESTORE_MS / 1000);
	/* Loaded (an op may have left it out), idle, then unmarked. */
	if (!race_exists(PLU_DEV)) {
		fd = open(opt_ko, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		k = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
		close(fd);
		ASSERT_TRUE(k == 0 || k == EEXIST) TH_LOG("finit_module: %s", strerror(k));
		ASSERT_TRUE(race_wait(module_loaded, NULL, UNLOAD_MS));
	}
	pthread_rwlock_wrlock(&c->state);
	ok = check_locked(c, why, sizeof(why));
	pthread_rwlock_unlock(&c->state);
	ASSERT_TRUE(ok) TH_LOG("seed %llu, check after closing everything: %s",
			       (unsigned long long)opt_seed, why);
	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open " PLU_DEV ": %s", strerror(errno));
	unmark_all(fd);
	close(fd);

	if (race_exists(KMEMLEAK)) {
		int all = 0;

		leaks = kmemleak_attributable(leak, sizeof(leak), &all);
		/* Not the report's own words: the VM run's verdict greps them. */
		printf("# seed %llu: kmemleak scanned: %d leak(s) reported since the start, %d of pci_liveupdate/LUO/KHO\n",
		       (unsigned long long)opt_seed, all, leaks);
		fflush(stdout);
		ASSERT_EQ(0, leaks) TH_LOG("seed %llu: kmemleak: %d leak(s) of pci_liveupdate/LUO/KHO, the first: %s",
					   (unsigned long long)opt_seed, leaks, leak);
	}
	ASSERT_TRUE(race_wait(module_gone, NULL, UNLOAD_MS))
		TH_LOG("seed %llu: rmmod " MOD_NAME " still fails after %d s: %s",
		       (unsigned long long)opt_seed, UNLOAD_MS / 1000,
		       strerror(errno));
	ASSERT_TRUE(kmsg_clean(c, why, sizeof(why)))
		TH_LOG("seed %llu: %s", (unsigned long long)opt_seed, why);
}

int main(int argc, char **argv)
{
	const char *env;

	opt_seed = race_env("PLU_CHAOS_SEED", opt_seed);
	opt_ops = race_env("PLU_CHAOS_OPS", opt_ops);
	opt_threads = race_env("PLU_CHAOS_THREADS", opt_threads);
	opt_min_cov = race_env("PLU_CHAOS_MIN_COVERAGE", opt_min_cov);
	if ((env = getenv("PLU_CHAOS_KO")) && *env)
		opt_ko = env;
	if ((env = getenv("PLU_CHAOS_PF")) && *env)
		opt_pf = env;
	if ((env = getenv("PLU_CHAOS_BRIDGES")) && *env)
		snprintf(opt_bridges, sizeof(opt_bridges), "%s", env);
	if ((env = getenv("PLU_CHAOS_ENDPOINTS")) && *env)
		snprintf(opt_endpoints, sizeof(opt_endpoints), "%s", env);
	/* VFs off first, so that devs[] is the topology without them. */
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), SYSFS_PCI "/%.64s/sriov_numvfs", opt_pf);
		race_write(p, "0");
	}
	/* Whatever an earlier run removed is back. */
	race_write("/sys/bus/pci/rescan", "1");
	if (!discover())
		ndevs = 0;	/* setup fails with the reason */
	printf("# pci-liveupdate chaos_test: seed %llu, %lu threads, %lu ops each\n",
	       (unsigned long long)opt_seed, opt_threads, opt_ops);
	fflush(stdout);
	return test_harness_run(argc, argv);
}
