// SPDX-License-Identifier: GPL-2.0
/*
 * In-guest latency of the /dev/pci_liveupdate ioctls by size of the
 * outgoing set, for scripts/bench.sh.
 *
 *   ioctl_bench [-k ITERS] [-b ROUNDS] [-s SESSION] SPARE QUERY
 *   ioctl_bench [-k ITERS] [-b ROUNDS] [-s SESSION] -n N,N,... SPARE DEV...
 *   ioctl_bench [-k ITERS] [-b ROUNDS] -s SESSION -V -c LO,HI SPARE PF...
 *   ioctl_bench -H          print the CSV header
 *   ioctl_bench -H -V       print the CSV header of -V
 *
 * SPARE is an endpoint that is not marked: MARK then UNMARK of it leaves the
 * set as it was.  A batch is ITERS calls of one operation: STATUS (the
 * cheapest ioctl, the floor of a round trip), MARK+UNMARK of SPARE, QUERY
 * of a device in the set and LIST_OUTGOING of the whole set.  Each round
 * runs one batch of every operation; the result is the median over ROUNDS
 * of the time per call (CLOCK_MONOTONIC), so a preempted batch does not
 * move it.
 *
 * The first form measures the set as it is, QUERY being a device in it.
 * The second measures sets of each size N: the first N of DEV..., which
 * must not be marked yet, marked and unmarked by the program itself.
 * Every round visits every size (in turn up and down the list), so a slow
 * stretch of the shared, emulating host weighs on all sizes alike and the
 * ratios between sizes stay fair.  The devices are unmarked at the end.
 *
 * With -s, every round and size also creates the LUO session SESSION and
 * preserves /dev/pci_liveupdate in it (as "pci-liveupdate kexec" does),
 * runs a batch of MARK+UNMARK while preserved (each change now rewrites a
 * KHO record and the header), runs the freeze callback FREEZE_REPS times
 * in a row through the module's debugfs "fault" file if it exists (module
 * parameter fault_inject=1: "freeze" then "thaw", the code LUO's freeze
 * runs at reboot), and closes the session, which unpreserves the set.  The
 * module's own timers (debugfs "timings": preserve_ns, freeze_ns,
 * unpreserve_ns) are read each time; their medians are reported, the
 * first freeze of each round (right after the O(N) preserve, so it pays
 * for whatever that evicted) apart from the ones after it.
 *
 * With -V (SR-IOV), the devices are SR-IOV PFs, not marked, with
 * sriov_drivers_autoprobe off (set by the caller); the set is those PFs,
 * marked in three ways in every round: with PCI_LIVEUPDATE_MARK_WITH_VFS
 * and LO VFs enabled on each PF, the same with HI VFs, and plainly (HI
 * VFs enabled, none in the image).  The program sets sriov_numvfs itself
 * (0, then the count, read back), between ways, with the PFs unmarked.
 * Even rounds go plain, HI, LO; odd ones LO, HI, plain: one change of
 * sriov_numvfs per round, and the two --with-vfs ways side by side, each
 * right after the change in half of the rounds.  Marked with its VFs, a
 * PF adds its configuration record and one record per enabled VF to the
 * image.  Per way and round: the MARK of all PFs and their UNMARK (each
 * timed as a whole), a batch of STATUS, and the preserved part above; the
 * image's record count (debugfs "image") is read while preserved, before
 * the freeze, and must be the same in every round.  Freeze must cost the
 * same with LO and HI VFs: the module writes the VF records as VFs come
 * and go, never at freeze.  (Against the plain mark it reads each such
 * PF's sriov_drivers_autoprobe: a constant per PF, not per VF.)
 *
 * Output: one CSV line per size, or per way with -V (see -H, -H -V).
 * Times in ns; 0 = not measured.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/liveupdate.h>
#include <linux/pci_liveupdate.h>

#define PLU_DEV		"/dev/pci_liveupdate"
#define LUO_DEV		"/dev/liveupdate"
#define DBG_DIR		"/sys/kernel/debug/pci_liveupdate"
#define BENCH_TOKEN	0x62656e6368ULL		/* "bench" */
#define MAX_ROUNDS	256
#define MAX_SIZES	16
#define FREEZE_REPS	3

static const char csv_header_sriov[] =
	"pfs,with_vfs,numvfs,marked,tracked,rounds,status_ns,mark_pfs_ns,unmark_pfs_ns,freeze_median_ns,freeze_min_ns,freeze_first_median_ns,preserve_median_ns,unpreserve_median_ns,kho_bytes,image_records";

static const char csv_header[] =
	"n,marked,tracked,iters,rounds,status_ns,mark_unmark_ns,query_ns,list_ns,mark_unmark_min_ns,query_min_ns,list_entries,preserved_mark_unmark_ns,freeze_median_ns,freeze_min_ns,freeze_first_median_ns,preserve_median_ns,unpreserve_median_ns,kho_bytes";

struct bdf {
	unsigned int seg, bus, dev, fn;
};

enum op { OP_STATUS, OP_MARK_UNMARK, OP_QUERY, OP_LIST, OP_PMARK, OP_NR };

/* What is measured for one set size. */
struct size_res {
	unsigned int n;
	const struct bdf *query;
	uint64_t t[OP_NR][MAX_ROUNDS];	/* ns per call, per round */
	uint64_t freeze[MAX_ROUNDS * (FREEZE_REPS - 1)];
	uint64_t first[MAX_ROUNDS], pres[MAX_ROUNDS], unpres[MAX_ROUNDS];
	uint64_t mark_all[MAX_ROUNDS], unmark_all[MAX_ROUNDS];	/* -V */
	unsigned int nfreeze, nfirst;
	uint32_t mark_flags;			/* -V: MARK flags of the PFs */
	unsigned int numvfs;			/* -V: VFs enabled per PF */
	uint32_t image_records;			/* debugfs image count */
	unsigned int nimage;			/* image counts read */
	struct pci_liveupdate_status st;	/* idle */
	uint64_t kho_bytes;			/* while preserved */
	uint32_t entries;
};

static int plu_fd = -1;
static int fault_fd = -1;
static int frozen;

static void die(const char *what)
{
	fprintf(stderr, "ioctl_bench: %s: %s\n", what, strerror(errno));
	/* Never leave the set frozen: MARK and UNMARK would fail for good. */
	if (frozen && fault_fd >= 0 && write(fault_fd, "thaw", 4) < 0)
		fprintf(stderr, "ioctl_bench: thaw failed too\n");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values (sorts them); the smallest in *@min if not NULL. */
static uint64_t median(uint64_t *v, unsigned int n, uint64_t *min)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	if (min)
		*min = v[0];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int parse_bdf(const char *s, struct bdf *b)
{
	char end;

	if (sscanf(s, "%x:%x:%x.%x%c", &b->seg, &b->bus, &b->dev, &b->fn,
		   &end) != 4 || b->bus > 0xff || b->dev > 0x1f || b->fn > 7)
		return -1;
	return 0;
}

static void status(struct pci_liveupdate_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	if (ioctl(plu_fd, PCI_LIVEUPDATE_IOCTL_STATUS, st))
		die("STATUS");
}

static void mark_flags(const struct bdf *b, int on, uint32_t flags)
{
	struct pci_liveupdate_mark m = {
		.size = sizeof(m),
		.flags = on ? flags : 0,
		.segment = b->seg,
		.bus = b->bus,
		.devfn = b->dev << 3 | b->fn,
	};

	if (ioctl(plu_fd, on ? PCI_LIVEUPDATE_IOCTL_MARK :
		  PCI_LIVEUPDATE_IOCTL_UNMARK, &m))
		die(on ? "MARK" : "UNMARK");
}

static void mark(const struct bdf *b, int on)
{
	mark_flags(b, on, 0);
}

static void query(const struct bdf *b)
{
	struct pci_liveupdate_query q = {
		.size = sizeof(q),
		.segment = b->seg,
		.bus = b->bus,
		.devfn = b->dev << 3 | b->fn,
	};

	if (ioctl(plu_fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q))
		die("QUERY");
	if (!(q.found & PCI_LIVEUPDATE_FOUND_OUTGOING)) {
		errno = ENOENT;
		die("QUERY device is not in the outgoing set");
	}
}

static struct pci_liveupdate_device *list_buf;
static uint32_t list_room;

static uint32_t list_outgoing(void)
{
	struct pci_liveupdate_list l = {
		.size = sizeof(l),
		.count = list_room,
		.entry_size = sizeof(*list_buf),
		.devices = (uintptr_t)list_buf,
	};

	if (ioctl(plu_fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, &l))
		die("LIST_OUTGOING");
	return l.count;
}

/* Room for the whole set in the LIST buffer, outside of any timing. */
static void list_fit(uint32_t n)
{
	if (n <= list_room)
		return;
	free(list_buf);
	list_room = n + 64;
	list_buf = calloc(list_room, sizeof(*list_buf));
	if (!list_buf)
		die("calloc");
}

/* One batch: @iters calls of @op, in ns per call. */
static uint64_t run_batch(enum op op, const struct bdf *spare,
			  const struct bdf *q, unsigned int iters)
{
	struct pci_liveupdate_status st;
	uint64_t t0 = now_ns();
	unsigned int i;

	for (i = 0; i < iters; i++) {
		switch (op) {
		case OP_STATUS:
			status(&st);
			break;
		case OP_MARK_UNMARK:
		case OP_PMARK:
			mark(spare, 1);
			mark(spare, 0);
			break;
		case OP_QUERY:
			query(q);
			break;
		case OP_LIST:
			list_outgoing();
			break;
		case OP_NR:
			break;
		}
	}
	return (now_ns() - t0) / iters;
}

/* "NAME_ns" from the module's debugfs timings (the last run of each). */
static uint64_t read_timing(const char *name)
{
	char buf[512], key[32], *p;
	ssize_t n;
	int fd = open(DBG_DIR "/timings", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open " DBG_DIR "/timings");
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		die("read timings");
	close(fd);
	buf[n] = '\0';
	snprintf(key, sizeof(key), "%s_ns ", name);
	p = strstr(buf, key);
	if (!p) {
		errno = EPROTO;
		die("timings lacks a value");
	}
	return strtoull(p + strlen(key), NULL, 10);
}

/* Records in the preserved image (debugfs "image": "count N ..."). */
static uint32_t image_records(void)
{
	char buf[256];
	unsigned int count;
	ssize_t n;
	int fd = open(DBG_DIR "/image", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open " DBG_DIR "/image");
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		die("read image");
	close(fd);
	buf[n] = '\0';
	if (sscanf(buf, "count %u", &count) != 1) {
		errno = EPROTO;
		die("debugfs image has no record count");
	}
	return count;
}

static void fault_cmd(const char *cmd)
{
	if (write(fault_fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		die(cmd);
	frozen = !strcmp(cmd, "freeze");
}

/* Create session @name and preserve /dev/pci_liveupdate in it. */
static int preserve(const char *name, int *luo)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct liveupdate_session_preserve_fd pf = {
		.size = sizeof(pf),
		.fd = plu_fd,
		.token = BENCH_TOKEN,
	};

	*luo = open(LUO_DEV, O_RDWR | O_CLOEXEC);
	if (*luo < 0)
		die("open " LUO_DEV);
	snprintf((char *)cs.name, sizeof(cs.name), "%s", name);
	if (ioctl(*luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs))
		die("LUO CREATE_SESSION");
	if (ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf))
		die("LUO PRESERVE_FD");
	return cs.fd;
}

/* The preserved part of one round at one size. */
static void preserved_round(struct size_res *r, unsigned int round,
			    const char *session, const struct bdf *spare,
			    unsigned int iters)
{
	struct pci_liveupdate_status st;
	unsigned int i;
	uint32_t n;
	int luo, sess;

	sess = preserve(session, &luo);
	r->pres[round] = read_timing("preserve");
	status(&st);
	r->kho_bytes = st.kho_bytes;
	n = image_records();
	if (r->nimage++ && n != r->image_records) {
		errno = EPROTO;
		die("the image's record count changed between rounds");
	}
	r->image_records = n;
	r->t[OP_PMARK][round] = run_batch(OP_PMARK, spare, NULL, iters);
	for (i = 0; fault_fd >= 0 && i < FREEZE_REPS; i++) {
		fault_cmd("freeze");
		if (i)
			r->freeze[r->nfreeze++] = read_timing("freeze");
		else
			r->first[r->nfirst++] = read_timing("freeze");
		fault_cmd("thaw");
	}
	close(sess);
	close(luo);
	r->unpres[round] = read_timing("unpreserve");
}

/* Write @val to the sysfs attribute @attr of device @b. */
static void write_attr(const struct bdf *b, const char *attr, unsigned int val)
{
	char path[128], buf[16];
	int fd, len;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%04x:%02x:%02x.%x/%s",
		 b->seg, b->bus, b->dev, b->fn, attr);
	len = snprintf(buf, sizeof(buf), "%u", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (write(fd, buf, len) != len)
		die(path);
	close(fd);
}

/* sriov_numvfs of @b, read back. */
static unsigned int read_numvfs(const struct bdf *b)
{
	char path[128], buf[16];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%04x:%02x:%02x.%x/sriov_numvfs",
		 b->seg, b->bus, b->dev, b->fn);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		die(path);
	close(fd);
	buf[n] = '\0';
	return strtoul(buf, NULL, 10);
}

/* Enable @num VFs on each of the @n PFs @pfs (unmarked), unless it has. */
static void set_numvfs(const struct bdf *pfs, unsigned int n, unsigned int num)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (read_numvfs(&pfs[i]) == num)
			continue;
		/* The kernel changes a nonzero count only through 0. */
		write_attr(&pfs[i], "sriov_numvfs", 0);
		write_attr(&pfs[i], "sriov_numvfs", num);
		if (read_numvfs(&pfs[i]) != num) {
			errno = EIO;
			die("sriov_numvfs did not take the VF count");
		}
	}
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: ioctl_bench [-k ITERS] [-b ROUNDS] [-s SESSION] SPARE QUERY\n"
		"       ioctl_bench [-k ITERS] [-b ROUNDS] [-s SESSION] -n N,N,... SPARE DEV...\n"
		"       ioctl_bench [-k ITERS] [-b ROUNDS] -s SESSION -V -c LO,HI SPARE PF...\n"
		"       ioctl_bench -H [-V]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct size_res res[MAX_SIZES];
	unsigned int iters = 20, rounds = 31, nsizes = 0, ndev, cur = 0;
	unsigned int i, k, round, vf_lo = 0, vf_hi = 0;
	const char *session = NULL, *sizes = NULL;
	struct pci_liveupdate_status st;
	struct bdf spare, *devs;
	int c, header = 0, sriov = 0;

	while ((c = getopt(argc, argv, "k:b:s:n:c:HV")) != -1) {
		switch (c) {
		case 'k':
			iters = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			rounds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			session = optarg;
			break;
		case 'n':
			sizes = optarg;
			break;
		case 'c':
			if (sscanf(optarg, "%u,%u", &vf_lo, &vf_hi) != 2)
				print_usage();
			break;
		case 'H':
			header = 1;
			break;
		case 'V':
			sriov = 1;
			break;
		default:
			print_usage();
		}
	}
	if (header) {
		puts(sriov ? csv_header_sriov : csv_header);
		return 0;
	}
	if (sriov && (sizes || !session || !vf_lo || vf_hi <= vf_lo))
		print_usage();
	if (argc - optind < 2 || !iters || !rounds || rounds > MAX_ROUNDS ||
	    parse_bdf(argv[optind], &spare))
		print_usage();
	ndev = argc - optind - 1;
	devs = calloc(ndev, sizeof(*devs));
	if (!devs)
		die("calloc");
	for (i = 0; i < ndev; i++)
		if (parse_bdf(argv[optind + 1 + i], &devs[i]))
			print_usage();

	plu_fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);
	if (plu_fd < 0)
		die("open " PLU_DEV);
	status(&st);
	if (st.state != PCI_LIVEUPDATE_STATE_IDLE) {
		errno = EBUSY;
		die("the outgoing set must be idle (not preserved) to start");
	}

	if (sriov) {
		/* Three ways of marking the same PFs: see the top. */
		for (nsizes = 0; nsizes < 3; nsizes++) {
			res[nsizes].n = ndev;
			res[nsizes].query = &devs[0];
			res[nsizes].numvfs = vf_hi;
		}
		res[1].mark_flags = PCI_LIVEUPDATE_MARK_WITH_VFS;
		res[2].mark_flags = PCI_LIVEUPDATE_MARK_WITH_VFS;
		res[2].numvfs = vf_lo;
	} else if (sizes) {
		char *list = strdup(sizes), *tok, *save = NULL;

		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			unsigned long n = strtoul(tok, NULL, 10);

			if (nsizes == MAX_SIZES || !n || n > ndev)
				print_usage();
			res[nsizes].n = n;
			res[nsizes].query = &devs[n - 1];
			nsizes++;
		}
		free(list);
		if (!nsizes)
			print_usage();
	} else {
		if (ndev != 1)
			print_usage();
		res[0].n = st.marked;
		res[0].query = &devs[0];
		nsizes = 1;
	}

	if (session) {
		fault_fd = open(DBG_DIR "/fault", O_WRONLY | O_CLOEXEC);
		if (fault_fd < 0 && errno != ENOENT)
			die("open " DBG_DIR "/fault");
	}
	if (sriov && fault_fd < 0) {
		errno = ENOENT;
		die("-V needs the freeze trigger, " DBG_DIR "/fault (fault_inject=1)");
	}

	for (round = 0; round < rounds; round++) {
		for (k = 0; k < nsizes; k++) {
			/* Up the list in even rounds, down in odd ones. */
			struct size_res *r = &res[round % 2 ? nsizes - 1 - k : k];
			uint64_t t0;

			if (sriov) {
				set_numvfs(devs, ndev, r->numvfs);
				t0 = now_ns();
				for (i = 0; i < ndev; i++)
					mark_flags(&devs[i], 1, r->mark_flags);
				r->mark_all[round] = now_ns() - t0;
				if (!round)
					status(&r->st);
				r->t[OP_STATUS][round] =
					run_batch(OP_STATUS, &spare, NULL, iters);
				preserved_round(r, round, session, &spare,
						iters);
				t0 = now_ns();
				for (i = 0; i < ndev; i++)
					mark(&devs[i], 0);
				r->unmark_all[round] = now_ns() - t0;
				continue;
			}
			if (sizes) {
				while (cur < r->n)
					mark(&devs[cur++], 1);
				while (cur > r->n)
					mark(&devs[--cur], 0);
			}
			if (!round) {
				/* Untimed: fails early, warms caches. */
				status(&r->st);
				list_fit(r->st.outgoing);
				mark(&spare, 1);
				mark(&spare, 0);
				query(r->query);
				r->entries = list_outgoing();
				if (r->entries != r->st.outgoing) {
					errno = EPROTO;
					die("LIST_OUTGOING count differs from STATUS");
				}
			}
			for (i = OP_STATUS; i <= OP_LIST; i++)
				r->t[i][round] = run_batch(i, &spare, r->query,
							   iters);
			if (session)
				preserved_round(r, round, session, &spare,
						iters);
		}
	}
	if (sizes)
		while (cur > 0)
			mark(&devs[--cur], 0);

	for (k = 0; sriov && k < nsizes; k++) {
		struct size_res *r = &res[k];
		uint64_t min_fz = 0, fz = median(r->freeze, r->nfreeze, &min_fz);

		printf("%u,%u,%u,%u,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%u\n",
		       r->n, !!r->mark_flags, r->numvfs, r->st.marked,
		       r->st.outgoing, rounds,
		       (unsigned long long)median(r->t[OP_STATUS], rounds, NULL),
		       (unsigned long long)median(r->mark_all, rounds, NULL),
		       (unsigned long long)median(r->unmark_all, rounds, NULL),
		       (unsigned long long)fz, (unsigned long long)min_fz,
		       (unsigned long long)median(r->first, r->nfirst, NULL),
		       (unsigned long long)median(r->pres, rounds, NULL),
		       (unsigned long long)median(r->unpres, rounds, NULL),
		       (unsigned long long)r->kho_bytes, r->image_records);
	}
	for (k = 0; !sriov && k < nsizes; k++) {
		struct size_res *r = &res[k];
		uint64_t med[OP_NR], min_mark = 0, min_query = 0, min_fz = 0;
		uint64_t fz, fz1, pres = 0, unpres = 0;

		for (i = 0; i < OP_NR; i++)
			med[i] = median(r->t[i], session || i != OP_PMARK ?
					rounds : 0,
					i == OP_MARK_UNMARK ? &min_mark :
					i == OP_QUERY ? &min_query : NULL);
		fz = median(r->freeze, r->nfreeze, &min_fz);
		fz1 = median(r->first, r->nfirst, NULL);
		if (session) {
			pres = median(r->pres, rounds, NULL);
			unpres = median(r->unpres, rounds, NULL);
		}
		printf("%u,%u,%u,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu,%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu\n",
		       r->n, r->st.marked, r->st.outgoing, iters, rounds,
		       (unsigned long long)med[OP_STATUS],
		       (unsigned long long)med[OP_MARK_UNMARK],
		       (unsigned long long)med[OP_QUERY],
		       (unsigned long long)med[OP_LIST],
		       (unsigned long long)min_mark,
		       (unsigned long long)min_query, r->entries,
		       (unsigned long long)med[OP_PMARK],
		       (unsigned long long)fz, (unsigned long long)min_fz,
		       (unsigned long long)fz1,
		       (unsigned long long)pres, (unsigned long long)unpres,
		       (unsigned long long)r->kho_bytes);
	}
	if (fault_fd >= 0)
		close(fault_fd);
	free(list_buf);
	free(devs);
	close(plu_fd);
	return 0;
}
