// SPDX-License-Identifier: GPL-2.0
/*
 * LUO session driver for the VM scenarios that need more than the CLI:
 * another LUO user's memory in the same session as /dev/pci_liveupdate,
 * or a session held open while a stage script runs.  Only one process can
 * hold /dev/liveupdate at a time, so everything session-related of one
 * step happens in this one process.
 *
 *   luo_session_test memfd-kexec SESSION
 *	Stage 1 of hostile-memfd.  Needs the module loaded with
 *	fault_inject=1, devices marked and the next kernel already loaded
 *	(kexec -s -l).  Creates SESSION, preserves a memfd of MEMFD_PAGES
 *	pages holding a known pattern (token MEMFD_TOKEN) and
 *	/dev/pci_liveupdate (token PLU_TOKEN), finds the physical address of
 *	the memfd's page MEMFD_AIM in /proc/self/pagemap (LUO's memfd handler
 *	preserves its folios in place), arms the debugfs fault
 *	"body-phys 0xADDR" so that the outgoing header points at that folio,
 *	and reboots into the loaded kernel while it holds the session.
 *	Prints one data-port line "@@memfd1 rc=RC@@ {JSON}" on stdout before
 *	the reboot (redirect stdout to the data port), with the address.
 *
 *   luo_session_test memfd-retrieve SESSION
 *	Stage 2.  Retrieves SESSION, the memfd (its size and content must be
 *	intact, and its page MEMFD_AIM still at the same physical address)
 *	and the /dev/pci_liveupdate file, reads STATUS, finishes the session,
 *	then checks the memfd again: content intact, the page still mapped
 *	(/proc/kpagecount) and not free (/proc/kpageflags), i.e. the FLB
 *	finish did not free it.  Prints one JSON object of what it saw;
 *	exit 0 only if all of that holds.
 *
 *   luo_session_test hold SESSION CMD [ARG...]
 *	Creates SESSION, preserves /dev/pci_liveupdate in it, runs CMD with
 *	the session held and closes the session when CMD exits (LUO then
 *	unpreserves the file).  Exit status: CMD's, or 1 if the session
 *	could not be set up.
 *
 * Progress and errors go to stderr.  The fds of the session are
 * close-on-exec, so nothing CMD runs keeps the session alive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/pci_liveupdate.h>

#include "plu_test.h"

#define MEMFD_PAGES	4
#define MEMFD_AIM	1	/* the page whose address the header gets */
#define MEMFD_TOKEN	0x6d656d6664ULL	/* "memfd" */
#define PLU_TOKEN	0x706c75ULL	/* "plu" */
#define PATTERN_SEED	0x9e3779b97f4a7c15ULL
#define FAULT_FILE	"/sys/kernel/debug/pci_liveupdate/fault"
#define KPF_BUDDY	10

static long page_size;

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void msg(const char *fmt, ...)
{
	va_list ap;

	fputs("luo_session_test: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The memfd's content: never zero, different in every 8 bytes. */
static void fill_pattern(uint64_t *buf, size_t words)
{
	uint64_t s = PATTERN_SEED;
	size_t i;

	for (i = 0; i < words; i++)
		buf[i] = rnd_next(&s) | 1;
}

static size_t memfd_len(void)
{
	return (size_t)MEMFD_PAGES * page_size;
}

/* Whether the memfd @fd holds the pattern, read with pread(). */
static bool content_ok(int fd, const uint64_t *want)
{
	size_t len = memfd_len(), got = 0;
	char *buf = malloc(len);
	bool ok;

	if (!buf)
		return false;
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, got);

		if (n <= 0)
			break;
		got += n;
	}
	ok = got == len && !memcmp(buf, want, len);
	free(buf);
	return ok;
}

/* The PFN behind @addr of this process (root only), or 0. */
static uint64_t pfn_of(const void *addr)
{
	uint64_t e = 0;
	off_t off = (uintptr_t)addr / page_size * sizeof(e);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), off) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e & (1ULL << 63)))	/* not present */
		return 0;
	return e & ((1ULL << 55) - 1);
}

/* Entry @pfn of /proc/kpagecount or /proc/kpageflags, or -1 on error. */
static int64_t kpage(const char *file, uint64_t pfn)
{
	uint64_t v;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, &v, sizeof(v), pfn * sizeof(v));
	close(fd);
	return n == sizeof(v) ? (int64_t)v : -1;
}

/*
 * Map the memfd, touch page MEMFD_AIM and return its PFN (0 if not found).
 * The mapping stays (*map) so the page stays mapped for kpagecount.
 */
static uint64_t map_aim(int fd, volatile uint64_t **map)
{
	void *p = mmap(NULL, memfd_len(), PROT_READ, MAP_SHARED, fd, 0);

	*map = NULL;
	if (p == MAP_FAILED)
		return 0;
	*map = p;
	(void)(*map)[MEMFD_AIM * page_size / sizeof(uint64_t)];
	return pfn_of((const char *)p + MEMFD_AIM * page_size);
}

static int open_luo(void)
{
	int fd = open(LUO_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		msg("cannot open " LUO_DEV ": %s", strerror(errno));
	return fd;
}

/* The new session's fd (close-on-exec), or -errno. */
static int new_session(int luo, const char *name)
{
	int s = luo_session(luo, "%s", name);

	if (s < 0) {
		msg("cannot create LUO session '%s': %s", name, strerror(-s));
		return s;
	}
	if (fcntl(s, F_SETFD, FD_CLOEXEC))
		msg("FD_CLOEXEC on the session: %s", strerror(errno));
	return s;
}

static int open_plu(void)
{
	int fd = open(PLU_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		msg("cannot open " PLU_DEV ": %s", strerror(errno));
	return fd;
}

/* ------------------------------------------------------------------ */

/* One data-port line (plu-lib.sh's format), drained before a reboot. */
static void note1(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note1(int rc, const char *fmt, ...)
{
	va_list ap;

	printf("@@memfd1 rc=%d@@ ", rc);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	tcdrain(STDOUT_FILENO);		/* fails harmlessly on a non-tty */
}

static int fail1(const char *step, int err)
{
	msg("%s: %s", step, strerror(err));
	note1(1, "{\"failed\":\"%s\",\"errno\":%d}", step, err);
	return 1;
}

static int memfd_kexec(const char *name)
{
	size_t words = memfd_len() / sizeof(uint64_t);
	volatile uint64_t *map;
	uint64_t *pat, pfn, phys;
	int plu, luo, s, mfd, ret, fault, con;
	char arm[64];
	ssize_t n;

	pat = malloc(memfd_len());
	if (!pat)
		return fail1("malloc", ENOMEM);
	fill_pattern(pat, words);

	plu = open_plu();
	if (plu < 0)
		return fail1("open " PLU_DEV, errno);
	luo = open_luo();
	if (luo < 0)
		return fail1("open " LUO_DEV, errno);
	s = new_session(luo, name);
	if (s < 0)
		return fail1("create session", -s);

	mfd = memfd_create("plu-hostile", 0);
	if (mfd < 0)
		return fail1("memfd_create", errno);
	n = pwrite(mfd, pat, memfd_len(), 0);
	if (n != (ssize_t)memfd_len())
		return fail1("write the pattern", n < 0 ? errno : EIO);
	ret = luo_preserve(s, mfd, MEMFD_TOKEN);
	if (ret)
		return fail1("preserve the memfd", -ret);
	ret = luo_preserve(s, plu, PLU_TOKEN);
	if (ret)
		return fail1("preserve " PLU_DEV, -ret);

	/* Pinned and preserved now: the address no longer changes. */
	pfn = map_aim(mfd, &map);
	if (!pfn)
		return fail1("find the memfd page in /proc/self/pagemap",
			     map ? ENOENT : errno);
	if (!content_ok(mfd, pat))
		return fail1("read back the pattern", EIO);
	phys = pfn * page_size;

	snprintf(arm, sizeof(arm), "body-phys 0x%" PRIx64, phys);
	fault = open(FAULT_FILE, O_WRONLY | O_CLOEXEC);
	if (fault < 0)
		return fail1("open " FAULT_FILE, errno);
	n = write(fault, arm, strlen(arm));
	if (n != (ssize_t)strlen(arm))
		return fail1("write 'body-phys ADDR' to " FAULT_FILE,
			     n < 0 ? errno : EIO);
	close(fault);
	msg("armed '%s' (page %d of the memfd)", arm, MEMFD_AIM);

	note1(0, "{\"memfd_phys\":\"0x%" PRIx64 "\",\"pages\":%d,\"page\":%d,"
	      "\"armed\":\"%s\"}", phys, MEMFD_PAGES, MEMFD_AIM, arm);

	con = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (con >= 0) {
		tcdrain(con);
		close(con);
	}
	sync();
	reboot(RB_KEXEC);
	return fail1("reboot(RB_KEXEC)", errno);
}

/* ------------------------------------------------------------------ */

struct seen {
	int session, memfd, plu, status, finish;	/* 0 or -errno */
	long long size;
	bool content_retrieved, content_finished;
	uint64_t pfn_retrieved, pfn_finished;
	int64_t mapcount, kflags;
	__u32 incoming_state;
	__s32 incoming_error;
};

static void print_seen(const struct seen *w)
{
	printf("{\"session\":%d,\"memfd\":%d,\"size\":%lld,"
	       "\"content_retrieved\":%s,\"phys_retrieved\":\"0x%" PRIx64 "\","
	       "\"plu\":%d,\"status\":%d,\"incoming_state\":%u,"
	       "\"incoming_error\":%d,\"finish\":%d,\"content_finished\":%s,"
	       "\"phys_finished\":\"0x%" PRIx64 "\",\"mapcount\":%" PRId64 ","
	       "\"buddy\":%s}\n",
	       w->session, w->memfd, w->size,
	       w->content_retrieved ? "true" : "false",
	       w->pfn_retrieved * page_size, w->plu, w->status,
	       w->incoming_state, w->incoming_error, w->finish,
	       w->content_finished ? "true" : "false",
	       w->pfn_finished * page_size, w->mapcount,
	       w->kflags < 0 ? "null" :
	       (w->kflags >> KPF_BUDDY) & 1 ? "true" : "false");
}

static int memfd_retrieve(const char *name)
{
	struct seen w = { .mapcount = -1, .kflags = -1 };
	struct pci_liveupdate_status st;
	volatile uint64_t *map = NULL;
	int luo, s, mfd = -1, plu;
	struct stat sb;
	uint64_t *pat;
	bool ok;

	pat = malloc(memfd_len());
	if (!pat)
		return 1;
	fill_pattern(pat, memfd_len() / sizeof(uint64_t));
	luo = open_luo();
	if (luo < 0)
		return 1;

	s = luo_retrieve_session(luo, name);
	w.session = s < 0 ? s : 0;
	if (s < 0) {
		msg("cannot retrieve session '%s': %s", name, strerror(-s));
		goto out;
	}
	mfd = luo_retrieve_fd(s, MEMFD_TOKEN);
	w.memfd = mfd < 0 ? mfd : 0;
	if (mfd >= 0) {
		w.size = fstat(mfd, &sb) ? -1 : (long long)sb.st_size;
		w.content_retrieved = content_ok(mfd, pat);
		w.pfn_retrieved = map_aim(mfd, &map);
	} else {
		msg("cannot retrieve the memfd: %s", strerror(-mfd));
	}
	plu = luo_retrieve_fd(s, PLU_TOKEN);
	w.plu = plu < 0 ? plu : 0;
	if (plu >= 0) {
		w.status = get_status(plu, &st);
		w.incoming_state = st.incoming_state;
		w.incoming_error = st.incoming_error;
	} else {
		msg("cannot retrieve " PLU_DEV ": %s", strerror(-plu));
	}
	w.finish = luo_finish(s);
	if (w.finish)
		msg("cannot finish session '%s': %s", name, strerror(-w.finish));
	if (mfd >= 0) {
		/* After FLB finish: still ours, still intact, not freed. */
		w.content_finished = content_ok(mfd, pat);
		if (map)
			w.pfn_finished = pfn_of((const char *)map +
						MEMFD_AIM * page_size);
		if (w.pfn_finished) {
			w.mapcount = kpage("/proc/kpagecount", w.pfn_finished);
			w.kflags = kpage("/proc/kpageflags", w.pfn_finished);
		}
	}
out:
	print_seen(&w);
	ok = !w.session && !w.memfd && w.size == (long long)memfd_len() &&
	     w.content_retrieved && w.pfn_retrieved && !w.plu && !w.status &&
	     !w.finish && w.content_finished &&
	     w.pfn_finished == w.pfn_retrieved && w.mapcount >= 1 &&
	     w.kflags >= 0 && !((w.kflags >> KPF_BUDDY) & 1);
	return ok ? 0 : 1;
}

/* ------------------------------------------------------------------ */

static int hold(const char *name, char **cmd)
{
	int plu, luo, s, ret, status;
	pid_t pid;

	plu = open_plu();
	if (plu < 0)
		return 1;
	luo = open_luo();
	if (luo < 0)
		return 1;
	s = new_session(luo, name);
	if (s < 0)
		return 1;
	ret = luo_preserve(s, plu, PLU_TOKEN);
	if (ret) {
		msg("cannot preserve " PLU_DEV ": %s", strerror(-ret));
		return 1;
	}
	msg("session '%s' holds " PLU_DEV "; running %s", name, cmd[0]);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		msg("fork: %s", strerror(errno));
		return 1;
	}
	if (!pid) {
		execvp(cmd[0], cmd);
		msg("cannot run %s: %s", cmd[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			msg("waitpid: %s", strerror(errno));
			return 1;
		}
	close(s);
	close(luo);
	close(plu);
	msg("session '%s' closed", name);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int usage(void)
{
	fprintf(stderr, "usage: luo_session_test memfd-kexec SESSION\n"
		"       luo_session_test memfd-retrieve SESSION\n"
		"       luo_session_test hold SESSION CMD [ARG...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "memfd-kexec"))
		return memfd_kexec(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "memfd-retrieve"))
		return memfd_retrieve(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "hold"))
		return hold(argv[2], argv + 3);
	return usage();
}
