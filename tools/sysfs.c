// SPDX-License-Identifier: GPL-2.0
/*
 * PCI driver binding through sysfs for the pci-liveupdate tool: the bound
 * driver, driver_override, unbind and drivers_probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define PCI_SYSFS_DEVICES	"/sys/bus/pci/devices"
#define PCI_SYSFS_DRIVERS	"/sys/bus/pci/drivers"

int sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One write: sysfs takes the value in a single store call. */
	do {
		n = write(fd, val, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

int pci_sysfs_link_base(const char *bdf, const char *attr, char *buf,
			size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/%s", bdf, attr);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int pci_sysfs_driver(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	int err = pci_sysfs_link_base(bdf, "driver", buf, len);

	if (err != -ENOENT)
		return err;
	/* No link: unbound, if the device itself is there. */
	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s", bdf);
	if (access(path, F_OK))
		return -errno;
	if (!len)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	return 0;
}

bool pci_sysfs_driver_loaded(const char *drv)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), PCI_SYSFS_DRIVERS "/%s", drv);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int pci_sysfs_get_override(const char *bdf, char *buf, size_t len)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/driver_override",
		 bdf);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	/* The kernel shows an unset override as "(null)". */
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	return 0;
}

int pci_sysfs_set_override(const char *bdf, const char *drv)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/driver_override",
		 bdf);
	/* "\n" clears it. */
	return sysfs_write(path, drv[0] ? drv : "\n");
}

int pci_sysfs_unbind(const char *bdf)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), PCI_SYSFS_DEVICES "/%s/driver/unbind", bdf);
	err = sysfs_write(path, bdf);
	/* Unbound in the meantime: what was asked for. */
	return err == -ENOENT ? 0 : err;
}

int pci_sysfs_probe(const char *bdf)
{
	return sysfs_write("/sys/bus/pci/drivers_probe", bdf);
}

int pci_sysfs_bind(const char *bdf, const char *drv)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_SYSFS_DRIVERS "/%s/bind", drv);
	return sysfs_write(path, bdf);
}
