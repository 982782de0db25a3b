// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest race of MARK/UNMARK against SR-IOV enable/disable (issue 11).
 *
 * sriov_numvfs_store() takes the PF's device lock and then the PCI rescan
 * lock (drivers/pci/iov.c), and VF removal calls the module's bus notifier
 * with both held.  MARK takes the rescan lock and reads the PF's driver
 * under its device lock.  Taken in opposite orders, these deadlock: this
 * test makes them meet.
 *
 * One thread enables and disables the VFs of an SR-IOV PF a fixed number
 * of cycles (sysfs sriov_numvfs, VF autoprobe off); at the same time one
 * thread marks and unmarks the PF, one marks and unmarks its VFs (MARK must
 * fail with EINVAL while a VF exists and ENODEV once it is gone, never
 * succeed; UNMARK and QUERY of a VF find nothing), and one lists the
 * outgoing set and reads STATUS, checking every answer: the set is empty or
 * exactly the PF and the bridges above it, never a VF.  Afterwards the PF
 * is still markable, SR-IOV still toggles, a PCI rescan completes and the
 * counters are back where they started.
 *
 * A deadlock leaves the threads in D state: the test kernel's hung-task
 * detector panics the guest (tests/vm/kernel.config), failing the VM run.
 *
 * Options (environment):
 *   PLU_RACE_PF      the PF (default 0000:02:00.0)
 *   PLU_RACE_CYCLES  enable/disable cycles (default 30; about 2 s each
 *                    under TCG)
 *   PLU_RACE_CAP     bound on any other thread's iterations (default 100000000)
 */
#define _GNU_SOURCE
#include <dirent.h>
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

#define MAX_VFS		16
#define DRIVER_WAIT_MS	60000
#define VF_MARKS_PER_PHASE 4

static const char *opt_pf = "0000:02:00.0";
static unsigned long opt_cycles = 30;
static unsigned long opt_cap = 100000000;

struct addr {
	char bdf[32];
	uint32_t seg;
	uint8_t bus;
	uint8_t devfn;
};

struct race {
	struct race_err err;
	pthread_barrier_t start;
	atomic_bool toggling;		/* the toggler is still cycling */
	atomic_ulong phase;		/* bumped around every sriov_numvfs write */
	int pf;				/* index in devs[] */
	struct addr vf[MAX_VFS];
	int nvfs;
	uint32_t removed0;		/* STATUS.removed at the start */
	char numvfs_path[PATH_MAX];
	char nvfs_str[16];
	/* results */
	unsigned long cycles;
	unsigned long pf_pairs;
	unsigned long vf_einval, vf_enodev, vf_iters;
	unsigned long lists, statuses, nonempty;
};

static bool stopped(struct race *r)
{
	return atomic_load(&r->err.failed);
}

static int mark_addr(int fd, unsigned long cmd, const struct addr *a)
{
	return do_mark(fd, cmd, a->seg, a->bus, a->devfn, 0, 0);
}

static int query_addr(int fd, const struct addr *a,
		      struct pci_liveupdate_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->segment = a->seg;
	q->bus = a->bus;
	q->devfn = a->devfn;
	return xioctl(fd, PCI_LIVEUPDATE_IOCTL_QUERY, q);
}

/* Every VF of @pf now in sysfs (physfn links back to it). */
static int list_vfs(const char *pf, struct addr *out, int max)
{
	char p[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int n = 0;
	ssize_t len;

	dir = opendir(SYSFS_PCI);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		const char *base;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), SYSFS_PCI "/%s/physfn", de->d_name);
		len = readlink(p, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		base = strrchr(link, '/');
		if (strcmp(base ? base + 1 : link, pf) || n == max)
			continue;
		snprintf(out[n].bdf, sizeof(out[n].bdf), "%.31s", de->d_name);
		if (!parse_bdf(de->d_name, &out[n].seg, &out[n].bus,
			       &out[n].devfn))
			continue;
		n++;
	}
	closedir(dir);
	return n;
}

static bool vf_present(const struct addr *a)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), SYSFS_PCI "/%s", a->bdf);
	return race_exists(p);
}

static bool pf_bound(const void *arg)
{
	char drv[64];

	race_driver(arg, drv, sizeof(drv));
	return drv[0];
}

/*
 * One LIST_OUTGOING snapshot: empty, or the PF (marked) and every bridge
 * above it (auto, refs 1); nothing else, never a VF.
 */
static bool check_list(struct race *r, int fd, bool *nonempty, char *why,
		       size_t len)
{
	struct pci_liveupdate_device buf[MAX_HOPS + 4];
	const struct tdev *pf = &devs[r->pf];
	uint32_t count = MAX_HOPS + 4, i;
	int ret, k;

	ret = list_outgoing(fd, buf, &count);
	if (ret) {
		snprintf(why, len, "LIST_OUTGOING: %s", en(ret));
		return false;
	}
	*nonempty = count;
	if (count && count != (uint32_t)pf->nanc + 1) {
		snprintf(why, len, "LIST_OUTGOING: %u entries, expected 0 or %d",
			 count, pf->nanc + 1);
		return false;
	}
	for (i = 0; i < count; i++) {
		const struct pci_liveupdate_device *e = &buf[i];
		int d = find_dev(e->segment, e->bus, e->devfn);
		bool is_pf = d == r->pf, is_anc = false;

		for (k = 0; k < pf->nanc; k++)
			is_anc |= d == pf->anc[k];
		if (is_pf && (e->flags & (PCI_LIVEUPDATE_DEV_MARKED |
					  PCI_LIVEUPDATE_DEV_AUTO)) ==
			     PCI_LIVEUPDATE_DEV_MARKED && !e->refs)
			continue;
		if (is_anc && (e->flags & (PCI_LIVEUPDATE_DEV_MARKED |
					   PCI_LIVEUPDATE_DEV_AUTO |
					   PCI_LIVEUPDATE_DEV_BRIDGE)) ==
			      (PCI_LIVEUPDATE_DEV_AUTO | PCI_LIVEUPDATE_DEV_BRIDGE) &&
		    e->refs == 1)
			continue;
		snprintf(why, len, "LIST_OUTGOING entry %04x:%02x:%02x.%x flags %#x refs %u: %s",
			 e->segment, e->bus, e->devfn >> 3, e->devfn & 7,
			 e->flags, e->refs,
			 is_pf ? "PF with wrong flags" :
			 is_anc ? "bridge above the PF with wrong flags" :
			 "neither the PF nor a bridge above it");
		return false;
	}
	return true;
}

static bool check_status(struct race *r, int fd, char *why, size_t len)
{
	struct pci_liveupdate_status st;
	uint32_t full = devs[r->pf].nanc + 1;
	int ret = get_status(fd, &st);

	if (ret) {
		snprintf(why, len, "STATUS: %s", en(ret));
		return false;
	}
	if (st.marked > 1 || st.outgoing != (st.marked ? full : 0) ||
	    st.removed != r->removed0 ||
	    st.state != PCI_LIVEUPDATE_STATE_IDLE) {
		snprintf(why, len, "STATUS marked %u outgoing %u removed %u (%u at start) state %u; expected marked 0/1, outgoing 0/%u",
			 st.marked, st.outgoing, st.removed, r->removed0,
			 st.state, full);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

static void *toggler(void *arg)
{
	struct race *r = arg;
	unsigned long i;
	int ret;

	pthread_barrier_wait(&r->start);
	for (i = 0; i < opt_cycles && !stopped(r); i++) {
		atomic_fetch_add(&r->phase, 1);
		ret = race_write(r->numvfs_path, r->nvfs_str);
		atomic_fetch_add(&r->phase, 1);
		if (ret) {
			race_fail(&r->err, "cycle %lu: echo %s > sriov_numvfs: %s",
				  i, r->nvfs_str, en(ret));
			break;
		}
		if (!vf_present(&r->vf[r->nvfs - 1])) {
			race_fail(&r->err, "cycle %lu: VF %s missing after enabling",
				  i, r->vf[r->nvfs - 1].bdf);
			break;
		}
		atomic_fetch_add(&r->phase, 1);
		ret = race_write(r->numvfs_path, "0");
		atomic_fetch_add(&r->phase, 1);
		if (ret) {
			race_fail(&r->err, "cycle %lu: echo 0 > sriov_numvfs: %s",
				  i, en(ret));
			break;
		}
		if (vf_present(&r->vf[0])) {
			race_fail(&r->err, "cycle %lu: VF %s still there after disabling",
				  i, r->vf[0].bdf);
			break;
		}
	}
	r->cycles = i;
	atomic_store(&r->toggling, false);
	return NULL;
}

static void *pf_marker(void *arg)
{
	struct race *r = arg;
	const struct tdev *pf = &devs[r->pf];
	unsigned long n;
	int fd, ret;

	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	pthread_barrier_wait(&r->start);
	if (fd < 0) {
		race_fail(&r->err, "PF marker: open " PLU_DEV ": %s",
			  strerror(errno));
		return NULL;
	}
	for (n = 0; atomic_load(&r->toggling) && !stopped(r) && n < opt_cap;
	     n++) {
		ret = do_mark(fd, PCI_LIVEUPDATE_IOCTL_MARK, pf->seg, pf->bus,
			      pf->devfn, 0, 0);
		if (ret) {
			race_fail(&r->err, "MARK of the PF %s (iteration %lu): %s",
				  pf->bdf, n, en(ret));
			break;
		}
		ret = do_mark(fd, PCI_LIVEUPDATE_IOCTL_UNMARK, pf->seg, pf->bus,
			      pf->devfn, 0, 0);
		if (ret) {
			race_fail(&r->err, "UNMARK of the PF %s (iteration %lu): %s",
				  pf->bdf, n, en(ret));
			break;
		}
	}
	r->pf_pairs = n;
	close(fd);
	return NULL;
}

/*
 * MARK of each VF at most VF_MARKS_PER_PHASE times per change of the
 * toggler's phase (each refused MARK of a present VF logs a line;
 * unthrottled they would flood the console), UNMARK and QUERY of each VF
 * on every iteration.
 */
static void *vf_marker(void *arg)
{
	struct race *r = arg;
	struct pci_liveupdate_query q;
	unsigned long n, last = ~0ul;
	int fd, ret, v, budget = 0;

	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	pthread_barrier_wait(&r->start);
	if (fd < 0) {
		race_fail(&r->err, "VF marker: open " PLU_DEV ": %s",
			  strerror(errno));
		return NULL;
	}
	for (n = 0; atomic_load(&r->toggling) && !stopped(r) && n < opt_cap;
	     n++) {
		unsigned long ph = atomic_load(&r->phase);

		if (ph != last)
			budget = VF_MARKS_PER_PHASE;
		last = ph;
		for (v = 0; v < r->nvfs && !stopped(r); v++) {
			const struct addr *a = &r->vf[v];

			if (budget) {
				ret = mark_addr(fd, PCI_LIVEUPDATE_IOCTL_MARK, a);
				if (ret == -EINVAL) {
					r->vf_einval++;
				} else if (ret == -ENODEV) {
					r->vf_enodev++;
				} else {
					if (!ret)
						mark_addr(fd, PCI_LIVEUPDATE_IOCTL_UNMARK, a);
					race_fail(&r->err, "MARK of the VF %s: %s, expected EINVAL (VF present) or ENODEV (gone)",
						  a->bdf, en(ret));
					break;
				}
			}
			ret = mark_addr(fd, PCI_LIVEUPDATE_IOCTL_UNMARK, a);
			if (ret != -ENOENT) {
				race_fail(&r->err, "UNMARK of the VF %s: %s, expected ENOENT",
					  a->bdf, en(ret));
				break;
			}
			ret = query_addr(fd, a, &q);
			if (ret != -ENOENT) {
				race_fail(&r->err, "QUERY of the VF %s: %s (found %#x), expected ENOENT",
					  a->bdf, en(ret), q.found);
				break;
			}
		}
		if (budget)
			budget--;
	}
	r->vf_iters = n;
	close(fd);
	return NULL;
}

static void *reader(void *arg)
{
	struct race *r = arg;
	unsigned long n;
	bool nonempty;
	char why[384];
	int fd;

	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	pthread_barrier_wait(&r->start);
	if (fd < 0) {
		race_fail(&r->err, "reader: open " PLU_DEV ": %s",
			  strerror(errno));
		return NULL;
	}
	for (n = 0; atomic_load(&r->toggling) && !stopped(r) && n < opt_cap;
	     n++) {
		if (!check_list(r, fd, &nonempty, why, sizeof(why))) {
			race_fail(&r->err, "reader: %s", why);
			break;
		}
		r->lists++;
		r->nonempty += nonempty;
		if (!check_status(r, fd, why, sizeof(why))) {
			race_fail(&r->err, "reader: %s", why);
			break;
		}
		r->statuses++;
	}
	close(fd);
	return NULL;
}

/* ------------------------------------------------------------------ */

FIXTURE(sriov) {
	int fd;
	struct race r;
};

FIXTURE_SETUP(sriov)
{
	struct pci_liveupdate_status st;
	unsigned long total = 0;
	char p[PATH_MAX];
	int ret;

	self->fd = -1;
	memset(&self->r, 0, sizeof(self->r));
	ASSERT_LT(0, ndevs) TH_LOG("device discovery failed: %s",
				   discover_error);
	self->r.pf = find_bdf(opt_pf);
	ASSERT_LE(0, self->r.pf) TH_LOG("no PCI device %s", opt_pf);
	ASSERT_TRUE(read_sysfs_ulong(opt_pf, "sriov_totalvfs", &total))
		TH_LOG("%s is not SR-IOV capable", opt_pf);
	ASSERT_LT(0ul, total);
	ASSERT_GE((unsigned long)MAX_VFS, total);
	/* nvme probes asynchronously; SR-IOV needs the PF's driver. */
	ASSERT_TRUE(race_wait(pf_bound, opt_pf, DRIVER_WAIT_MS))
		TH_LOG("no driver bound to %s after %d s", opt_pf,
		       DRIVER_WAIT_MS / 1000);

	snprintf(p, sizeof(p), SYSFS_PCI "/%s/sriov_drivers_autoprobe", opt_pf);
	/* QEMU's VF controllers start offline: no driver for the VFs. */
	ret = race_write(p, "0");
	ASSERT_EQ(0, ret) TH_LOG("echo 0 > %s: %s", p, en(ret));
	snprintf(self->r.numvfs_path, sizeof(self->r.numvfs_path),
		 SYSFS_PCI "/%s/sriov_numvfs", opt_pf);
	snprintf(self->r.nvfs_str, sizeof(self->r.nvfs_str), "%lu", total);
	ret = race_write(self->r.numvfs_path, "0");
	ASSERT_EQ(0, ret) TH_LOG("echo 0 > sriov_numvfs: %s", en(ret));

	/* Learn the VF addresses once, before the race. */
	ret = race_write(self->r.numvfs_path, self->r.nvfs_str);
	ASSERT_EQ(0, ret) TH_LOG("echo %lu > sriov_numvfs: %s", total, en(ret));
	self->r.nvfs = list_vfs(opt_pf, self->r.vf, MAX_VFS);
	ASSERT_EQ((int)total, self->r.nvfs)
		TH_LOG("%d VFs of %s in sysfs after enabling %lu",
		       self->r.nvfs, opt_pf, total);
	ret = race_write(self->r.numvfs_path, "0");
	ASSERT_EQ(0, ret) TH_LOG("echo 0 > sriov_numvfs: %s", en(ret));
	ASSERT_FALSE(vf_present(&self->r.vf[0]));

	self->fd = plu_fixture_open(_metadata, &st);
	self->r.removed0 = st.removed;
}

FIXTURE_TEARDOWN(sriov)
{
	if (self->r.numvfs_path[0])
		race_write(self->r.numvfs_path, "0");
	if (self->fd >= 0) {
		unmark_all(self->fd);
		close(self->fd);
	}
}

TEST_F_TIMEOUT(sriov, numvfs_vs_mark, 1800)
{
	struct race *r = &self->r;
	const struct tdev *pf = &devs[r->pf];
	pthread_t th[4];
	void *(*fn[4])(void *) = { toggler, pf_marker, vf_marker, reader };
	uint64_t t0 = race_now_ms();
	bool nonempty;
	char why[384];
	int i, ret;

	pthread_mutex_init(&r->err.lock, NULL);
	atomic_store(&r->toggling, true);
	ASSERT_EQ(0, pthread_barrier_init(&r->start, NULL, 4));
	TH_LOG("%lu cycles of echo %s/0 > %s, racing MARK/UNMARK of %s and its %d VFs",
	       opt_cycles, r->nvfs_str, r->numvfs_path, pf->bdf, r->nvfs);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fn[i], r));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%lu cycles in %llu ms; PF mark+unmark %lu; VF iterations %lu, MARK refused EINVAL %lu ENODEV %lu; %lu lists (%lu non-empty), %lu status reads",
	       r->cycles, (unsigned long long)(race_now_ms() - t0),
	       r->pf_pairs, r->vf_iters, r->vf_einval, r->vf_enodev, r->lists,
	       r->nonempty, r->statuses);
	ASSERT_EQ(0, r->err.msg[0]) TH_LOG("%s", r->err.msg);
	ASSERT_EQ(opt_cycles, r->cycles);
	/* The race really ran: both sides did work while VFs came and went. */
	ASSERT_LT(0ul, r->pf_pairs) TH_LOG("the PF was never marked during the cycles");
	ASSERT_LT(0ul, r->vf_einval) TH_LOG("no VF MARK while the VFs existed");
	ASSERT_LT(0ul, r->vf_enodev) TH_LOG("no VF MARK while the VFs were gone");
	ASSERT_LT(0ul, r->lists);

	/* Quiet now: the module and SR-IOV both still work. */
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, pf->seg, pf->bus,
		      pf->devfn, 0, 0);
	ASSERT_EQ(0, ret) TH_LOG("MARK of the PF after the race: %s", en(ret));
	ASSERT_TRUE(check_list(r, self->fd, &nonempty, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_TRUE(nonempty) TH_LOG("the marked PF is not listed");
	ASSERT_TRUE(check_status(r, self->fd, why, sizeof(why))) TH_LOG("%s", why);
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, pf->seg, pf->bus,
		      pf->devfn, 0, 0);
	ASSERT_EQ(0, ret) TH_LOG("UNMARK of the PF after the race: %s", en(ret));

	ret = race_write(r->numvfs_path, r->nvfs_str);
	ASSERT_EQ(0, ret) TH_LOG("echo %s > sriov_numvfs after the race: %s",
				 r->nvfs_str, en(ret));
	for (i = 0; i < r->nvfs; i++) {
		ASSERT_TRUE(vf_present(&r->vf[i])) TH_LOG("VF %s missing",
							  r->vf[i].bdf);
		ret = mark_addr(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, &r->vf[i]);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK of the VF %s: %s",
					       r->vf[i].bdf, en(ret));
	}
	ret = race_write(r->numvfs_path, "0");
	ASSERT_EQ(0, ret) TH_LOG("echo 0 > sriov_numvfs after the race: %s",
				 en(ret));
	for (i = 0; i < r->nvfs; i++) {
		ASSERT_FALSE(vf_present(&r->vf[i]));
		ret = mark_addr(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, &r->vf[i]);
		ASSERT_EQ(-ENODEV, ret) TH_LOG("MARK of the gone VF %s: %s",
					       r->vf[i].bdf, en(ret));
	}
	/* Removal and rescan must not be stuck behind a lock left taken. */
	ret = race_write("/sys/bus/pci/rescan", "1");
	ASSERT_EQ(0, ret) TH_LOG("echo 1 > /sys/bus/pci/rescan: %s", en(ret));
	ASSERT_TRUE(pf_bound(opt_pf)) TH_LOG("%s lost its driver", opt_pf);

	ASSERT_TRUE(check_list(r, self->fd, &nonempty, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_FALSE(nonempty) TH_LOG("outgoing set not empty at the end");
	ASSERT_TRUE(check_status(r, self->fd, why, sizeof(why))) TH_LOG("%s", why);
}

int main(int argc, char **argv)
{
	const char *env = getenv("PLU_RACE_PF");

	if (env && *env)
		opt_pf = env;
	opt_cycles = race_env("PLU_RACE_CYCLES", opt_cycles);
	opt_cap = race_env("PLU_RACE_CAP", opt_cap);
	if (!discover())
		ndevs = 0;	/* setup fails with the reason */
	printf("# pci-liveupdate sriov_race_test: PF %s, %lu cycles\n", opt_pf,
	       opt_cycles);
	fflush(stdout);
	return test_harness_run(argc, argv);
}
