// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the in-guest tests of /dev/pci_liveupdate; see
 * plu_test.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/liveupdate.h>

#include "plu_test.h"

struct tdev devs[MAX_DEVS];
int ndevs;
char discover_error[512];

/* ------------------------------------------------------------------ */
/* Devices from sysfs                                                  */

uint64_t key_of(uint32_t seg, uint8_t bus, uint8_t devfn)
{
	return ((uint64_t)seg << 16) | ((uint64_t)bus << 8) | devfn;
}

bool parse_bdf(const char *s, uint32_t *seg, uint8_t *bus, uint8_t *devfn)
{
	unsigned int sg, b, d, f;
	int n = -1;

	if (sscanf(s, "%x:%x:%x.%x%n", &sg, &b, &d, &f, &n) != 4 ||
	    n != (int)strlen(s) || b > 0xff || d > 0x1f || f > 7)
		return false;
	*seg = sg;
	*bus = b;
	*devfn = (d << 3) | f;
	return true;
}

int find_dev(uint32_t seg, uint8_t bus, uint8_t devfn)
{
	int i;

	for (i = 0; i < ndevs; i++)
		if (devs[i].seg == seg && devs[i].bus == bus &&
		    devs[i].devfn == devfn)
			return i;
	return -1;
}

int find_bdf(const char *bdf)
{
	uint32_t seg;
	uint8_t bus, devfn;

	if (!parse_bdf(bdf, &seg, &bus, &devfn))
		return -1;
	return find_dev(seg, bus, devfn);
}

bool read_sysfs_ulong(const char *bdf, const char *attr, unsigned long *val)
{
	char p[PATH_MAX], buf[64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), SYSFS_PCI "/%s/%s", bdf, attr);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	*val = strtoul(buf, NULL, 0);
	return true;
}

ssize_t read_config(const char *bdf, uint8_t *cfg, size_t len)
{
	char p[PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), SYSFS_PCI "/%s/config", bdf);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	while (got < len) {
		n = read(fd, cfg + got, len - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	return got;
}

static uint32_t cfg32(const uint8_t *cfg, unsigned int off)
{
	return cfg[off] | cfg[off + 1] << 8 | cfg[off + 2] << 16 |
	       (uint32_t)cfg[off + 3] << 24;
}

/* What pci_get_dsn() finds: the Device Serial Number extended capability. */
static void find_dsn(struct tdev *d, const uint8_t *cfg, ssize_t len)
{
	unsigned int pos = 0x100, loops = 0;

	d->dsn = false;
	if (len < 4096)
		return;
	while (pos >= 0x100 && pos <= 4096 - 12 && loops++ < 512) {
		uint32_t hdr = cfg32(cfg, pos);

		if (!hdr || hdr == 0xffffffff)
			return;
		if ((hdr & 0xffff) == 0x0003) {
			d->dsn_val = (uint64_t)cfg32(cfg, pos + 8) << 32 |
				     cfg32(cfg, pos + 4);
			d->dsn = d->dsn_val != 0;
			return;
		}
		pos = (hdr >> 20) & 0xffc;
	}
}

static bool load_dev(struct tdev *d, const char *bdf)
{
	char p[PATH_MAX], link[PATH_MAX];
	unsigned long v;
	uint8_t cfg[4096];
	ssize_t n, len;
	struct stat st;

	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	if (!parse_bdf(bdf, &d->seg, &d->bus, &d->devfn))
		return false;
#define RD(attr, field) do {						\
		if (!read_sysfs_ulong(bdf, attr, &v)) {			\
			snprintf(discover_error, sizeof(discover_error),	\
				 "cannot read %s of %s", attr, bdf);	\
			return false;					\
		}							\
		d->field = v;						\
	} while (0)
	RD("vendor", vendor);
	RD("device", device);
	RD("subsystem_vendor", ssvid);
	RD("subsystem_device", ssid);
	RD("class", class);
	RD("revision", revision);
#undef RD

	snprintf(p, sizeof(p), SYSFS_PCI "/%s/physfn", bdf);
	d->vf = lstat(p, &st) == 0;

	snprintf(p, sizeof(p), SYSFS_PCI "/%s/driver", bdf);
	n = readlink(p, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		snprintf(d->driver, sizeof(d->driver), "%.63s",
			 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}

	len = read_config(bdf, cfg, sizeof(cfg));
	if (len < 64) {
		snprintf(discover_error, sizeof(discover_error),
			 "cannot read the config space of %s", bdf);
		return false;
	}
	/* pci_is_bridge(): a PCI-PCI or CardBus bridge header. */
	d->bridge = (cfg[0x0e] & 0x7f) == 1 || (cfg[0x0e] & 0x7f) == 2;
	find_dsn(d, cfg, len);
	return true;
}

/*
 * readlink(/sys/bus/pci/devices/BDF) is .../devices/pciSSSS:BB/<bdf>/.../BDF:
 * the root bus, then one component per hop.
 */
static bool load_topology(int i)
{
	struct tdev *d = &devs[i];
	char p[PATH_MAX], link[PATH_MAX], *tok, *save = NULL;
	char hops[MAX_HOPS][32];
	unsigned int rseg, rbus;
	bool root_seen = false;
	int nh = 0, k;
	ssize_t n;

	snprintf(p, sizeof(p), SYSFS_PCI "/%s", d->bdf);
	n = readlink(p, link, sizeof(link) - 1);
	if (n <= 0) {
		snprintf(discover_error, sizeof(discover_error),
			 "readlink %.200s failed", p);
		return false;
	}
	link[n] = 0;
	for (tok = strtok_r(link, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		uint32_t s;
		uint8_t b, df;
		int m = -1;

		if (!root_seen) {
			if (sscanf(tok, "pci%x:%x%n", &rseg, &rbus, &m) == 2 &&
			    m == (int)strlen(tok)) {
				root_seen = true;
				d->root_bus = rbus;
			}
			continue;
		}
		if (!parse_bdf(tok, &s, &b, &df) || nh == MAX_HOPS) {
			snprintf(discover_error, sizeof(discover_error),
				 "unexpected component '%.64s' in the sysfs path of %s",
				 tok, d->bdf);
			return false;
		}
		snprintf(hops[nh++], sizeof(hops[0]), "%s", tok);
	}
	if (!root_seen || !nh || strcmp(hops[nh - 1], d->bdf)) {
		snprintf(discover_error, sizeof(discover_error),
			 "cannot parse the sysfs path of %s", d->bdf);
		return false;
	}
	d->depth = nh;
	d->nanc = 0;
	for (k = 0; k < nh; k++) {
		uint32_t s;
		uint8_t b, df;

		parse_bdf(hops[k], &s, &b, &df);
		d->path[k] = df;
	}
	for (k = nh - 2; k >= 0; k--) {
		int a = find_bdf(hops[k]);

		if (a < 0) {
			snprintf(discover_error, sizeof(discover_error),
				 "%s (above %s) is not in " SYSFS_PCI,
				 hops[k], d->bdf);
			return false;
		}
		d->anc[d->nanc++] = a;
	}
	return true;
}

static int cmp_tdev(const void *a, const void *b)
{
	const struct tdev *x = a, *y = b;
	uint64_t kx = key_of(x->seg, x->bus, x->devfn);
	uint64_t ky = key_of(y->seg, y->bus, y->devfn);

	return kx < ky ? -1 : kx > ky;
}

bool discover(void)
{
	struct dirent *de;
	DIR *dir;
	int i;

	dir = opendir(SYSFS_PCI);
	if (!dir) {
		snprintf(discover_error, sizeof(discover_error),
			 "cannot open " SYSFS_PCI ": %s", strerror(errno));
		return false;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (ndevs == MAX_DEVS) {
			snprintf(discover_error, sizeof(discover_error),
				 "more than %d PCI devices", MAX_DEVS);
			closedir(dir);
			return false;
		}
		if (!load_dev(&devs[ndevs], de->d_name)) {
			closedir(dir);
			if (!discover_error[0])
				snprintf(discover_error, sizeof(discover_error),
					 "bad device name %s", de->d_name);
			return false;
		}
		ndevs++;
	}
	closedir(dir);
	/* Sorted by segment/bus/devfn: the order LIST_OUTGOING must use. */
	qsort(devs, ndevs, sizeof(devs[0]), cmp_tdev);
	for (i = 0; i < ndevs; i++)
		if (!load_topology(i))
			return false;
	if (!ndevs) {
		snprintf(discover_error, sizeof(discover_error),
			 "no PCI devices in " SYSFS_PCI);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* ioctl wrappers: 0 or -errno                                         */

/* strerrorname_np() names come from a constant table: thread safe. */
const char *en(int ret)
{
	const char *name;

	if (ret >= 0)
		return "success";
	name = strerrorname_np(-ret);
	return name ? name : "?";
}

int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int get_status(int fd, struct pci_liveupdate_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return xioctl(fd, PCI_LIVEUPDATE_IOCTL_STATUS, st);
}

int do_mark(int fd, unsigned long cmd, uint32_t seg, uint8_t bus,
	    uint8_t devfn, uint32_t flags, uint16_t reserved)
{
	struct pci_liveupdate_mark m = {
		.size = sizeof(m), .flags = flags, .segment = seg,
		.bus = bus, .devfn = devfn, .reserved = reserved,
	};

	return xioctl(fd, cmd, &m);
}

int mark_dev(int fd, int i, uint32_t flags)
{
	return do_mark(fd, PCI_LIVEUPDATE_IOCTL_MARK, devs[i].seg, devs[i].bus,
		       devs[i].devfn, flags, 0);
}

int unmark_dev(int fd, int i)
{
	return do_mark(fd, PCI_LIVEUPDATE_IOCTL_UNMARK, devs[i].seg,
		       devs[i].bus, devs[i].devfn, 0, 0);
}

int do_list(int fd, unsigned long cmd, void *buf, uint32_t *count,
	    uint32_t entry_size, uint32_t flags)
{
	struct pci_liveupdate_list l = {
		.size = sizeof(l), .count = *count, .entry_size = entry_size,
		.flags = flags, .devices = (uintptr_t)buf,
	};
	int ret = xioctl(fd, cmd, &l);

	*count = l.count;
	return ret;
}

int list_outgoing(int fd, struct pci_liveupdate_device *buf, uint32_t *count)
{
	return do_list(fd, PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING, buf, count,
		       DEVSZ, 0);
}

int do_query(int fd, int i, struct pci_liveupdate_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->segment = devs[i].seg;
	q->bus = devs[i].bus;
	q->devfn = devs[i].devfn;
	return xioctl(fd, PCI_LIVEUPDATE_IOCTL_QUERY, q);
}

void unmark_all(int fd)
{
	static struct pci_liveupdate_device buf[MAX_DEVS];
	uint32_t count = MAX_DEVS, i;

	if (list_outgoing(fd, buf, &count))
		return;
	for (i = 0; i < count && i < MAX_DEVS; i++)
		if (buf[i].flags & PCI_LIVEUPDATE_DEV_MARKED)
			do_mark(fd, PCI_LIVEUPDATE_IOCTL_UNMARK, buf[i].segment,
				buf[i].bus, buf[i].devfn, 0, 0);
}

/* ------------------------------------------------------------------ */
/* LUO sessions                                                        */

int luo_session(int luo, const char *fmt, ...)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf((char *)cs.name, sizeof(cs.name), fmt, ap);
	va_end(ap);
	ret = xioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs);
	return ret ? ret : cs.fd;
}

int luo_preserve(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd p = {
		.size = sizeof(p), .fd = fd, .token = token,
	};

	return xioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &p);
}

int luo_retrieve_session(int luo, const char *name)
{
	struct liveupdate_ioctl_retrieve_session r = {
		.size = sizeof(r), .fd = -1,
	};
	int ret;

	snprintf((char *)r.name, sizeof(r.name), "%s", name);
	ret = xioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &r);
	return ret ? ret : r.fd;
}

int luo_retrieve_fd(int session, uint64_t token)
{
	struct liveupdate_session_retrieve_fd r = {
		.size = sizeof(r), .fd = -1, .token = token,
	};
	int ret = xioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &r);

	return ret ? ret : r.fd;
}

int luo_finish(int session)
{
	struct liveupdate_session_finish f = { .size = sizeof(f) };

	return xioctl(session, LIVEUPDATE_SESSION_FINISH, &f);
}

uint64_t rnd_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1Dull;
}
