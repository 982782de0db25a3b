/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the pci-liveupdate command line tool: its names
 * and exit codes, errors (errors.c), the ioctls (ioctl.c), sysfs binding
 * (sysfs.c) and output (output.c).  The commands are in command.h, the
 * preflight in preflight.h.
 */
#ifndef PLU_TOOLS_CLI_H
#define PLU_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/pci_liveupdate.h>

#include "bdf.h"
#include "json.h"

/* PACKAGE_VERSION of dkms.conf, passed in by tools/Makefile. */
#ifndef PLU_VERSION
#error "PLU_VERSION is not defined (build with tools/Makefile)"
#endif

#define PLU_PROG		"pci-liveupdate"
#define PLU_DEV_PATH		"/dev/pci_liveupdate"
#define LUO_DEV_PATH		"/dev/liveupdate"
#define PLU_MODULE_NAME		"pci_liveupdate"
/* The unit whose fd store carries /dev/pci_liveupdate across systemctl kexec. */
#define PLU_SERVICE		"pci-liveupdate.service"

/*
 * Token under which "pci-liveupdate kexec" preserves its /dev/pci_liveupdate
 * file in the LUO session and "pci-liveupdate retrieve" asks for it back:
 * the bytes "plu".  Part of the tool's interface; never change it.
 */
#define PLU_SESSION_TOKEN	0x706c75ULL

enum {
	PLU_EXIT_OK = 0,	/* done */
	PLU_EXIT_FAIL = 1,	/* the kernel refused or an operation failed */
	PLU_EXIT_USAGE = 2,	/* bad command line */
};

/* Errors (errors.c). */

/* The call that failed: selects the hint printed by plu_error(). */
enum plu_op {
	PLU_OP_NONE,
	PLU_OP_OPEN_PLU,		/* open /dev/pci_liveupdate */
	PLU_OP_OPEN_LUO,		/* open /dev/liveupdate */
	PLU_OP_STATUS,
	PLU_OP_MARK,
	PLU_OP_UNMARK,
	PLU_OP_LIST,
	PLU_OP_QUERY,
	PLU_OP_CREATE_SESSION,
	PLU_OP_RETRIEVE_SESSION,
	PLU_OP_PRESERVE_FD,
	PLU_OP_RETRIEVE_FD,
	PLU_OP_FINISH,
	PLU_OP_KEXEC_LOAD,
	PLU_OP_REBOOT,
	PLU_OP_SYSTEMCTL,	/* exec of "systemctl kexec" */
	PLU_OP_INSERT,		/* finit_module() through libkmod */
	PLU_OP_FILE,		/* a file named on the command line */
	PLU_OP_SYSFS,		/* a PCI driver binding file in sysfs */
	PLU_OP_BIND,		/* a write to a PCI driver's bind file */
};

/* Explains a kernel without a usable Live Update Orchestrator. */
extern const char plu_luo_missing_hint[];

/*
 * Print "pci-liveupdate: <what>: <strerror> (<ENAME>)" and, when one is
 * known for @op and @err (a positive errno), a hint line; to stderr.
 */
void plu_error(enum plu_op op, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print "pci-liveupdate: <message>" to stderr. */
void plu_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ioctls (ioctl.c). */

/*
 * Fill in the leading __u32 size of an ioctl structure and issue the ioctl.
 * Return: 0, or a negative errno.
 */
int sized_ioctl(int fd, unsigned long req, void *arg, uint32_t size);
#define SIZED_IOCTL(fd, req, ptr)	sized_ioctl(fd, req, ptr, sizeof(*(ptr)))

/* Open /dev/pci_liveupdate; on failure report it and return -1. */
int plu_open_dev(int flags);
/* STATUS; on failure report it and return a negative errno. */
int plu_get_status(int fd, struct pci_liveupdate_status *st);
/*
 * PCI_LIVEUPDATE_STATUS_LUO_READY of a STATUS reply: 1 or 0, or -1 from a
 * module of uAPI version 1, which does not report it.
 */
int plu_status_luo_ready(const struct pci_liveupdate_status *st);
/*
 * LIST_OUTGOING or LIST_INCOMING into a malloc()ed array (NULL when empty),
 * growing the buffer while the set grows.  Does not report errors.
 * Return: 0, or a negative errno.
 */
int plu_list(int fd, bool incoming, struct pci_liveupdate_device **devs,
	     uint32_t *count);

/*
 * PCI driver binding through sysfs (sysfs.c).  @bdf is a device name in
 * /sys/bus/pci/devices ("0000:01:00.0").  Each returns 0 or a negative
 * errno and reports nothing.
 */
/* Write @val to the sysfs file @path in one write(). */
int sysfs_write(const char *path, const char *val);
/*
 * The last component of the link /sys/bus/pci/devices/@bdf/@attr (e.g.
 * "driver", "virtfn0") into @buf; -ENAMETOOLONG if it does not fit.
 */
int pci_sysfs_link_base(const char *bdf, const char *attr, char *buf,
			size_t len);
/* The name of the driver bound to @bdf into @buf, "" when unbound. */
int pci_sysfs_driver(const char *bdf, char *buf, size_t len);
/* Whether a PCI driver of that name is registered. */
bool pci_sysfs_driver_loaded(const char *drv);
/* The device's driver_override into @buf, "" when not set. */
int pci_sysfs_get_override(const char *bdf, char *buf, size_t len);
/* Set driver_override to @drv; "" clears it. */
int pci_sysfs_set_override(const char *bdf, const char *drv);
/* Unbind the device from its driver (success if it is unbound). */
int pci_sysfs_unbind(const char *bdf);
/* Ask the PCI bus to find a driver for an unbound device (drivers_probe). */
int pci_sysfs_probe(const char *bdf);
/* Bind the device to the driver @drv. */
int pci_sysfs_bind(const char *bdf, const char *drv);

/* Output (output.c). */
enum plu_enum {
	PLU_ENUM_BINDING,
	PLU_ENUM_STATE,
	PLU_ENUM_INCOMING,
	PLU_ENUM_VERDICT,
};

struct plu_name {
	char s[24];
};

/*
 * The name of an enum value as the module's sysfs and debugfs print it
 * (include/pci_liveupdate_names.h), or "unknown(N)" in @buf.
 */
const char *plu_enum_name(enum plu_enum e, uint32_t v, struct plu_name *buf);

void print_status(FILE *f, const struct pci_liveupdate_status *st);
/* "incoming state: active, 3 records" and the rejection error, if any. */
void print_incoming_summary(FILE *f, const struct pci_liveupdate_status *st);
void json_status(struct json *j, const char *key,
		 const struct pci_liveupdate_status *st);
/* A table with one device a line, or a line saying that the set is empty. */
void print_device_table(FILE *f, const struct pci_liveupdate_device *devs,
			uint32_t n, bool incoming);
void print_device(FILE *f, const struct pci_liveupdate_device *d,
		  bool incoming);
void json_device(struct json *j, const char *key,
		 const struct pci_liveupdate_device *d, bool incoming);
void json_devices(struct json *j, const char *key,
		  const struct pci_liveupdate_device *devs, uint32_t n,
		  bool incoming);

/* SR-IOV (cmd_sriov.c). */

/*
 * SRIOV of the PF @pf in the outgoing or incoming set: its configuration
 * into @cfg and its VFs into a malloc()ed array (NULL when none).  Does not
 * report errors.  Return: 0, or a negative errno.
 */
int plu_sriov_get(int fd, bool incoming, const struct bdf *pf,
		  struct pci_liveupdate_sriov *cfg,
		  struct pci_liveupdate_vf **vfs, uint32_t *count);
/*
 * The /dev/pci_liveupdate file the output of a device flagged WITH_VFS
 * asks for its SR-IOV configuration (plu_open_dev() sets it); -1 for none.
 */
void plu_output_sriov_fd(int fd);
/* The SR-IOV configuration and VFs of @d, if flagged WITH_VFS. */
void print_sriov(FILE *f, const struct pci_liveupdate_device *d,
		 bool incoming);
/* Member "sriov" of a device object: the same, or null. */
void json_sriov(struct json *j, const struct pci_liveupdate_device *d,
		bool incoming);
/* sriov_drivers_autoprobe of the PF @bdf. */
int plu_read_autoprobe(const char *bdf, bool *on);

#endif /* PLU_TOOLS_CLI_H */
