// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight of a live update, what "pci-liveupdate check" reports and
 * "pci-liveupdate kexec" runs first.  Before the device set is handed to
 * another kernel, find out whether that kernel can take it: its release
 * (from the bzImage) has the module, its initramfs loads the module before
 * anything opens /dev/liveupdate, its command line turns LUO and KHO on
 * and does not blacklist the module, it was built with LUO, and its module
 * (the file, and the copy in the initramfs that the next boot loads) reads
 * the wire version the running module writes.  kexec refuses on a failure
 * (--force goes ahead), because each of them loses the set, and some (the
 * module loaded too late) break every later LUO open of that boot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libkmod.h>

#include "cli.h"
#include "preflight.h"

extern char **environ;

#define MODULE_FILE	PLU_MODULE_NAME ".ko"
#define REL_MAX		65		/* struct utsname release */
#define MSG_MAX		512
/* Files read from an initramfs are small; a larger one is not looked at. */
#define INITRD_FILE_MAX	(1U << 20)

/* --- root-relative paths ------------------------------------------------ */

static const char *plu_root(void)
{
	const char *r = getenv("PLU_ROOT");

	return r ? r : "";
}

int plu_root_path(char *buf, size_t len, const char *path)
{
	const char *root = plu_root();
	size_t rl = strlen(root);
	int n;

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	n = snprintf(buf, len, "%.*s%s", (int)rl, root, path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A path below the root, from a format; "" if it does not fit. */
static const char *pf_rpath(char buf[PATH_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *pf_rpath(char buf[PATH_MAX], const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel) || plu_root_path(buf, PATH_MAX, rel))
		buf[0] = '\0';
	return buf;
}

/* --- kernel command line ----------------------------------------------- */

size_t plu_cmdline_args_end(const char *cmdline)
{
	size_t pos = 0, len;

	while (cmdline[pos]) {
		pos += strspn(cmdline + pos, " \t");
		len = strcspn(cmdline + pos, " \t");
		if (len == 2 && !strncmp(cmdline + pos, "--", 2))
			return pos;
		pos += len;
	}
	return pos;
}

/* Like the kernel's kstrtobool(): 1 true, 0 false, -1 not a boolean. */
static int parse_bool(const char *v)
{
	if (*v && strchr("eEyYtT1", *v))
		return 1;
	if (*v && strchr("dDnNfF0", *v))
		return 0;
	if (v[0] == 'o' || v[0] == 'O') {
		if (v[1] == 'n' || v[1] == 'N')
			return 1;
		if (v[1] == 'f' || v[1] == 'F')
			return 0;
	}
	return -1;
}

int plu_cmdline_bool(const char *cmdline, const char *key)
{
	const char *p = cmdline, *end = cmdline + plu_cmdline_args_end(cmdline);
	size_t kl = strlen(key);
	int on = -1, v;

	while (p < end) {
		p += strspn(p, " \t");
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			v = parse_bool(p + kl + 1);
			if (v >= 0)
				on = v;
		}
		p += strcspn(p, " \t");
	}
	return on;
}

static char *read_proc_cmdline(void)
{
	char path[PATH_MAX];
	FILE *f;
	size_t cap = 0, len;
	char *line = NULL;

	/* Below $PLU_ROOT like every file the preflight reads (tests). */
	if (plu_root_path(path, sizeof(path), "/proc/cmdline")) {
		plu_error(PLU_OP_FILE, ENAMETOOLONG, "cannot open /proc/cmdline");
		return NULL;
	}
	f = fopen(path, "re");
	if (!f) {
		plu_error(PLU_OP_FILE, errno, "cannot open /proc/cmdline");
		return NULL;
	}
	if (getline(&line, &cap, f) < 0) {
		plu_error(PLU_OP_FILE, ferror(f) ? errno : EIO,
			  "cannot read /proc/cmdline");
		free(line);
		line = NULL;
	}
	fclose(f);
	if (line) {
		len = strlen(line);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == ' '))
			line[--len] = '\0';
	}
	return line;
}

/*
 * The new kernel's command line: /proc/cmdline and/or --append.  Appended
 * parameters go before a "--", behind which the kernel would hand them to
 * init.
 */
char *plu_build_cmdline(bool reuse, const char *append)
{
	char *reused = NULL, *line;
	size_t len, cut;

	if (!append)
		append = "";
	if (reuse) {
		reused = read_proc_cmdline();
		if (!reused)
			return NULL;
	} else {
		line = strdup(append);
		if (!line)
			plu_error(PLU_OP_NONE, ENOMEM, "building the command line");
		return line;
	}

	cut = plu_cmdline_args_end(reused);
	len = strlen(reused) + strlen(append) + 3;
	line = malloc(len);
	if (line)
		snprintf(line, len, "%.*s%s%s%s%s", (int)cut, reused,
			 cut && append[0] && reused[cut - 1] != ' ' ? " " : "",
			 append, append[0] && reused[cut] ? " " : "",
			 reused + cut);
	else
		plu_error(PLU_OP_NONE, ENOMEM, "building the command line");
	free(reused);
	return line;
}

/* --- results ------------------------------------------------------------ */

/* The modinfo fields of a module file the checks use; "" when absent. */
struct modfields {
	int err;		/* 0, or the negative errno of reading it */
	char wire[32];		/* plu_wire_version */
	char srcversion[64];
	char vermagic[256];
};

struct pf_item {
	const char *check;	/* short name, the JSON "check" */
	enum pf_level level;
	char *msg;
};

struct preflight {
	struct pf_item *items;
	size_t n, cap;
	bool oom;
	/* What was looked at, for --json; NULL or -1 when unknown. */
	char *kernel, *initrd, *cmdline, *module;
	char release[REL_MAX];
	long wire_running, wire_target, wire_initrd, marked;
	struct modfields dko;	/* the modinfo of module */
	/*
	 * The module the initramfs holds for the release: its name there
	 * ("" when it has none), its modinfo, why that cannot be read ("" if
	 * it can).
	 */
	char iko_name[PATH_MAX];
	struct modfields iko;
	char iko_why[MSG_MAX];
};

static void pf_add(struct preflight *p, const char *check, enum pf_level level,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void pf_add(struct preflight *p, const char *check, enum pf_level level,
		   const char *fmt, ...)
{
	struct pf_item *it;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg && p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;

		it = realloc(p->items, cap * sizeof(*it));
		if (!it) {
			free(msg);
			msg = NULL;
		} else {
			p->items = it;
			p->cap = cap;
		}
	}
	if (!msg) {
		p->oom = true;
		return;
	}
	p->items[p->n++] = (struct pf_item){ check, level, msg };
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* --- small file helpers ------------------------------------------------- */

/* Read a whole (small) file; NULL with errno set on failure. */
static char *pf_slurp(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int err;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, max, f);
	err = ferror(f) ? EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Module names: '-' and '_' are the same. */
static bool modname_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (strlen(b) != alen)
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

/* Whether the comma list [v, v+len) names the module. */
static bool list_names_module(const char *v, size_t len)
{
	const char *end = v + len;
	size_t vl;

	while (v < end) {
		vl = strcspn(v, ",");
		if (vl > (size_t)(end - v))
			vl = end - v;
		if (modname_eq(v, vl, PLU_MODULE_NAME))
			return true;
		v += vl + 1;
	}
	return false;
}

/* Whether a file name is the module: pci_liveupdate.ko[.xz|.zst|.gz]. */
static bool is_module_file(const char *base)
{
	static const char *const sfx[] = { "", ".xz", ".zst", ".gz" };
	size_t bl = strlen(base), ml = strlen(MODULE_FILE), i;

	if (bl < ml || !modname_eq(base, ml, MODULE_FILE))
		return false;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (!strcmp(base + ml, sfx[i]))
			return true;
	}
	return false;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* --- the target kernel's release ---------------------------------------- */

/*
 * x86 boot protocol (Documentation/arch/x86/boot.rst): the setup header
 * holds "HdrS" at 0x202, the protocol version at 0x206, and at 0x20E
 * kernel_version, the offset of a NUL-terminated version string minus 0x200
 * ("7.3.4 (builder@host) #1 SMP ..."), inside the setup sectors.
 */
#define BZ_SETUP_SECTS	0x1f1
#define BZ_MAGIC	0x202
#define BZ_PROTOCOL	0x206
#define BZ_KVERSION	0x20e

static int kernel_release(const char *path, char *rel, char *why, size_t wlen)
{
	unsigned char hdr[0x210];
	unsigned int sects, kv, proto;
	char str[REL_MAX + 256];
	ssize_t n;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wlen, "cannot open it: %s", strerror(errno));
		return -1;
	}
	n = pread(fd, hdr, sizeof(hdr), 0);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr + BZ_MAGIC, "HdrS", 4)) {
		close(fd);
		snprintf(why, wlen, "not an x86 bzImage (no HdrS signature at 0x202)");
		return -1;
	}
	proto = hdr[BZ_PROTOCOL] | hdr[BZ_PROTOCOL + 1] << 8;
	kv = hdr[BZ_KVERSION] | hdr[BZ_KVERSION + 1] << 8;
	sects = hdr[BZ_SETUP_SECTS] ? hdr[BZ_SETUP_SECTS] : 4;
	if (proto < 0x200 || !kv || kv + 0x200 >= (sects + 1) * 512) {
		close(fd);
		snprintf(why, wlen, "its boot header (protocol %u.%02u) has no kernel version string",
			 proto >> 8, proto & 0xff);
		return -1;
	}
	n = pread(fd, str, sizeof(str) - 1, kv + 0x200);
	close(fd);
	if (n <= 0) {
		snprintf(why, wlen, "its kernel version string cannot be read");
		return -1;
	}
	str[n] = '\0';
	len = strcspn(str, " \t\n");
	/* It names a directory below /lib/modules: no "/", no "." or "..". */
	if (!len || len >= REL_MAX || memchr(str, '/', len) ||
	    !strncmp(str, ".", len) || !strncmp(str, "..", len)) {
		snprintf(why, wlen, "its kernel version string is not a kernel release");
		return -1;
	}
	memcpy(rel, str, len);
	rel[len] = '\0';
	for (; len > 0; len--) {
		if ((unsigned char)rel[len - 1] < 0x21 ||
		    (unsigned char)rel[len - 1] > 0x7e) {
			snprintf(why, wlen, "its kernel version string is not a kernel release");
			return -1;
		}
	}
	return 0;
}

/* --- the module of a release -------------------------------------------- */

enum mod_src { MOD_NONE, MOD_DEP, MOD_WALK };

struct modfile {
	enum mod_src src;
	char path[PATH_MAX];	/* as shown: without $PLU_ROOT */
	bool have_dep;		/* modules.dep exists */
};

/* modules.dep: "kernel/x/y.ko.zst: deps..." (relative to the directory). */
static void find_in_dep(const char *rel, struct modfile *m)
{
	char buf[PATH_MAX], *line = NULL, *colon;
	size_t cap = 0;
	FILE *f;

	f = fopen(pf_rpath(buf, "/lib/modules/%s/modules.dep", rel), "re");
	if (!f)
		return;
	m->have_dep = true;
	while (getline(&line, &cap, f) > 0) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (!is_module_file(base_name(line)))
			continue;
		if (line[0] == '/')
			snprintf(m->path, sizeof(m->path), "%s", line);
		else
			snprintf(m->path, sizeof(m->path), "/lib/modules/%s/%s",
				 rel, line);
		if (!access(pf_rpath(buf, "%s", m->path), F_OK)) {
			m->src = MOD_DEP;
			break;
		}
	}
	free(line);
	fclose(f);
}

/* Depth-first search of @dir (shown as @shown) for the module file. */
static bool walk(const char *dir, const char *shown, int depth,
		 struct modfile *m)
{
	char sub[PATH_MAX], subshown[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (depth > 8)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= sizeof(sub) ||
		    (size_t)snprintf(subshown, sizeof(subshown), "%s/%s", shown,
				     de->d_name) >= sizeof(subshown) ||
		    stat(sub, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			found = walk(sub, subshown, depth + 1, m);
		} else if (S_ISREG(st.st_mode) && is_module_file(de->d_name)) {
			snprintf(m->path, sizeof(m->path), "%s", subshown);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/*
 * Where modprobe would find the module for @rel: modules.dep first; else a
 * walk of the directories DKMS and modules_install use, in depmod's default
 * order of precedence (updates/, with updates/dkms/, first).
 */
static void find_module(const char *rel, struct modfile *m)
{
	static const char *const dirs[] = { "updates", "extra", "kernel" };
	char buf[PATH_MAX], shown[PATH_MAX];
	size_t i;

	memset(m, 0, sizeof(*m));
	find_in_dep(rel, m);
	if (m->src == MOD_DEP)
		return;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(shown, sizeof(shown), "/lib/modules/%s/%s", rel, dirs[i]);
		if (walk(pf_rpath(buf, "%s", shown), shown, 0, m)) {
			m->src = MOD_WALK;
			return;
		}
	}
}

/* --- modinfo ------------------------------------------------------------ */

static void kmod_quiet(void *data, int priority, const char *file, int line,
		       const char *fn, const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
}

/* The first value of a field counts (none is expected twice). */
static void field_set(char *dst, size_t len, const char *val)
{
	if (!dst[0])
		snprintf(dst, len, "%s", val);
}

/*
 * Read the modinfo of the module file @file (a real path, not below the
 * root) through libkmod, which decompresses what it was built for.
 * Return: 0 or a negative errno, also in @f->err.
 */
static int modfields_read(const char *file, struct modfields *f)
{
	static const char *const no_config[] = { NULL };
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	const char *key, *val;
	int err;

	memset(f, 0, sizeof(*f));
	/* One context per file: a context knows a module name only once. */
	ctx = kmod_new(NULL, no_config);
	if (!ctx)
		return f->err = -ENOMEM;
	kmod_set_log_fn(ctx, kmod_quiet, NULL);
	err = kmod_module_new_from_path(ctx, file, &mod);
	if (!err)
		err = kmod_module_get_info(mod, &list);
	if (err < 0) {
		f->err = err;
		goto out;
	}
	kmod_list_foreach(l, list) {
		key = kmod_module_info_get_key(l);
		val = kmod_module_info_get_value(l);
		if (!strcmp(key, "plu_wire_version"))
			field_set(f->wire, sizeof(f->wire), val);
		else if (!strcmp(key, "srcversion"))
			field_set(f->srcversion, sizeof(f->srcversion), val);
		else if (!strcmp(key, "vermagic"))
			field_set(f->vermagic, sizeof(f->vermagic), val);
	}
	kmod_module_info_free_list(list);
out:
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return f->err;
}

/* The same for a module file of this system (a shown path). */
static int modfields_of(const char *path, struct modfields *f)
{
	char buf[PATH_MAX];

	return modfields_read(pf_rpath(buf, "%s", path), f);
}

/* A wire version: a decimal number from 1 to 65535; -1 otherwise. */
static long parse_wire(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 0xffff)
		return -1;
	return v;
}

/* --- the running module ------------------------------------------------- */

struct running {
	bool loaded;
	long wire;		/* -1: unknown */
	long marked;		/* -1: unknown */
	char why[MSG_MAX];	/* why the wire version is unknown */
	char whym[MSG_MAX];	/* why the marked count is unknown */
};

/*
 * STATUS on /dev/pci_liveupdate says it all, but the node is mode 0600.
 * Without it: sysfs tells whether the module is loaded and how many devices
 * are marked, and the wire version is the modinfo field of the module file
 * of the running release if its srcversion is the loaded module's.
 */
static void running_module(struct running *r)
{
	char buf[PATH_MAX], src_loaded[64];
	struct pci_liveupdate_status st;
	struct modfields mf;
	struct utsname u;
	struct modfile m;
	int fd, err = 0;
	unsigned int marked;
	char *s;

	r->wire = r->marked = -1;
	r->loaded = false;
	fd = open(pf_rpath(buf, "%s", PLU_DEV_PATH), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		memset(&st, 0, sizeof(st));
		err = SIZED_IOCTL(fd, PCI_LIVEUPDATE_IOCTL_STATUS, &st);
		close(fd);
		if (!err) {
			r->loaded = true;
			r->wire = st.wire_version;
			r->marked = st.marked;
			return;
		}
		err = -err;
	} else {
		err = errno;
	}
	if (access(pf_rpath(buf, "/sys/module/%s", PLU_MODULE_NAME), F_OK))
		return;
	r->loaded = true;
	snprintf(r->whym, sizeof(r->whym), "%s: %s", PLU_DEV_PATH, strerror(err));
	snprintf(r->why, sizeof(r->why), "%s: %s", PLU_DEV_PATH, strerror(err));

	s = pf_slurp(pf_rpath(buf, "/sys/class/misc/%s/counts", PLU_MODULE_NAME), 256);
	if (s && sscanf(s, "marked %u", &marked) == 1)
		r->marked = marked;
	free(s);

	s = pf_slurp(pf_rpath(buf, "/sys/module/%s/srcversion", PLU_MODULE_NAME), 63);
	if (!s)
		return;
	snprintf(src_loaded, sizeof(src_loaded), "%.*s", (int)strcspn(s, "\n"), s);
	free(s);
	if (uname(&u))
		return;
	find_module(u.release, &m);
	if (m.src == MOD_NONE || modfields_of(m.path, &mf) ||
	    !mf.srcversion[0] || strcmp(mf.srcversion, src_loaded)) {
		snprintf(r->why + strlen(r->why), sizeof(r->why) - strlen(r->why),
			 ", and no module file of %s is the loaded one", u.release);
		return;
	}
	if (mf.wire[0])
		r->wire = parse_wire(mf.wire);
	if (r->wire < 0)
		snprintf(r->why + strlen(r->why), sizeof(r->why) - strlen(r->why),
			 ", and %s has no valid plu_wire_version", m.path);
}

/* --- initramfs ---------------------------------------------------------- */

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

/*
 * What the initramfs says, from its file names and a few of its files.
 * What loads the module is kept per kind, as whether it is early enough
 * depends on the image's init (see check_initrd()).
 */
struct initrd_scan {
	const char *rel;
	bool names;		/* take the file names from this walk */
	bool has_module;
	bool has_systemd;	/* lib/systemd/systemd: systemd is its init */
	char module[PATH_MAX];	/* its name in the image */
	char other_rel[REL_MAX];	/* modules for another release */
	char by_init[PATH_MAX];	/* conf/modules or a boot script */
	char by_cmdline[PATH_MAX];	/* dracut's rd.driver.pre= */
	char by_load_d[PATH_MAX];	/* a modules-load.d file */
	unsigned int archives;
	/*
	 * The bytes of the module for @rel, as the image holds them, are
	 * written to ko_fd (-1: not wanted); the last copy in the image
	 * counts, as in scan_name().
	 */
	int ko_fd;
	int ko_err;		/* errno of writing them */
	char ko_name[PATH_MAX];	/* its name in the image; "" if not found */
};

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

/* The kinds of file in an initramfs that can load the module. */
enum loader_kind {
	LOADER_NONE,
	LOADER_MODULES,		/* conf/modules: "module [args]" lines */
	LOADER_LOAD_D,		/* modules-load.d: "module" lines, # and ; comments */
	LOADER_CMDLINE_D,	/* dracut's etc/cmdline.d: rd.driver.pre=a,b */
	LOADER_SCRIPT,		/* a boot script: a modprobe/insmod command */
};

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
static bool line_loads(enum loader_kind k, const char *line)
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
 * Run @argv with stdin from @in (-1: /dev/null), stdout into a pipe whose
 * read end is returned in @out, stderr to /dev/null.  Return: pid, or a
 * negative errno (-ENOENT: no such program).
 */
static pid_t spawn_reader(const char *const argv[], int in, int *out)
{
	posix_spawn_file_actions_t fa;
	int p[2], err;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err) {
		close(p[0]);
		return -err;
	}
	*out = p[0];
	return pid;
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
	pid = spawn_reader(decompressors[i].argv, fd, out);
	if (pid < 0) {
		snprintf(why, wlen, "cannot run %s to decompress it: %s",
			 decompressors[i].argv[0], strerror(-pid));
		return -1;
	}
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * The built-in reader: uncompressed archives first (early microcode, as
 * initramfs-tools prepends them), then the rest, compressed, through the
 * matching decompressor.  The same split as unmkinitramfs(8) does.
 */
static int initrd_walk(const char *path, struct initrd_scan *scan, char *why,
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
	status = reap(pid);
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

/* --- the module in the initramfs ---------------------------------------- */

/* Where the module taken out of the image is put for libkmod. */
struct ko_tmp {
	char dir[PATH_MAX];	/* "" when there is none */
	char raw[PATH_MAX];	/* as the image holds it */
	char plain[PATH_MAX];	/* decompressed */
	int fd;			/* raw, open read-write; -1 */
	int err;		/* errno of making them */
};

static void ko_tmp_open(struct ko_tmp *t)
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

static void ko_tmp_close(struct ko_tmp *t)
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
static const char *ko_plain(struct ko_tmp *t, char *why, size_t wlen)
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
	status = reap(pid);
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

/*
 * The modinfo of the module the image holds for its release (taken out by
 * the built-in reader into @t) into p->iko, or why not into p->iko_why.
 */
static void read_initrd_module(struct preflight *p,
			       const struct initrd_scan *scan, struct ko_tmp *t)
{
	const char *file;
	char *why = p->iko_why;
	size_t wlen = sizeof(p->iko_why);

	snprintf(p->iko_name, sizeof(p->iko_name), "%s",
		 scan->ko_name[0] ? scan->ko_name : scan->module);
	if (t->err)
		snprintf(why, wlen, "cannot make a temporary file: %s", strerror(t->err));
	else if (!scan->ko_name[0])
		snprintf(why, wlen, "the built-in cpio reader found no data for it");
	else if (scan->ko_err)
		snprintf(why, wlen, "cannot write a temporary file: %s",
			 strerror(scan->ko_err));
	else if ((file = ko_plain(t, why, wlen)) && modfields_read(file, &p->iko))
		snprintf(why, wlen, "%s", strerror(-p->iko.err));
}

/*
 * The file names through lsinitramfs(8) (initramfs-tools-core), the
 * distribution's own reader.  $PLU_LSINITRAMFS names another program; set
 * and empty, it is not used.  Return: 0, -ENOENT when there is none, or a
 * positive exit status.
 */
static int lsinitramfs(const char *path, struct initrd_scan *scan,
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
	pid = spawn_reader(argv, -1, &out);
	if (pid < 0)
		return pid;
	f = fdopen(out, "r");
	if (!f) {
		close(out);
		reap(pid);
		return -ENOMEM;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		scan_name(scan, line);
	}
	free(line);
	fclose(f);
	status = reap(pid);
	return status ? (status < 0 ? 1 : status) : 0;
}

/*
 * A file of this system that asks initramfs-tools to put the module in and
 * load it, for the hint that the image is older than the configuration.
 */
static bool host_asks(char *found, size_t len)
{
	static const char *const files[] = { "/etc/initramfs-tools/modules" };
	static const char *const dirs[] = {
		"/etc/initramfs-tools/hooks", "/usr/share/initramfs-tools/hooks",
		"/usr/share/initramfs-tools/modules.d",
	};
	char buf[PATH_MAX], *s, *line, *save = NULL;
	struct dirent *de;
	size_t i;
	DIR *d;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		s = pf_slurp(pf_rpath(buf, "%s", files[i]), 65536);
		for (line = s ? strtok_r(s, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (line_loads(LOADER_MODULES, line)) {
				snprintf(found, len, "%s", files[i]);
				free(s);
				return true;
			}
		}
		free(s);
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		d = opendir(pf_rpath(buf, "%s", dirs[i]));
		while (d && (de = readdir(d))) {
			char f[PATH_MAX];
			bool hit;

			if (de->d_name[0] == '.' ||
			    (size_t)snprintf(f, sizeof(f), "%s/%s", dirs[i],
					     de->d_name) >= sizeof(f))
				continue;
			s = pf_slurp(pf_rpath(buf, "%s", f), 65536);
			hit = s && (strstr(s, "pci_liveupdate") || strstr(s, "pci-liveupdate"));
			free(s);
			if (hit) {
				snprintf(found, len, "%s", f);
				closedir(d);
				return true;
			}
		}
		if (d)
			closedir(d);
	}
	return false;
}

static void check_initrd(struct preflight *p, const struct preflight_args *a,
			 const char *rel)
{
	char buf[PATH_MAX], shown[PATH_MAX], why[MSG_MAX] = "", hint[PATH_MAX + 128];
	const char *path, *prog;
	struct initrd_scan scan = { .rel = rel };
	struct ko_tmp t;
	int ls, walk;

	if (a->initrd) {
		snprintf(shown, sizeof(shown), "%s", a->initrd);
		path = a->initrd;
	} else if (a->no_initrd) {
		pf_add(p, "initramfs", PF_FAIL, "no initramfs is passed (--initrd): nothing loads %s before /dev/liveupdate is first opened",
		       PLU_MODULE_NAME);
		return;
	} else {
		snprintf(shown, sizeof(shown), "/boot/initrd.img-%s", rel);
		path = pf_rpath(buf, "%s", shown);
		if (access(path, F_OK)) {
			pf_add(p, "initramfs", PF_FAIL, "no initramfs for %s: %s does not exist",
			       rel, shown);
			return;
		}
	}
	p->initrd = strdup(shown);

	ls = lsinitramfs(path, &scan, &prog);
	scan.names = ls != 0;
	if (ls == -ENOENT)
		pf_add(p, "initramfs", PF_OK, "initramfs %s: read by the built-in cpio reader (no lsinitramfs)",
		       shown);
	else if (ls)
		pf_add(p, "initramfs", PF_OK, "initramfs %s: %s failed (%s %d), read by the built-in cpio reader",
		       shown, prog, ls < 0 ? "error" : "exit status", ls < 0 ? -ls : ls);
	else
		pf_add(p, "initramfs", PF_OK, "initramfs %s: listed by %s", shown, prog);
	/*
	 * The contents are always read by the built-in reader, lsinitramfs
	 * or not: it takes the module's bytes out as it goes (unmkinitramfs
	 * would unpack the whole image to disk for that one file).
	 */
	ko_tmp_open(&t);
	scan.ko_fd = t.fd;
	walk = initrd_walk(path, &scan, why, sizeof(why));
	if (!walk && scan.has_module)
		read_initrd_module(p, &scan, &t);
	ko_tmp_close(&t);
	if (walk) {
		pf_add(p, "initramfs", PF_FAIL, "initramfs %s cannot be read: %s", shown, why);
		return;
	}

	if (host_asks(buf, sizeof(buf)))
		snprintf(hint, sizeof(hint), "%s asks for it: rebuild the image (update-initramfs -u -k %s)",
			 buf, rel);
	else
		snprintf(hint, sizeof(hint), "add %s to /etc/initramfs-tools/modules and run update-initramfs -u -k %s",
			 PLU_MODULE_NAME, rel);
	if (!scan.has_module) {
		char other[REL_MAX + 64] = "";

		if (scan.other_rel[0])
			snprintf(other, sizeof(other), " (it has one for %s)", scan.other_rel);
		pf_add(p, "initramfs", PF_FAIL, "initramfs %s lacks %s for %s%s; %s",
		       shown, MODULE_FILE, rel, other, hint);
		return;
	}
	/*
	 * Early enough: initramfs-tools' /init (a shell) modprobes what
	 * conf/modules lists before any boot script but init-top runs, long
	 * before anything opens /dev/liveupdate; so does a boot script's own
	 * modprobe, and dracut's shell /init for rd.driver.pre=.  With systemd
	 * as the image's init, PID 1 is running before modules-load.d or
	 * rd.driver.pre= are acted on: maybe too late.  Without it, nothing
	 * reads modules-load.d.
	 */
	if (scan.by_init[0] || (scan.by_cmdline[0] && !scan.has_systemd)) {
		pf_add(p, "initramfs", PF_OK, "initramfs %s loads %s early (%s)",
		       shown, scan.module, scan.by_init[0] ? scan.by_init : scan.by_cmdline);
	} else if (scan.has_systemd && (scan.by_load_d[0] || scan.by_cmdline[0])) {
		pf_add(p, "initramfs", PF_WARN, "initramfs %s loads %s from systemd (%s), maybe after PID 1 first opens /dev/liveupdate",
		       shown, scan.module, scan.by_load_d[0] ? scan.by_load_d : scan.by_cmdline);
	} else {
		pf_add(p, "initramfs", PF_FAIL, "initramfs %s has %s but nothing in it loads it early (conf/modules, a boot script, rd.driver.pre=); %s",
		       shown, MODULE_FILE, hint);
	}
}

/* --- the checks --------------------------------------------------------- */

struct kconfig {
	bool present;
	bool liveupdate;	/* CONFIG_LIVEUPDATE=y */
	bool kho_default;	/* CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y */
};

static void read_kconfig(const char *rel, struct kconfig *c)
{
	char buf[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	memset(c, 0, sizeof(*c));
	f = fopen(pf_rpath(buf, "/boot/config-%s", rel), "re");
	if (!f)
		return;
	c->present = true;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!strcmp(line, "CONFIG_LIVEUPDATE=y"))
			c->liveupdate = true;
		else if (!strcmp(line, "CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y"))
			c->kho_default = true;
	}
	free(line);
	fclose(f);
}

static void check_kconfig(struct preflight *p, const char *rel,
			  const struct kconfig *c)
{
	if (!c->present)
		pf_add(p, "config", PF_WARN, "LUO support of %s unknown: no /boot/config-%s",
		       rel, rel);
	else if (!c->liveupdate)
		pf_add(p, "config", PF_FAIL, "/boot/config-%s lacks CONFIG_LIVEUPDATE=y: %s has no Live Update Orchestrator",
		       rel, rel);
	else
		pf_add(p, "config", PF_OK, "/boot/config-%s has CONFIG_LIVEUPDATE=y", rel);
}

/*
 * The parameter [*len] of the next command line, before a "--", that
 * blacklists the module: module_blacklist= (the kernel's; it keeps only the
 * last one) if @kernel, else modprobe.blacklist= (kmod's; each one counts).
 * Both are comma lists; '-' and '_' are the same in names.  NULL if none.
 */
static const char *cmdline_blacklist(const char *cmdline, bool kernel,
				     size_t *len)
{
	const char *key = kernel ? "module_blacklist" : "modprobe.blacklist";
	const char *p = cmdline, *end = cmdline + plu_cmdline_args_end(cmdline);
	const char *found = NULL;
	size_t kl = strlen(key), tl;

	while (p < end) {
		p += strspn(p, " \t");
		tl = strcspn(p, " \t");
		if (tl > kl && p[kl] == '=' && modname_eq(p, kl, key)) {
			if (list_names_module(p + kl + 1, tl - kl - 1)) {
				found = p;
				*len = tl;
				if (!kernel)
					break;
			} else if (kernel) {
				found = NULL;
			}
		}
		p += tl;
	}
	return found;
}

static void check_cmdline(struct preflight *p, const char *cmdline,
			  const char *rel, const struct kconfig *c)
{
	int kho = plu_cmdline_bool(cmdline, "kho");
	const char *bl;
	size_t bl_len;

	if (plu_cmdline_bool(cmdline, "liveupdate") == 1)
		pf_add(p, "cmdline", PF_OK, "the next command line has liveupdate=on");
	else
		pf_add(p, "cmdline", PF_FAIL, "the next command line lacks liveupdate=on");

	if (kho == 1)
		pf_add(p, "cmdline", PF_OK, "the next command line has kho=on");
	else if (kho == 0)
		pf_add(p, "cmdline", PF_FAIL, "the next command line turns KHO off (kho=off)");
	else if (!rel)
		pf_add(p, "cmdline", PF_WARN, "the next command line lacks kho=on; whether the next kernel turns KHO on by default is unknown");
	else if (!c->present)
		pf_add(p, "cmdline", PF_WARN, "the next command line lacks kho=on; whether %s turns KHO on by default is unknown (no /boot/config-%s)",
		       rel, rel);
	else if (!c->kho_default)
		pf_add(p, "cmdline", PF_FAIL, "the next command line lacks kho=on (/boot/config-%s lacks CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y)",
		       rel);
	else
		pf_add(p, "cmdline", PF_OK, "KHO is on by default in %s (CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y)",
		       rel);

	bl = cmdline_blacklist(cmdline, true, &bl_len);
	if (bl)
		pf_add(p, "cmdline", PF_FAIL, "the next command line has %.*s: the kernel refuses to load %s",
		       (int)bl_len, bl, PLU_MODULE_NAME);
	bl = cmdline_blacklist(cmdline, false, &bl_len);
	if (bl)
		pf_add(p, "cmdline", PF_FAIL, "the next command line has %.*s: udev, systemd-modules-load and modprobe -b do not load %s",
		       (int)bl_len, bl, PLU_MODULE_NAME);
}

/* Returns the module's path for the wire check, or NULL. */
static const char *check_module(struct preflight *p, const char *rel,
				struct modfile *m)
{
	find_module(rel, m);
	if (m->src == MOD_NONE) {
		pf_add(p, "module", PF_FAIL, "no %s for %s under /lib/modules/%s (DKMS has not built it: dkms autoinstall -k %s)",
		       MODULE_FILE, rel, rel, rel);
		return NULL;
	}
	pf_add(p, "module", PF_OK, "module %s", m->path);
	if (m->src == MOD_WALK && m->have_dep)
		pf_add(p, "module", PF_WARN, "%s is not in /lib/modules/%s/modules.dep: modprobe does not find it (depmod %s)",
		       m->path, rel, rel);
	else if (m->src == MOD_WALK)
		pf_add(p, "module", PF_WARN, "no /lib/modules/%s/modules.dep: modprobe does not find %s (depmod %s)",
		       rel, PLU_MODULE_NAME, rel);
	p->module = strdup(m->path);
	modfields_of(m->path, &p->dko);
	return m->path;
}

/*
 * The wire versions a module writing @t reads (include/pci_liveupdate_abi.h,
 * "Compatibility policy"): its own and the previous release's, @t - 1;
 * version 1 predates the policy and is read by no later module.
 */
static long wire_oldest_read(long t)
{
	return t > 2 ? t - 1 : t;
}

/*
 * The wire version the module @what reads, from its modinfo @f (@why: why
 * that cannot be read, or NULL); -1, with a warning, when unknown.
 */
static long wire_target(struct preflight *p, const struct modfields *f,
			const char *what, const char *why)
{
	long v;

	if (why) {
		pf_add(p, "wire", PF_WARN, "unknown wire version: cannot read the modinfo of %s: %s",
		       what, why);
		return -1;
	}
	if (!f->wire[0]) {
		pf_add(p, "wire", PF_WARN, "unknown wire version: %s has no plu_wire_version field",
		       what);
		return -1;
	}
	v = parse_wire(f->wire);
	if (v < 0)
		pf_add(p, "wire", PF_WARN, "unknown wire version: plu_wire_version \"%s\" of %s is not a version",
		       f->wire, what);
	return v;
}

/* Whether the module @whose, reading @target, reads what @running writes. */
static void wire_verdict(struct preflight *p, long running, long target,
			 const char *whose)
{
	long lo = wire_oldest_read(target);
	char val[64];

	if (lo == target)
		snprintf(val, sizeof(val), "version %ld", lo);
	else
		snprintf(val, sizeof(val), "versions %ld and %ld", target, lo);
	if (running >= lo && running <= target)
		pf_add(p, "wire", PF_OK, "wire version: the running module writes version %ld, %s reads %s",
		       running, whose, val);
	else
		pf_add(p, "wire", PF_FAIL, "wire version: the running module writes version %ld, %s reads only %s",
		       running, whose, val);
}

static void check_wire(struct preflight *p, const char *module, const char *rel,
		       const struct running *r)
{
	char whose[REL_MAX + 32];

	if (module)
		p->wire_target = wire_target(p, &p->dko, module,
					     p->dko.err ? strerror(-p->dko.err) : NULL);
	if (!r->loaded)
		return;
	p->wire_running = r->wire;
	if (r->wire < 0)
		pf_add(p, "wire", PF_WARN, "unknown wire version of the running module (%s)", r->why);
	if (r->wire < 0 || p->wire_target < 0)
		return;
	snprintf(whose, sizeof(whose), "the module of %s", rel);
	wire_verdict(p, r->wire, p->wire_target, whose);
}

/*
 * The module the next boot loads is the initramfs's copy: the same wire
 * rule applies to it, and a copy that is not the disk's module (another
 * srcversion) or not built for @rel (vermagic) is said.
 */
static void check_initrd_module(struct preflight *p, const char *rel,
				const struct running *r)
{
	char what[2 * PATH_MAX];
	const char *vm = p->iko.vermagic;
	size_t vl = strcspn(vm, " ");

	if (!p->iko_name[0] || !p->initrd)
		return;
	snprintf(what, sizeof(what), "%s in initramfs %s", p->iko_name, p->initrd);
	p->wire_initrd = wire_target(p, &p->iko, what,
				     p->iko_why[0] ? p->iko_why : NULL);
	if (p->wire_initrd >= 0 && r->loaded && r->wire >= 0) {
		snprintf(what, sizeof(what), "the module in initramfs %s", p->initrd);
		wire_verdict(p, r->wire, p->wire_initrd, what);
	}
	if (p->iko_why[0])
		return;
	if (p->module && !p->dko.err && p->dko.srcversion[0] &&
	    p->iko.srcversion[0] && strcmp(p->dko.srcversion, p->iko.srcversion))
		pf_add(p, "initramfs", PF_WARN, "initramfs %s holds another %s than %s: srcversion %s, not %s; rebuild it (update-initramfs -u -k %s)",
		       p->initrd, MODULE_FILE, p->module, p->iko.srcversion,
		       p->dko.srcversion, rel);
	if (vl && (vl != strlen(rel) || strncmp(vm, rel, vl)))
		pf_add(p, "initramfs", PF_WARN, "initramfs %s holds a %s built for %.*s (vermagic), not %s: the kernel may refuse it; rebuild it (update-initramfs -u -k %s)",
		       p->initrd, MODULE_FILE, (int)vl, vm, rel, rel);
}

static void check_marked(struct preflight *p, const struct running *r)
{
	if (!r->loaded)
		return;
	p->marked = r->marked;
	if (r->marked < 0)
		pf_add(p, "marked", PF_WARN, "cannot tell how many devices are marked (%s)", r->whym);
	else if (!r->marked)
		pf_add(p, "marked", PF_WARN, "no device is marked: no PCI device will be kept");
	else
		pf_add(p, "marked", PF_OK, "%ld device%s marked", r->marked,
		       r->marked == 1 ? "" : "s");
}

struct preflight *preflight_run(const struct preflight_args *a)
{
	struct preflight *p = calloc(1, sizeof(*p));
	char why[MSG_MAX], *rel = NULL;
	const char *module = NULL;
	struct kconfig kc = { .present = false };
	struct running r;
	struct modfile m;
	struct utsname u;

	if (!p) {
		plu_error(PLU_OP_NONE, ENOMEM, "preflight");
		return NULL;
	}
	p->wire_running = p->wire_target = p->wire_initrd = p->marked = -1;
	p->kernel = dup_or_null(a->kernel);
	p->cmdline = dup_or_null(a->cmdline);

	if (a->kernel) {
		if (kernel_release(a->kernel, p->release, why, sizeof(why)))
			pf_add(p, "kernel", PF_FAIL, "kernel %s: %s; the checks that need its release are skipped",
			       a->kernel, why);
		else
			pf_add(p, "kernel", PF_OK, "kernel %s: release %s", a->kernel, p->release);
	} else if (uname(&u)) {
		pf_add(p, "kernel", PF_FAIL, "cannot tell the running kernel's release: %s",
		       strerror(errno));
	} else {
		snprintf(p->release, sizeof(p->release), "%s", u.release);
		pf_add(p, "kernel", PF_OK, "kernel: release %s (the running kernel; no --kernel)",
		       p->release);
	}
	if (p->release[0]) {
		rel = p->release;
		read_kconfig(rel, &kc);
		check_kconfig(p, rel, &kc);
	}
	check_cmdline(p, a->cmdline, rel, &kc);
	if (rel) {
		module = check_module(p, rel, &m);
		check_initrd(p, a, rel);
	}

	running_module(&r);
	if (!r.loaded)
		pf_add(p, "running", PF_FAIL, "%s is not loaded in the running kernel: there is no device set to hand over",
		       PLU_MODULE_NAME);
	if (rel) {
		check_wire(p, module, rel, &r);
		check_initrd_module(p, rel, &r);
	}
	check_marked(p, &r);

	if (p->oom) {
		plu_error(PLU_OP_NONE, ENOMEM, "preflight");
		preflight_free(p);
		return NULL;
	}
	return p;
}

unsigned int preflight_count(const struct preflight *p, enum pf_level level)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < p->n; i++)
		n += p->items[i].level == level;
	return n;
}

static const char *const level_names[] = {
	[PF_OK] = "ok", [PF_WARN] = "warn", [PF_FAIL] = "fail",
};

void preflight_print(const struct preflight *p, FILE *f, bool problems)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (!problems || p->items[i].level != PF_OK)
			fprintf(f, "%s: %s\n", level_names[p->items[i].level],
				p->items[i].msg);
	}
}

static void json_str_or_null(struct json *j, const char *key, const char *s)
{
	if (s)
		json_string(j, key, s);
	else
		json_null(j, key);
}

static void json_num_or_null(struct json *j, const char *key, long v)
{
	if (v >= 0)
		json_int(j, key, v);
	else
		json_null(j, key);
}

void preflight_json(const struct preflight *p, FILE *f)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_str_or_null(&j, "kernel", p->kernel);
	json_str_or_null(&j, "release", p->release[0] ? p->release : NULL);
	json_str_or_null(&j, "module", p->module);
	json_str_or_null(&j, "initrd", p->initrd);
	json_str_or_null(&j, "initrd_module", p->iko_name[0] ? p->iko_name : NULL);
	json_str_or_null(&j, "cmdline", p->cmdline);
	json_object_begin(&j, "wire_version");
	json_num_or_null(&j, "running", p->wire_running);
	json_num_or_null(&j, "target", p->wire_target);
	json_num_or_null(&j, "initramfs", p->wire_initrd);
	json_object_end(&j);
	json_num_or_null(&j, "marked", p->marked);
	json_array_begin(&j, "checks");
	for (i = 0; i < p->n; i++) {
		json_object_begin(&j, NULL);
		json_string(&j, "check", p->items[i].check);
		json_string(&j, "result", level_names[p->items[i].level]);
		json_string(&j, "message", p->items[i].msg);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_uint(&j, "failures", preflight_count(p, PF_FAIL));
	json_uint(&j, "warnings", preflight_count(p, PF_WARN));
	json_object_end(&j);
}

void preflight_free(struct preflight *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		free(p->items[i].msg);
	free(p->items);
	free(p->kernel);
	free(p->initrd);
	free(p->cmdline);
	free(p->module);
	free(p);
}
