// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: the SR-IOV configuration of PFs marked with their VFs.
 * The SRIOV ioctl, its output in list and query, and restore-vfs, which
 * re-creates a PF's VFs in the new kernel with their recorded drivers.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libkmod.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../include/pci_liveupdate_names.h"
#include "command.h"
#include "cli.h"

#define PCI_SYSFS_DEVICES	"/sys/bus/pci/devices"
#define SRIOV_LIST_TRIES	16
/* How often restore-vfs --wait looks for the PF's driver. */
#define DRIVER_POLL_NS		(100 * 1000 * 1000L)
/* restore-vfs --wait: an hour at most. */
#define RESTORE_WAIT_MAX	3600

/* The fd list and query output ask the SRIOV ioctl on; -1 for none. */
static int sriov_fd = -1;

void plu_output_sriov_fd(int fd)
{
	sriov_fd = fd;
}

int plu_sriov_get(int fd, bool incoming, const struct bdf *pf,
		  struct pci_liveupdate_sriov *cfg,
		  struct pci_liveupdate_vf **vfs, uint32_t *count)
{
	struct pci_liveupdate_vf *buf = NULL, *bigger;
	uint32_t room = 0;
	int tries, err = 0;

	for (tries = 0; tries < SRIOV_LIST_TRIES; tries++) {
		memset(cfg, 0, sizeof(*cfg));
		cfg->flags = incoming ? PCI_LIVEUPDATE_SRIOV_INCOMING : 0;
		cfg->segment = pf->segment;
		cfg->bus = pf->bus;
		cfg->devfn = pf->devfn;
		cfg->count = room;
		cfg->entry_size = sizeof(*buf);
		cfg->vfs = (uintptr_t)buf;
		err = SIZED_IOCTL(fd, PCI_LIVEUPDATE_IOCTL_SRIOV, cfg);
		if (err && err != -ENOSPC)
			break;
		if (!err && (buf || !cfg->count)) {
			*vfs = buf;
			*count = cfg->count;
			return 0;
		}
		bigger = realloc(buf, ((size_t)cfg->count + 1) * sizeof(*buf));
		if (!bigger) {
			err = -ENOMEM;
			break;
		}
		buf = bigger;
		room = cfg->count;
		memset(buf, 0, (size_t)room * sizeof(*buf));
	}
	if (tries == SRIOV_LIST_TRIES)
		err = -EAGAIN;
	free(buf);
	return err;
}

static const char *name_or_dash(const char *s)
{
	return s[0] ? s : "-";
}

static void vf_bdf(uint32_t seg, uint8_t bus, uint8_t devfn, char *buf)
{
	struct bdf b = { seg, bus, devfn };

	bdf_format(&b, buf, BDF_STRLEN);
}

void print_sriov(FILE *f, const struct pci_liveupdate_device *d,
		 bool incoming)
{
	struct bdf pf = { d->segment, d->bus, d->devfn };
	struct pci_liveupdate_sriov cfg;
	struct pci_liveupdate_vf *vfs = NULL;
	char name[BDF_STRLEN], vb[BDF_STRLEN];
	struct plu_name n;
	uint32_t count, i;
	int err;

	if (sriov_fd < 0 || !(d->flags & PCI_LIVEUPDATE_DEV_WITH_VFS))
		return;
	bdf_format(&pf, name, sizeof(name));
	err = plu_sriov_get(sriov_fd, incoming, &pf, &cfg, &vfs, &count);
	if (err) {
		fprintf(f, "SR-IOV of %s: %s\n", name, strerror(-err));
		return;
	}
	fprintf(f, "SR-IOV of %s: sriov_numvfs %u, sriov_totalvfs %u, "
		"sriov_drivers_autoprobe %d\n", name,
		(unsigned int)cfg.num_vfs, (unsigned int)cfg.total_vfs,
		!!(cfg.sriov_flags & PCI_LIVEUPDATE_SRIOV_AUTOPROBE));
	if (count)
		fprintf(f, "  %-5s  %-12s  %-9s  %-16s  %-16s%s\n", "VF", "BDF",
			"VEN:DEV", "DRIVER", "DRIVER_OVERRIDE",
			incoming ? "  VERDICT" : "");
	for (i = 0; i < count; i++) {
		const struct pci_liveupdate_vf *v = &vfs[i];

		vf_bdf(d->segment, v->bus, v->devfn, vb);
		fprintf(f, "  %-5u  %-12s  %04x:%04x  %-16s  %-16s",
			(unsigned int)v->index, vb, (unsigned int)v->vendor,
			(unsigned int)v->device, name_or_dash(v->driver),
			name_or_dash(v->driver_override));
		if (incoming)
			fprintf(f, "  %s", plu_enum_name(PLU_ENUM_VERDICT,
							 v->verdict, &n));
		fputc('\n', f);
	}
	free(vfs);
}

static void json_vf(struct json *j, uint32_t seg,
		    const struct pci_liveupdate_vf *v, bool incoming)
{
	char bdf[BDF_STRLEN];
	struct plu_name n;

	json_object_begin(j, NULL);
	json_uint(j, "index", v->index);
	vf_bdf(seg, v->bus, v->devfn, bdf);
	json_string(j, "bdf", bdf);
	json_hex(j, "vendor", v->vendor, 4);
	json_hex(j, "device", v->device, 4);
	json_hex(j, "subsystem_vendor", v->subsystem_vendor, 4);
	json_hex(j, "subsystem_device", v->subsystem_device, 4);
	json_string_n(j, "driver", v->driver, sizeof(v->driver));
	json_string_n(j, "driver_override", v->driver_override,
		      sizeof(v->driver_override));
	json_bool(j, "driver_truncated",
		  v->flags & PCI_LIVEUPDATE_VF_DRIVER_TRUNC);
	json_bool(j, "driver_override_truncated",
		  v->flags & PCI_LIVEUPDATE_VF_OVERRIDE_TRUNC);
	if (incoming) {
		json_string(j, "verdict", plu_enum_name(PLU_ENUM_VERDICT,
							v->verdict, &n));
		if (v->verdict != PCI_LIVEUPDATE_VERDICT_NOT_CREATED) {
			vf_bdf(seg, v->cur_bus, v->cur_devfn, bdf);
			json_string(j, "cur_bdf", bdf);
		} else {
			json_null(j, "cur_bdf");
		}
	}
	json_object_end(j);
}

void json_sriov(struct json *j, const struct pci_liveupdate_device *d,
		bool incoming)
{
	struct bdf pf = { d->segment, d->bus, d->devfn };
	struct pci_liveupdate_sriov cfg;
	struct pci_liveupdate_vf *vfs = NULL;
	uint32_t count, i;

	if (sriov_fd < 0 || !(d->flags & PCI_LIVEUPDATE_DEV_WITH_VFS) ||
	    plu_sriov_get(sriov_fd, incoming, &pf, &cfg, &vfs, &count)) {
		json_null(j, "sriov");
		return;
	}
	json_object_begin(j, "sriov");
	json_uint(j, "num_vfs", cfg.num_vfs);
	json_uint(j, "total_vfs", cfg.total_vfs);
	json_bool(j, "drivers_autoprobe",
		  cfg.sriov_flags & PCI_LIVEUPDATE_SRIOV_AUTOPROBE);
	json_array_begin(j, "vfs");
	for (i = 0; i < count; i++)
		json_vf(j, d->segment, &vfs[i], incoming);
	json_array_end(j);
	json_object_end(j);
	free(vfs);
}

/* A small sysfs attribute of a PCI device, read as an unsigned number. */
static int sysfs_read_uint(const char *bdf, const char *attr, unsigned int *v)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/%s", bdf, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%u", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int sysfs_write_uint(const char *bdf, const char *attr, unsigned int v)
{
	char path[PATH_MAX], val[16];

	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/%s", bdf, attr);
	snprintf(val, sizeof(val), "%u", v);
	return sysfs_write(path, val);
}

int plu_read_autoprobe(const char *bdf, bool *on)
{
	unsigned int v;
	int err = sysfs_read_uint(bdf, "sriov_drivers_autoprobe", &v);

	if (!err)
		*on = v;
	return err;
}

/* The BDF of VF @index of @pf, from the PF's virtfnN link. */
static int vf_of(const char *pf, unsigned int index, char *buf, size_t len)
{
	char attr[32];

	snprintf(attr, sizeof(attr), "virtfn%u", index);
	return pci_sysfs_link_base(pf, attr, buf, len);
}

/*
 * Make PCI driver @drv registered: at boot its module (vfio-pci's, say)
 * may not be loaded, and nothing loads it for a driver_override.  As
 * "modprobe DRV" would: libkmod's lookup of the name (dashes and
 * underscores alike), then its dependencies and it.  Return: 0 once the
 * driver is there, else a negative errno.
 */
static int load_driver(const char *drv)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_ctx *ctx;
	int err;

	if (pci_sysfs_driver_loaded(drv))
		return 0;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	err = kmod_module_new_from_lookup(ctx, drv, &list);
	if (!err && !list)
		err = -ENOENT;
	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		err = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL,
						      NULL);
		kmod_module_unref(mod);
		if (err < 0)
			break;
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	if (err < 0)
		return err;
	return pci_sysfs_driver_loaded(drv) ? 0 : -ENOENT;
}

/*
 * Bind VF @vf, its driver_override already @want, to its recorded driver
 * @drv.  Through the driver's bind file, which fails when the probe does
 * (drivers_probe says nothing then), after loading its module; through
 * drivers_probe if the recorded override names another driver (written
 * after the bind, unseen).
 */
static int bind_vf(const char *vf, const char *want, const char *drv)
{
	char now[256];
	int err;

	if (strcmp(want, drv))
		return pci_sysfs_probe(vf);
	err = load_driver(drv);
	if (err)
		return err;
	err = pci_sysfs_bind(vf, drv);
	/*
	 * A driver whose module was just loaded has bound the VF already:
	 * its registration probed every device that matches it, the VF
	 * included through its driver_override.
	 */
	if (err == -EBUSY && !pci_sysfs_driver(vf, now, sizeof(now)) &&
	    !strcmp(now, drv))
		err = 0;
	return err;
}

/* One PF to restore: its incoming record and configuration. */
struct restore {
	struct pci_liveupdate_device dev;
	char bdf[BDF_STRLEN];		/* as recorded */
	char cur[BDF_STRLEN];		/* in this boot */
	struct pci_liveupdate_sriov cfg;
	struct pci_liveupdate_vf *vfs;
	uint32_t count;
	unsigned int numvfs;		/* sriov_numvfs now */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The driver bound to @bdf, waiting up to @deadline (CLOCK_MONOTONIC
 * seconds, 0: not at all) for one: at boot the PF's driver may be a
 * module udev loads after this runs.  Return: 0 with @drv set, or an
 * error or drv[0] == '\0' when none came.
 */
static int pf_driver(const char *bdf, char *drv, size_t len, double deadline)
{
	const struct timespec poll = { 0, DRIVER_POLL_NS };
	int err;

	for (;;) {
		err = pci_sysfs_driver(bdf, drv, len);
		if (!err && drv[0])
			return 0;
		if (now_s() >= deadline)
			return err;
		nanosleep(&poll, NULL);
	}
}

/*
 * Everything that can refuse, before anything changes.  Return: 0, or -1
 * with the refusal reported.
 */
static int restore_check(int fd, struct restore *r, bool force,
			 double deadline)
{
	struct bdf cur = { r->dev.segment, r->dev.cur_bus, r->dev.cur_devfn };
	unsigned int total;
	char drv[256];
	int err;

	if (r->dev.verdict == PCI_LIVEUPDATE_VERDICT_MISSING ||
	    r->dev.verdict == PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH) {
		plu_msg("restore-vfs %s: refused: the PF is %s in this boot",
			r->bdf, r->dev.verdict == PCI_LIVEUPDATE_VERDICT_MISSING ?
			"missing" : "another device");
		return -1;
	}
	bdf_format(&cur, r->cur, sizeof(r->cur));
	err = plu_sriov_get(fd, true, &(struct bdf){ r->dev.segment,
			    r->dev.bus, r->dev.devfn }, &r->cfg, &r->vfs,
			    &r->count);
	if (err) {
		plu_error(PLU_OP_QUERY, -err, "restore-vfs %s: SR-IOV record",
			  r->bdf);
		return -1;
	}
	err = sysfs_read_uint(r->cur, "sriov_totalvfs", &total);
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "restore-vfs %s: refused: "
			  "sriov_totalvfs of %s", r->bdf, r->cur);
		return -1;
	}
	if (total != r->cfg.total_vfs) {
		plu_msg("restore-vfs %s: refused: sriov_totalvfs is %u, was %u "
			"before the update", r->bdf, total,
			(unsigned int)r->cfg.total_vfs);
		return -1;
	}
	err = pf_driver(r->cur, drv, sizeof(drv), deadline);
	if (err || !drv[0]) {
		plu_msg("restore-vfs %s: refused: no driver is bound to the "
			"PF %s (its driver creates the VFs)%s", r->bdf, r->cur,
			deadline ? ", after waiting for one" : "");
		return -1;
	}
	err = sysfs_read_uint(r->cur, "sriov_numvfs", &r->numvfs);
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "restore-vfs %s: sriov_numvfs",
			  r->bdf);
		return -1;
	}
	if (r->numvfs && r->numvfs != r->cfg.num_vfs && !force) {
		plu_msg("restore-vfs %s: refused: %u VFs are enabled, %u were "
			"recorded (--force disables them first)", r->bdf,
			r->numvfs, (unsigned int)r->cfg.num_vfs);
		return -1;
	}
	return 0;
}

/*
 * Re-create the VFs: autoprobe off, so that no VF probes before its
 * driver_override is set; numvfs; each VF's override, then a probe of
 * those with a recorded driver; autoprobe as recorded.
 */
static int restore_do(struct restore *r)
{
	bool autoprobe = r->cfg.sriov_flags & PCI_LIVEUPDATE_SRIOV_AUTOPROBE;
	char vf[64], drv[256];
	int err, ret = 0;
	uint32_t i;

	err = sysfs_write_uint(r->cur, "sriov_drivers_autoprobe", 0);
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "restore-vfs %s: "
			  "sriov_drivers_autoprobe", r->bdf);
		return -1;
	}
	if (r->numvfs != r->cfg.num_vfs) {
		if (r->numvfs)
			err = sysfs_write_uint(r->cur, "sriov_numvfs", 0);
		if (!err)
			err = sysfs_write_uint(r->cur, "sriov_numvfs",
					       r->cfg.num_vfs);
		if (err) {
			plu_error(PLU_OP_SYSFS, -err, "restore-vfs %s: "
				  "sriov_numvfs %u", r->bdf,
				  (unsigned int)r->cfg.num_vfs);
			ret = -1;
			goto out;
		}
	}
	for (i = 0; i < r->count; i++) {
		const struct pci_liveupdate_vf *v = &r->vfs[i];
		const char *want = v->driver_override[0] ? v->driver_override :
				   v->driver;

		if (vf_of(r->cur, v->index, vf, sizeof(vf))) {
			plu_msg("restore-vfs %s: VF %u was not created",
				r->bdf, (unsigned int)v->index);
			ret = -1;
			continue;
		}
		if (pci_sysfs_driver(vf, drv, sizeof(drv)))
			drv[0] = '\0';
		/* Before the VF probes: it binds to what it had. */
		err = pci_sysfs_set_override(vf, want);
		if (!err && v->driver[0] && !drv[0]) {
			err = bind_vf(vf, want, v->driver);
			if (err) {
				plu_error(PLU_OP_BIND, -err, "restore-vfs %s: "
					  "VF %u (%s) to %s", r->bdf,
					  (unsigned int)v->index, vf, v->driver);
				ret = -1;
				continue;
			}
		}
		/* Leave driver_override as it was recorded. */
		if (!err && !v->driver_override[0] && want[0])
			err = pci_sysfs_set_override(vf, "");
		if (err) {
			plu_error(PLU_OP_SYSFS, -err, "restore-vfs %s: VF %u "
				  "(%s): driver_override %s", r->bdf,
				  (unsigned int)v->index, vf,
				  want[0] ? want : "cleared");
			ret = -1;
		}
	}
out:
	err = sysfs_write_uint(r->cur, "sriov_drivers_autoprobe", autoprobe);
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "restore-vfs %s: "
			  "sriov_drivers_autoprobe %d", r->bdf, autoprobe);
		ret = -1;
	}
	return ret;
}

/* One line per VF, or JSON objects, with the verdicts after the restore. */
static int restore_report(int fd, struct restore *r, struct json *j)
{
	struct pci_liveupdate_sriov cfg;
	struct pci_liveupdate_vf *vfs = NULL;
	char cur[BDF_STRLEN];
	struct plu_name n;
	uint32_t count, i;
	int err, bad = 0;

	err = plu_sriov_get(fd, true, &(struct bdf){ r->dev.segment,
			    r->dev.bus, r->dev.devfn }, &cfg, &vfs, &count);
	if (err) {
		plu_error(PLU_OP_QUERY, -err, "restore-vfs %s: verdicts",
			  r->bdf);
		return -1;
	}
	for (i = 0; i < count; i++) {
		const struct pci_liveupdate_vf *v = &vfs[i];

		if (v->verdict != PCI_LIVEUPDATE_VERDICT_OK)
			bad = -1;
		if (j) {
			json_object_begin(j, NULL);
			json_string(j, "pf", r->bdf);
			json_string(j, "pf_now", r->cur);
			json_uint(j, "index", v->index);
			json_string_n(j, "driver", v->driver,
				      sizeof(v->driver));
			json_string_n(j, "driver_override", v->driver_override,
				      sizeof(v->driver_override));
			json_string(j, "verdict",
				    plu_enum_name(PLU_ENUM_VERDICT, v->verdict,
						  &n));
			if (v->verdict != PCI_LIVEUPDATE_VERDICT_NOT_CREATED) {
				vf_bdf(r->dev.segment, v->cur_bus,
				       v->cur_devfn, cur);
				json_string(j, "bdf", cur);
			} else {
				json_null(j, "bdf");
			}
			json_object_end(j);
			continue;
		}
		if (v->verdict != PCI_LIVEUPDATE_VERDICT_NOT_CREATED)
			vf_bdf(r->dev.segment, v->cur_bus, v->cur_devfn, cur);
		else
			strcpy(cur, "-");
		printf("%s: VF %u %s: %s: %s\n", r->cur,
		       (unsigned int)v->index, cur,
		       v->driver[0] ? v->driver : "(no driver)",
		       plu_enum_name(PLU_ENUM_VERDICT, v->verdict, &n));
	}
	free(vfs);
	return bad;
}

int cmd_restore_vfs(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "wait", required_argument, NULL, 'w' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct pci_liveupdate_device *devs = NULL;
	struct restore *rs = NULL;
	bool force = false, json = false;
	unsigned int wait = 0;
	double deadline = 0;
	uint32_t ndev, i;
	int c, fd, k, nr = 0, ret = PLU_EXIT_OK;
	struct json j;

	while ((c = getopt_long(argc, argv, "fjw:h", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'j')
			json = true;
		else if (c == 'w') {
			if (cmd_parse_uint(cmd, "--wait", optarg,
					   RESTORE_WAIT_MAX, &wait))
				return PLU_EXIT_USAGE;
		} else
			return cmd_other_option(cmd, c);
	}
	if (wait)
		deadline = now_s() + wait;
	fd = plu_open_dev(O_RDONLY);
	if (fd < 0)
		return PLU_EXIT_FAIL;
	c = plu_list(fd, true, &devs, &ndev);
	if (c) {
		plu_error(PLU_OP_LIST, -c, "list the incoming set");
		close(fd);
		return PLU_EXIT_FAIL;
	}
	rs = calloc((size_t)ndev + (size_t)(argc - optind) + 1, sizeof(*rs));
	if (!rs) {
		plu_error(PLU_OP_NONE, ENOMEM, "restore-vfs");
		ret = PLU_EXIT_FAIL;
		goto out;
	}
	if (optind == argc) {
		for (i = 0; i < ndev; i++)
			if (devs[i].flags & PCI_LIVEUPDATE_DEV_WITH_VFS)
				rs[nr++].dev = devs[i];
	}
	for (k = optind; k < argc; k++) {
		struct bdf b;

		if (cmd_parse_bdf(cmd, argv[k], &b)) {
			ret = PLU_EXIT_USAGE;
			goto out;
		}
		for (i = 0; i < ndev; i++)
			if (devs[i].segment == b.segment &&
			    devs[i].bus == b.bus && devs[i].devfn == b.devfn &&
			    devs[i].flags & PCI_LIVEUPDATE_DEV_WITH_VFS)
				break;
		if (i == ndev) {
			char name[BDF_STRLEN];

			bdf_format(&b, name, sizeof(name));
			plu_msg("restore-vfs %s: refused: not in the incoming set "
				"as a PF marked with its VFs (mark --with-vfs)",
				name);
			ret = PLU_EXIT_FAIL;
			goto out;
		}
		rs[nr++].dev = devs[i];
	}
	/* Every refusal before the first change. */
	for (k = 0; k < nr; k++) {
		struct bdf b = { rs[k].dev.segment, rs[k].dev.bus,
				 rs[k].dev.devfn };

		bdf_format(&b, rs[k].bdf, sizeof(rs[k].bdf));
		if (restore_check(fd, &rs[k], force, deadline))
			ret = PLU_EXIT_FAIL;
	}
	if (ret)
		goto out;
	if (json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	}
	for (k = 0; k < nr; k++) {
		if (restore_do(&rs[k]))
			ret = PLU_EXIT_FAIL;
		if (restore_report(fd, &rs[k], json ? &j : NULL))
			ret = PLU_EXIT_FAIL;
	}
	if (json)
		json_array_end(&j);
	else if (!nr)
		printf("no PF in the incoming set was marked with its VFs\n");
out:
	for (k = 0; rs && k < nr; k++)
		free(rs[k].vfs);
	free(rs);
	free(devs);
	close(fd);
	return ret;
}
