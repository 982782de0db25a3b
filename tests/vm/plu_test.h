/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-guest tests of /dev/pci_liveupdate (ioctl_test,
 * stress_test, lifecycle_test, the race tests, luo_session_test);
 * plu_test.c is linked into each of them.
 *
 * Devices: discover() reads /sys/bus/pci/devices into devs[], sorted by
 * segment/bus/devfn (the order LIST_OUTGOING uses): identity from the
 * sysfs attributes, the topology from readlink, physfn marks a VF, the
 * config header type marks a bridge.
 *
 * ioctls: every wrapper returns 0 (or the new fd) on success and -errno on
 * failure; en() names such a return for a log line.
 */
#ifndef PLU_TEST_H
#define PLU_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/pci_liveupdate.h>

#define PLU_DEV		"/dev/pci_liveupdate"
#define LUO_DEV		"/dev/liveupdate"
#define SYSFS_PCI	"/sys/bus/pci/devices"
#define MAX_DEVS	256
#define MAX_HOPS	32
#define DEVSZ		sizeof(struct pci_liveupdate_device)

/*
 * kselftest's per-test timeout is wall-clock time, 30 s unless a test says
 * otherwise, and the guest runs under TCG on a host that may be busy (make
 * check runs VMs side by side): a test that takes a second on an idle host
 * can take tens of seconds there.  Every test here ends by itself (loops
 * are bounded by counts, not by time), so the timeout only has to catch one
 * that spins: 300 s.  (A task stuck in D state panics the test kernels
 * after 30 s anyway.)  Include this after kselftest_harness.h.
 */
#ifdef __KSELFTEST_HARNESS_H
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	300
#endif

/* ------------------------------------------------------------------ */
/* Devices from sysfs                                                  */

struct tdev {
	char bdf[32];
	uint32_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint16_t vendor;
	uint16_t device;
	uint16_t ssvid;
	uint16_t ssid;
	uint32_t class;
	uint8_t revision;
	bool vf;
	bool bridge;
	char driver[64];
	uint8_t root_bus;
	int depth;			/* hops from the root bus, itself included */
	uint8_t path[MAX_HOPS];
	int nanc;			/* bridges above, nearest first */
	int anc[MAX_HOPS];
	bool dsn;
	uint64_t dsn_val;
};

extern struct tdev devs[MAX_DEVS];
extern int ndevs;
extern char discover_error[512];	/* why discover() failed */

uint64_t key_of(uint32_t seg, uint8_t bus, uint8_t devfn);
bool parse_bdf(const char *s, uint32_t *seg, uint8_t *bus, uint8_t *devfn);
int find_dev(uint32_t seg, uint8_t bus, uint8_t devfn);	/* index or -1 */
int find_bdf(const char *bdf);
bool read_sysfs_ulong(const char *bdf, const char *attr, unsigned long *val);
/* The whole config space the kernel lets root read (256 or 4096 bytes). */
ssize_t read_config(const char *bdf, uint8_t *cfg, size_t len);
bool discover(void);

/* ------------------------------------------------------------------ */
/* ioctl wrappers: 0 or -errno                                         */

const char *en(int ret);
int xioctl(int fd, unsigned long cmd, void *arg);
int get_status(int fd, struct pci_liveupdate_status *st);
int do_mark(int fd, unsigned long cmd, uint32_t seg, uint8_t bus,
	    uint8_t devfn, uint32_t flags, uint16_t reserved);
int mark_dev(int fd, int i, uint32_t flags);
int unmark_dev(int fd, int i);
int do_list(int fd, unsigned long cmd, void *buf, uint32_t *count,
	    uint32_t entry_size, uint32_t flags);
/* LIST_OUTGOING of at most *count records into @buf. */
int list_outgoing(int fd, struct pci_liveupdate_device *buf, uint32_t *count);
int do_query(int fd, int i, struct pci_liveupdate_query *q);
/* Best effort, for teardown: unmark every MARKED device of the set. */
void unmark_all(int fd);

/* ------------------------------------------------------------------ */
/* LUO sessions (/dev/liveupdate)                                      */

/* A new session named by @fmt: its fd, or -errno. */
int luo_session(int luo, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int luo_preserve(int session, int fd, uint64_t token);
/* The incoming session @name: its fd, or -errno. */
int luo_retrieve_session(int luo, const char *name);
/* The file preserved with @token in @session: its fd, or -errno. */
int luo_retrieve_fd(int session, uint64_t token);
/* FINISH of @session: 0 or -errno. */
int luo_finish(int session);

/* xorshift64*: a seedable generator, the same sequence on every run. */
uint64_t rnd_next(uint64_t *state);

/* ------------------------------------------------------------------ */
/* Fixture setup (kselftest harness)                                   */

#ifdef __KSELFTEST_HARNESS_H
#include <errno.h>
#include <fcntl.h>
#include <string.h>

/*
 * The start of a fixture's setup: open PLU_DEV and read STATUS into @st,
 * asserting both work and that the outgoing set is empty (nothing an
 * earlier test or stage left marked).  Returns the fd.  A failed assertion
 * fails the setup; the harness does not run the teardown then.
 */
static inline int plu_fixture_open(struct __test_metadata *_metadata,
				   struct pci_liveupdate_status *st)
{
	int fd, ret;

	fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open " PLU_DEV ": %s (module loaded?)",
				strerror(errno));
	ret = get_status(fd, st);
	ASSERT_EQ(0, ret) TH_LOG("STATUS: %s", en(ret));
	ASSERT_EQ(0u, st->marked) TH_LOG("outgoing set not empty at test start; something left marks");
	ASSERT_EQ(0u, st->outgoing) TH_LOG("outgoing set not empty at test start");
	return fd;
}
#endif

#endif /* PLU_TEST_H */
