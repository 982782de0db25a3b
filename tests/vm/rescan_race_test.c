// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest race of incoming-set verdicts against PCI bridge removal and
 * rescan (issue 11).
 *
 * A verdict for a record whose device is not at its recorded address walks
 * the recorded topology path from the root bus (pci_find_bus(), the
 * bridges' ->subordinate buses, pci_get_slot()).  Without the PCI rescan
 * lock a bus can be freed under that walk when its bridge is removed.
 *
 * Run in the kernel after a live update, with an incoming set that holds
 * devices below the bridges it cycles.  One thread removes a bridge (sysfs
 * remove, taking everything below it) and rescans (/sys/bus/pci/rescan), a
 * fixed number of cycles, round robin over the bridges, waiting after each
 * rescan until every removed device is back and bound to its driver again;
 * at the same time threads loop LIST_INCOMING, QUERY of every record and
 * reads of debugfs pci_liveupdate/incoming.  Every verdict must be one of
 * enum pci_liveupdate_verdict; "ok" only for the recorded address,
 * "path-moved" only for another one; records of devices outside the cycled
 * subtrees stay "ok" throughout.  A wrong answer is counted and the run
 * goes on to its last cycle, so that the debug kernel's KASAN can report a
 * use-after-free of a bus (the VM run fails on it).  Afterwards every
 * verdict is "ok" again.
 *
 * Options (environment):
 *   PLU_RACE_BRIDGES  bridges to cycle, space separated
 *                     (default "0000:00:06.0 0000:03:01.0 0000:00:04.0")
 *   PLU_RACE_CYCLES   remove/rescan cycles (default 45)
 *   PLU_RACE_CAP      bound on any reader's iterations (default 5000000)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/pci_liveupdate.h>

#include "kselftest_harness.h"
#include "plu_test.h"
#include "plu_race.h"

#define MAX_BRIDGES	8
#define RESTORE_MS	60000
#define DEBUGFS_IN	"/sys/kernel/debug/pci_liveupdate/incoming"
#define NR_VERDICTS	5

static const char *const verdict_names[NR_VERDICTS] = {
	"ok", "missing", "identity-mismatch", "driver-mismatch", "path-moved",
};

static char opt_bridges[256] = "0000:00:06.0 0000:03:01.0 0000:00:04.0";
static unsigned long opt_cycles = 45;
static unsigned long opt_cap = 5000000;

struct race {
	struct race_err err;
	pthread_barrier_t start;
	atomic_bool cycling;
	atomic_bool abort;		/* the cycler failed: everyone stops */
	int bridge[MAX_BRIDGES];	/* indices in devs[] */
	int nbridges;
	/* the incoming set as first read, all "ok" */
	struct pci_liveupdate_device in[MAX_DEVS];
	uint32_t nin;
	bool control[MAX_DEVS];		/* record outside every cycled subtree */
	char driver[MAX_DEVS][64];	/* devs[i]'s driver at the start */
	unsigned long cycles;
	atomic_ulong seen[3][NR_VERDICTS];	/* per reader kind */
	unsigned long iters[3];
	unsigned long wrong[3];		/* answers that failed a check */
};

enum { R_LIST, R_QUERY, R_DEBUGFS };
static const char *const reader_names[] = { "LIST_INCOMING", "QUERY", "debugfs" };

/*
 * Only a failing cycler stops the run.  A reader that got a wrong answer
 * records it and goes on: later cycles give the debug kernel's KASAN its
 * chance at the use-after-free behind it.
 */
static bool stopped(struct race *r)
{
	return atomic_load(&r->abort);
}

static void cycler_fail(struct race *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void cycler_fail(struct race *r, const char *fmt, ...)
{
	char msg[sizeof(r->err.msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	race_fail(&r->err, "%s", msg);
	atomic_store(&r->abort, true);
}

/* devs[d] is bridge devs[b] or below it. */
static bool in_subtree(int d, int b)
{
	int k;

	if (d == b)
		return true;
	for (k = 0; k < devs[d].nanc; k++)
		if (devs[d].anc[k] == b)
			return true;
	return false;
}

static int list_incoming(int fd, struct pci_liveupdate_device *buf,
			 uint32_t *count)
{
	return do_list(fd, PCI_LIVEUPDATE_IOCTL_LIST_INCOMING, buf, count,
		       DEVSZ, 0);
}

/*
 * One record read back while bridges come and go: the same record as at
 * the start, a valid verdict, "ok" only where it was recorded, and always
 * "ok" for a control record.
 */
static bool check_rec(struct race *r, uint32_t i,
		      const struct pci_liveupdate_device *e, int kind,
		      char *why, size_t len)
{
	const struct pci_liveupdate_device *w = &r->in[i];

	if (e->segment != w->segment || e->bus != w->bus ||
	    e->devfn != w->devfn || e->vendor != w->vendor ||
	    e->device != w->device || e->path_depth != w->path_depth ||
	    memcmp(e->path, w->path, sizeof(e->path))) {
		snprintf(why, len, "record %u changed: %04x:%02x:%02x.%x %04x:%04x, was %04x:%02x:%02x.%x %04x:%04x",
			 i, e->segment, e->bus, e->devfn >> 3, e->devfn & 7,
			 e->vendor, e->device, w->segment, w->bus,
			 w->devfn >> 3, w->devfn & 7, w->vendor, w->device);
		return false;
	}
	if (e->verdict >= NR_VERDICTS) {
		snprintf(why, len, "%04x:%02x:%02x.%x: verdict %u is not an enum pci_liveupdate_verdict",
			 e->segment, e->bus, e->devfn >> 3, e->devfn & 7,
			 e->verdict);
		return false;
	}
	atomic_fetch_add(&r->seen[kind][e->verdict], 1);
	/* debugfs shows no current address */
	if (kind != R_DEBUGFS && e->verdict == PCI_LIVEUPDATE_VERDICT_OK &&
	    (e->cur_bus != e->bus || e->cur_devfn != e->devfn)) {
		snprintf(why, len, "%04x:%02x:%02x.%x: ok, but found at %02x:%02x.%x",
			 e->segment, e->bus, e->devfn >> 3, e->devfn & 7,
			 e->cur_bus, e->cur_devfn >> 3, e->cur_devfn & 7);
		return false;
	}
	/* uAPI: "found by its topology path at another bus number" */
	if (kind != R_DEBUGFS &&
	    e->verdict == PCI_LIVEUPDATE_VERDICT_PATH_MOVED &&
	    e->cur_bus == e->bus && e->cur_devfn == e->devfn) {
		snprintf(why, len, "%04x:%02x:%02x.%x: path-moved, but found at its recorded address",
			 e->segment, e->bus, e->devfn >> 3, e->devfn & 7);
		return false;
	}
	if (r->control[i] && e->verdict != PCI_LIVEUPDATE_VERDICT_OK) {
		snprintf(why, len, "%04x:%02x:%02x.%x is outside the cycled bridges, yet %s",
			 e->segment, e->bus, e->devfn >> 3, e->devfn & 7,
			 verdict_names[e->verdict]);
		return false;
	}
	return true;
}

static bool check_list(struct race *r, int fd, bool all_ok, char *why,
		       size_t len)
{
	static __thread struct pci_liveupdate_device buf[MAX_DEVS];
	uint32_t count = MAX_DEVS, i;
	int ret;

	ret = list_incoming(fd, buf, &count);
	if (ret || count != r->nin) {
		snprintf(why, len, "LIST_INCOMING: %s, %u records (%u at the start)",
			 en(ret), count, r->nin);
		return false;
	}
	for (i = 0; i < count; i++) {
		if (!check_rec(r, i, &buf[i], R_LIST, why, len))
			return false;
		if (all_ok && buf[i].verdict != PCI_LIVEUPDATE_VERDICT_OK) {
			snprintf(why, len, "%04x:%02x:%02x.%x: %s, expected ok",
				 buf[i].segment, buf[i].bus, buf[i].devfn >> 3,
				 buf[i].devfn & 7, verdict_names[buf[i].verdict]);
			return false;
		}
	}
	return true;
}

static bool check_query(struct race *r, int fd, uint32_t i, bool all_ok,
			char *why, size_t len)
{
	struct pci_liveupdate_query q = {
		.size = sizeof(q), .segment = r->in[i].segment,
		.bus = r->in[i].bus, .devfn = r->in[i].devfn,
	};
	int ret = xioctl(fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);

	if (ret || !(q.found & PCI_LIVEUPDATE_FOUND_INCOMING)) {
		snprintf(why, len, "QUERY %04x:%02x:%02x.%x: %s, found %#x",
			 r->in[i].segment, r->in[i].bus, r->in[i].devfn >> 3,
			 r->in[i].devfn & 7, en(ret), q.found);
		return false;
	}
	if (!check_rec(r, i, &q.incoming, R_QUERY, why, len))
		return false;
	if (all_ok && q.incoming.verdict != PCI_LIVEUPDATE_VERDICT_OK) {
		snprintf(why, len, "QUERY %04x:%02x:%02x.%x: %s, expected ok",
			 r->in[i].segment, r->in[i].bus, r->in[i].devfn >> 3,
			 r->in[i].devfn & 7, verdict_names[q.incoming.verdict]);
		return false;
	}
	return true;
}

/*
 * debugfs incoming: one line per record, in the order of LIST_INCOMING,
 * "SSSS:BB:DD.F ... verdict".
 */
static bool check_debugfs(struct race *r, bool all_ok, char *why, size_t len)
{
	static __thread char buf[MAX_DEVS * 160];
	char *line, *save = NULL;
	size_t got = 0;
	uint32_t i = 0;
	ssize_t n;
	int fd;

	fd = open(DEBUGFS_IN, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "open " DEBUGFS_IN ": %s", strerror(errno));
		return false;
	}
	while (got < sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	if (n < 0) {
		snprintf(why, len, "read " DEBUGFS_IN ": %s", strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	buf[got] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		struct pci_liveupdate_device e;
		const char *last = strrchr(line, ' ');
		uint32_t seg, v;
		uint8_t bus, devfn;
		char bdf[16];

		if (i == r->nin)
			break;
		if (!last || sscanf(line, "%15s", bdf) != 1 ||
		    !parse_bdf(bdf, &seg, &bus, &devfn)) {
			snprintf(why, len, DEBUGFS_IN " line %u unparsable: %.120s",
				 i, line);
			return false;
		}
		for (v = 0; v < NR_VERDICTS; v++)
			if (!strcmp(last + 1, verdict_names[v]))
				break;
		if (v == NR_VERDICTS) {
			snprintf(why, len, DEBUGFS_IN " line %u: no valid verdict: %.120s",
				 i, line);
			return false;
		}
		/* What the line shows; the rest as recorded. */
		e = r->in[i];
		e.segment = seg;
		e.bus = bus;
		e.devfn = devfn;
		e.verdict = v;
		e.cur_bus = bus;
		e.cur_devfn = devfn;
		if (!check_rec(r, i, &e, R_DEBUGFS, why, len))
			return false;
		if (all_ok && v != PCI_LIVEUPDATE_VERDICT_OK) {
			snprintf(why, len, DEBUGFS_IN " %s: %s, expected ok",
				 bdf, verdict_names[v]);
			return false;
		}
	}
	if (i != r->nin || line) {
		snprintf(why, len, DEBUGFS_IN ": %s%u lines, %u records",
			 line ? "more than " : "", i, r->nin);
		return false;
	}
	return true;
}

struct subtree {
	const struct race *r;
	int b;
};

/* Every device of the subtree of devs[b] is back, with its driver. */
static bool subtree_restored(const void *arg)
{
	const struct subtree *a = arg;
	char p[PATH_MAX], drv[64];
	int d;

	for (d = 0; d < ndevs; d++) {
		if (!in_subtree(d, a->b))
			continue;
		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s", devs[d].bdf);
		if (!race_exists(p))
			return false;
		race_driver(devs[d].bdf, drv, sizeof(drv));
		if (strcmp(drv, a->r->driver[d]))
			return false;
	}
	return true;
}

static bool wait_restored(struct race *r, int b)
{
	struct subtree a = { r, b };

	return race_wait(subtree_restored, &a, RESTORE_MS);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

static void *cycler(void *arg)
{
	struct race *r = arg;
	char p[PATH_MAX];
	unsigned long i;
	int ret;

	pthread_barrier_wait(&r->start);
	for (i = 0; i < opt_cycles && !stopped(r); i++) {
		int b = r->bridge[i % r->nbridges];

		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s/remove", devs[b].bdf);
		ret = race_write(p, "1");
		if (ret) {
			cycler_fail(r, "cycle %lu: echo 1 > %s: %s", i, p,
				  en(ret));
			break;
		}
		snprintf(p, sizeof(p), SYSFS_PCI "/%.31s", devs[b].bdf);
		if (race_exists(p)) {
			cycler_fail(r, "cycle %lu: %s still there after remove",
				  i, devs[b].bdf);
			break;
		}
		ret = race_write("/sys/bus/pci/rescan", "1");
		if (ret) {
			cycler_fail(r, "cycle %lu: echo 1 > /sys/bus/pci/rescan: %s",
				  i, en(ret));
			break;
		}
		if (!wait_restored(r, b)) {
			cycler_fail(r, "cycle %lu: devices below %s not back with their drivers %d s after the rescan",
				  i, devs[b].bdf, RESTORE_MS / 1000);
			break;
		}
	}
	r->cycles = i;
	atomic_store(&r->cycling, false);
	return NULL;
}

struct reader {
	struct race *r;
	int kind;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct race *r = rd->r;
	unsigned long n;
	char why[384];
	uint32_t i;
	int fd;
	bool ok = true;

	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	pthread_barrier_wait(&r->start);
	if (fd < 0) {
		cycler_fail(r, "%s reader: open " PLU_DEV ": %s",
			    reader_names[rd->kind], strerror(errno));
		return NULL;
	}
	for (n = 0; atomic_load(&r->cycling) && !stopped(r) && n < opt_cap;
	     n++) {
		ok = true;
		switch (rd->kind) {
		case R_LIST:
			ok = check_list(r, fd, false, why, sizeof(why));
			break;
		case R_QUERY:
			for (i = 0; ok && i < r->nin; i++)
				ok = check_query(r, fd, i, false, why, sizeof(why));
			break;
		default:
			ok = check_debugfs(r, false, why, sizeof(why));
			break;
		}
		if (!ok) {
			if (!r->wrong[rd->kind]++)
				race_fail(&r->err, "%s reader, iteration %lu: %s",
					  reader_names[rd->kind], n, why);
		}
	}
	r->iters[rd->kind] = n;
	close(fd);
	return NULL;
}

/* ------------------------------------------------------------------ */

FIXTURE(rescan) {
	int fd;
	struct race r;
};

static bool all_ok(const void *arg)
{
	const struct race *r = arg;
	struct pci_liveupdate_device buf[MAX_DEVS];
	uint32_t count = MAX_DEVS, i;
	int fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = !list_incoming(fd, buf, &count) && count == r->nin;
	for (i = 0; ok && i < count; i++)
		ok = buf[i].verdict == PCI_LIVEUPDATE_VERDICT_OK;
	close(fd);
	return ok;
}

FIXTURE_SETUP(rescan)
{
	struct race *r = &self->r;
	char list[sizeof(opt_bridges)], *tok, *save = NULL;
	uint32_t count = MAX_DEVS, i;
	int ret, k, d;
	bool below;

	memset(r, 0, sizeof(*r));
	self->fd = -1;
	ASSERT_LT(0, ndevs) TH_LOG("device discovery failed: %s",
				   discover_error);
	snprintf(list, sizeof(list), "%s", opt_bridges);
	for (tok = strtok_r(list, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		ASSERT_GT(MAX_BRIDGES, r->nbridges);
		k = find_bdf(tok);
		ASSERT_LE(0, k) TH_LOG("no PCI device %s", tok);
		ASSERT_TRUE(devs[k].bridge) TH_LOG("%s is not a bridge", tok);
		r->bridge[r->nbridges++] = k;
	}
	ASSERT_LT(0, r->nbridges);
	for (d = 0; d < ndevs; d++)
		race_driver(devs[d].bdf, r->driver[d], sizeof(r->driver[d]));

	self->fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open " PLU_DEV ": %s (module loaded?)",
				      strerror(errno));
	ret = list_incoming(self->fd, NULL, &r->nin);
	ASSERT_EQ(0, ret) TH_LOG("LIST_INCOMING: %s", en(ret));
	ASSERT_LT(0u, r->nin) TH_LOG("no incoming set: run after a live update");
	ASSERT_GE((uint32_t)MAX_DEVS, r->nin);
	/* nvme probes asynchronously: wait until every verdict is ok. */
	ASSERT_TRUE(race_wait(all_ok, r, RESTORE_MS))
		TH_LOG("the incoming set is not all ok %d s into the test",
		       RESTORE_MS / 1000);
	count = r->nin;
	ret = list_incoming(self->fd, r->in, &count);
	ASSERT_EQ(0, ret) TH_LOG("LIST_INCOMING: %s", en(ret));
	ASSERT_EQ(r->nin, count);

	for (k = 0; k < r->nbridges; k++) {
		below = false;
		for (i = 0; i < r->nin; i++) {
			d = find_dev(r->in[i].segment, r->in[i].bus,
				     r->in[i].devfn);
			below |= d >= 0 && in_subtree(d, r->bridge[k]) &&
				 d != r->bridge[k];
		}
		ASSERT_TRUE(below) TH_LOG("no incoming record below %s",
					  devs[r->bridge[k]].bdf);
	}
	for (i = 0; i < r->nin; i++) {
		d = find_dev(r->in[i].segment, r->in[i].bus, r->in[i].devfn);
		ASSERT_LE(0, d) TH_LOG("record %u is not a device in sysfs", i);
		r->control[i] = true;
		for (k = 0; k < r->nbridges; k++)
			if (in_subtree(d, r->bridge[k]))
				r->control[i] = false;
	}
}

FIXTURE_TEARDOWN(rescan)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F_TIMEOUT(rescan, remove_rescan_vs_verdicts, 3000)
{
	struct race *r = &self->r;
	struct reader rd[3] = { { r, R_LIST }, { r, R_QUERY }, { r, R_DEBUGFS } };
	pthread_t th[4];
	uint64_t t0 = race_now_ms();
	unsigned int ncontrol = 0;
	char why[384];
	uint32_t i;
	int k, b;

	pthread_mutex_init(&r->err.lock, NULL);
	atomic_store(&r->cycling, true);
	for (i = 0; i < r->nin; i++)
		ncontrol += r->control[i];
	TH_LOG("%u incoming records (%u outside the cycled bridges); %lu remove/rescan cycles over %s",
	       r->nin, ncontrol, opt_cycles, opt_bridges);
	ASSERT_EQ(0, pthread_barrier_init(&r->start, NULL, 4));
	ASSERT_EQ(0, pthread_create(&th[0], NULL, cycler, r));
	for (k = 0; k < 3; k++)
		ASSERT_EQ(0, pthread_create(&th[k + 1], NULL, reader_main, &rd[k]));
	for (k = 0; k < 4; k++)
		pthread_join(th[k], NULL);
	TH_LOG("%lu cycles in %llu ms", r->cycles,
	       (unsigned long long)(race_now_ms() - t0));
	for (k = 0; k < 3; k++)
		TH_LOG("%s: %lu iterations, %lu wrong; verdicts ok %lu missing %lu identity-mismatch %lu driver-mismatch %lu path-moved %lu",
		       reader_names[k], r->iters[k], r->wrong[k],
		       atomic_load(&r->seen[k][0]), atomic_load(&r->seen[k][1]),
		       atomic_load(&r->seen[k][2]), atomic_load(&r->seen[k][3]),
		       atomic_load(&r->seen[k][4]));
	ASSERT_EQ(0, r->err.msg[0]) TH_LOG("%s", r->err.msg);
	ASSERT_EQ(opt_cycles, r->cycles);
	/* The readers overlapped with removals, not just with quiet times. */
	for (k = 0; k < 3; k++) {
		ASSERT_LT(0ul, atomic_load(&r->seen[k][PCI_LIVEUPDATE_VERDICT_MISSING]))
			TH_LOG("%s never saw a removed device", reader_names[k]);
	}

	/* After the last rescan: everything back, every verdict ok. */
	for (k = 0; k < r->nbridges; k++) {
		b = r->bridge[k];
		ASSERT_TRUE(wait_restored(r, b))
			TH_LOG("%s not back after the last rescan", devs[b].bdf);
	}
	ASSERT_TRUE(check_list(r, self->fd, true, why, sizeof(why)))
		TH_LOG("%s", why);
	for (i = 0; i < r->nin; i++) {
		ASSERT_TRUE(check_query(r, self->fd, i, true, why, sizeof(why)))
			TH_LOG("%s", why);
	}
	ASSERT_TRUE(check_debugfs(r, true, why, sizeof(why))) TH_LOG("%s", why);
}

int main(int argc, char **argv)
{
	const char *env = getenv("PLU_RACE_BRIDGES");

	if (env && *env)
		snprintf(opt_bridges, sizeof(opt_bridges), "%s", env);
	opt_cycles = race_env("PLU_RACE_CYCLES", opt_cycles);
	opt_cap = race_env("PLU_RACE_CAP", opt_cap);
	if (!discover())
		ndevs = 0;	/* setup fails with the reason */
	printf("# pci-liveupdate rescan_race_test: %d PCI devices, bridges %s, %lu cycles\n",
	       ndevs, opt_bridges, opt_cycles);
	fflush(stdout);
	return test_harness_run(argc, argv);
}
