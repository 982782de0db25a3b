// SPDX-License-Identifier: GPL-2.0
/*
 * A reader of initramfs images, for the preflight's "initramfs" check
 * (preflight_initramfs.c): the kernel's format, "newc" cpio archives,
 * uncompressed or through a decompressor process; what the image says
 * (the module for a release, what loads it, systemd as its init); the
 * module's bytes taken out for its modinfo; and lsinitramfs(8) for the
 * names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "initramfs.h"
#include "subprocess.h"

/* Files read from an initramfs are small; a larger one is not looked at. */
#define INITRD_FILE_MAX	(1U << 20)

/* --- a buffered reader -------------------------------------------------- */

/* A buffered reader of a file descriptor, counting what it consumed. */
struct reader {
	int fd;
	int err;		/* errno of a failed read */
	uint64_t off;
	size_t pos, len;
	unsigned char buf[1 << 16];
};

/* Make @n bytes (n < sizeof(buf)) available if the input has them. */
static size_t reader_avail(struct reader *r, size_t n)
{
	ssize_t got;

	if (r->len - r->pos >= n)
		return n;
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (r->len < n && !r->err) {
		got = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			r->err = errno;
		if (got <= 0)
			break;
		r->len += got;
	}
	return r->len < n ? r->len : n;
}

static bool reader_read(struct reader *r, void *dst, size_t n)
{
	unsigned char *d = dst;
	size_t k;

	while (n) {
		k = reader_avail(r, n < sizeof(r->buf) / 2 ? n : sizeof(r->buf) / 2);
		if (!k)
			return false;
		memcpy(d, r->buf + r->pos, k);
		r->pos += k;
		r->off += k;
		d += k;
		n -= k;
	}
	return true;
}

/*
 * Consume @n bytes, writing them to @fd unless it is -1; a failed write
 * sets *@werr to its errno and the rest is only consumed.  False if the
 * input ends first.
 */
static bool reader_copy(struct reader *r, uint64_t n, int fd, int *werr)
{
	size_t k, done;
	ssize_t w;

	while (n) {
		k = reader_avail(r, n < sizeof(r->buf) / 2 ? n : sizeof(r->buf) / 2);
		if (!k)
			return false;
		for (done = 0; fd >= 0 && done < k; done += w) {
			w = write(fd, r->buf + r->pos + done, k - done);
			if (w < 0 && errno == EINTR) {
				w = 0;
			} else if (w <= 0) {
				*werr = w < 0 ? errno : EIO;
				fd = -1;
				break;
			}
		}
		r->pos += k;
		r->off += k;
		n -= k;
	}
	return true;
}

static bool reader_skip(struct reader *r, uint64_t n)
{
	return reader_copy(r, n, -1, NULL);
}

/* --- what the image says ------------------------------------------------ */

/* "./x" or "/x" -> "x" */
static const char *clean_name(const char *n)
{
	while (n[0] == '.' && n[1] == '/')
		n += 2;
	while (*n == '/')
		n++;
	return n;
}

/* "./usr/lib/x" -> "lib/x": merged /usr or not, the same place. */
static const char *norm_name(const char *n)
{
	n = clean_name(n);
	if (!strncmp(n, "usr/", 4))
		n += 4;
	return n;
}

/*
 * The release directory of a module file's name in the image
 * ("lib/modules/REL/.../pci_liveupdate.ko"), its length in @rl; NULL if
 * the name is not the module's.
 */
static const char *module_rel(const char *name, size_t *rl)
{
	const char *n = norm_name(name), *rel, *slash;

	if (strncmp(n, "lib/modules/", 12))
		return NULL;
	rel = n + 12;
	slash = strchr(rel, '/');
	if (!slash || !is_module_file(base_name(slash)))
		return NULL;
	*rl = slash - rel;
	return rel;
}

static bool is_rel_module(const struct initrd_scan *scan, const char *name)
{
	const char *rel;
	size_t rl;

	rel = module_rel(name, &rl);
	return rel && rl == strlen(scan->rel) && !strncmp(rel, scan->rel, rl);
}

static void scan_name(struct initrd_scan *scan, const char *name)
{
	const char *rel;
	size_t rl;

	if (!strcmp(norm_name(name), "lib/systemd/systemd"))
		scan->has_systemd = true;
	rel = module_rel(name, &rl);
	if (!rel)
		return;
	if (rl == strlen(scan->rel) && !strncmp(rel, scan->rel, rl)) {
		scan->has_module = true;
		snprintf(scan->module, sizeof(scan->module), "%s", clean_name(name));
	} else if (rl < REL_MAX && !scan->other_rel[0]) {
		snprintf(scan->other_rel, sizeof(scan->other_rel), "%.*s", (int)rl, rel);
	}
}

static bool has_suffix(const char *s, const char *sfx)
{
	size_t l = strlen(s), sl = strlen(sfx);

	return l >= sl && !strcmp(s + l - sl, sfx);
}

static enum loader_kind loader_kind(const char *name)
{
	const char *n = norm_name(name);

	if (!strcmp(n, "conf/modules"))
		return LOADER_MODULES;
	if ((!strncmp(n, "etc/modules-load.d/", 19) ||
	     !strncmp(n, "lib/modules-load.d/", 19)) && has_suffix(n, ".conf"))
		return LOADER_LOAD_D;
	if (!strncmp(n, "etc/cmdline.d/", 14) && has_suffix(n, ".conf"))
		return LOADER_CMDLINE_D;
	if (!strncmp(n, "scripts/", 8))
		return LOADER_SCRIPT;
	return LOADER_NONE;
}

/* Whether the token [t, t+len) names the module (or its .ko file). */
static bool names_module(const char *t, size_t len)
{
	char tok[PATH_MAX];

	if (modname_eq(t, len, PLU_MODULE_NAME))
		return true;
	if (len >= sizeof(tok))
		return false;
	memcpy(tok, t, len);
	tok[len] = '\0';
	return is_module_file(base_name(tok));
}

/* Whether one line of a file of kind @k loads the module. */
bool line_loads(enum loader_kind k, const char *line)
{
	static const char shell_sep[] = " \t;|&()`\"'";
	const char *p = line, *tok;
	bool command = false, module = false;
	size_t len;

	p += strspn(p, " \t");
	if (!*p || *p == '#' || (k == LOADER_LOAD_D && *p == ';'))
		return false;
	if (k == LOADER_MODULES || k == LOADER_LOAD_D)
		return modname_eq(p, strcspn(p, " \t\r"), PLU_MODULE_NAME);
	while (*p && *p != '#') {
		p += strspn(p, k == LOADER_SCRIPT ? shell_sep : " \t");
		tok = p;
		len = strcspn(p, k == LOADER_SCRIPT ? shell_sep : " \t");
		p += len;
		if (!len)
			continue;
		if (k == LOADER_CMDLINE_D) {
			if (!strncmp(tok, "rd.driver.pre=", 14) &&
			    list_names_module(tok + 14, len - 14))
				return true;
			continue;
		}
		if ((len == 8 && !strncmp(tok, "modprobe", 8)) ||
		    (len == 6 && !strncmp(tok, "insmod", 6)) ||
		    (len > 9 && !strncmp(tok + len - 9, "/modprobe", 9)) ||
		    (len > 7 && !strncmp(tok + len - 7, "/insmod", 7)))
			command = true;
		else if (names_module(tok, len))
			module = true;
	}
	return command && module;
}

static void scan_file(struct initrd_scan *scan, const char *name,
		      enum loader_kind k, char *data)
{
	char *by = k == LOADER_LOAD_D ? scan->by_load_d :
		   k == LOADER_CMDLINE_D ? scan->by_cmdline : scan->by_init;
	char *line, *save = NULL;

	if (by[0])
		return;
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line_loads(k, line)) {
			snprintf(by, PATH_MAX, "%s", clean_name(name));
			return;
		}
	}
}

/* --- cpio archives ------------------------------------------------------ */

static int hexfield(const char *h, uint32_t *v)
{
	char f[9], *end;

	memcpy(f, h, 8);
	f[8] = '\0';
	*v = strtoul(f, &end, 16);
	return *end ? -1 : 0;
}

static bool is_cpio_magic(const unsigned char *m)
{
	return !memcmp(m, "07070", 5) && (m[5] == '1' || m[5] == '2');
}

/*
 * Write the module's @size bytes at the reader to scan->ko_fd, in place of
 * a copy taken before.  False if the input ends first.
 */
static bool take_module(struct reader *r, struct initrd_scan *scan,
			const char *name, uint32_t size)
{
	scan->ko_err = 0;
	if (ftruncate(scan->ko_fd, 0) || lseek(scan->ko_fd, 0, SEEK_SET) < 0)
		scan->ko_err = errno;
	snprintf(scan->ko_name, sizeof(scan->ko_name), "%s", clean_name(name));
	return reader_copy(r, size, scan->ko_err ? -1 : scan->ko_fd,
			   &scan->ko_err);
}

/*
 * Walk the "newc" cpio archives at the reader's position (the kernel's
 * initramfs format; archives may follow each other with zero padding in
 * between) until something else starts.  Return: 0, or -1 with @why set.
 */
static int cpio_walk(struct reader *r, struct initrd_scan *scan, char *why,
		     size_t wlen)
{
	char hdr[111], name[PATH_MAX];
	uint32_t mode, size, namesize;
	enum loader_kind k;
	char *data;

	for (;;) {
		while (reader_avail(r, 4) == 4 && !memcmp(r->buf + r->pos, "\0\0\0\0", 4))
			reader_skip(r, 4);
		if (reader_avail(r, 6) < 6 || !is_cpio_magic(r->buf + r->pos))
			return 0;
		scan->archives++;
		for (;;) {
			if (!reader_read(r, hdr, 110) || !is_cpio_magic((unsigned char *)hdr) ||
			    hexfield(hdr + 14, &mode) || hexfield(hdr + 54, &size) ||
			    hexfield(hdr + 94, &namesize) || !namesize ||
			    namesize > sizeof(name) || !reader_read(r, name, namesize) ||
			    name[namesize - 1]) {
				snprintf(why, wlen, "a cpio header at offset %llu is %s",
					 (unsigned long long)r->off,
					 r->err ? strerror(r->err) : "truncated or corrupt");
				return -1;
			}
			reader_skip(r, (4 - (r->off & 3)) & 3);
			if (!strcmp(name, "TRAILER!!!"))
				break;
			if (scan->names)
				scan_name(scan, name);
			k = S_ISREG(mode) ? loader_kind(name) : LOADER_NONE;
			data = k != LOADER_NONE && size <= INITRD_FILE_MAX ?
			       malloc(size + 1) : NULL;
			if (!data && S_ISREG(mode) && size && scan->ko_fd >= 0 &&
			    is_rel_module(scan, name)) {
				if (!take_module(r, scan, name, size)) {
					snprintf(why, wlen, "%.256s is truncated", name);
					return -1;
				}
			} else if (data) {
				if (!reader_read(r, data, size)) {
					free(data);
					snprintf(why, wlen, "%.256s is truncated", name);
					return -1;
				}
				data[size] = '\0';
				scan_file(scan, name, k, data);
				free(data);
			} else if (!reader_skip(r, size)) {
				snprintf(why, wlen, "%.256s is truncated", name);
				return -1;
			}
			reader_skip(r, (4 - (r->off & 3)) & 3);
		}
	}
}

/* --- decompressor processes --------------------------------------------- */

/* Compressors the kernel's initramfs unpacker knows, by their magic. */
static const struct {
	const char *magic;
	size_t len;
	const char *argv[4];
} decompressors[] = {
	{ "\x1f\x8b", 2, { "gzip", "-dc", NULL } },
	{ "\x28\xb5\x2f\xfd", 4, { "zstd", "-dcq", NULL } },
	{ "\xfd" "7zXZ", 5, { "xz", "-dc", NULL } },
	{ "\x02\x21\x4c\x18", 4, { "lz4", "-dc", NULL } },
	{ "\x04\x22\x4d\x18", 4, { "lz4", "-dc", NULL } },
	{ "BZh", 3, { "bzip2", "-dc", NULL } },
	{ "\x5d\x00\x00", 3, { "xz", "--format=lzma", "-dc" } },
	{ "\x89LZO", 4, { "lzop", "-dc", NULL } },
};

#define N_DECOMPRESSORS	(sizeof(decompressors) / sizeof(decompressors[0]))

/* The decompressor for data starting with @m (@avail bytes), or -1. */
static int find_decompressor(const unsigned char *m, size_t avail)
{
	size_t i;

	for (i = 0; i < N_DECOMPRESSORS; i++) {
		if (avail >= decompressors[i].len &&
		    !memcmp(m, decompressors[i].magic, decompressors[i].len))
			return i;
	}
	return -1;
}

/*
 * Run decompressors[@i] on @fd from offset @off on, its output in @out.
 * Return: pid, or -1 with @why set.
 */
static pid_t spawn_decompressor(int i, int fd, off_t off, int *out, char *why,
				size_t wlen)
{
	pid_t pid;

	if (lseek(fd, off, SEEK_SET) < 0) {
		snprintf(why, wlen, "cannot seek: %s", strerror(errno));
		return -1;
	}
	pid = plu_spawn_reader(decompressors[i].argv, fd, out);
	if (pid < 0) {
		snprintf(why, wlen, "cannot run %s to decompress it: %s",
			 decompressors[i].argv[0], strerror(-pid));
		return -1;
	}
	return pid;
}

/*
 * The built-in reader: uncompressed archives first (early microcode, as
 * initramfs-tools prepends them), then the rest, compressed, through the
 * matching decompressor.  The same split as unmkinitramfs(8) does.
 */
int initrd_walk(const char *path, struct initrd_scan *scan, char *why,
		size_t wlen)
{
	struct reader *r = calloc(1, sizeof(*r));
	size_t avail;
	unsigned int before;
	int i, out, status, ret = -1;
	pid_t pid;

	if (!r) {
		snprintf(why, wlen, "%s", strerror(ENOMEM));
		return -1;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		snprintf(why, wlen, "cannot open it: %s", strerror(errno));
		goto out_free;
	}
	if (cpio_walk(r, scan, why, wlen))
		goto out;
	avail = reader_avail(r, 8);
	if (!avail) {
		if (scan->archives) {
			ret = 0;
		} else {
			snprintf(why, wlen, "%s", r->err ? strerror(r->err) : "it is empty");
		}
		goto out;
	}
	i = find_decompressor(r->buf + r->pos, avail);
	if (i < 0) {
		snprintf(why, wlen, "unknown data at offset %llu (neither cpio nor a known compression)",
			 (unsigned long long)r->off);
		goto out;
	}
	pid = spawn_decompressor(i, r->fd, r->off, &out, why, wlen);
	if (pid < 0)
		goto out;
	close(r->fd);
	before = scan->archives;
	memset(r, 0, sizeof(*r));
	r->fd = out;
	ret = cpio_walk(r, scan, why, wlen);
	while (reader_skip(r, sizeof(r->buf) / 2))
		;	/* drain, so that the decompressor can finish */
	status = plu_reap(pid);
	if (!ret && scan->archives == before) {
		snprintf(why, wlen, "%s found no cpio archive in it (exit status %d)",
			 decompressors[i].argv[0], status);
		ret = -1;
	}
out:
	close(r->fd);
out_free:
	free(r);
	return ret;
}

/* --- the module taken out of the image ---------------------------------- */

void ko_tmp_open(struct ko_tmp *t)
{
	const char *tmp = getenv("TMPDIR");

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (!tmp || !tmp[0])
		tmp = "/tmp";
	if ((size_t)snprintf(t->dir, sizeof(t->dir), "%s/pci-liveupdate.XXXXXX",
			     tmp) >= sizeof(t->dir) - 32) {
		t->dir[0] = '\0';
		t->err = ENAMETOOLONG;
		return;
	}
	if (!mkdtemp(t->dir)) {
		t->dir[0] = '\0';
		t->err = errno;
		return;
	}
	if ((size_t)snprintf(t->raw, sizeof(t->raw), "%s/image-copy", t->dir) >= sizeof(t->raw) ||
	    (size_t)snprintf(t->plain, sizeof(t->plain), "%s/" MODULE_FILE, t->dir) >= sizeof(t->plain)) {
		t->err = ENAMETOOLONG;
		return;
	}
	t->fd = open(t->raw, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (t->fd < 0)
		t->err = errno;
}

void ko_tmp_close(struct ko_tmp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (!t->dir[0])
		return;
	unlink(t->raw);
	unlink(t->plain);
	rmdir(t->dir);
}

/* Copy @in to its end into @out.  Return: 0 or an errno. */
static int copy_all(int in, int out)
{
	char buf[16384];
	ssize_t n, w, done;

	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : 0;
		for (done = 0; done < n; done += w) {
			w = write(out, buf + done, n - done);
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w <= 0)
				return w < 0 ? errno : EIO;
		}
	}
}

/*
 * The module taken out of the image, decompressed when it is (by its
 * magic, with the programs that decompress the image), so that libkmod
 * reads it whatever compressions libkmod was built with.  Return: the file
 * to read, or NULL with @why set.
 */
const char *ko_plain(struct ko_tmp *t, char *why, size_t wlen)
{
	unsigned char m[8];
	ssize_t n;
	int i, out, dst, err, status;
	pid_t pid;

	n = pread(t->fd, m, sizeof(m), 0);
	i = n > 0 ? find_decompressor(m, n) : -1;
	if (i < 0)
		return t->raw;
	pid = spawn_decompressor(i, t->fd, 0, &out, why, wlen);
	if (pid < 0)
		return NULL;
	dst = open(t->plain, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	err = dst < 0 ? errno : copy_all(out, dst);
	close(out);
	status = plu_reap(pid);
	if (dst >= 0)
		close(dst);
	if (err) {
		snprintf(why, wlen, "cannot write a temporary file: %s", strerror(err));
		return NULL;
	}
	if (status) {
		snprintf(why, wlen, "%s cannot decompress it (exit status %d)",
			 decompressors[i].argv[0], status);
		return NULL;
	}
	return t->plain;
}

/* --- lsinitramfs -------------------------------------------------------- */

/*
 * The file names through lsinitramfs(8) (initramfs-tools-core), the
 * distribution's own reader.  $PLU_LSINITRAMFS names another program; set
 * and empty, it is not used.  Return: 0, -ENOENT when there is none, or a
 * positive exit status.
 */
int lsinitramfs(const char *path, struct initrd_scan *scan,
		const char **prog)
{
	const char *env = getenv("PLU_LSINITRAMFS");
	const char *argv[] = { env ? env : "lsinitramfs", path, NULL };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int out, status;
	pid_t pid;

	*prog = argv[0];
	if (env && !env[0])
		return -ENOENT;
	pid = plu_spawn_reader(argv, -1, &out);
	if (pid < 0)
		return pid;
	f = fdopen(out, "r");
	if (!f) {
		close(out);
		plu_reap(pid);
		return -ENOMEM;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		scan_name(scan, line);
	}
	free(line);
	fclose(f);
	status = plu_reap(pid);
	return status ? (status < 0 ? 1 : status) : 0;
}
