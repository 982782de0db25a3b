// SPDX-License-Identifier: GPL-2.0
/*
 * Error messages with hints for the pci-liveupdate tool.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char plu_luo_missing_hint[] =
	"the running kernel has no usable Live Update Orchestrator: it needs\n"
	"  CONFIG_LIVEUPDATE=y and CONFIG_KEXEC_HANDOVER=y, and must be booted with\n"
	"  liveupdate=on (and kho=on unless CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT=y);\n"
	"  see dmesg";

#define NOT_LOADED	"the pci_liveupdate module is not loaded: run 'pci-liveupdate load'"
#define NEED_ROOT	"this needs root (CAP_SYS_ADMIN)"
#define MISMATCH	"the pci_liveupdate module and this tool do not match; " \
			"install matching versions"

struct hint {
	enum plu_op op;		/* PLU_OP_NONE: any call */
	int err;		/* 0: any errno */
	const char *text;
};

/* Looked up by (op, errno), then (op, any errno), then (any op, errno). */
static const struct hint hints[] = {
	{ PLU_OP_OPEN_PLU, ENOENT, NOT_LOADED },
	{ PLU_OP_OPEN_PLU, ENXIO, NOT_LOADED " (stale device node?)" },
	{ PLU_OP_OPEN_PLU, ENODEV, NOT_LOADED " (stale device node?)" },
	{ PLU_OP_OPEN_LUO, ENOENT, plu_luo_missing_hint },
	{ PLU_OP_OPEN_LUO, EBUSY,
	  "only one process may have /dev/liveupdate open; another one has it" },
	{ PLU_OP_OPEN_LUO, EIO,
	  "LUO could not restore what the previous kernel handed over, most\n"
	  "  often because a handler module (pci_liveupdate) was loaded only after\n"
	  "  /dev/liveupdate was first opened; see dmesg, only a reboot recovers" },
	{ PLU_OP_MARK, EINVAL,
	  "check dmesg; SR-IOV virtual functions are not supported" },
	{ PLU_OP_MARK, E2BIG,
	  "the device is more than 12 hops below its root bus" },
	{ PLU_OP_MARK, ENOSPC, "the outgoing set is full" },
	{ PLU_OP_MARK, ENAMETOOLONG,
	  "mark it without --rebind, and bind its driver yourself after the\n"
	  "  update (driver_override): a cut name would never match it again" },
	{ PLU_OP_UNMARK, ENOENT,
	  "the device is not marked (bridges added automatically go away with\n"
	  "  the devices below them)" },
	{ PLU_OP_QUERY, ENOENT,
	  "the device is in neither the outgoing nor the incoming set" },
	{ PLU_OP_CREATE_SESSION, EEXIST,
	  "a LUO session of that name exists (is another 'pci-liveupdate kexec' running?)" },
	{ PLU_OP_CREATE_SESSION, EINVAL, "session names are 1 to 63 bytes long" },
	{ PLU_OP_RETRIEVE_SESSION, ENOENT,
	  "the previous kernel handed over no session of that name; check the\n"
	  "  name, and whether this boot was a live update (dmesg)" },
	{ PLU_OP_RETRIEVE_SESSION, EINVAL,
	  "the session was retrieved already; a session can be retrieved once per boot" },
	{ PLU_OP_PRESERVE_FD, ENOENT,
	  "no LUO file handler accepts /dev/pci_liveupdate: the module is still\n"
	  "  loading, or its LUO registration failed ('pci-liveupdate status'\n"
	  "  says \"LUO registration: not ready\"; dmesg says why)" },
	{ PLU_OP_PRESERVE_FD, EBUSY,
	  "a /dev/pci_liveupdate file is preserved already (another\n"
	  "  'pci-liveupdate kexec' still running?)" },
	{ PLU_OP_RETRIEVE_FD, ENOENT,
	  "the session holds no file with the pci-liveupdate token; it was not\n"
	  "  created by 'pci-liveupdate kexec'" },
	{ PLU_OP_FINISH, 0,
	  "a preserved file refused to finish; see dmesg.  LUO keeps the\n"
	  "  preserved state until it finishes or until the next live update" },
	{ PLU_OP_KEXEC_LOAD, EPERM,
	  "this needs root (CAP_SYS_BOOT); kexec may also be disabled\n"
	  "  (/proc/sys/kernel/kexec_load_disabled) or blocked by lockdown" },
	{ PLU_OP_KEXEC_LOAD, ENOEXEC,
	  "kexec_file_load does not know this kernel image format" },
	{ PLU_OP_KEXEC_LOAD, EKEYREJECTED,
	  "the signature of the kernel image was rejected" },
	{ PLU_OP_KEXEC_LOAD, EINVAL,
	  "invalid request; is the command line too long?" },
	{ PLU_OP_KEXEC_LOAD, EBUSY, "another kexec load or reboot is running" },
	{ PLU_OP_REBOOT, EPERM, "this needs root (CAP_SYS_BOOT)" },
	{ PLU_OP_REBOOT, EINVAL, "no kernel is loaded for kexec" },
	{ PLU_OP_REBOOT, 0,
	  "LUO or a preserved file refused to freeze for reboot; see dmesg.\n"
	  "  The live update was cancelled" },
	{ PLU_OP_SYSTEMCTL, 0,
	  "the new kernel stays loaded: 'systemctl kexec' boots it,\n"
	  "  'kexec --unload' unloads it" },
	{ PLU_OP_INSERT, ENOENT, plu_luo_missing_hint },
	{ PLU_OP_INSERT, ENODEV, plu_luo_missing_hint },
	{ PLU_OP_INSERT, ENOEXEC,
	  "the module was built for another kernel; rebuild it against this one" },
	{ PLU_OP_INSERT, EKEYREJECTED, "the module signature was rejected" },
	{ PLU_OP_INSERT, EPERM, "this needs root (CAP_SYS_MODULE)" },
	{ PLU_OP_INSERT, EINVAL, "bad module parameter? see dmesg" },
	{ PLU_OP_SYSFS, ENOENT, "the device or driver is gone from sysfs" },
	{ PLU_OP_SYSFS, ENODEV, "the device is gone from sysfs" },
	{ PLU_OP_BIND, ENODEV,
	  "the driver did not take the device (its probe refused it, or the\n"
	  "  device's driver_override names another driver); see dmesg" },
	{ PLU_OP_BIND, EBUSY, "another driver is bound to the device" },
	{ PLU_OP_BIND, ENOENT,
	  "no such PCI driver, and no module of that name to load" },
	{ PLU_OP_NONE, EPERM, NEED_ROOT },
	{ PLU_OP_NONE, EACCES, NEED_ROOT },
	{ PLU_OP_NONE, EBUSY, "the outgoing set is frozen for reboot" },
	{ PLU_OP_NONE, ENODEV, "no such PCI device" },
	{ PLU_OP_NONE, ENOTTY, MISMATCH },
	{ PLU_OP_NONE, E2BIG, MISMATCH },
};

static const char *find_hint(enum plu_op op, int err)
{
	const struct { enum plu_op op; int err; } keys[] = {
		{ op, err }, { op, 0 }, { PLU_OP_NONE, err },
	};
	size_t k, i;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
			if (hints[i].op == keys[k].op &&
			    hints[i].err == keys[k].err)
				return hints[i].text;
		}
	}
	return NULL;
}

void plu_error(enum plu_op op, int err, const char *fmt, ...)
{
	const char *name = strerrorname_np(err);
	const char *hint = find_hint(op, err);
	va_list ap;

	fputs(PLU_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s", strerror(err));
	if (name)
		fprintf(stderr, " (%s)", name);
	fputc('\n', stderr);
	if (hint)
		fprintf(stderr, "  hint: %s\n", hint);
}

void plu_msg(const char *fmt, ...)
{
	va_list ap;

	fputs(PLU_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
