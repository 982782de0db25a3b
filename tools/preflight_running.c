// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight (preflight.c) of the running module: whether it is loaded,
 * registered with LUO, the wire version it writes and how many devices are
 * marked, from STATUS or, without access to /dev/pci_liveupdate, from sysfs
 * and the module file; and the "luo", "marked" and "sriov" checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cli.h"
#include "preflight_internal.h"

/*
 * STATUS on /dev/pci_liveupdate says it all, but the node is mode 0600.
 * Without it: sysfs tells whether the module is loaded and how many devices
 * are marked, and the wire version is the modinfo field of the module file
 * of the running release if its srcversion is the loaded module's.
 */
void running_module(struct running *r)
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
	r->luo_ready = -1;
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
			r->luo_ready = plu_status_luo_ready(&st);
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
	/* Absent before uAPI version 2: unknown. */
	s = pf_slurp(pf_rpath(buf, "/sys/class/misc/%s/luo_ready", PLU_MODULE_NAME), 16);
	if (s && (s[0] == '0' || s[0] == '1'))
		r->luo_ready = s[0] == '1';
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

void check_marked(struct preflight *p, const struct running *r)
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

/*
 * A module whose LUO file handler or FLB is not registered (still loading,
 * or the FLB registration failed) has its file refused by LUO, or, before
 * the fix of that window, preserved without the set: systemd-shutdown
 * could not carry it, and kexec would preserve nothing.
 */
void check_luo_ready(struct preflight *p, const struct running *r)
{
	if (!r->loaded)
		return;
	if (r->luo_ready > 0)
		pf_add(p, "luo", PF_OK, "%s is registered with LUO: a preserved %s carries the set",
		       PLU_MODULE_NAME, PLU_DEV_PATH);
	else if (!r->luo_ready)
		pf_add(p, "luo", PF_FAIL, "%s is not registered with LUO (see dmesg; unload and load it again): %s cannot carry the set",
		       PLU_MODULE_NAME, PLU_DEV_PATH);
	else
		pf_add(p, "luo", PF_WARN, "cannot tell whether %s is registered with LUO (a module older than uAPI version 2)",
		       PLU_MODULE_NAME);
}

/* What a boot unit of the package's is enabled as by systemctl enable. */
#define RESTORE_VFS_UNIT	"pci-liveupdate-restore-vfs.service"
#define RESTORE_VFS_WANTS \
	"/etc/systemd/system/multi-user.target.wants/" RESTORE_VFS_UNIT

/*
 * Each PF marked with its VFs: whether something re-creates its VFs after
 * the update.  Only the module knows the VFs, so this needs the device
 * node (LIST and SRIOV); without it, nothing is said.
 */
void check_sriov(struct preflight *p, const struct running *r)
{
	struct pci_liveupdate_device *devs = NULL;
	char buf[PATH_MAX], name[BDF_STRLEN];
	bool enabled;
	uint32_t n, i;
	int fd;

	if (!r->loaded || r->marked <= 0)
		return;
	fd = open(pf_rpath(buf, "%s", PLU_DEV_PATH), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (plu_list(fd, false, &devs, &n)) {
		close(fd);
		return;
	}
	enabled = !access(pf_rpath(buf, "%s", RESTORE_VFS_WANTS), F_OK);
	for (i = 0; i < n; i++) {
		struct bdf b = { devs[i].segment, devs[i].bus, devs[i].devfn };
		struct pci_liveupdate_sriov cfg;
		struct pci_liveupdate_vf *vfs = NULL;
		uint32_t count = 0;

		if (!(devs[i].flags & PCI_LIVEUPDATE_DEV_WITH_VFS))
			continue;
		bdf_format(&b, name, sizeof(name));
		if (plu_sriov_get(fd, false, &b, &cfg, &vfs, &count))
			count = 0;
		free(vfs);
		if (enabled)
			pf_add(p, "sriov", PF_OK, "%s carries %u VF%s: %s is enabled and re-creates them at boot",
			       name, count, count == 1 ? "" : "s", RESTORE_VFS_UNIT);
		else
			pf_add(p, "sriov", PF_WARN, "%s carries %u VF%s, and nothing re-creates them after the update: run 'pci-liveupdate restore-vfs' then, or 'systemctl enable %s'",
			       name, count, count == 1 ? "" : "s", RESTORE_VFS_UNIT);
	}
	free(devs);
	close(fd);
}
