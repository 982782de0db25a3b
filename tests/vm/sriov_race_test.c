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
 * The second test (numvfs_vs_mark_with_vfs, issue 24) races the same
 * toggles, now with VF 0 bound to pci-stub (through its driver_override)
 * and unbound in every cycle, against MARK with PCI_LIVEUPDATE_MARK_WITH_VFS
 * and UNMARK of the PF (both must succeed), a reader of the SRIOV ioctl
 * and the LIST/STATUS reader.  MARK with its VFs enumerates the VFs under
 * the rescan lock and then reads each VF's driver under the VF's device
 * lock, taking the module's lock inside it; the toggler's bind and unbind
 * hold the VF's device lock while the notifier takes the module's lock.
 * Every SRIOV answer is checked: ENOENT (not marked at that instant) or
 * num_vfs <= total_vfs, the VF records are VFs of the PF in index order,
 * each at the address and with the ids sysfs gave that index, driver and
 * driver_override "" or pci-stub (VF 0 only), and they are exactly the
 * indices num_vfs - count .. num_vfs - 1: VFs are added from index 0 up and
 * removed from index 0 up (drivers/pci/iov.c), and num_vfs is one past
 * the highest VF present, so a snapshot in the middle of an enable or a
 * disable is such a range too.  When no sriov_numvfs write overlapped the
 * ioctl (the toggler's phase counter was even and unchanged around it),
 * the answer is the settled one: every VF with num_vfs = TotalVFs, or
 * none with num_vfs 0.  A notifier that does not follow a removal (num_vfs
 * or a record left behind) or an add fails these.  Afterwards, with the
 * PF marked with its VFs, sriov_numvfs is set to known counts and SRIOV
 * must show exactly those VFs, with VF 0's pci-stub binding followed.
 *
 * A deadlock leaves the threads in D state: the test kernel's hung-task
 * detector panics the guest (tests/vm/kernel.config), failing the VM run.
 *
 * Options (environment):
 *   PLU_RACE_PF      the PF (default 0000:02:00.0)
 *   PLU_RACE_CYCLES  enable/disable cycles (default 30; about 2 s each
 *                    under TCG)
 *   PLU_RACE_CAP     bound on any other thread's iterations (default 100000000)
 *   PLU_RACE_FREEZE  run no tests: the sriov-freeze-race scenario's
 *                    background toggler (freeze_toggler() below)
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
#define SETTLED_WAIT_MS	2000

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
	/*
	 * Bumped before and after every sriov_numvfs write: odd while one is
	 * under way; even and a multiple of 4 with the VFs disabled, 2 mod 4
	 * with all of them enabled.
	 */
	atomic_ulong phase;
	int pf;				/* index in devs[] */
	struct addr vf[MAX_VFS];
	uint16_t vf_vendor[MAX_VFS], vf_device[MAX_VFS];
	int nvfs;
	atomic_ulong seen_phase;	/* of the last settled SRIOV answer */
	bool bind_vf0;			/* the toggler binds and unbinds VF 0 */
	bool with_vfs;			/* the PF is marked with its VFs */
	uint32_t removed0;		/* STATUS.removed at the start */
	char numvfs_path[PATH_MAX];
	char nvfs_str[16];
	/* results */
	unsigned long cycles;
	unsigned long pf_pairs;
	unsigned long vf_einval, vf_enodev, vf_iters;
	unsigned long lists, statuses, nonempty;
	unsigned long binds;
	unsigned long wv_pairs;
	unsigned long sr_reads, sr_enoent, sr_on, sr_off, sr_moving, sr_bound;
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

static int cmp_addr(const void *a, const void *b)
{
	const struct addr *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	return (int)x->devfn - (int)y->devfn;
}

/* Whether the symlink @path names the device @bdf. */
static bool is_link_to(const char *path, const char *bdf)
{
	char link[PATH_MAX];
	const char *base;
	ssize_t len;

	len = readlink(path, link, sizeof(link) - 1);
	if (len <= 0)
		return false;
	link[len] = 0;
	base = strrchr(link, '/');
	return !strcmp(base ? base + 1 : link, bdf);
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
					  PCI_LIVEUPDATE_DEV_AUTO |
					  PCI_LIVEUPDATE_DEV_WITH_VFS)) ==
			     (PCI_LIVEUPDATE_DEV_MARKED |
			      (r->with_vfs ? PCI_LIVEUPDATE_DEV_WITH_VFS : 0)) &&
		    !e->refs)
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

/*
 * Bind VF @vf to pci-stub through its driver_override.  With pci-stub's
 * bind, not drivers_probe: a VF just added has an asynchronous probe of
 * nvme scheduled (failing, autoprobe is off), and drivers_probe, which
 * looks at the VF's driver without its device lock, skips a VF whose
 * probe is under way; bind waits for the device lock.
 */
static int bind_vf0(const struct addr *vf)
{
	char p[PATH_MAX], drv[64];
	int ret;

	snprintf(p, sizeof(p), SYSFS_PCI "/%s/driver_override", vf->bdf);
	ret = race_write(p, "pci-stub");
	if (!ret)
		ret = race_write("/sys/bus/pci/drivers/pci-stub/bind", vf->bdf);
	if (ret)
		return ret;
	race_driver(vf->bdf, drv, sizeof(drv));
	return strcmp(drv, "pci-stub") ? -ENXIO : 0;
}

/* Bind VF 0 to pci-stub, then unbind it. */
static int bind_unbind_vf0(struct race *r)
{
	char p[PATH_MAX];
	int ret = bind_vf0(&r->vf[0]);

	if (ret)
		return ret;
	snprintf(p, sizeof(p), SYSFS_PCI "/%s/driver/unbind", r->vf[0].bdf);
	return race_write(p, r->vf[0].bdf);
}

static int get_sriov(int fd, const struct tdev *pf,
		     struct pci_liveupdate_sriov *q,
		     struct pci_liveupdate_vf *vfs, uint32_t room)
{
	memset(q, 0, sizeof(*q));
	memset(vfs, 0x5a, sizeof(*vfs) * (room + 1));
	q->size = sizeof(*q);
	q->segment = pf->seg;
	q->bus = pf->bus;
	q->devfn = pf->devfn;
	q->count = room;
	q->entry_size = sizeof(*vfs);
	q->vfs = (uintptr_t)vfs;
	return xioctl(fd, PCI_LIVEUPDATE_IOCTL_SRIOV, q);
}

static bool str_is(const char *field, size_t len, const char *want)
{
	return memchr(field, 0, len) && !strcmp(field, want);
}

/*
 * One outgoing SRIOV answer for the PF marked with its VFs, @vfs having
 * room for MAX_VFS entries and one poisoned guard entry after them.
 * @settled: no sriov_numvfs write overlapped it; then @enabled says which
 * state it is in.  Counts VF 0 found bound in @bound.
 */
static bool check_sriov(const struct race *r,
			const struct pci_liveupdate_sriov *q,
			const struct pci_liveupdate_vf *vfs, bool settled,
			bool enabled, bool *bound, char *why, size_t len)
{
	uint32_t i, first = q->num_vfs - q->count;

	*bound = false;
	if (q->total_vfs != (uint32_t)r->nvfs || q->num_vfs > q->total_vfs ||
	    q->count > q->num_vfs || q->sriov_flags ||
	    (q->num_vfs && !q->count)) {
		snprintf(why, len, "SRIOV: num_vfs %u total_vfs %u count %u sriov_flags %#x; TotalVFs is %d, autoprobe was not given",
			 q->num_vfs, q->total_vfs, q->count, q->sriov_flags,
			 r->nvfs);
		return false;
	}
	if (settled && q->num_vfs != (enabled ? r->nvfs : 0)) {
		snprintf(why, len, "SRIOV with no sriov_numvfs write under way (%s): num_vfs %u, count %u",
			 enabled ? "all VFs enabled" : "VFs disabled",
			 q->num_vfs, q->count);
		return false;
	}
	if (vfs[q->count].index != 0x5a5a) {
		snprintf(why, len, "SRIOV wrote past its %u entries", q->count);
		return false;
	}
	for (i = 0; i < q->count; i++) {
		const struct pci_liveupdate_vf *e = &vfs[i];
		const struct addr *a = &r->vf[first + i];
		bool stub, ovr;

		if (e->index != first + i || e->bus != a->bus ||
		    e->devfn != a->devfn || e->vendor != r->vf_vendor[e->index] ||
		    e->device != r->vf_device[e->index] || e->verdict ||
		    e->flags) {
			snprintf(why, len, "SRIOV (num_vfs %u, count %u) entry %u: index %u %02x:%02x.%x %04x:%04x verdict %u flags %#x; expected index %u, the VF %s %04x:%04x (records are the indices num_vfs - count .. num_vfs - 1)",
				 q->num_vfs, q->count, i, e->index, e->bus,
				 e->devfn >> 3, e->devfn & 7, e->vendor,
				 e->device, e->verdict, e->flags, first + i,
				 a->bdf, r->vf_vendor[first + i],
				 r->vf_device[first + i]);
			return false;
		}
		stub = str_is(e->driver, sizeof(e->driver), "pci-stub");
		ovr = str_is(e->driver_override, sizeof(e->driver_override),
			     "pci-stub");
		if (!(stub || str_is(e->driver, sizeof(e->driver), "")) ||
		    !(ovr || str_is(e->driver_override,
				    sizeof(e->driver_override), "")) ||
		    (stub && !ovr) || ((stub || ovr) && e->index) ||
		    ((stub || ovr) && !r->bind_vf0)) {
			snprintf(why, len, "SRIOV entry of VF %u: driver \"%.*s\" driver_override \"%.*s\"; only VF 0 is bound, to pci-stub, and only through its driver_override",
				 e->index, (int)sizeof(e->driver), e->driver,
				 (int)sizeof(e->driver_override),
				 e->driver_override);
			return false;
		}
		*bound |= stub;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

static bool reader_saw_phase(const void *arg)
{
	struct race *r = (struct race *)arg;

	return atomic_load(&r->seen_phase) == atomic_load(&r->phase) ||
	       stopped(r);
}

/*
 * With the SRIOV reader running: let it answer once in the settled state
 * just reached (bounded; a missed state only shows in the counts), or a
 * disabled state would last only from one write to the next.
 */
static void let_reader_see(struct race *r)
{
	if (r->bind_vf0)
		race_wait(reader_saw_phase, r, SETTLED_WAIT_MS);
}

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
		if (r->bind_vf0) {
			ret = bind_unbind_vf0(r);
			if (ret) {
				race_fail(&r->err, "cycle %lu: bind/unbind of the VF %s to pci-stub: %s",
					  i, r->vf[0].bdf, en(ret));
				break;
			}
			r->binds++;
		}
		let_reader_see(r);
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
		let_reader_see(r);
	}
	r->cycles = i;
	atomic_store(&r->toggling, false);
	return NULL;
}

/*
 * /dev/pci_liveupdate for a thread of the race, opened before the start
 * barrier so that every thread starts together; -1 with the failure
 * recorded (@who names the thread).
 */
static int open_at_start(struct race *r, const char *who)
{
	int fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	int err = errno;

	pthread_barrier_wait(&r->start);
	if (fd < 0)
		race_fail(&r->err, "%s: open " PLU_DEV ": %s", who,
			  strerror(err));
	return fd;
}

/*
 * MARK (with @flags) and UNMARK of the PF while the toggler runs, both
 * succeeding every time; @what names the MARK in a failure.  Return: the
 * pairs done.
 */
static unsigned long mark_unmark_pf(struct race *r, uint32_t flags,
				    const char *what)
{
	const struct tdev *pf = &devs[r->pf];
	unsigned long n;
	int fd, ret;

	fd = open_at_start(r, "PF marker");
	if (fd < 0)
		return 0;
	for (n = 0; atomic_load(&r->toggling) && !stopped(r) && n < opt_cap;
	     n++) {
		ret = do_mark(fd, PCI_LIVEUPDATE_IOCTL_MARK, pf->seg, pf->bus,
			      pf->devfn, flags, 0);
		if (ret) {
			race_fail(&r->err, "%s of the PF %s (iteration %lu): %s",
				  what, pf->bdf, n, en(ret));
			break;
		}
		ret = do_mark(fd, PCI_LIVEUPDATE_IOCTL_UNMARK, pf->seg, pf->bus,
			      pf->devfn, 0, 0);
		if (ret) {
			race_fail(&r->err, "UNMARK after %s of the PF %s "
				  "(iteration %lu): %s", what, pf->bdf, n,
				  en(ret));
			break;
		}
	}
	close(fd);
	return n;
}

static void *pf_marker(void *arg)
{
	struct race *r = arg;

	r->pf_pairs = mark_unmark_pf(r, 0, "MARK");
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

	fd = open_at_start(r, "VF marker");
	if (fd < 0)
		return NULL;
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

	fd = open_at_start(r, "reader");
	if (fd < 0)
		return NULL;
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

/* MARK with PCI_LIVEUPDATE_MARK_WITH_VFS and UNMARK of the PF: both succeed. */
static void *wv_marker(void *arg)
{
	struct race *r = arg;

	r->wv_pairs = mark_unmark_pf(r, PCI_LIVEUPDATE_MARK_WITH_VFS,
				     "MARK --with-vfs");
	return NULL;
}

/* The outgoing SRIOV ioctl of the PF, every answer checked. */
static void *sriov_reader(void *arg)
{
	struct pci_liveupdate_vf vfs[MAX_VFS + 1];
	struct pci_liveupdate_sriov q;
	struct race *r = arg;
	unsigned long n, ph0, ph1;
	bool settled, bound;
	char why[512];
	int fd, ret;

	fd = open_at_start(r, "SRIOV reader");
	if (fd < 0)
		return NULL;
	for (n = 0; atomic_load(&r->toggling) && !stopped(r) && n < opt_cap;
	     n++) {
		ph0 = atomic_load(&r->phase);
		ret = get_sriov(fd, &devs[r->pf], &q, vfs, MAX_VFS);
		ph1 = atomic_load(&r->phase);
		r->sr_reads++;
		if (ret == -ENOENT) {	/* not marked at that instant */
			r->sr_enoent++;
			continue;
		}
		if (ret) {
			race_fail(&r->err, "SRIOV of the PF: %s, expected 0 or ENOENT",
				  en(ret));
			break;
		}
		settled = ph0 == ph1 && !(ph0 & 1);
		if (!check_sriov(r, &q, vfs, settled, ph0 % 4 == 2, &bound,
				 why, sizeof(why))) {
			race_fail(&r->err, "SRIOV reader (phase %lu..%lu): %s",
				  ph0, ph1, why);
			break;
		}
		if (settled)
			atomic_store(&r->seen_phase, ph0);
		if (!settled)
			r->sr_moving++;
		else if (ph0 % 4 == 2)
			r->sr_on++;
		else
			r->sr_off++;
		r->sr_bound += bound;
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
	/* By index: the VF of index i is virtfn<i>, at the i-th address. */
	qsort(self->r.vf, self->r.nvfs, sizeof(self->r.vf[0]), cmp_addr);
	for (int i = 0; i < self->r.nvfs; i++) {
		unsigned long ven = 0, dev = 0;

		snprintf(p, sizeof(p), SYSFS_PCI "/%s/virtfn%d", opt_pf, i);
		ASSERT_TRUE(is_link_to(p, self->r.vf[i].bdf))
			TH_LOG("%s is not the VF %s", p, self->r.vf[i].bdf);
		ASSERT_TRUE(read_sysfs_ulong(self->r.vf[i].bdf, "vendor", &ven));
		ASSERT_TRUE(read_sysfs_ulong(self->r.vf[i].bdf, "device", &dev));
		self->r.vf_vendor[i] = ven;
		self->r.vf_device[i] = dev;
	}
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

/*
 * The SRIOV answer, with the PF marked with its VFs and sriov_numvfs
 * settled at @num: exactly the VFs 0 .. @num - 1, VF 0 on pci-stub if
 * @stub.
 */
static bool sriov_is(struct race *r, int fd, int num, bool stub, char *why,
		     size_t len)
{
	struct pci_liveupdate_vf vfs[MAX_VFS + 1];
	struct pci_liveupdate_sriov q;
	bool bound;
	int ret;

	ret = get_sriov(fd, &devs[r->pf], &q, vfs, MAX_VFS);
	if (ret) {
		snprintf(why, len, "SRIOV of the PF marked with its VFs: %s",
			 en(ret));
		return false;
	}
	if (q.num_vfs != num || q.count != (uint32_t)num) {
		snprintf(why, len, "SRIOV with sriov_numvfs %d: num_vfs %u, %u VFs recorded",
			 num, q.num_vfs, q.count);
		return false;
	}
	if (!check_sriov(r, &q, vfs, false, false, &bound, why, len))
		return false;
	if (bound != stub ||
	    (num && !str_is(vfs[0].driver_override,
			    sizeof(vfs[0].driver_override),
			    stub ? "pci-stub" : ""))) {
		snprintf(why, len, "SRIOV with sriov_numvfs %d: VF 0 driver \"%.*s\" driver_override \"%.*s\", expected %s",
			 num, (int)sizeof(vfs[0].driver), vfs[0].driver,
			 (int)sizeof(vfs[0].driver_override),
			 vfs[0].driver_override,
			 stub ? "pci-stub for both" : "none");
		return false;
	}
	return true;
}

static int set_numvfs(struct race *r, int n)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", n);
	return race_write(r->numvfs_path, s);
}

TEST_F_TIMEOUT(sriov, numvfs_vs_mark_with_vfs, 1800)
{
	struct race *r = &self->r;
	const struct tdev *pf = &devs[r->pf];
	pthread_t th[4];
	void *(*fn[4])(void *) = { toggler, wv_marker, sriov_reader, reader };
	struct pci_liveupdate_vf vfs[MAX_VFS + 1];
	struct pci_liveupdate_sriov q;
	uint64_t t0 = race_now_ms();
	bool nonempty;
	char why[512], p[PATH_MAX];
	int i, ret;

	pthread_mutex_init(&r->err.lock, NULL);
	atomic_store(&r->toggling, true);
	atomic_store(&r->seen_phase, ~0ul);
	r->bind_vf0 = true;
	r->with_vfs = true;
	ASSERT_EQ(0, pthread_barrier_init(&r->start, NULL, 4));
	TH_LOG("%lu cycles of echo %s/0 > %s with VF %s bound to pci-stub and unbound, racing MARK --with-vfs/UNMARK of %s and SRIOV",
	       opt_cycles, r->nvfs_str, r->numvfs_path, r->vf[0].bdf, pf->bdf);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fn[i], r));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%lu cycles (%lu binds) in %llu ms; PF mark --with-vfs + unmark %lu; SRIOV %lu reads: %lu ENOENT, %lu all VFs, %lu none, %lu during a write, %lu with VF 0 bound; %lu lists (%lu non-empty), %lu status reads",
	       r->cycles, r->binds,
	       (unsigned long long)(race_now_ms() - t0), r->wv_pairs,
	       r->sr_reads, r->sr_enoent, r->sr_on, r->sr_off, r->sr_moving,
	       r->sr_bound, r->lists, r->nonempty, r->statuses);
	ASSERT_EQ(0, r->err.msg[0]) TH_LOG("%s", r->err.msg);
	ASSERT_EQ(opt_cycles, r->cycles);
	ASSERT_EQ(opt_cycles, r->binds);
	/* The race really ran: marks and answers in every state. */
	ASSERT_LT(0ul, r->wv_pairs) TH_LOG("the PF was never marked during the cycles");
	ASSERT_LT(0ul, r->sr_on) TH_LOG("no SRIOV answer while all VFs existed");
	ASSERT_LT(0ul, r->sr_off) TH_LOG("no SRIOV answer while the VFs were gone");
	ASSERT_LT(0ul, r->sr_moving) TH_LOG("no SRIOV answer during an sriov_numvfs write");
	ASSERT_LT(0ul, r->lists);

	/*
	 * Quiet now: the notifier follows each change of a PF marked with
	 * its VFs.  Marked with none enabled, then 1 VF, bound to pci-stub,
	 * disabled, every VF; then marked with every VF enabled (MARK finds
	 * them), disabled.
	 */
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, pf->seg, pf->bus,
		      pf->devfn, PCI_LIVEUPDATE_MARK_WITH_VFS, 0);
	ASSERT_EQ(0, ret) TH_LOG("MARK --with-vfs of the PF after the race: %s",
				 en(ret));
	ASSERT_TRUE(check_list(r, self->fd, &nonempty, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_TRUE(nonempty) TH_LOG("the marked PF is not listed");
	ASSERT_TRUE(check_status(r, self->fd, why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_TRUE(sriov_is(r, self->fd, 0, false, why, sizeof(why)))
		TH_LOG("marked, VFs disabled: %s", why);
	ASSERT_EQ(0, set_numvfs(r, 1));
	ASSERT_TRUE(sriov_is(r, self->fd, 1, false, why, sizeof(why)))
		TH_LOG("echo 1 > sriov_numvfs: %s", why);
	ret = bind_vf0(&r->vf[0]);
	ASSERT_EQ(0, ret) TH_LOG("bind of the VF %s to pci-stub: %s",
				 r->vf[0].bdf, en(ret));
	ASSERT_TRUE(sriov_is(r, self->fd, 1, true, why, sizeof(why)))
		TH_LOG("VF 0 bound to pci-stub: %s", why);
	ASSERT_EQ(0, set_numvfs(r, 0));
	ASSERT_TRUE(sriov_is(r, self->fd, 0, false, why, sizeof(why)))
		TH_LOG("echo 0 > sriov_numvfs: %s", why);
	ASSERT_EQ(0, set_numvfs(r, r->nvfs));
	ASSERT_TRUE(sriov_is(r, self->fd, r->nvfs, false, why, sizeof(why)))
		TH_LOG("echo %d > sriov_numvfs: %s", r->nvfs, why);
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, pf->seg, pf->bus,
		      pf->devfn, 0, 0);
	ASSERT_EQ(0, ret) TH_LOG("UNMARK of the PF: %s", en(ret));
	ret = bind_vf0(&r->vf[0]);
	ASSERT_EQ(0, ret) TH_LOG("bind of the VF %s to pci-stub: %s",
				 r->vf[0].bdf, en(ret));
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, pf->seg, pf->bus,
		      pf->devfn, PCI_LIVEUPDATE_MARK_WITH_VFS, 0);
	ASSERT_EQ(0, ret) TH_LOG("MARK --with-vfs of the PF with its VFs enabled: %s",
				 en(ret));
	ASSERT_TRUE(sriov_is(r, self->fd, r->nvfs, true, why, sizeof(why)))
		TH_LOG("marked with %d VFs enabled, VF 0 on pci-stub: %s",
		       r->nvfs, why);
	snprintf(p, sizeof(p), SYSFS_PCI "/%s/driver/unbind", r->vf[0].bdf);
	ASSERT_EQ(0, race_write(p, r->vf[0].bdf));
	ASSERT_EQ(0, set_numvfs(r, 0));
	ASSERT_TRUE(sriov_is(r, self->fd, 0, false, why, sizeof(why)))
		TH_LOG("echo 0 > sriov_numvfs: %s", why);
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, pf->seg, pf->bus,
		      pf->devfn, 0, 0);
	ASSERT_EQ(0, ret) TH_LOG("UNMARK of the PF: %s", en(ret));
	ret = get_sriov(self->fd, pf, &q, vfs, MAX_VFS);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("SRIOV of the unmarked PF: %s", en(ret));

	ret = race_write("/sys/bus/pci/rescan", "1");
	ASSERT_EQ(0, ret) TH_LOG("echo 1 > /sys/bus/pci/rescan: %s", en(ret));
	ASSERT_TRUE(pf_bound(opt_pf)) TH_LOG("%s lost its driver", opt_pf);
	ASSERT_TRUE(check_list(r, self->fd, &nonempty, why, sizeof(why)))
		TH_LOG("%s", why);
	ASSERT_FALSE(nonempty) TH_LOG("outgoing set not empty at the end");
	ASSERT_TRUE(check_status(r, self->fd, why, sizeof(why))) TH_LOG("%s", why);
}

/*
 * PLU_RACE_FREEZE=FILE (the sriov-freeze-race scenario): no tests; the
 * background half of a kexec racing SR-IOV changes.  Preserve
 * /dev/pci_liveupdate in LUO session "sfr" (the CLI's token), so that
 * every change from now on is written through to the KHO image, then
 * PLU_RACE_CYCLES cycles of: enable every VF, bind VF 0 to pci-stub,
 * unbind it, disable the VFs; FILE is created after
 * PLU_RACE_FREEZE_WARMUP cycles (default 3), the stage's cue to kexec.
 * Returns only if it ran out of cycles (2) or a step failed (1); the
 * kexec is meant to come first.
 */
#define FREEZE_TOKEN	0x706c75ULL	/* tools/cli.h's PLU_SESSION_TOKEN */

static int freeze_toggler(const char *ready)
{
	unsigned long warm = race_env("PLU_RACE_FREEZE_WARMUP", 3), i;
	char numvfs[PATH_MAX], total[24], p[PATH_MAX], link[PATH_MAX];
	struct addr vf0 = { .bdf = "" };
	unsigned long tot = 0;
	int plu, luo, sess, ret = 0;
	const char *step = "";

	snprintf(numvfs, sizeof(numvfs), SYSFS_PCI "/%s/sriov_numvfs", opt_pf);
	if (!read_sysfs_ulong(opt_pf, "sriov_totalvfs", &tot) || !tot) {
		printf("# freeze toggler: %s is not SR-IOV capable\n", opt_pf);
		return 1;
	}
	snprintf(total, sizeof(total), "%lu", tot);
	plu = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	luo = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);
	if (plu < 0 || luo < 0) {
		printf("# freeze toggler: open: %s\n", strerror(errno));
		return 1;
	}
	sess = luo_session(luo, "sfr");
	ret = sess < 0 ? sess : luo_preserve(sess, plu, FREEZE_TOKEN);
	if (ret) {
		printf("# freeze toggler: LUO session sfr, PRESERVE_FD: %s\n",
		       en(ret));
		return 1;
	}
	printf("# freeze toggler: preserved in session sfr; %lu cycles of %s/0 > %s\n",
	       opt_cycles, total, numvfs);
	fflush(stdout);
	for (i = 0; i < opt_cycles; i++) {
		step = "enable";
		ret = race_write(numvfs, total);
		if (ret)
			break;
		if (!vf0.bdf[0]) {
			step = "find VF 0";
			snprintf(p, sizeof(p), SYSFS_PCI "/%s/virtfn0", opt_pf);
			ret = readlink(p, link, sizeof(link) - 1);
			if (ret <= 0) {
				ret = -errno;
				break;
			}
			link[ret] = 0;
			snprintf(vf0.bdf, sizeof(vf0.bdf), "%.31s",
				 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
		}
		step = "bind VF 0 to pci-stub";
		ret = bind_vf0(&vf0);
		if (ret)
			break;
		step = "unbind VF 0";
		snprintf(p, sizeof(p), SYSFS_PCI "/%s/driver/unbind", vf0.bdf);
		ret = race_write(p, vf0.bdf);
		if (ret)
			break;
		step = "disable";
		ret = race_write(numvfs, "0");
		if (ret)
			break;
		if (i + 1 == warm) {
			step = "create the ready file";
			ret = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (ret < 0) {
				ret = -errno;
				break;
			}
			close(ret);
			ret = 0;
		}
	}
	printf("# freeze toggler: %lu cycles%s%s%s%s\n", i, ret ? "; " : "",
	       ret ? step : "", ret ? ": " : "", ret ? en(ret) : "");
	fflush(stdout);
	return ret ? 1 : 2;
}

int main(int argc, char **argv)
{
	const char *env = getenv("PLU_RACE_PF");
	const char *freeze = getenv("PLU_RACE_FREEZE");

	if (env && *env)
		opt_pf = env;
	opt_cycles = race_env("PLU_RACE_CYCLES", opt_cycles);
	opt_cap = race_env("PLU_RACE_CAP", opt_cap);
	if (freeze && *freeze)
		return freeze_toggler(freeze);
	if (!discover())
		ndevs = 0;	/* setup fails with the reason */
	printf("# pci-liveupdate sriov_race_test: PF %s, %lu cycles\n", opt_pf,
	       opt_cycles);
	fflush(stdout);
	return test_harness_run(argc, argv);
}
