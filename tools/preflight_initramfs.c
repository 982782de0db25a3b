// SPDX-License-Identifier: GPL-2.0
/*
 * The preflight's (preflight.c) "initramfs" check: the image the next
 * kernel gets has the module for its release and loads it before anything
 * opens /dev/liveupdate; and the modinfo of that module, for the "wire"
 * check.  The image is read by initramfs.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "initramfs.h"

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
	if (t->err) {
		snprintf(why, wlen, "cannot make a temporary file: %s", strerror(t->err));
		return;
	}
	if (!scan->ko_name[0]) {
		snprintf(why, wlen, "the built-in cpio reader found no data for it");
		return;
	}
	if (scan->ko_err) {
		snprintf(why, wlen, "cannot write a temporary file: %s",
			 strerror(scan->ko_err));
		return;
	}
	file = ko_plain(t, why, wlen);
	if (file && modfields_read(file, &p->iko))
		snprintf(why, wlen, "%s", strerror(-p->iko.err));
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

void check_initrd(struct preflight *p, const struct preflight_args *a,
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
