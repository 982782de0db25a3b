/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the in-guest race tests (sriov_race_test, rescan_race_test,
 * insmod_race_test, preserve_race_test): one-shot sysfs writes, the bound
 * driver of a device, waiting for a path to appear or go with a deadline,
 * a first-failure record shared by racing threads, a module loader pinned
 * to a CPU, and a look into the kernel log.  Header only, every function static
 * inline, so a test uses what it needs.
 */
#ifndef PLU_RACE_H
#define PLU_RACE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t race_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write @s to @path with one write(2), as "echo" does: 0 or -errno. */
static inline int race_write(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static inline bool race_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The driver bound to PCI device @bdf into @buf ("" if none). */
static inline void race_driver(const char *bdf, char *buf, size_t len)
{
	char p[PATH_MAX], link[PATH_MAX];
	const char *slash;
	ssize_t n;

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%.64s/driver", bdf);
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0) {
		buf[0] = 0;
		return;
	}
	link[n] = 0;
	slash = strrchr(link, '/');
	slash = slash ? slash + 1 : link;
	n = strlen(slash);
	if ((size_t)n >= len)
		n = len - 1;
	memcpy(buf, slash, n);
	buf[n] = 0;
}

/*
 * Poll (every 10 ms) until @cond(@arg) holds, at most @timeout_ms.  Polling
 * an observable state with a deadline, never a sleep that hopes something
 * has happened by then.  Returns whether it held.
 */
static inline bool race_wait(bool (*cond)(const void *arg), const void *arg,
			     unsigned int timeout_ms)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	uint64_t end = race_now_ms() + timeout_ms;

	for (;;) {
		if (cond(arg))
			return true;
		if (race_now_ms() >= end)
			return false;
		nanosleep(&tick, NULL);
	}
}

/* The first failure of any thread; later ones are dropped. */
struct race_err {
	pthread_mutex_t lock;
	atomic_bool failed;
	char msg[768];
};

static inline void race_fail(struct race_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline void race_fail(struct race_err *e, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&e->lock);
	if (!e->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&e->lock);
	atomic_store(&e->failed, true);
}

/* A numeric option from the environment, or @def. */
static inline unsigned long race_env(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 0);
	if (*end) {
		fprintf(stderr, "bad %s value '%s'\n", name, s);
		exit(1);
	}
	return v;
}

/*
 * A child process pinned to @cpu that loads the module file @ko
 * (finit_module) once a byte is written to *@go.  It exits 0, or the
 * errno of the failed load (100 and up: its own setup failed).  Returns
 * its pid, or -1.
 */
static inline pid_t race_start_loader(int cpu, const char *ko, int *go)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid) {
		close(p[0]);
		*go = p[1];
		return pid;
	}
	{
		cpu_set_t set;
		char c;
		int fd;

		close(p[1]);
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(100);
		if (read(p[0], &c, 1) != 1)
			_exit(101);
		fd = open(ko, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(102);
		if (syscall(SYS_finit_module, fd, "", 0))
			_exit(errno & 0x7f);
		_exit(0);
	}
}

/*
 * Wait, at most @timeout_ms, for the loader @pid to exit: its exit status
 * (200 if killed by a signal), or -1.
 */
static inline int race_reap_loader(pid_t pid, unsigned int timeout_ms)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	uint64_t end = race_now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
		if (r < 0 || race_now_ms() >= end)
			return -1;
		nanosleep(&tick, NULL);
	}
}

/* Whether the module @name is loaded and its init has not returned yet. */
static inline bool race_module_coming(const char *name)
{
	char path[PATH_MAX], buf[16] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && !strncmp(buf, "coming", 6);
}

/* Whether the kernel log buffer contains @what. */
static inline bool race_klog_has(const char *what)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;
	bool found;
	int n;

	if (size <= 0)
		return false;
	buf = calloc(1, size + 1);
	if (!buf)
		return false;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	found = n > 0 && strstr(buf, what);
	free(buf);
	return found;
}

#endif /* PLU_RACE_H */
