// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest tests of every /dev/pci_liveupdate ioctl, success and error
 * paths, against include/uapi/linux/pci_liveupdate.h.
 *
 * Needs the module loaded and no LUO session holding the file.  Devices are
 * discovered from /sys/bus/pci/devices (readlink gives the topology, physfn
 * marks a VF, the config header type marks a bridge), so no BDF is assumed.
 * A test that needs a kind of device the machine lacks (e.g. no VF) fails
 * with a message saying what is missing; nothing is skipped.
 *
 * Every test starts from an empty outgoing set (checked in setup) and the
 * fixture teardown unmarks whatever is still marked.  The outgoing set is
 * compared field by field with a model computed from sysfs.
 *
 * Options (before the harness's own -t/-f/... options):
 *   --incoming=none|active|rejected|finished|any
 *                    expected STATUS.incoming_state (default none, i.e. a
 *                    first boot; env PLU_EXPECT_INCOMING)
 *   --seed=N         seed of the abuse loop (env PLU_SEED; default: time)
 *   --iterations=N   abuse loop iterations (env PLU_ITERATIONS; 20000)
 *   --endpoint=BDF   endpoint behind a bridge to use (env PLU_ENDPOINT)
 *   --vf=BDF         SR-IOV VF to use (env PLU_VF)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/pci_liveupdate.h>

#include "kselftest_harness.h"
#include "plu_test.h"

/* ------------------------------------------------------------------ */
/* Options                                                             */

static int opt_incoming = PCI_LIVEUPDATE_INCOMING_NONE;	/* -1: any */
static uint64_t opt_seed;
static bool opt_seed_set;
static unsigned long opt_iterations = 20000;
static const char *opt_endpoint;
static const char *opt_vf;

/* ------------------------------------------------------------------ */
/* Devices from sysfs                                                  */

static uint64_t dev_key(int i)
{
	return key_of(devs[i].seg, devs[i].bus, devs[i].devfn);
}

static bool is_below(int i, int bridge)
{
	int k;

	for (k = 0; k < devs[i].nanc; k++)
		if (devs[i].anc[k] == bridge)
			return true;
	return false;
}

/* Endpoint (not a bridge, not a VF) with the most bridges above it. */
static int pick_endpoint(void)
{
	int i, best = -1;

	if (opt_endpoint) {
		i = find_bdf(opt_endpoint);
		return i >= 0 && !devs[i].vf && devs[i].nanc ? i : -1;
	}
	for (i = 0; i < ndevs; i++) {
		if (devs[i].vf || devs[i].bridge || !devs[i].nanc)
			continue;
		if (best < 0 || devs[i].nanc > devs[best].nanc)
			best = i;
	}
	return best;
}

static int pick_vf(void)
{
	int i;

	if (opt_vf)
		return find_bdf(opt_vf);
	for (i = 0; i < ndevs; i++)
		if (devs[i].vf)
			return i;
	return -1;
}

/* SR-IOV PFs (sriov_totalvfs readable) and their VFs, from sysfs. */
#define MAX_PF_VFS	16
static int pf_total[MAX_DEVS];		/* sriov_totalvfs; -1: not a PF */
static int pf_nvfs[MAX_DEVS];		/* sriov_numvfs, at most MAX_PF_VFS */
static int pf_vf[MAX_DEVS][MAX_PF_VFS];	/* device index of VF n, or -1 */

static void discover_sriov(void)
{
	unsigned long v;
	int i, n;

	for (i = 0; i < ndevs; i++) {
		pf_total[i] = -1;
		pf_nvfs[i] = 0;
		if (devs[i].vf || !read_sysfs_ulong(devs[i].bdf, "sriov_totalvfs",
						    &v))
			continue;
		pf_total[i] = v;
		if (read_sysfs_ulong(devs[i].bdf, "sriov_numvfs", &v))
			pf_nvfs[i] = v < MAX_PF_VFS ? v : MAX_PF_VFS;
		for (n = 0; n < pf_nvfs[i]; n++) {
			char p[256], link[256], *b;
			ssize_t len;

			pf_vf[i][n] = -1;
			snprintf(p, sizeof(p), SYSFS_PCI "/%.31s/virtfn%d",
				 devs[i].bdf, n);
			len = readlink(p, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = 0;
			b = strrchr(link, '/');
			pf_vf[i][n] = find_bdf(b ? b + 1 : link);
		}
	}
}

static bool is_pf(int i)
{
	return i >= 0 && pf_total[i] >= 0;
}

/* A PF with VFs enabled, or -1. */
static int pick_pf(void)
{
	int i;

	for (i = 0; i < ndevs; i++)
		if (is_pf(i) && pf_nvfs[i] > 0)
			return i;
	return -1;
}

static void bound_driver(const char *bdf, char *buf, size_t len);

/*
 * A bridge with two markable devices below it; endpoints preferred, then
 * any pair (the second may be a bridge below the same bridge).
 */
static bool pick_pair(int *bridge, int *x, int *y)
{
	int pass, b, i, j;

	for (pass = 0; pass < 2; pass++) {
		for (b = 0; b < ndevs; b++) {
			if (!devs[b].bridge || devs[b].vf)
				continue;
			for (i = 0; i < ndevs; i++) {
				if (devs[i].vf || !is_below(i, b) ||
				    (!pass && devs[i].bridge))
					continue;
				for (j = i + 1; j < ndevs; j++) {
					if (devs[j].vf || !is_below(j, b) ||
					    (!pass && devs[j].bridge))
						continue;
					*bridge = b;
					*x = i;
					*y = j;
					return true;
				}
			}
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Model of the outgoing set                                           */

struct model {
	bool marked[MAX_DEVS];
	bool rebind[MAX_DEVS];
	bool withvfs[MAX_DEVS];		/* PCI_LIVEUPDATE_MARK_WITH_VFS */
	bool autoprobe[MAX_DEVS];	/* PCI_LIVEUPDATE_MARK_VF_AUTOPROBE */
};

static void expect_record(int i, const struct model *m, unsigned int refs,
			  struct pci_liveupdate_device *e)
{
	const struct tdev *d = &devs[i];

	memset(e, 0, sizeof(*e));
	e->segment = d->seg;
	e->bus = d->bus;
	e->devfn = d->devfn;
	if (m->marked[i])
		e->flags |= PCI_LIVEUPDATE_DEV_MARKED;
	if (refs)
		e->flags |= PCI_LIVEUPDATE_DEV_AUTO;
	if (d->bridge)
		e->flags |= PCI_LIVEUPDATE_DEV_BRIDGE;
	if (d->dsn)
		e->flags |= PCI_LIVEUPDATE_DEV_DSN;
	if (m->marked[i] && m->rebind[i])
		e->flags |= PCI_LIVEUPDATE_DEV_REBIND;
	if (m->marked[i] && m->withvfs[i])
		e->flags |= PCI_LIVEUPDATE_DEV_WITH_VFS;
	if (strlen(d->driver) > PCI_LIVEUPDATE_DRIVER_WIRE_LEN)
		e->flags |= PCI_LIVEUPDATE_DEV_DRIVER_TRUNC;
	e->vendor = d->vendor;
	e->device = d->device;
	e->subsystem_vendor = d->ssvid;
	e->subsystem_device = d->ssid;
	e->class_code = d->class;
	e->revision = d->revision;
	e->root_bus = d->root_bus;
	e->path_depth = d->depth;
	e->refs = refs;
	memcpy(e->path, d->path, d->depth < PCI_LIVEUPDATE_PATH_MAX ?
	       d->depth : PCI_LIVEUPDATE_PATH_MAX);
	e->dsn = d->dsn ? d->dsn_val : 0;
	snprintf(e->driver, sizeof(e->driver), "%s", d->driver);
}

/* Expected LIST_OUTGOING, sorted; @idx gets the device index of each. */
static uint32_t model_build(const struct model *m,
			    struct pci_liveupdate_device *out, int *idx)
{
	unsigned int refs[MAX_DEVS] = { 0 };
	uint32_t n = 0;
	int i, k;

	for (i = 0; i < ndevs; i++)
		if (m->marked[i])
			for (k = 0; k < devs[i].nanc; k++)
				refs[devs[i].anc[k]]++;
	for (i = 0; i < ndevs; i++) {
		if (!m->marked[i] && !refs[i])
			continue;
		if (out)
			expect_record(i, m, refs[i], &out[n]);
		if (idx)
			idx[n] = i;
		n++;
	}
	return n;
}

static uint32_t model_marked(const struct model *m)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < ndevs; i++)
		n += m->marked[i];
	return n;
}

static bool model_tracked(const struct model *m, int dev)
{
	int i, k;

	if (m->marked[dev])
		return true;
	for (i = 0; i < ndevs; i++)
		if (m->marked[i])
			for (k = 0; k < devs[i].nanc; k++)
				if (devs[i].anc[k] == dev)
					return true;
	return false;
}

/* Compare the documented fields; describe the first difference. */
static bool rec_matches(const struct pci_liveupdate_device *g,
			const struct pci_liveupdate_device *e,
			char *why, size_t len)
{
#define CMP(f) do {							\
		if (g->f != e->f) {					\
			snprintf(why, len, #f " is %#llx, expected %#llx",	\
				 (unsigned long long)g->f,		\
				 (unsigned long long)e->f);		\
			return false;					\
		}							\
	} while (0)
	CMP(segment);
	CMP(bus);
	CMP(devfn);
	CMP(flags);
	CMP(vendor);
	CMP(device);
	CMP(subsystem_vendor);
	CMP(subsystem_device);
	CMP(class_code);
	CMP(revision);
	CMP(root_bus);
	CMP(path_depth);
	CMP(verdict);
	CMP(refs);
	if (e->flags & PCI_LIVEUPDATE_DEV_DSN)
		CMP(dsn);
#undef CMP
	if (memcmp(g->path, e->path, e->path_depth)) {
		snprintf(why, len, "path differs from the sysfs topology");
		return false;
	}
	if (!memchr(g->driver, 0, sizeof(g->driver))) {
		snprintf(why, len, "driver is not NUL terminated");
		return false;
	}
	if (strcmp(g->driver, e->driver)) {
		snprintf(why, len, "driver is \"%s\", sysfs says \"%s\"",
			 g->driver, e->driver);
		return false;
	}
	return true;
}

/* Is device @i in the outgoing set (it may also be in the incoming one)? */
static bool in_outgoing(int fd, int i)
{
	struct pci_liveupdate_query q;

	return !do_query(fd, i, &q) && (q.found & PCI_LIVEUPDATE_FOUND_OUTGOING);
}

/* A page that is never readable; a page read-only; both stay mapped. */
static void *none_page(void)
{
	void *p = mmap(NULL, getpagesize(), PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* @len usable bytes followed by a PROT_NONE guard page. */
static uint8_t *guarded(size_t len)
{
	size_t pg = getpagesize(), sz = (len + pg - 1) / pg * pg;
	uint8_t *p = mmap(NULL, sz + pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + sz, pg, PROT_NONE)) {
		munmap(p, sz + pg);
		return NULL;
	}
	/* Return the start such that exactly @len bytes precede the guard. */
	return p + sz - len;
}

/* ------------------------------------------------------------------ */
/* SRIOV against the model                                             */

#define VFSZ	sizeof(struct pci_liveupdate_vf)

static int do_sriov(int fd, uint32_t seg, uint8_t bus, uint8_t devfn,
		    uint32_t flags, uint32_t count, uint32_t esz, void *buf,
		    struct pci_liveupdate_sriov *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->flags = flags;
	q->segment = seg;
	q->bus = bus;
	q->devfn = devfn;
	q->count = count;
	q->entry_size = esz;
	q->vfs = (uintptr_t)buf;
	return xioctl(fd, PCI_LIVEUPDATE_IOCTL_SRIOV, q);
}

/*
 * The outgoing SRIOV answer for PF @pf, marked with its VFs: the
 * configuration sysfs shows and, if @vfs, its @q->count VFs @esz bytes
 * apart, each the VF of its index with its ids and its driver as sysfs
 * shows it now, nothing past the struct written.
 */
static bool sriov_matches(const struct model *m, int pf,
			  const struct pci_liveupdate_sriov *q,
			  const uint8_t *vfs, size_t esz, char *why, size_t len)
{
	uint32_t want_flags = m->autoprobe[pf] ? PCI_LIVEUPDATE_SRIOV_AUTOPROBE : 0;
	uint32_t i;

	if (q->num_vfs != pf_nvfs[pf] || q->total_vfs != pf_total[pf] ||
	    q->sriov_flags != want_flags || q->count != (uint32_t)pf_nvfs[pf]) {
		snprintf(why, len, "SRIOV of %s: num_vfs %u total_vfs %u sriov_flags %#x count %u; sysfs and model say %d %d %#x %d",
			 devs[pf].bdf, q->num_vfs, q->total_vfs, q->sriov_flags,
			 q->count, pf_nvfs[pf], pf_total[pf], want_flags,
			 pf_nvfs[pf]);
		return false;
	}
	for (i = 0; vfs && i < q->count; i++) {
		struct pci_liveupdate_vf v;
		int d = pf_vf[pf][i];
		char drv[64];

		memcpy(&v, vfs + i * esz, VFSZ);
		if (d < 0) {
			snprintf(why, len, "no sysfs virtfn%u of %s", i,
				 devs[pf].bdf);
			return false;
		}
		if (v.index != i || v.vendor != devs[d].vendor ||
		    v.device != devs[d].device ||
		    v.subsystem_vendor != devs[d].ssvid ||
		    v.subsystem_device != devs[d].ssid ||
		    v.bus != devs[d].bus || v.devfn != devs[d].devfn ||
		    v.verdict || v.flags & ~PCI_LIVEUPDATE_VF_FLAGS_ALL) {
			snprintf(why, len, "SRIOV of %s: VF entry %u is index %u %04x:%04x %02x:%02x.%x verdict %u flags %#x, expected VF %s",
				 devs[pf].bdf, i, v.index, v.vendor, v.device,
				 v.bus, v.devfn >> 3, v.devfn & 7, v.verdict,
				 v.flags, devs[d].bdf);
			return false;
		}
		if (!memchr(v.driver, 0, sizeof(v.driver)) ||
		    !memchr(v.driver_override, 0, sizeof(v.driver_override))) {
			snprintf(why, len, "SRIOV of %s: VF %u: a string is not NUL terminated",
				 devs[pf].bdf, i);
			return false;
		}
		bound_driver(devs[d].bdf, drv, sizeof(drv));
		if (strncmp(v.driver, drv, sizeof(v.driver) - 1)) {
			snprintf(why, len, "SRIOV of %s: VF %u driver \"%s\", sysfs says \"%s\"",
				 devs[pf].bdf, i, v.driver, drv);
			return false;
		}
		for (size_t j = VFSZ; j < esz; j++)
			if (vfs[i * esz + j]) {
				snprintf(why, len, "SRIOV of %s: VF entry %u tail byte %zu not zeroed",
					 devs[pf].bdf, i, j);
				return false;
			}
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Incoming keys (to choose untracked devices on a later boot)        */

static uint64_t in_keys[MAX_DEVS * 4];
static uint32_t n_in_keys;

static void load_incoming_keys(int fd)
{
	static struct pci_liveupdate_device buf[MAX_DEVS * 4];
	uint32_t count = MAX_DEVS * 4, i;

	n_in_keys = 0;
	if (do_list(fd, PCI_LIVEUPDATE_IOCTL_LIST_INCOMING, buf, &count,
		    sizeof(buf[0]), 0))
		return;
	for (i = 0; i < count; i++)
		in_keys[n_in_keys++] = key_of(buf[i].segment, buf[i].bus,
					      buf[i].devfn);
}

static bool in_incoming(uint64_t key)
{
	uint32_t i;

	for (i = 0; i < n_in_keys; i++)
		if (in_keys[i] == key)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

FIXTURE(plu) {
	int fd;
	struct model m;
};

static void check_outgoing(struct __test_metadata *_metadata, int fd,
			   const struct model *m, const char *when)
{
	static struct pci_liveupdate_device got[MAX_DEVS + 1];
	static struct pci_liveupdate_device exp[MAX_DEVS];
	struct pci_liveupdate_status st;
	uint32_t n = model_build(m, exp, NULL), count = MAX_DEVS + 1, i;
	char why[256];
	int ret;

	ret = list_outgoing(fd, got, &count);
	ASSERT_EQ(0, ret) TH_LOG("%s: LIST_OUTGOING: %s", when, en(ret));
	ASSERT_EQ(n, count) TH_LOG("%s: LIST_OUTGOING has %u devices, expected %u",
				   when, count, n);
	for (i = 0; i + 1 < count; i++) {
		uint64_t a = key_of(got[i].segment, got[i].bus, got[i].devfn);
		uint64_t b = key_of(got[i + 1].segment, got[i + 1].bus,
				    got[i + 1].devfn);

		ASSERT_LT(a, b) TH_LOG("%s: LIST_OUTGOING not sorted at entry %u",
				       when, i);
	}
	for (i = 0; i < count; i++) {
		bool ok = rec_matches(&got[i], &exp[i], why, sizeof(why));

		ASSERT_TRUE(ok) TH_LOG("%s: entry %u (%04x:%02x:%02x.%x): %s",
				       when, i, got[i].segment, got[i].bus,
				       got[i].devfn >> 3, got[i].devfn & 7, why);
	}
	ret = get_status(fd, &st);
	ASSERT_EQ(0, ret) TH_LOG("%s: STATUS: %s", when, en(ret));
	ASSERT_EQ(model_marked(m), st.marked) TH_LOG("%s: STATUS.marked", when);
	ASSERT_EQ(n, st.outgoing) TH_LOG("%s: STATUS.outgoing", when);
}

#define CHECK(when) check_outgoing(_metadata, self->fd, &self->m, when)

#define MARK_OK(i, flags) do {						\
		int __r = mark_dev(self->fd, (i), (flags));		\
		ASSERT_EQ(0, __r) TH_LOG("MARK %s: %s", devs[i].bdf, en(__r)); \
		self->m.marked[i] = true;				\
		self->m.rebind[i] = !!((flags) & PCI_LIVEUPDATE_MARK_REBIND); \
		self->m.withvfs[i] = !!((flags) & PCI_LIVEUPDATE_MARK_WITH_VFS); \
		self->m.autoprobe[i] =					\
			!!((flags) & PCI_LIVEUPDATE_MARK_VF_AUTOPROBE);	\
	} while (0)

#define UNMARK_OK(i) do {						\
		int __r = unmark_dev(self->fd, (i));			\
		ASSERT_EQ(0, __r) TH_LOG("UNMARK %s: %s", devs[i].bdf, en(__r)); \
		self->m.marked[i] = false;				\
		self->m.rebind[i] = false;				\
		self->m.withvfs[i] = false;				\
		self->m.autoprobe[i] = false;				\
	} while (0)

FIXTURE_SETUP(plu)
{
	struct pci_liveupdate_status st;

	memset(&self->m, 0, sizeof(self->m));
	ASSERT_TRUE(ndevs > 0) TH_LOG("device discovery failed: %s",
				      discover_error);
	self->fd = plu_fixture_open(_metadata, &st);
	load_incoming_keys(self->fd);
}

FIXTURE_TEARDOWN(plu)
{
	if (self->fd < 0)
		return;
	unmark_all(self->fd);
	close(self->fd);
}

/* ------------------------------------------------------------------ */
/* STATUS                                                              */

static void check_status_fields(struct __test_metadata *_metadata,
				const struct pci_liveupdate_status *st)
{
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_UAPI_VERSION, st->uapi_version);
	ASSERT_EQ(3u, st->wire_version);	/* SR-IOV records since 3 */
	ASSERT_TRUE(st->binding == PCI_LIVEUPDATE_BINDING_DIRECT ||
		    st->binding == PCI_LIVEUPDATE_BINDING_KPROBE)
		TH_LOG("binding %u", st->binding);
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATE_IDLE, st->state)
		TH_LOG("state %u: is a LUO session holding the file?", st->state);
	ASSERT_EQ(0ull, (unsigned long long)st->kho_bytes)
		TH_LOG("kho_bytes must be 0 while idle");
	ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_STATUS_LUO_READY, st->flags)
		TH_LOG("flags %#x: a loaded module is registered with LUO", st->flags);
	ASSERT_TRUE(st->incoming_state <= PCI_LIVEUPDATE_INCOMING_FINISHED)
		TH_LOG("incoming_state %u", st->incoming_state);
	if (opt_incoming >= 0) {
		ASSERT_EQ((uint32_t)opt_incoming, st->incoming_state)
			TH_LOG("incoming_state (see --incoming)");
	}
	if (st->incoming_state == PCI_LIVEUPDATE_INCOMING_NONE) {
		ASSERT_EQ(0u, st->incoming);
		ASSERT_EQ(0, st->incoming_error);
	}
	if (st->incoming_state == PCI_LIVEUPDATE_INCOMING_REJECTED) {
		ASSERT_TRUE(st->incoming_error < 0)
			TH_LOG("rejected without an error");
		ASSERT_EQ(0u, st->incoming);
	} else {
		ASSERT_EQ(0, st->incoming_error);
	}
}

TEST_F(plu, status_basic)
{
	struct pci_liveupdate_status st;
	int ret;

	memset(&st, 0xa5, sizeof(st));	/* output fields are ignored */
	st.size = sizeof(st);
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, &st);
	ASSERT_EQ(0, ret) TH_LOG("STATUS: %s", en(ret));
	ASSERT_EQ((uint32_t)sizeof(st), st.size);
	check_status_fields(_metadata, &st);
	ASSERT_EQ(0u, st.marked);
	ASSERT_EQ(0u, st.outgoing);
}

TEST_F(plu, status_short_size)
{
	uint32_t sizes[] = { 0, 1, 4, 8, sizeof(struct pci_liveupdate_status) - 8,
			     sizeof(struct pci_liveupdate_status) - 1 };
	struct pci_liveupdate_status st;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&st, 0, sizeof(st));
		st.size = sizes[i];
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, &st);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("STATUS size %u: %s", sizes[i],
					       en(ret));
		ASSERT_EQ(0u, st.uapi_version) TH_LOG("failed STATUS wrote back");
	}
}

TEST_F(plu, status_larger_zero_tail)
{
	size_t sizes[] = { sizeof(struct pci_liveupdate_status) + 1,
			   sizeof(struct pci_liveupdate_status) + 8,
			   4096, 65536 };
	size_t k = sizeof(struct pci_liveupdate_status), i, j;
	struct pci_liveupdate_status st;
	uint8_t *buf;
	int ret;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf = calloc(1, sizes[i]);
		ASSERT_NE(NULL, buf);
		*(uint32_t *)buf = sizes[i];
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, buf);
		ASSERT_EQ(0, ret) TH_LOG("STATUS size %zu, zero tail: %s",
					 sizes[i], en(ret));
		memcpy(&st, buf, k);
		ASSERT_EQ((uint32_t)sizes[i], st.size);
		check_status_fields(_metadata, &st);
		for (j = k; j < sizes[i]; j++) {
			ASSERT_EQ(0, buf[j]) TH_LOG("byte %zu past the struct written",
						    j);
		}
		free(buf);
	}
}

TEST_F(plu, status_larger_nonzero_tail)
{
	size_t k = sizeof(struct pci_liveupdate_status);
	size_t cases[][2] = {	/* size, offset of the non-zero byte */
		{ k + 1, k }, { k + 8, k + 7 }, { 4096, k }, { 4096, 4095 },
		{ 65536, 40000 },
	};
	uint8_t *buf;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf = calloc(1, cases[i][0]);
		ASSERT_NE(NULL, buf);
		*(uint32_t *)buf = cases[i][0];
		buf[cases[i][1]] = 0x01;
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, buf);
		ASSERT_EQ(-E2BIG, ret) TH_LOG("STATUS size %zu, byte %zu set: %s",
					      cases[i][0], cases[i][1], en(ret));
		free(buf);
	}
}

TEST_F(plu, status_efault)
{
	size_t k = sizeof(struct pci_liveupdate_status);
	long pg = getpagesize();
	uint8_t *none = none_page(), *g = guarded(pg), *ro;
	int ret;

	ASSERT_NE(NULL, none);
	ASSERT_NE(NULL, g);

	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, NULL);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("NULL: %s", en(ret));
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, (void *)16);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("address 16: %s", en(ret));
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS,
		     (void *)0x8000000000000000ull);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("non-canonical: %s", en(ret));
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS,
		     (void *)0xffffffff81000000ull);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("kernel address: %s", en(ret));
	/* The size field itself is unreadable. */
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, none);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("PROT_NONE page: %s", en(ret));
	/* The size field straddles the guard page. */
	g[pg - 2] = 0x38;
	g[pg - 1] = 0;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, g + pg - 2);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("size field half readable: %s", en(ret));
	/* Size readable, the rest of the struct is not. */
	memset(g, 0, pg);
	*(uint32_t *)(g + pg - 8) = k;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, g + pg - 8);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("struct runs into a guard page: %s",
				       en(ret));
	/* Readable struct, but the zero tail runs into the guard page. */
	memset(g, 0, pg);
	*(uint32_t *)g = pg + 64;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, g);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("tail runs into a guard page: %s", en(ret));
	/* Readable but not writable: the answer cannot be written back. */
	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	*(uint32_t *)ro = k;
	ASSERT_EQ(0, mprotect(ro, pg, PROT_READ));
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, ro);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("read-only buffer: %s", en(ret));
}

TEST_F(plu, status_unaligned)
{
	size_t k = sizeof(struct pci_liveupdate_status);
	struct pci_liveupdate_status st;
	_Alignas(64) char buf[sizeof(st) + 64];
	uint32_t size = k;
	int off, ret;

	for (off = 1; off < 8; off += 2) {
		memset(buf, 0, sizeof(buf));
		memcpy(buf + off, &size, sizeof(size));
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_STATUS, buf + off);
		ASSERT_EQ(0, ret) TH_LOG("STATUS at offset %d: %s", off, en(ret));
		memcpy(&st, buf + off, k);
		check_status_fields(_metadata, &st);
		ASSERT_EQ(0, buf[off - 1]) TH_LOG("byte before the struct written");
		ASSERT_EQ(0, buf[off + k]) TH_LOG("byte after the struct written");
	}
}

/* ------------------------------------------------------------------ */
/* Unknown ioctls                                                      */

TEST_F(plu, unknown_ioctls)
{
	struct pci_liveupdate_status st = { .size = sizeof(st) };
	unsigned int types[] = { 0xBA, 0xBC, 0xB0, 0xFE, 0x01 };
	unsigned int dirs[] = { _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE };
	unsigned int sizes[] = { 0, 4, sizeof(st), 0x3fff };
	unsigned int nr, t, d, s;
	unsigned long cmd;
	int ret;

	for (nr = PCI_LIVEUPDATE_CMD_SRIOV + 1; nr <= 255; nr++) {
		ret = xioctl(self->fd, _IO(PCI_LIVEUPDATE_IOCTL_TYPE, nr), &st);
		ASSERT_EQ(-ENOTTY, ret) TH_LOG("nr %#x: %s", nr, en(ret));
		ret = xioctl(self->fd, _IO(PCI_LIVEUPDATE_IOCTL_TYPE, nr), NULL);
		ASSERT_EQ(-ENOTTY, ret) TH_LOG("nr %#x, NULL: %s", nr, en(ret));
	}
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (nr = 0; nr <= PCI_LIVEUPDATE_CMD_SRIOV + 1; nr++) {
			ret = xioctl(self->fd, _IO(types[t], nr), &st);
			ASSERT_EQ(-ENOTTY, ret) TH_LOG("type %#x nr %u: %s",
						       types[t], nr, en(ret));
		}
	/* Valid numbers with a direction or size encoded. */
	for (nr = 0; nr <= PCI_LIVEUPDATE_CMD_SRIOV; nr++)
		for (d = 0; d < 3; d++)
			for (s = 0; s < 4; s++) {
				cmd = _IOC(dirs[d], PCI_LIVEUPDATE_IOCTL_TYPE, nr,
					   sizes[s]);
				ret = xioctl(self->fd, cmd, &st);
				ASSERT_EQ(-ENOTTY, ret)
					TH_LOG("cmd %#lx (nr %u dir %u size %u): %s",
					       cmd, nr, dirs[d], sizes[s], en(ret));
			}
	for (s = 1; s < 4; s++) {
		cmd = _IOC(_IOC_NONE, PCI_LIVEUPDATE_IOCTL_TYPE,
			   PCI_LIVEUPDATE_CMD_STATUS, sizes[s]);
		ret = xioctl(self->fd, cmd, &st);
		ASSERT_EQ(-ENOTTY, ret) TH_LOG("cmd %#lx: %s", cmd, en(ret));
	}
	/* The fd still works and nothing changed. */
	ret = get_status(self->fd, &st);
	ASSERT_EQ(0, ret);
	CHECK("after unknown ioctls");
}

/* ------------------------------------------------------------------ */
/* MARK / UNMARK                                                       */

TEST_F(plu, mark_endpoint_behind_bridge)
{
	int e = pick_endpoint(), ret, k;
	struct pci_liveupdate_query q;

	ASSERT_LE(0, e) TH_LOG("no endpoint behind a bridge found%s%s",
			       opt_endpoint ? " for --endpoint=" : "",
			       opt_endpoint ? opt_endpoint : "");
	TH_LOG("endpoint %s (%d bridge(s) above)", devs[e].bdf, devs[e].nanc);
	MARK_OK(e, 0);
	CHECK("after MARK of the endpoint");
	/* The bridges above: tracked, AUTO|BRIDGE, one ref each. */
	for (k = 0; k < devs[e].nanc; k++) {
		int b = devs[e].anc[k];

		ret = do_query(self->fd, b, &q);
		ASSERT_EQ(0, ret) TH_LOG("QUERY bridge %s: %s", devs[b].bdf,
					 en(ret));
		ASSERT_EQ(PCI_LIVEUPDATE_DEV_AUTO | PCI_LIVEUPDATE_DEV_BRIDGE,
			  q.outgoing.flags & (PCI_LIVEUPDATE_DEV_AUTO |
					      PCI_LIVEUPDATE_DEV_BRIDGE |
					      PCI_LIVEUPDATE_DEV_MARKED));
		ASSERT_EQ(1, q.outgoing.refs);
	}
	ret = mark_dev(self->fd, e, 0);
	ASSERT_EQ(-EEXIST, ret) TH_LOG("second MARK: %s", en(ret));
	ret = mark_dev(self->fd, e, PCI_LIVEUPDATE_MARK_REBIND);
	ASSERT_EQ(-EEXIST, ret) TH_LOG("second MARK with REBIND: %s", en(ret));
	CHECK("after the failed second MARK");
	UNMARK_OK(e);
	CHECK("after UNMARK: bridges must be gone too");
	ret = unmark_dev(self->fd, e);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("second UNMARK: %s", en(ret));
	/* And again, to see nothing was left half-done. */
	MARK_OK(e, 0);
	CHECK("after MARK again");
	UNMARK_OK(e);
	CHECK("after UNMARK again");
}

TEST_F(plu, shared_bridge_refs)
{
	int b, x, y, ret;
	struct pci_liveupdate_query q;

	ASSERT_TRUE(pick_pair(&b, &x, &y))
		TH_LOG("no bridge with two markable devices below it");
	TH_LOG("bridge %s, devices %s and %s", devs[b].bdf, devs[x].bdf,
	       devs[y].bdf);
	MARK_OK(x, 0);
	CHECK("one device marked");
	MARK_OK(y, 0);
	CHECK("two devices marked");
	ret = do_query(self->fd, b, &q);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(2, q.outgoing.refs);
	UNMARK_OK(x);
	CHECK("first device unmarked");
	ret = do_query(self->fd, b, &q);
	ASSERT_EQ(0, ret) TH_LOG("bridge dropped while a device below needs it");
	ASSERT_EQ(1, q.outgoing.refs);
	UNMARK_OK(y);
	CHECK("both unmarked");
	ASSERT_FALSE(in_outgoing(self->fd, b)) TH_LOG("bridge still tracked");
	/* Reverse order. */
	MARK_OK(y, 0);
	MARK_OK(x, 0);
	CHECK("marked in reverse order");
	UNMARK_OK(y);
	CHECK("second device unmarked first");
	UNMARK_OK(x);
	CHECK("both unmarked again");
}

TEST_F(plu, unmark_auto_bridge)
{
	int e = pick_endpoint(), k, ret;

	ASSERT_LE(0, e) TH_LOG("no endpoint behind a bridge found");
	MARK_OK(e, 0);
	for (k = 0; k < devs[e].nanc; k++) {
		ret = unmark_dev(self->fd, devs[e].anc[k]);
		ASSERT_EQ(-ENOENT, ret) TH_LOG("UNMARK of AUTO bridge %s: %s",
					       devs[devs[e].anc[k]].bdf, en(ret));
	}
	CHECK("after UNMARK of the AUTO bridges");
	UNMARK_OK(e);
	CHECK("after UNMARK");
}

TEST_F(plu, mark_bridge_with_marked_child)
{
	int e = pick_endpoint(), b;
	struct pci_liveupdate_query q;
	int ret;

	ASSERT_LE(0, e) TH_LOG("no endpoint behind a bridge found");
	b = devs[e].anc[0];
	MARK_OK(e, 0);
	MARK_OK(b, 0);
	CHECK("child and its bridge marked");
	ret = do_query(self->fd, b, &q);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(PCI_LIVEUPDATE_DEV_MARKED | PCI_LIVEUPDATE_DEV_AUTO |
		  PCI_LIVEUPDATE_DEV_BRIDGE,
		  q.outgoing.flags & (PCI_LIVEUPDATE_DEV_MARKED |
				      PCI_LIVEUPDATE_DEV_AUTO |
				      PCI_LIVEUPDATE_DEV_BRIDGE));
	ret = mark_dev(self->fd, b, 0);
	ASSERT_EQ(-EEXIST, ret) TH_LOG("second MARK of the bridge: %s", en(ret));
	UNMARK_OK(e);
	CHECK("child unmarked, bridge stays MARKED without AUTO");
	UNMARK_OK(b);
	CHECK("all unmarked");
	/* Other order: the bridge first, then its marked child keeps it. */
	MARK_OK(b, 0);
	CHECK("bridge marked alone");
	MARK_OK(e, 0);
	CHECK("then its child");
	UNMARK_OK(b);
	CHECK("bridge unmarked, still AUTO for its child");
	UNMARK_OK(e);
	CHECK("all unmarked");
}

TEST_F(plu, mark_nonexistent)
{
	struct { uint32_t seg; unsigned int bus, devfn; } bad[] = {
		{ 0, 0xff, 0xff }, { 0x1234, 0, 0 }, { 0xffffffff, 0, 0 },
		{ 0x10000, 0, 0 },
	};
	struct pci_liveupdate_query q = { .size = sizeof(q) };
	unsigned int i, df;
	int ret, e = pick_endpoint();

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(-1, find_dev(bad[i].seg, bad[i].bus, bad[i].devfn))
			TH_LOG("%x:%02x.%x exists here; test needs an absent address",
			       bad[i].seg, bad[i].bus, bad[i].devfn);
		ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, bad[i].seg,
			      bad[i].bus, bad[i].devfn, 0, 0);
		ASSERT_EQ(-ENODEV, ret) TH_LOG("MARK %x:%02x:%02x: %s", bad[i].seg,
					       bad[i].bus, bad[i].devfn, en(ret));
		ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, bad[i].seg,
			      bad[i].bus, bad[i].devfn, 0, 0);
		ASSERT_EQ(-ENOENT, ret) TH_LOG("UNMARK %x:%02x:%02x: %s",
					       bad[i].seg, bad[i].bus,
					       bad[i].devfn, en(ret));
		q.segment = bad[i].seg;
		q.bus = bad[i].bus;
		q.devfn = bad[i].devfn;
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);
		ASSERT_EQ(-ENOENT, ret) TH_LOG("QUERY: %s", en(ret));
	}
	/* An empty slot on a bus that exists. */
	ASSERT_LE(0, e);
	for (df = 0; df < 256; df++)
		if (find_dev(devs[e].seg, devs[e].bus, df) < 0)
			break;
	ASSERT_LT(df, 256u);
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, devs[e].seg,
		      devs[e].bus, df, 0, 0);
	ASSERT_EQ(-ENODEV, ret) TH_LOG("MARK of empty devfn %#x on bus %02x: %s",
				       df, devs[e].bus, en(ret));
	CHECK("after MARK of absent devices");
}

static bool kmsg_find(int fd, const char *s1, const char *s2, char *out,
		      size_t outlen)
{
	char rec[8192];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten; go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, s1) && strcasestr(rec, s2)) {
			char *msg = strchr(rec, ';');

			snprintf(out, outlen, "%.*s", (int)outlen - 1,
				 msg ? msg + 1 : rec);
			out[strcspn(out, "\n")] = 0;
			found = true;
		}
	}
	return found;
}

TEST_F(plu, mark_vf)
{
	int vf = pick_vf(), kfd, ret;
	char line[512] = "";

	ASSERT_LE(0, vf) TH_LOG("no SR-IOV VF in " SYSFS_PCI "; the stage must enable VFs first (echo 2 > .../sriov_numvfs of an SR-IOV PF)");
	ASSERT_TRUE(devs[vf].vf) TH_LOG("%s is not a VF", devs[vf].bdf);
	kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, kfd) TH_LOG("open /dev/kmsg: %s", strerror(errno));
	ASSERT_LE(0, lseek(kfd, 0, SEEK_END));
	ret = mark_dev(self->fd, vf, 0);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK of VF %s: %s", devs[vf].bdf, en(ret));
	ASSERT_TRUE(kmsg_find(kfd, devs[vf].bdf, "virtual function", line,
			      sizeof(line)))
		TH_LOG("no kernel log line naming %s and \"virtual function\"",
		       devs[vf].bdf);
	TH_LOG("kernel said: %s", line);
	ret = mark_dev(self->fd, vf, PCI_LIVEUPDATE_MARK_REBIND);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK of VF with REBIND: %s", en(ret));
	ret = unmark_dev(self->fd, vf);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("UNMARK of VF: %s", en(ret));
	close(kfd);
	CHECK("after MARK of a VF");
}

/*
 * MARK with PCI_LIVEUPDATE_MARK_WITH_VFS: refused (EINVAL, nothing marked)
 * for an endpoint that is no PF, for a VF, and for VF_AUTOPROBE alone; a
 * PF marked so is flagged DEV_WITH_VFS and SRIOV returns its configuration
 * and VFs; SRIOV of a PF marked without its VFs, or not at all, is ENOENT.
 */
TEST_F(plu, mark_with_vfs)
{
	static uint8_t buf[(MAX_PF_VFS + 1) * (VFSZ + 8)];
	struct pci_liveupdate_sriov q;
	int pf = pick_pf(), e = pick_endpoint(), vf, ret;
	uint32_t nv;
	char why[512];

	ASSERT_LE(0, pf) TH_LOG("no SR-IOV PF with VFs enabled; the stage must enable them (plu_enable_vfs)");
	ASSERT_LE(0, e);
	ASSERT_FALSE(is_pf(e)) TH_LOG("endpoint %s is a PF", devs[e].bdf);
	vf = pf_vf[pf][0];
	ASSERT_LE(0, vf) TH_LOG("no virtfn0 of %s", devs[pf].bdf);
	nv = pf_nvfs[pf];

	ret = mark_dev(self->fd, e, PCI_LIVEUPDATE_MARK_WITH_VFS);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK WITH_VFS of non-PF %s: %s",
				       devs[e].bdf, en(ret));
	ret = mark_dev(self->fd, vf, PCI_LIVEUPDATE_MARK_WITH_VFS);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK WITH_VFS of VF %s: %s",
				       devs[vf].bdf, en(ret));
	ret = mark_dev(self->fd, pf, PCI_LIVEUPDATE_MARK_VF_AUTOPROBE);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK VF_AUTOPROBE alone of %s: %s",
				       devs[pf].bdf, en(ret));
	CHECK("after refused MARK WITH_VFS");

	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, 0, VFSZ, NULL, &q);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("SRIOV of unmarked PF: %s", en(ret));
	MARK_OK(pf, 0);
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, 0, VFSZ, NULL, &q);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("SRIOV of a PF marked without VFs: %s",
				       en(ret));
	ret = mark_dev(self->fd, pf, PCI_LIVEUPDATE_MARK_WITH_VFS);
	ASSERT_EQ(-EEXIST, ret) TH_LOG("MARK WITH_VFS of a marked PF: %s",
				       en(ret));
	CHECK("after MARK WITH_VFS of a marked PF");
	UNMARK_OK(pf);

	MARK_OK(pf, PCI_LIVEUPDATE_MARK_WITH_VFS |
		    PCI_LIVEUPDATE_MARK_VF_AUTOPROBE);
	CHECK("after MARK WITH_VFS|VF_AUTOPROBE");
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, 0, VFSZ, NULL, &q);
	ASSERT_EQ(0, ret) TH_LOG("SRIOV, no buffer: %s", en(ret));
	ASSERT_TRUE(sriov_matches(&self->m, pf, &q, NULL, VFSZ, why,
				  sizeof(why))) TH_LOG("%s", why);
	ASSERT_LT(0, (int)nv);
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, nv - 1, VFSZ, buf, &q);
	ASSERT_EQ(-ENOSPC, ret) TH_LOG("SRIOV, room for %u of %u: %s", nv - 1,
				       nv, en(ret));
	ASSERT_EQ(nv, q.count);
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, nv, VFSZ - 1, buf, &q);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("SRIOV, entry_size %zu: %s", VFSZ - 1,
				       en(ret));
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       2, nv, VFSZ, buf, &q);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("SRIOV, flags 2: %s", en(ret));
	memset(buf, 0xaa, sizeof(buf));
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, nv + 1, VFSZ + 8, buf, &q);
	ASSERT_EQ(0, ret) TH_LOG("SRIOV: %s", en(ret));
	ASSERT_TRUE(sriov_matches(&self->m, pf, &q, buf, VFSZ + 8, why,
				  sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0xaa, buf[nv * (VFSZ + 8)]) TH_LOG("written past %u entries",
						     nv);
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       PCI_LIVEUPDATE_SRIOV_INCOMING, 0, VFSZ, NULL, &q);
	if (!in_incoming(dev_key(pf)))
		ASSERT_EQ(-ENOENT, ret) TH_LOG("SRIOV incoming of a PF not in the incoming set: %s",
					       en(ret));
	UNMARK_OK(pf);
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, 0, VFSZ, NULL, &q);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("SRIOV after UNMARK: %s", en(ret));
	MARK_OK(pf, PCI_LIVEUPDATE_MARK_WITH_VFS);
	ret = do_sriov(self->fd, devs[pf].seg, devs[pf].bus, devs[pf].devfn,
		       0, nv, VFSZ, buf, &q);
	ASSERT_EQ(0, ret) TH_LOG("SRIOV: %s", en(ret));
	ASSERT_TRUE(sriov_matches(&self->m, pf, &q, buf, VFSZ, why,
				  sizeof(why))) TH_LOG("%s", why);
	CHECK("after MARK WITH_VFS");
}

TEST_F(plu, mark_bad_fields)
{
	/* WITH_VFS on a device that is no PF, AUTOPROBE without it */
	uint32_t flags[] = { 1u << 1, 1u << 2, 1u << 3, 1u << 5, 1u << 31,
			     0xfffffffe, 0xffffffff };
	uint16_t reserved[] = { 1, 0x100, 0x8000, 0xffff };
	struct pci_liveupdate_mark m;
	uint8_t big[64];
	int e = pick_endpoint(), ret;
	unsigned int i;

	ASSERT_LE(0, e);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, devs[e].seg,
			      devs[e].bus, devs[e].devfn, flags[i], 0);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK flags %#x: %s", flags[i],
					       en(ret));
	}
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, devs[e].seg,
			      devs[e].bus, devs[e].devfn, 0, reserved[i]);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK reserved %#x: %s",
					       reserved[i], en(ret));
	}
	/* Sizes: short, larger with a non-zero tail. */
	for (i = 0; i < sizeof(m); i += 4) {
		m = (struct pci_liveupdate_mark){ .size = i, .segment = devs[e].seg,
			.bus = devs[e].bus, .devfn = devs[e].devfn };
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, &m);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("MARK size %u: %s", i, en(ret));
	}
	memset(big, 0, sizeof(big));
	m = (struct pci_liveupdate_mark){ .size = sizeof(big),
		.segment = devs[e].seg, .bus = devs[e].bus,
		.devfn = devs[e].devfn };
	memcpy(big, &m, sizeof(m));
	big[sizeof(big) - 1] = 1;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, big);
	ASSERT_EQ(-E2BIG, ret) TH_LOG("MARK with a non-zero tail: %s", en(ret));
	CHECK("nothing marked by invalid MARKs");
	/* Larger with a zero tail is fine. */
	big[sizeof(big) - 1] = 0;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, big);
	ASSERT_EQ(0, ret) TH_LOG("MARK size %zu, zero tail: %s", sizeof(big),
				 en(ret));
	self->m.marked[e] = true;
	CHECK("marked with a larger struct");
	/* UNMARK: flags and reserved must be 0, the device stays marked. */
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, devs[e].seg,
			      devs[e].bus, devs[e].devfn, flags[i], 0);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("UNMARK flags %#x: %s", flags[i],
					       en(ret));
	}
	ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, devs[e].seg,
		      devs[e].bus, devs[e].devfn, PCI_LIVEUPDATE_MARK_REBIND, 0);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("UNMARK with REBIND: %s", en(ret));
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		ret = do_mark(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, devs[e].seg,
			      devs[e].bus, devs[e].devfn, 0, reserved[i]);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("UNMARK reserved %#x: %s",
					       reserved[i], en(ret));
	}
	m.size = 12;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, &m);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("UNMARK size 12: %s", en(ret));
	CHECK("still marked after invalid UNMARKs");
	UNMARK_OK(e);
	CHECK("unmarked");
}

TEST_F(plu, mark_rebind)
{
	int e = pick_endpoint(), b;
	struct pci_liveupdate_query q;
	int ret;

	ASSERT_LE(0, e);
	b = devs[e].anc[0];
	MARK_OK(e, PCI_LIVEUPDATE_MARK_REBIND);
	CHECK("marked with REBIND");
	ret = do_query(self->fd, e, &q);
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_REBIND);
	UNMARK_OK(e);
	MARK_OK(e, 0);
	CHECK("marked again without REBIND");
	ret = do_query(self->fd, e, &q);
	ASSERT_EQ(0, ret);
	ASSERT_FALSE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_REBIND);
	/* REBIND on a bridge that is also AUTO; it goes with the mark. */
	MARK_OK(b, PCI_LIVEUPDATE_MARK_REBIND);
	CHECK("bridge marked with REBIND");
	UNMARK_OK(b);
	CHECK("bridge unmarked: AUTO only, no REBIND");
	UNMARK_OK(e);
	CHECK("all unmarked");
}

/* ------------------------------------------------------------------ */
/* A driver name longer than the 16 bytes kept across the update       */

#define LONG_STUB	"plu_test_long_stub"	/* tests/vm/modules */
#define LONG_STUB_KO	"/usr/bin/" LONG_STUB ".ko"

/* Write @val to /sys/bus/pci/@rel (one write); 0 or -errno. */
static int pci_sysfs_put(const char *rel, const char *val)
{
	char p[256];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/sys/bus/pci/%s", rel);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* Name of the driver bound to @bdf, "" if none. */
static void bound_driver(const char *bdf, char *buf, size_t len)
{
	char p[256], link[256];
	ssize_t n;

	snprintf(p, sizeof(p), SYSFS_PCI "/%s/driver", bdf);
	n = readlink(p, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(buf, len, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : "");
}

/*
 * Bind @bdf to @drv ("" clears driver_override and lets the bus choose):
 * driver_override, unbind, drivers_probe.  0 or -errno.
 */
static int rebind_via_sysfs(const char *bdf, const char *drv)
{
	char rel[128], cur[128];
	int ret;

	snprintf(rel, sizeof(rel), "devices/%s/driver_override", bdf);
	ret = pci_sysfs_put(rel, drv[0] ? drv : "\n");
	bound_driver(bdf, cur, sizeof(cur));
	if (!ret && cur[0]) {
		snprintf(rel, sizeof(rel), "devices/%s/driver/unbind", bdf);
		ret = pci_sysfs_put(rel, bdf);
	}
	return ret ? ret : pci_sysfs_put("drivers_probe", bdf);
}

/* Register the stub driver, from LONG_STUB_KO if it is not loaded. */
static int load_long_stub(void)
{
	struct stat st;
	int fd, ret;

	if (!stat("/sys/bus/pci/drivers/" LONG_STUB, &st))
		return 0;
	fd = open(LONG_STUB_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret == -EEXIST ? 0 : ret;
}

/* A virtio-rng: nothing depends on its driver. */
static int pick_rng(void)
{
	int i;

	for (i = 0; i < ndevs; i++)
		if (devs[i].vendor == 0x1af4 && !devs[i].vf &&
		    (devs[i].device == 0x1005 || devs[i].device == 0x1044))
			return i;
	return -1;
}

/*
 * MARK REBIND of a device whose driver's name does not fit the 16 bytes
 * kept across the update is refused (ENAMETOOLONG): the next kernel would
 * set the cut name as driver_override, which no driver matches.  MARK
 * without REBIND records it, flagged DRIVER_TRUNC.
 */
TEST_F(plu, mark_rebind_long_driver_name)
{
	int e = pick_rng(), bound, ret;
	struct pci_liveupdate_status st;
	struct pci_liveupdate_query q;
	char was[64], drv[64];

	ASSERT_LE(0, e) TH_LOG("no virtio-rng (1af4:1005/1044) to bind the stub to");
	ret = load_long_stub();
	ASSERT_EQ(0, ret) TH_LOG("load " LONG_STUB_KO " (tests/vm/modules, given with --bin): %s",
				 en(ret));
	bound_driver(devs[e].bdf, was, sizeof(was));
	bound = rebind_via_sysfs(devs[e].bdf, LONG_STUB);
	bound_driver(devs[e].bdf, drv, sizeof(drv));
	if (!bound && !strcmp(drv, LONG_STUB)) {
		ret = mark_dev(self->fd, e, PCI_LIVEUPDATE_MARK_REBIND);
		EXPECT_EQ(-ENAMETOOLONG, ret) TH_LOG("MARK REBIND %s (driver %s): %s",
						     devs[e].bdf, drv, en(ret));
		ret = get_status(self->fd, &st);
		EXPECT_EQ(0, ret);
		EXPECT_EQ(0u, st.outgoing) TH_LOG("a refused MARK changed the set");
		unmark_all(self->fd);
		ret = mark_dev(self->fd, e, 0);
		EXPECT_EQ(0, ret) TH_LOG("MARK %s: %s", devs[e].bdf, en(ret));
		ret = do_query(self->fd, e, &q);
		EXPECT_EQ(0, ret) TH_LOG("QUERY: %s", en(ret));
		EXPECT_STREQ(LONG_STUB, q.outgoing.driver);
		EXPECT_TRUE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC);
		EXPECT_FALSE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_REBIND);
		unmark_all(self->fd);
	}
	/* Back to the driver it had, for the tests after this one. */
	ret = rebind_via_sysfs(devs[e].bdf, "");
	ASSERT_EQ(0, bound) TH_LOG("binding %s to " LONG_STUB ": %s",
				   devs[e].bdf, en(bound));
	ASSERT_STREQ(LONG_STUB, drv) TH_LOG("%s is not on " LONG_STUB,
					    devs[e].bdf);
	ASSERT_EQ(0, ret) TH_LOG("binding %s back: %s", devs[e].bdf, en(ret));
	bound_driver(devs[e].bdf, drv, sizeof(drv));
	ASSERT_STREQ(was, drv) TH_LOG("%s not back on %s", devs[e].bdf, was);
}

/* Every markable device, in a random order, then unmarked in another. */
TEST_F_TIMEOUT(plu, mark_all_shuffled, 300)
{
	int order[MAX_DEVS], n = 0, i, j, t;
	uint64_t s = opt_seed ^ 0x5eed;
	char when[96];

	for (i = 0; i < ndevs; i++)
		if (!devs[i].vf)
			order[n++] = i;
	for (int round = 0; round < 2; round++) {
		for (i = n - 1; i > 0; i--) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			j = (s >> 33) % (i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++) {
			if (round == 0) {
				MARK_OK(order[i], (i & 1) ? PCI_LIVEUPDATE_MARK_REBIND : 0);
				snprintf(when, sizeof(when), "after MARK %s",
					 devs[order[i]].bdf);
			} else {
				UNMARK_OK(order[i]);
				snprintf(when, sizeof(when), "after UNMARK %s",
					 devs[order[i]].bdf);
			}
			CHECK(when);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Privileges                                                          */

struct child_res {
	int drop;
	int cap_left;
	int mark;
	int unmark;
	int status;
	int list;
	uint32_t list_count;
	int query;
	uint32_t found;
	int open_rw;
	int open_ro;
};

static struct child_res *shared_res(void)
{
	void *p = mmap(NULL, sizeof(struct child_res), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int drop_sys_admin(bool *still)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1u << CAP_SYS_ADMIN);
	d[0].permitted &= ~(1u << CAP_SYS_ADMIN);
	d[0].inheritable &= ~(1u << CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	*still = d[0].effective & (1u << CAP_SYS_ADMIN);
	return 0;
}

/* Calls made without CAP_SYS_ADMIN on an fd opened with it. */
static void unprivileged_calls(int fd, int marked, int unmarked,
			       struct child_res *r)
{
	static struct pci_liveupdate_device buf[MAX_DEVS];
	struct pci_liveupdate_status st;
	struct pci_liveupdate_query q;

	r->list_count = MAX_DEVS;
	r->mark = mark_dev(fd, unmarked, 0);
	r->unmark = unmark_dev(fd, marked);
	r->status = get_status(fd, &st);
	r->list = list_outgoing(fd, buf, &r->list_count);
	r->query = do_query(fd, marked, &q);
	r->found = q.found;
}

static void check_unprivileged(struct __test_metadata *_metadata,
			       const struct child_res *r, uint32_t n)
{
	ASSERT_EQ(-EPERM, r->mark) TH_LOG("MARK without CAP_SYS_ADMIN: %s",
					  en(r->mark));
	ASSERT_EQ(-EPERM, r->unmark) TH_LOG("UNMARK without CAP_SYS_ADMIN: %s",
					    en(r->unmark));
	ASSERT_EQ(0, r->status) TH_LOG("STATUS unprivileged: %s", en(r->status));
	ASSERT_EQ(0, r->list) TH_LOG("LIST unprivileged: %s", en(r->list));
	ASSERT_EQ(n, r->list_count);
	ASSERT_EQ(0, r->query) TH_LOG("QUERY unprivileged: %s", en(r->query));
	ASSERT_TRUE(!!(r->found & PCI_LIVEUPDATE_FOUND_OUTGOING));
}

static int pick_other(int e)
{
	int i;

	for (i = 0; i < ndevs; i++)
		if (i != e && !devs[i].vf && !is_below(e, i))
			return i;
	return -1;
}

TEST_F(plu, eperm_without_cap_sys_admin)
{
	int e = pick_endpoint(), o = pick_other(e), status;
	struct child_res *r = shared_res();
	pid_t pid;

	ASSERT_LE(0, e);
	ASSERT_LE(0, o) TH_LOG("need a second markable device");
	ASSERT_NE(NULL, r);
	MARK_OK(e, 0);
	r->drop = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		bool still = true;

		r->drop = drop_sys_admin(&still);
		r->cap_left = still;
		if (!r->drop)
			unprivileged_calls(self->fd, e, o, r);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(0, r->drop) TH_LOG("capset: %s", en(r->drop));
	ASSERT_EQ(0, r->cap_left) TH_LOG("CAP_SYS_ADMIN still effective");
	check_unprivileged(_metadata, r, model_build(&self->m, NULL, NULL));
	CHECK("after unprivileged MARK/UNMARK: nothing changed");
	UNMARK_OK(e);
}

TEST_F(plu, eperm_other_user_and_node_mode)
{
	int e = pick_endpoint(), o = pick_other(e), status;
	struct child_res *r = shared_res();
	struct stat st;
	pid_t pid;

	ASSERT_EQ(0, stat(PLU_DEV, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0600u, st.st_mode & 07777) TH_LOG(PLU_DEV " mode is %#o",
						   st.st_mode & 07777);
	ASSERT_EQ(0u, st.st_uid);
	ASSERT_LE(0, e);
	ASSERT_LE(0, o);
	ASSERT_NE(NULL, r);
	MARK_OK(e, 0);
	r->drop = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			r->drop = -errno;
			_exit(0);
		}
		r->drop = 0;
		r->cap_left = geteuid() == 0;
		fd = open(PLU_DEV, O_RDWR);
		r->open_rw = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		fd = open(PLU_DEV, O_RDONLY);
		r->open_ro = fd < 0 ? -errno : 0;
		if (fd >= 0)
			close(fd);
		unprivileged_calls(self->fd, e, o, r);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(0, r->drop) TH_LOG("setuid(65534): %s", en(r->drop));
	ASSERT_EQ(0, r->cap_left);
	ASSERT_EQ(-EACCES, r->open_rw) TH_LOG("open O_RDWR as uid 65534: %s",
					      en(r->open_rw));
	ASSERT_EQ(-EACCES, r->open_ro) TH_LOG("open O_RDONLY as uid 65534: %s",
					      en(r->open_ro));
	check_unprivileged(_metadata, r, model_build(&self->m, NULL, NULL));
	CHECK("after MARK/UNMARK as uid 65534");
	UNMARK_OK(e);
}

/* ------------------------------------------------------------------ */
/* LIST                                                                */

/* Mark an endpoint (and so its bridges): a set of at least two. */
#define SMALL_SET() ({							\
		int __e = pick_endpoint();				\
		ASSERT_LE(0, __e) TH_LOG("no endpoint behind a bridge"); \
		MARK_OK(__e, 0);					\
		model_build(&self->m, NULL, NULL);			\
	})

TEST_F(plu, list_count_only)
{
	uint32_t n, count;
	int ret;

	count = 77;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, NULL, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret) TH_LOG("empty set, devices=0: %s", en(ret));
	ASSERT_EQ(0u, count);
	n = SMALL_SET();
	count = 0;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, NULL, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret) TH_LOG("devices=0: %s", en(ret));
	ASSERT_EQ(n, count);
	count = 0xffffffff;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, NULL, &count,
		      DEVSZ + 24, 0);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(n, count);
}

TEST_F(plu, list_too_small)
{
	uint8_t buf[MAX_DEVS * DEVSZ];
	uint32_t n = SMALL_SET(), count, c;
	size_t i;
	int ret;

	ASSERT_LE(2u, n);
	for (c = 0; c < n; c++) {
		memset(buf, 0x5a, sizeof(buf));
		count = c;
		ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, buf,
			      &count, DEVSZ, 0);
		ASSERT_EQ(-ENOSPC, ret) TH_LOG("count %u < %u: %s", c, n, en(ret));
		ASSERT_EQ(n, count) TH_LOG("count must say how many are needed");
		for (i = 0; i < sizeof(buf); i++) {
			ASSERT_EQ(0x5a, buf[i]) TH_LOG("buffer written at byte %zu on ENOSPC",
						       i);
		}
	}
}

TEST_F(plu, list_exact_and_larger)
{
	static struct pci_liveupdate_device buf[MAX_DEVS], exp[MAX_DEVS];
	uint32_t n = SMALL_SET(), count, i;
	uint8_t pat[DEVSZ];
	char why[256];
	int ret;

	model_build(&self->m, exp, NULL);
	memset(pat, 0x5a, sizeof(pat));
	memset(buf, 0x5a, sizeof(buf));
	count = n;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, buf, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret) TH_LOG("exact count: %s", en(ret));
	ASSERT_EQ(n, count);
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(rec_matches(&buf[i], &exp[i], why, sizeof(why)))
			TH_LOG("entry %u: %s", i, why);
	}
	ASSERT_EQ(0, memcmp(&buf[n], pat, DEVSZ)) TH_LOG("wrote past count");
	memset(buf, 0x5a, sizeof(buf));
	count = n + 3;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, buf, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret) TH_LOG("larger count: %s", en(ret));
	ASSERT_EQ(n, count) TH_LOG("count must be set to the entries written");
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(rec_matches(&buf[i], &exp[i], why, sizeof(why)))
			TH_LOG("entry %u: %s", i, why);
	}
	for (i = n; i < n + 3; i++) {
		ASSERT_EQ(0, memcmp(&buf[i], pat, DEVSZ))
			TH_LOG("entry %u past the set was written", i);
	}
}

/*
 * LIST_OUTGOING and LIST_INCOMING of MAX_DEVS entries of @entry_size with
 * @flags into @buf: both must fail with EINVAL.  @what names the bad
 * value in the log.
 */
static void list_einval(struct __test_metadata *_metadata, int fd, void *buf,
			uint32_t entry_size, uint32_t flags, const char *what)
{
	uint32_t count = MAX_DEVS;
	int ret;

	ret = do_list(fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, buf, &count,
		      entry_size, flags);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("%s: %s", what, en(ret));
	count = MAX_DEVS;
	ret = do_list(fd, PCI_LIVEUPDATE_IOCTL_LIST_INCOMING, buf, &count,
		      entry_size, flags);
	ASSERT_EQ(-EINVAL, ret) TH_LOG("INCOMING %s: %s", what, en(ret));
}

TEST_F(plu, list_entry_size_small)
{
	static struct pci_liveupdate_device buf[MAX_DEVS];
	uint32_t sizes[] = { 0, 1, 8, DEVSZ - 32, DEVSZ - 8, DEVSZ - 1 };
	unsigned int i;
	char what[32];

	SMALL_SET();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(what, sizeof(what), "entry_size %u", sizes[i]);
		list_einval(_metadata, self->fd, buf, sizes[i], 0, what);
	}
}

TEST_F(plu, list_entry_size_large)
{
	static struct pci_liveupdate_device exp[MAX_DEVS];
	uint32_t extra[] = { 24, 1, 4096 - DEVSZ + 8 };
	uint32_t n = SMALL_SET(), count, i, x, esz;
	struct pci_liveupdate_device rec;
	char why[256];
	uint8_t *buf;
	size_t j;
	int ret;

	model_build(&self->m, exp, NULL);
	for (x = 0; x < sizeof(extra) / sizeof(extra[0]); x++) {
		esz = DEVSZ + extra[x];
		buf = malloc((size_t)esz * (n + 2));
		ASSERT_NE(NULL, buf);
		memset(buf, 0xaa, (size_t)esz * (n + 2));
		count = n + 1;
		ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, buf,
			      &count, esz, 0);
		ASSERT_EQ(0, ret) TH_LOG("entry_size %u: %s", esz, en(ret));
		ASSERT_EQ(n, count);
		for (i = 0; i < n; i++) {
			memcpy(&rec, buf + (size_t)i * esz, DEVSZ);
			ASSERT_TRUE(rec_matches(&rec, &exp[i], why, sizeof(why)))
				TH_LOG("entry_size %u, entry %u: %s", esz, i, why);
			for (j = DEVSZ; j < esz; j++) {
				ASSERT_EQ(0, buf[(size_t)i * esz + j])
					TH_LOG("entry_size %u, entry %u: tail byte %zu not zeroed",
					       esz, i, j);
			}
		}
		for (j = (size_t)n * esz; j < (size_t)esz * (n + 2); j++) {
			ASSERT_EQ(0xaa, buf[j]) TH_LOG("byte %zu past %u entries written",
						       j, n);
		}
		free(buf);
	}
}

TEST_F(plu, list_flags)
{
	static struct pci_liveupdate_device buf[MAX_DEVS];
	uint32_t flags[] = { 1, 2, 0x80000000, 0xffffffff }, count;
	unsigned int i;
	char what[32];
	int ret;

	SMALL_SET();
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(what, sizeof(what), "flags %#x", flags[i]);
		list_einval(_metadata, self->fd, buf, DEVSZ, flags[i], what);
		count = 0;
		ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, NULL,
			      &count, DEVSZ, flags[i]);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("flags %#x, count only: %s",
					       flags[i], en(ret));
	}
}

TEST_F(plu, list_struct_size)
{
	struct pci_liveupdate_list l;
	uint8_t big[64];
	int ret;

	SMALL_SET();
	for (uint32_t s = 0; s < sizeof(l); s += 4) {
		l = (struct pci_liveupdate_list){ .size = s, .entry_size = DEVSZ };
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, &l);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("LIST size %u: %s", s, en(ret));
	}
	memset(big, 0, sizeof(big));
	l = (struct pci_liveupdate_list){ .size = sizeof(big), .entry_size = DEVSZ };
	memcpy(big, &l, sizeof(l));
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, big);
	ASSERT_EQ(0, ret) TH_LOG("LIST size 64, zero tail: %s", en(ret));
	memcpy(&l, big, sizeof(l));
	ASSERT_EQ(model_build(&self->m, NULL, NULL), l.count);
	big[40] = 1;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, big);
	ASSERT_EQ(-E2BIG, ret) TH_LOG("LIST with a non-zero tail: %s", en(ret));
}

TEST_F(plu, list_efault)
{
	uint32_t n = SMALL_SET(), count;
	uint8_t *none = none_page(), *g;
	int ret;

	ASSERT_NE(NULL, none);
	count = MAX_DEVS;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, none, &count,
		      DEVSZ, 0);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("devices in a PROT_NONE page: %s", en(ret));
	count = MAX_DEVS;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, (void *)16,
		      &count, DEVSZ, 0);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("devices = 16: %s", en(ret));
	count = MAX_DEVS;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING,
		      (void *)0xffffffff81000000ull, &count, DEVSZ, 0);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("devices = kernel address: %s", en(ret));
	/* Room for all but the last entry before a guard page. */
	g = guarded((size_t)(n - 1) * DEVSZ + DEVSZ / 2);
	ASSERT_NE(NULL, g);
	count = MAX_DEVS;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, g, &count,
		      DEVSZ, 0);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("last entry crosses a guard page: %s",
				       en(ret));
	/* Entries fit, the zeroed tail of the last does not. */
	g = guarded((size_t)n * (DEVSZ + 64) - 32);
	ASSERT_NE(NULL, g);
	count = MAX_DEVS;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, g, &count,
		      DEVSZ + 64, 0);
	ASSERT_EQ(-EFAULT, ret) TH_LOG("last tail crosses a guard page: %s",
				       en(ret));
	CHECK("after LIST faults");
}

TEST_F(plu, list_incoming)
{
	static struct pci_liveupdate_device buf[MAX_DEVS * 4];
	struct pci_liveupdate_status st;
	uint32_t count;
	size_t i;
	int ret;

	ret = get_status(self->fd, &st);
	ASSERT_EQ(0, ret);
	count = 5;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_INCOMING, NULL, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret) TH_LOG("LIST_INCOMING count only: %s", en(ret));
	ASSERT_EQ(st.incoming, count);
	if (opt_incoming == PCI_LIVEUPDATE_INCOMING_NONE) {
		ASSERT_EQ(0u, count) TH_LOG("first boot, yet an incoming set");
	}
	memset(buf, 0x5a, sizeof(buf));
	count = MAX_DEVS * 4;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_INCOMING, buf, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret) TH_LOG("LIST_INCOMING: %s", en(ret));
	ASSERT_EQ(st.incoming, count);
	for (i = 0; i < count; i++) {
		ASSERT_TRUE(buf[i].verdict <= PCI_LIVEUPDATE_VERDICT_PATH_MOVED)
			TH_LOG("incoming entry %zu: verdict %u", i, buf[i].verdict);
	}
	for (i = (size_t)count * DEVSZ; i < sizeof(buf); i++) {
		ASSERT_EQ(0x5a, ((uint8_t *)buf)[i]);
	}
	if (!count) {
		/* Empty: a zero count and a bad pointer are fine. */
		count = 0;
		ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_INCOMING, buf,
			      &count, DEVSZ, 0);
		ASSERT_EQ(0, ret) TH_LOG("empty set, count 0: %s", en(ret));
		ASSERT_EQ(0u, count);
	}
	/* The outgoing set does not leak into the incoming list. */
	SMALL_SET();
	count = 0;
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_INCOMING, NULL, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(st.incoming, count);
}

/* ------------------------------------------------------------------ */
/* QUERY                                                               */

TEST_F(plu, query)
{
	static struct pci_liveupdate_device list[MAX_DEVS];
	struct pci_liveupdate_query q;
	struct pci_liveupdate_device zero = { 0 };
	int e = pick_endpoint(), b, u = -1, i, ret;
	uint32_t count = MAX_DEVS, k;
	bool seen = false;

	ASSERT_LE(0, e);
	b = devs[e].anc[0];
	MARK_OK(e, PCI_LIVEUPDATE_MARK_REBIND);
	ret = do_list(self->fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, list, &count,
		      DEVSZ, 0);
	ASSERT_EQ(0, ret);

	/* Marked: equal to its LIST entry. */
	memset(&q, 0x77, sizeof(q));	/* output fields are ignored */
	q.size = sizeof(q);
	q.segment = devs[e].seg;
	q.bus = devs[e].bus;
	q.devfn = devs[e].devfn;
	q.reserved = 0;
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);
	ASSERT_EQ(0, ret) TH_LOG("QUERY marked %s: %s", devs[e].bdf, en(ret));
	ASSERT_TRUE(!!(q.found & PCI_LIVEUPDATE_FOUND_OUTGOING));
	ASSERT_EQ(0u, q.found & ~(uint32_t)(PCI_LIVEUPDATE_FOUND_OUTGOING |
					    PCI_LIVEUPDATE_FOUND_INCOMING));
	if (!in_incoming(dev_key(e))) {
		ASSERT_EQ((uint32_t)PCI_LIVEUPDATE_FOUND_OUTGOING, q.found);
		ASSERT_EQ(0, memcmp(&q.incoming, &zero, sizeof(zero)))
			TH_LOG("incoming record not zeroed");
	}
	for (k = 0; k < count; k++) {
		if (list[k].segment != devs[e].seg || list[k].bus != devs[e].bus ||
		    list[k].devfn != devs[e].devfn)
			continue;
		ASSERT_EQ(0, memcmp(&list[k], &q.outgoing, DEVSZ))
			TH_LOG("QUERY record differs from the LIST entry");
		seen = true;
	}
	ASSERT_TRUE(seen) TH_LOG("marked device missing from LIST");
	ASSERT_TRUE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_MARKED);
	ASSERT_TRUE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_REBIND);

	/* AUTO bridge. */
	ret = do_query(self->fd, b, &q);
	ASSERT_EQ(0, ret) TH_LOG("QUERY AUTO bridge: %s", en(ret));
	ASSERT_TRUE(!!(q.found & PCI_LIVEUPDATE_FOUND_OUTGOING));
	ASSERT_TRUE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_AUTO);
	ASSERT_FALSE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_MARKED);
	ASSERT_FALSE(q.outgoing.flags & PCI_LIVEUPDATE_DEV_REBIND);

	/* Untracked (and not in an incoming set). */
	for (i = 0; i < ndevs; i++)
		if (!model_tracked(&self->m, i) && !in_incoming(dev_key(i))) {
			u = i;
			break;
		}
	ASSERT_LE(0, u) TH_LOG("no untracked device to query");
	ret = do_query(self->fd, u, &q);
	ASSERT_EQ(-ENOENT, ret) TH_LOG("QUERY untracked %s: %s", devs[u].bdf,
				       en(ret));

	/* reserved, size. */
	do_query(self->fd, e, &q);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.segment = devs[e].seg;
	q.bus = devs[e].bus;
	q.devfn = devs[e].devfn;
	for (uint32_t r = 1; r <= 0x8000; r <<= 3) {
		q.reserved = r;
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("QUERY reserved %#x: %s", r, en(ret));
	}
	q.reserved = 0;
	for (uint32_t s = 0; s < sizeof(q); s += 8) {
		q.size = s;
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);
		ASSERT_EQ(-EINVAL, ret) TH_LOG("QUERY size %u: %s", s, en(ret));
	}
	UNMARK_OK(e);
	ret = do_query(self->fd, e, &q);
	if (!in_incoming(dev_key(e))) {
		ASSERT_EQ(-ENOENT, ret) TH_LOG("QUERY after UNMARK: %s", en(ret));
	}
}

/*
 * A call that fails must not have changed anything.  MARK's structure is
 * input only; if the module cannot write it back it must either succeed or
 * fail without marking.
 */
TEST_F(plu, mark_readonly_buffer)
{
	long pg = getpagesize();
	struct pci_liveupdate_mark *m;
	int e = pick_endpoint(), ret;
	bool tracked;

	ASSERT_LE(0, e);
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	*m = (struct pci_liveupdate_mark){ .size = sizeof(*m),
		.segment = devs[e].seg, .bus = devs[e].bus, .devfn = devs[e].devfn };
	ASSERT_EQ(0, mprotect(m, pg, PROT_READ));
	ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_MARK, m);
	tracked = in_outgoing(self->fd, e);
	if (ret == 0) {
		self->m.marked[e] = true;
		ASSERT_TRUE(tracked);
	} else {
		ASSERT_EQ(-EFAULT, ret) TH_LOG("MARK from a read-only buffer: %s",
					       en(ret));
		ASSERT_FALSE(tracked)
			TH_LOG("MARK failed with EFAULT but %s was marked anyway",
			       devs[e].bdf);
	}
	CHECK("after MARK from a read-only buffer");
	if (self->m.marked[e]) {
		ret = xioctl(self->fd, PCI_LIVEUPDATE_IOCTL_UNMARK, m);
		tracked = in_outgoing(self->fd, e);
		if (ret == 0) {
			self->m.marked[e] = false;
			ASSERT_FALSE(tracked);
		} else {
			ASSERT_EQ(-EFAULT, ret);
			ASSERT_TRUE(tracked)
				TH_LOG("UNMARK failed with EFAULT but unmarked anyway");
		}
		CHECK("after UNMARK from a read-only buffer");
	}
}

/* ------------------------------------------------------------------ */
/* Abuse loop                                                          */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return rnd_next(&rng_state);
}

static uint64_t rndn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

#define ARENA_LEN	(2u << 20)
#define DEVBUF_LEN	(1u << 20)
#define OK_BIT		(1ull << 0)
#define EBIT(e)		(1ull << (e))

struct abuse {
	uint8_t *arena;		/* ARENA_LEN bytes, then a guard page */
	uint8_t *ro;		/* one read-only page, then a guard page */
	uint8_t *devbuf;	/* DEVBUF_LEN bytes, then a guard page */
	uint8_t *none;
	unsigned long seen[64];
	unsigned long vfs_marked;	/* MARKs WITH_VFS that succeeded */
	unsigned long vfs_checked;	/* SRIOVs whose VF entries were checked */
};

enum ptr_kind { P_ARENA, P_NULL, P_LOW, P_NONE, P_KERNEL, P_NONCANON, P_RO };

static const uint32_t ksize[] = {
	[PCI_LIVEUPDATE_CMD_STATUS] = sizeof(struct pci_liveupdate_status),
	[PCI_LIVEUPDATE_CMD_MARK] = sizeof(struct pci_liveupdate_mark),
	[PCI_LIVEUPDATE_CMD_UNMARK] = sizeof(struct pci_liveupdate_mark),
	[PCI_LIVEUPDATE_CMD_LIST_OUTGOING] = sizeof(struct pci_liveupdate_list),
	[PCI_LIVEUPDATE_CMD_LIST_INCOMING] = sizeof(struct pci_liveupdate_list),
	[PCI_LIVEUPDATE_CMD_QUERY] = sizeof(struct pci_liveupdate_query),
	[PCI_LIVEUPDATE_CMD_SRIOV] = sizeof(struct pci_liveupdate_sriov),
};

/* Readable bytes from @p on (0 if not in a readable buffer). */
static size_t readable_from(const struct abuse *a, const uint8_t *p)
{
	if (p >= a->arena && p < a->arena + ARENA_LEN)
		return a->arena + ARENA_LEN - p;
	if (p >= a->ro && p < a->ro + getpagesize())
		return a->ro + getpagesize() - p;
	return 0;
}

static size_t writable_from(const struct abuse *a, uint64_t addr)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)addr;

	if (p >= a->devbuf && p < a->devbuf + DEVBUF_LEN)
		return a->devbuf + DEVBUF_LEN - p;
	if (p >= a->arena && p < a->arena + ARENA_LEN)
		return a->arena + ARENA_LEN - p;
	return 0;
}

static void rand_bdf(uint32_t *seg, uint8_t *bus, uint8_t *devfn)
{
	int i = rndn(ndevs);

	switch (rndn(10)) {
	case 0 ... 5:		/* a real device, VFs included, often a PF */
		if (!rndn(4) && pick_pf() >= 0)
			i = pick_pf();
		*seg = devs[i].seg;
		*bus = devs[i].bus;
		*devfn = devs[i].devfn;
		break;
	case 6 ... 7:		/* a bus that exists, any slot */
		*seg = devs[i].seg;
		*bus = devs[i].bus;
		*devfn = rnd();
		break;
	default:
		*seg = rndn(4) ? rndn(2) : (uint32_t)rnd();
		*bus = rnd();
		*devfn = rnd();
	}
}

static uint32_t rand_flags(void)
{
	switch (rndn(10)) {
	case 0 ... 6: return 0;
	case 7: return PCI_LIVEUPDATE_MARK_REBIND;
	case 8:	/* WITH_VFS, VF_AUTOPROBE and REBIND in any combination */
		return (uint32_t)rndn(8);
	default: return rndn(2) ? 1u << rndn(32) : (uint32_t)rnd();
	}
}

/*
 * The output array of LIST or SRIOV, for @n entries of @entsz bytes: its
 * count (at most @max when plausible), entry_size and address.
 */
static void rand_array(const struct abuse *a, uint32_t n, uint32_t max,
		       uint32_t entsz, uint32_t *count, uint32_t *esz,
		       uint64_t *addr)
{
	switch (rndn(6)) {
	case 0: *count = 0; break;
	case 1: *count = n ? n - 1 : 0; break;
	case 2: *count = n; break;
	case 3: *count = n + 1 + rndn(8); break;
	case 4: *count = rnd(); break;
	default: *count = rndn(max); break;
	}
	switch (rndn(8)) {
	case 0: *esz = rndn(entsz); break;
	case 1: *esz = entsz + 1 + rndn(64); break;
	case 2: *esz = rndn(4) ? entsz + 24 : (uint32_t)rnd(); break;
	default: *esz = entsz; break;
	}
	switch (rndn(12)) {
	case 0: *addr = 0; break;
	case 1: *addr = (uintptr_t)a->none; break;
	case 2: *addr = 0xffffffff81000000ull; break;
	case 3: *addr = (uintptr_t)a->ro; break;
	case 4:	/* near the end of devbuf */
		*addr = (uintptr_t)(a->devbuf + DEVBUF_LEN -
				    rndn(4 * entsz) - 1);
		break;
	default:
		*addr = (uintptr_t)(a->devbuf + rndn(4096));
		break;
	}
}

/*
 * One random call and what the contract allows as its result.  Returns the
 * allowed-results mask; @ret gets the result.  Model and checks of the
 * returned data are done here too; @why describes a bad result.
 */
static uint64_t abuse_one(struct abuse *a, int fd, struct model *m,
			  uint64_t it, char *why, size_t whylen, int *retp)
{
	static struct pci_liveupdate_device exp[MAX_DEVS];
	union {
		struct pci_liveupdate_status st;
		struct pci_liveupdate_mark mk;
		struct pci_liveupdate_list l;
		struct pci_liveupdate_query q;
		struct pci_liveupdate_sriov sr;
		uint8_t b[256];
	} u;
	unsigned int nr, type = PCI_LIVEUPDATE_IOCTL_TYPE;
	unsigned long cmd;
	bool valid = false;
	enum ptr_kind pk;
	uint8_t *p = NULL;
	uint32_t size = 0, ks = 0, minsz;
	size_t rd, wrote = 0, tailpos = 0;
	bool tail_nonzero = false;
	uint64_t allow = 0, devices = 0;
	uint32_t N = model_build(m, exp, NULL), esz = 0, lcount = 0, nvf = 0;
	int dev = -1, ret;
	size_t devspan = 0;

	memset(&u, 0, sizeof(u));
	why[0] = 0;

	/* The command. */
	switch (rndn(20)) {
	case 0 ... 13:
		nr = rndn(PCI_LIVEUPDATE_CMD_SRIOV + 1);
		cmd = _IO(type, nr);
		valid = true;
		break;
	case 14 ... 16:
		nr = rndn(256);
		cmd = _IO(type, nr);
		valid = nr <= PCI_LIVEUPDATE_CMD_SRIOV;
		break;
	case 17 ... 18:
		nr = rndn(PCI_LIVEUPDATE_CMD_SRIOV + 1);
		cmd = _IOC(1 + rndn(3), type, nr, rndn(1 << 14));
		break;
	default:
		nr = rndn(256);
		type = 0xB0 + rndn(16);
		if (type == PCI_LIVEUPDATE_IOCTL_TYPE)
			type = 0xBA;
		cmd = _IO(type, nr);
		break;
	}
	if (valid)
		ks = ksize[nr];
	minsz = ks;

	/* Where the struct goes. */
	switch (rndn(40)) {
	case 0: pk = P_NULL; break;
	case 1: pk = P_LOW; break;
	case 2: pk = P_NONE; break;
	case 3: pk = P_KERNEL; break;
	case 4: pk = P_NONCANON; break;
	case 5 ... 6: pk = P_RO; break;
	default: pk = P_ARENA; break;
	}
	/* MARK/UNMARK change state: keep them where a result can be written. */
	if (pk == P_RO && valid && (nr == PCI_LIVEUPDATE_CMD_MARK ||
				    nr == PCI_LIVEUPDATE_CMD_UNMARK))
		pk = P_ARENA;

	/* The size. */
	switch (rndn(24)) {
	case 0: size = 0; break;
	case 1: size = 1; break;
	case 2: size = 3; break;
	case 3: size = 4; break;
	case 4: size = ks > 4 ? ks - 4 : 2; break;
	case 5: size = ks > 1 ? ks - 1 : 5; break;
	case 6: size = ks + 8; break;
	case 7: size = ks + 1 + rndn(64); break;
	case 8: size = ks + 1 + rndn(64); tail_nonzero = true; break;
	case 9: size = rndn(4) ? 1u << 20 : 4096; break;
	case 10: size = rndn(4) ? 1u << 20 : 4096; tail_nonzero = true; break;
	case 11: size = rnd(); break;
	default: size = ks ? ks : rndn(256); break;
	}
	if (size <= ks)
		tail_nonzero = false;

	/* Fields. */
	switch (valid ? nr : 99) {
	case PCI_LIVEUPDATE_CMD_STATUS:
		/* Output fields hold garbage; it must be ignored. */
		for (size_t i = 4; i < offsetof(struct pci_liveupdate_status,
						 flags); i++)
			u.b[i] = rnd();
		break;
	case PCI_LIVEUPDATE_CMD_MARK:
	case PCI_LIVEUPDATE_CMD_UNMARK:
		rand_bdf(&u.mk.segment, &u.mk.bus, &u.mk.devfn);
		u.mk.flags = nr == PCI_LIVEUPDATE_CMD_MARK ? rand_flags() :
			     (rndn(8) ? 0 : rand_flags());
		u.mk.reserved = rndn(8) ? 0 : rnd();
		dev = find_dev(u.mk.segment, u.mk.bus, u.mk.devfn);
		/* A PF often with its VFs, so SRIOV has something to say. */
		if (nr == PCI_LIVEUPDATE_CMD_MARK && is_pf(dev) && rndn(2))
			u.mk.flags |= PCI_LIVEUPDATE_MARK_WITH_VFS |
				      (rndn(2) ? PCI_LIVEUPDATE_MARK_VF_AUTOPROBE : 0);
		break;
	case PCI_LIVEUPDATE_CMD_LIST_OUTGOING:
	case PCI_LIVEUPDATE_CMD_LIST_INCOMING:
		rand_array(a, N, MAX_DEVS, DEVSZ, &lcount, &esz, &devices);
		u.l.count = lcount;
		u.l.entry_size = esz;
		u.l.flags = rndn(10) ? 0 : rnd();
		u.l.devices = devices;
		break;
	case PCI_LIVEUPDATE_CMD_QUERY:
		rand_bdf(&u.q.segment, &u.q.bus, &u.q.devfn);
		u.q.reserved = rndn(8) ? 0 : rnd();
		memset(u.b + offsetof(struct pci_liveupdate_query, outgoing),
		       (int)rnd(), 2 * DEVSZ);
		u.q.found = rnd();
		dev = find_dev(u.q.segment, u.q.bus, u.q.devfn);
		break;
	case PCI_LIVEUPDATE_CMD_SRIOV: {
		rand_bdf(&u.sr.segment, &u.sr.bus, &u.sr.devfn);
		if (rndn(2) && pick_pf() >= 0) {	/* the PF, often */
			u.sr.segment = devs[pick_pf()].seg;
			u.sr.bus = devs[pick_pf()].bus;
			u.sr.devfn = devs[pick_pf()].devfn;
		}
		dev = find_dev(u.sr.segment, u.sr.bus, u.sr.devfn);
		nvf = is_pf(dev) ? pf_nvfs[dev] : 0;
		u.sr.flags = rndn(10) ? (rndn(4) ? 0 :
			     PCI_LIVEUPDATE_SRIOV_INCOMING) : (uint32_t)rnd();
		u.sr.reserved = rndn(8) ? 0 : rnd();
		/* Output fields hold garbage; it must be ignored. */
		u.sr.num_vfs = rnd();
		u.sr.total_vfs = rnd();
		u.sr.sriov_flags = rnd();
		rand_array(a, nvf, MAX_PF_VFS, VFSZ, &lcount, &esz, &devices);
		u.sr.count = lcount;
		u.sr.entry_size = esz;
		u.sr.vfs = devices;
		break;
	}
	default:
		memset(u.b + 4, (int)rnd(), 60);
		break;
	}
	u.st.size = size;

	/* Place it. */
	switch (pk) {
	case P_NULL: p = NULL; break;
	case P_LOW: p = (uint8_t *)(uintptr_t)(16 + rndn(4000)); break;
	case P_NONE: p = a->none + rndn(getpagesize()); break;
	case P_KERNEL: p = (uint8_t *)0xffff888000000000ull + rndn(1 << 20); break;
	case P_NONCANON: p = (uint8_t *)0x8000000000000000ull; break;
	case P_RO:
		p = a->ro + rndn(64);
		mprotect(a->ro, getpagesize(), PROT_READ | PROT_WRITE);
		memset(a->ro, 0, getpagesize());
		memcpy(p, &u, sizeof(u) < (size_t)(a->ro + getpagesize() - p) ?
		       sizeof(u) : (size_t)(a->ro + getpagesize() - p));
		if (ks && size > ks && tail_nonzero) {
			size_t room = a->ro + getpagesize() - p;

			if (room > ks) {
				tailpos = ks + rndn((size < room ? size : room) - ks);
				p[tailpos] = 1 + rndn(255);
			} else {
				tail_nonzero = false;
			}
		} else {
			tail_nonzero = false;
		}
		mprotect(a->ro, getpagesize(), PROT_READ);
		break;
	case P_ARENA: {
		size_t off, len;

		switch (rndn(10)) {
		case 0 ... 5: off = rndn(4096) & (rndn(2) ? ~7ul : ~0ul); break;
		case 6 ... 7: off = rndn(ARENA_LEN - 512); break;
		default: off = ARENA_LEN - 1 - rndn((ks ? ks : 64) + 8); break;
		}
		p = a->arena + off;
		len = ARENA_LEN - off;
		wrote = len < sizeof(u) ? len : sizeof(u);
		memcpy(p, &u, wrote);
		if (ks && size > ks && tail_nonzero && len > ks) {
			size_t lim = size < len ? size : len;

			tailpos = ks + rndn(lim - ks);
			p[tailpos] = 1 + rndn(255);
		} else {
			tail_nonzero = false;
		}
		break;
	}
	}

	/* What the contract allows. */
	rd = readable_from(a, p);
	if (!valid) {
		allow = EBIT(ENOTTY);
	} else if (rd < 4) {
		allow = EBIT(EFAULT);
	} else if (size < minsz) {
		allow = EBIT(EINVAL);
	} else if (rd < size) {
		allow = EBIT(EFAULT);
		if (tail_nonzero)
			allow |= EBIT(E2BIG);
	} else if (tail_nonzero) {
		allow = EBIT(E2BIG);
	} else {
		switch (nr) {
		case PCI_LIVEUPDATE_CMD_STATUS:
			allow = OK_BIT;
			break;
		case PCI_LIVEUPDATE_CMD_MARK: {
			uint32_t f = u.mk.flags;

			if (f & ~(uint32_t)(PCI_LIVEUPDATE_MARK_REBIND |
					    PCI_LIVEUPDATE_MARK_WITH_VFS |
					    PCI_LIVEUPDATE_MARK_VF_AUTOPROBE) ||
			    ((f & PCI_LIVEUPDATE_MARK_VF_AUTOPROBE) &&
			     !(f & PCI_LIVEUPDATE_MARK_WITH_VFS)) ||
			    u.mk.reserved)
				allow |= EBIT(EINVAL);
			if (dev < 0)
				allow |= EBIT(ENODEV);
			else if (devs[dev].vf)
				allow |= EBIT(EINVAL);
			else if ((f & PCI_LIVEUPDATE_MARK_WITH_VFS) && !is_pf(dev))
				allow |= EBIT(EINVAL);
			else if (m->marked[dev])
				allow |= EBIT(EEXIST);
			if (!allow)
				allow = OK_BIT;
			break;
		}
		case PCI_LIVEUPDATE_CMD_UNMARK:
			if (u.mk.flags || u.mk.reserved)
				allow |= EBIT(EINVAL);
			if (dev < 0 || !m->marked[dev])
				allow |= EBIT(ENOENT);
			if (!allow)
				allow = OK_BIT;
			break;
		case PCI_LIVEUPDATE_CMD_LIST_OUTGOING:
		case PCI_LIVEUPDATE_CMD_LIST_INCOMING: {
			uint32_t n = nr == PCI_LIVEUPDATE_CMD_LIST_OUTGOING ?
				     N : n_in_keys;

			if (u.l.flags || esz < DEVSZ) {
				allow = EBIT(EINVAL);
			} else if (!devices) {
				allow = OK_BIT;
			} else if (lcount < n) {
				allow = EBIT(ENOSPC);
			} else {
				devspan = (size_t)n * esz;
				if (!n)
					allow = OK_BIT |
						(writable_from(a, devices) ?
						 0 : EBIT(EFAULT));
				else if (writable_from(a, devices) >= devspan)
					allow = OK_BIT;
				else
					allow = EBIT(EFAULT);
			}
			if (nr == PCI_LIVEUPDATE_CMD_LIST_OUTGOING && devspan &&
			    (allow & OK_BIT) && devspan <= 65536)
				memset((void *)(uintptr_t)devices, 0xaa, devspan);
			break;
		}
		case PCI_LIVEUPDATE_CMD_QUERY:
			if (u.q.reserved)
				allow = EBIT(EINVAL);
			else if ((dev >= 0 && model_tracked(m, dev)) ||
				 in_incoming(key_of(u.q.segment, u.q.bus,
						    u.q.devfn)))
				allow = OK_BIT;
			else
				allow = EBIT(ENOENT);
			break;
		case PCI_LIVEUPDATE_CMD_SRIOV:
			if (u.sr.flags & ~PCI_LIVEUPDATE_SRIOV_INCOMING ||
			    u.sr.reserved || esz < VFSZ) {
				allow = EBIT(EINVAL);
			} else if (u.sr.flags & PCI_LIVEUPDATE_SRIOV_INCOMING) {
				/* Only its absence is modelled (sriov-restore). */
				if (in_incoming(key_of(u.sr.segment, u.sr.bus,
						       u.sr.devfn)))
					allow = OK_BIT | EBIT(ENOENT) |
						EBIT(ENOSPC) | EBIT(EFAULT);
				else
					allow = EBIT(ENOENT);
			} else if (dev < 0 || !m->marked[dev] ||
				   !m->withvfs[dev]) {
				allow = EBIT(ENOENT);
			} else if (!devices) {
				allow = OK_BIT;
			} else if (lcount < nvf) {
				allow = EBIT(ENOSPC);
			} else {
				devspan = (size_t)nvf * esz;
				if (!nvf)
					allow = OK_BIT;
				else if (writable_from(a, devices) >= devspan)
					allow = OK_BIT;
				else
					allow = EBIT(EFAULT);
			}
			if (devspan && (allow & OK_BIT) && devspan <= 65536)
				memset((void *)(uintptr_t)devices, 0xaa, devspan);
			break;
		}
		/* The answer cannot be written back into a read-only page. */
		if (pk == P_RO && (allow & (OK_BIT | EBIT(ENOSPC))))
			allow = (allow & ~(OK_BIT | EBIT(ENOSPC))) | EBIT(EFAULT);
	}

	ret = xioctl(fd, cmd, p);
	*retp = ret;
	a->seen[ret ? -ret & 63 : 0]++;

	if (!(allow & (ret ? EBIT(-ret) : OK_BIT))) {
		char f[160] = "";

		if (valid && (nr == PCI_LIVEUPDATE_CMD_MARK ||
			      nr == PCI_LIVEUPDATE_CMD_UNMARK))
			snprintf(f, sizeof(f), " [%x:%02x:%02x flags %#x reserved %#x]",
				 u.mk.segment, u.mk.bus, u.mk.devfn, u.mk.flags,
				 u.mk.reserved);
		else if (valid && (nr == PCI_LIVEUPDATE_CMD_LIST_OUTGOING ||
				   nr == PCI_LIVEUPDATE_CMD_LIST_INCOMING))
			snprintf(f, sizeof(f), " [count %u entry_size %u flags %#x devices %#llx, %zu writable, set %u]",
				 lcount, esz, u.l.flags,
				 (unsigned long long)devices,
				 writable_from(a, devices),
				 nr == PCI_LIVEUPDATE_CMD_LIST_OUTGOING ? N : n_in_keys);
		else if (valid && nr == PCI_LIVEUPDATE_CMD_QUERY)
			snprintf(f, sizeof(f), " [%x:%02x:%02x reserved %#x]",
				 u.q.segment, u.q.bus, u.q.devfn, u.q.reserved);
		else if (valid && nr == PCI_LIVEUPDATE_CMD_SRIOV)
			snprintf(f, sizeof(f), " [%x:%02x:%02x flags %#x reserved %#x count %u entry_size %u vfs %#llx, %zu writable, %u VFs%s]",
				 u.sr.segment, u.sr.bus, u.sr.devfn, u.sr.flags,
				 u.sr.reserved, lcount, esz,
				 (unsigned long long)devices,
				 writable_from(a, devices), nvf,
				 dev >= 0 && m->withvfs[dev] ? ", with VFs" : "");
		snprintf(why, whylen,
			 "iteration %llu: cmd %#lx (nr %u%s) ptr kind %d at %p (%zu readable) size %u%s%s: got %s",
			 (unsigned long long)it, cmd, nr, valid ? "" : ", invalid",
			 pk, (void *)p, rd, size,
			 tail_nonzero ? " (non-zero tail)" : "", f, en(ret));
		return allow;
	}

	/* Results of successful calls. */
	if (!ret && valid) {
		switch (nr) {
		case PCI_LIVEUPDATE_CMD_STATUS: {
			struct pci_liveupdate_status st;

			memcpy(&st, p, sizeof(st));
			if (st.uapi_version != PCI_LIVEUPDATE_UAPI_VERSION ||
			    st.state != PCI_LIVEUPDATE_STATE_IDLE ||
			    st.marked != model_marked(m) || st.outgoing != N)
				snprintf(why, whylen,
					 "iteration %llu: STATUS says uapi %u state %u marked %u outgoing %u; model %u/%u",
					 (unsigned long long)it, st.uapi_version,
					 st.state, st.marked, st.outgoing,
					 model_marked(m), N);
			break;
		}
		case PCI_LIVEUPDATE_CMD_MARK:
			m->marked[dev] = true;
			m->rebind[dev] = u.mk.flags & PCI_LIVEUPDATE_MARK_REBIND;
			m->withvfs[dev] = u.mk.flags & PCI_LIVEUPDATE_MARK_WITH_VFS;
			m->autoprobe[dev] = u.mk.flags &
					    PCI_LIVEUPDATE_MARK_VF_AUTOPROBE;
			a->vfs_marked += m->withvfs[dev];
			break;
		case PCI_LIVEUPDATE_CMD_UNMARK:
			m->marked[dev] = false;
			m->rebind[dev] = false;
			m->withvfs[dev] = false;
			m->autoprobe[dev] = false;
			break;
		case PCI_LIVEUPDATE_CMD_SRIOV: {
			struct pci_liveupdate_sriov q;
			char w[300];

			if (u.sr.flags & PCI_LIVEUPDATE_SRIOV_INCOMING)
				break;
			memcpy(&q, p, sizeof(q));
			if (!sriov_matches(m, dev, &q,
					   devices && devspan <= 65536 ?
					   (uint8_t *)(uintptr_t)devices : NULL,
					   esz, w, sizeof(w)))
				snprintf(why, whylen, "iteration %llu: %s",
					 (unsigned long long)it, w);
			else if (devices && devspan && devspan <= 65536)
				a->vfs_checked++;
			break;
		}
		case PCI_LIVEUPDATE_CMD_LIST_OUTGOING: {
			struct pci_liveupdate_list l;

			memcpy(&l, p, sizeof(l));
			if (l.count != N) {
				snprintf(why, whylen,
					 "iteration %llu: LIST count %u, model %u",
					 (unsigned long long)it, l.count, N);
				break;
			}
			if (!devices || devspan > 65536)
				break;
			for (uint32_t i = 0; i < N && !why[0]; i++) {
				struct pci_liveupdate_device rec;
				uint8_t *at = (uint8_t *)(uintptr_t)devices +
					      (size_t)i * esz;
				char w[200];

				memcpy(&rec, at, DEVSZ);
				if (!rec_matches(&rec, &exp[i], w, sizeof(w)))
					snprintf(why, whylen,
						 "iteration %llu: LIST entry %u: %s",
						 (unsigned long long)it, i, w);
				for (size_t j = DEVSZ; j < esz && !why[0]; j++)
					if (at[j])
						snprintf(why, whylen,
							 "iteration %llu: LIST entry %u tail byte %zu not zeroed",
							 (unsigned long long)it, i, j);
			}
			break;
		}
		case PCI_LIVEUPDATE_CMD_QUERY: {
			struct pci_liveupdate_query q;
			char w[200];
			int n;

			memcpy(&q, p, sizeof(q));
			if (dev < 0 || !model_tracked(m, dev)) {
				if (q.found & PCI_LIVEUPDATE_FOUND_OUTGOING)
					snprintf(why, whylen,
						 "iteration %llu: QUERY found an untracked device",
						 (unsigned long long)it);
				break;
			}
			for (n = 0; n < (int)N; n++)
				if (exp[n].segment == devs[dev].seg &&
				    exp[n].bus == devs[dev].bus &&
				    exp[n].devfn == devs[dev].devfn)
					break;
			if (!(q.found & PCI_LIVEUPDATE_FOUND_OUTGOING))
				snprintf(why, whylen,
					 "iteration %llu: QUERY found %#x for a tracked device",
					 (unsigned long long)it, q.found);
			else if (!rec_matches(&q.outgoing, &exp[n], w, sizeof(w)))
				snprintf(why, whylen, "iteration %llu: QUERY: %s",
					 (unsigned long long)it, w);
			break;
		}
		}
	}
	if ((!ret || ret == -ENOSPC) && valid && !why[0] &&
	    (nr == PCI_LIVEUPDATE_CMD_LIST_OUTGOING ||
	     nr == PCI_LIVEUPDATE_CMD_LIST_INCOMING) && pk == P_ARENA) {
		struct pci_liveupdate_list l;

		memcpy(&l, p, sizeof(l));
		if (l.count != (nr == PCI_LIVEUPDATE_CMD_LIST_OUTGOING ?
				N : n_in_keys))
			snprintf(why, whylen,
				 "iteration %llu: LIST %s count %u",
				 (unsigned long long)it, en(ret), l.count);
	}
	if (ret == -ENOSPC && valid && !why[0] && pk == P_ARENA &&
	    nr == PCI_LIVEUPDATE_CMD_SRIOV && !(u.sr.flags &
					       PCI_LIVEUPDATE_SRIOV_INCOMING)) {
		struct pci_liveupdate_sriov q;

		memcpy(&q, p, sizeof(q));
		if (q.count != nvf)
			snprintf(why, whylen,
				 "iteration %llu: SRIOV ENOSPC count %u, %u VFs",
				 (unsigned long long)it, q.count, nvf);
	}
	/* Nothing past min(size, kernel size) may have been written. */
	if (pk == P_ARENA && valid && size > ks && !tail_nonzero) {
		size_t len = ARENA_LEN - (p - a->arena);
		size_t end = size < len ? size : len;

		if (end > ks + 256)
			end = ks + 256;
		for (size_t j = ks; j < end && !why[0]; j++)
			if (p[j])
				snprintf(why, whylen,
					 "iteration %llu: byte %zu past the struct written",
					 (unsigned long long)it, j);
	}
	/* Back to an all-zero arena. */
	if (pk == P_ARENA) {
		size_t len = ARENA_LEN - (p - a->arena);
		size_t clr = sizeof(u) + 256 < len ? sizeof(u) + 256 : len;

		memset(p, 0, clr);
		if (tail_nonzero)
			p[tailpos] = 0;
	}
	return allow;
}

TEST_F_TIMEOUT(plu, abuse_random, 900)
{
	struct abuse a = { 0 };
	unsigned long it, n = opt_iterations;
	char why[512];
	int ret, e;
	uint64_t allow;
	long pg = getpagesize();

	rng_state = opt_seed ? opt_seed : 1;
	TH_LOG("seed %llu, %lu iterations (rerun: --seed=%llu)",
	       (unsigned long long)opt_seed, n, (unsigned long long)opt_seed);
	a.arena = guarded(ARENA_LEN);
	a.devbuf = guarded(DEVBUF_LEN);
	a.ro = guarded(pg);
	a.none = none_page();
	ASSERT_TRUE(a.arena && a.devbuf && a.ro && a.none);
	memset(a.arena, 0, ARENA_LEN);
	ASSERT_EQ(0, mprotect(a.ro, pg, PROT_READ));

	/* Start from a non-empty set so LIST has something to write. */
	e = pick_endpoint();
	ASSERT_LE(0, e);
	MARK_OK(e, 0);

	for (it = 0; it < n; it++) {
		allow = abuse_one(&a, self->fd, &self->m, it, why, sizeof(why),
				  &ret);
		ASSERT_EQ(0, why[0]) TH_LOG("%s (allowed mask %#llx, seed %llu)",
					    why, (unsigned long long)allow,
					    (unsigned long long)opt_seed);
		if (it % 2000 == 1999) {
			CHECK("abuse loop checkpoint");
			for (size_t j = 0; j < ARENA_LEN; j++) {
				ASSERT_EQ(0, a.arena[j])
					TH_LOG("arena byte %zu dirty after iteration %lu",
					       j, it);
			}
		}
	}
	CHECK("after the abuse loop");
	TH_LOG("results: ok %lu ENOTTY %lu EFAULT %lu EINVAL %lu E2BIG %lu ENODEV %lu ENOENT %lu EEXIST %lu ENOSPC %lu",
	       a.seen[0], a.seen[ENOTTY], a.seen[EFAULT], a.seen[EINVAL],
	       a.seen[E2BIG], a.seen[ENODEV], a.seen[ENOENT], a.seen[EEXIST],
	       a.seen[ENOSPC]);
	TH_LOG("MARK WITH_VFS succeeded %lu times, SRIOV VF entries checked %lu times",
	       a.vfs_marked, a.vfs_checked);
	if (n >= 5000) {
		/* Not vacuous: every path was taken. */
		int want[] = { 0, ENOTTY, EFAULT, EINVAL, E2BIG, ENODEV, ENOENT,
			       EEXIST, ENOSPC };

		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			ASSERT_LT(0ul, a.seen[want[i]])
				TH_LOG("abuse loop never produced %s",
				       want[i] ? strerrorname_np(want[i]) : "success");
		}
		ASSERT_LE(0, pick_pf()) TH_LOG("no SR-IOV PF with VFs enabled");
		ASSERT_LT(0ul, a.vfs_marked)
			TH_LOG("abuse loop never marked a PF with its VFs");
		ASSERT_LT(0ul, a.vfs_checked)
			TH_LOG("abuse loop never checked an SRIOV answer's VFs");
	}
}

/* ------------------------------------------------------------------ */

static int parse_incoming(const char *s)
{
	static const char * const names[] = { "none", "active", "rejected",
					      "finished" };
	unsigned int i;

	if (!strcmp(s, "any"))
		return -1;
	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	fprintf(stderr, "bad --incoming=%s (none|active|rejected|finished|any)\n",
		s);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	char **hargv = calloc(argc + 1, sizeof(*hargv));
	const char *env;
	int i, hargc = 0;

	if (!hargv)
		return KSFT_FAIL;
	if ((env = getenv("PLU_EXPECT_INCOMING")))
		opt_incoming = parse_incoming(env);
	if ((env = getenv("PLU_SEED"))) {
		opt_seed = strtoull(env, NULL, 0);
		opt_seed_set = true;
	}
	if ((env = getenv("PLU_ITERATIONS")))
		opt_iterations = strtoul(env, NULL, 0);
	opt_endpoint = getenv("PLU_ENDPOINT");
	opt_vf = getenv("PLU_VF");
	hargv[hargc++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--incoming=", 11)) {
			opt_incoming = parse_incoming(argv[i] + 11);
		} else if (!strncmp(argv[i], "--seed=", 7)) {
			opt_seed = strtoull(argv[i] + 7, NULL, 0);
			opt_seed_set = true;
		} else if (!strncmp(argv[i], "--iterations=", 13)) {
			opt_iterations = strtoul(argv[i] + 13, NULL, 0);
		} else if (!strncmp(argv[i], "--endpoint=", 11)) {
			opt_endpoint = argv[i] + 11;
		} else if (!strncmp(argv[i], "--vf=", 5)) {
			opt_vf = argv[i] + 5;
		} else {
			hargv[hargc++] = argv[i];
		}
	}
	if (!opt_seed_set) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		opt_seed = (uint64_t)ts.tv_sec * 1000000007ull ^ ts.tv_nsec ^
			   ((uint64_t)getpid() << 32);
	}
	if (!opt_seed)
		opt_seed = 1;
	if (!discover())
		ndevs = 0;	/* every test fails in setup with the reason */
	discover_sriov();
	printf("# pci-liveupdate ioctl_test: %d PCI devices, seed %llu, incoming %d\n",
	       ndevs, (unsigned long long)opt_seed, opt_incoming);
	for (i = 0; i < ndevs; i++)
		printf("#   %s%s%s depth %d driver \"%s\"%s%s\n", devs[i].bdf,
		       devs[i].vf ? " VF" : "", devs[i].bridge ? " bridge" : "",
		       devs[i].depth, devs[i].driver, devs[i].dsn ? " dsn" : "",
		       is_pf(i) ? " PF" : "");
	fflush(stdout);
	return test_harness_run(hargc, hargv);
}
