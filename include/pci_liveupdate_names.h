/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci-liveupdate: the names of the uAPI enums, as sysfs, debugfs and the
 * kernel log print them.
 *
 * One table per enum for every printer.  Nothing here needs more than the
 * uAPI header, so userspace (the CLI) can include it as well as the
 * module.  Each function returns NULL for a value it does not know, so a
 * caller can print a newer value in its own way.
 */
#ifndef _PCI_LIVEUPDATE_NAMES_H
#define _PCI_LIVEUPDATE_NAMES_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>	/* NULL */
#endif

#include "uapi/linux/pci_liveupdate.h"

/* &enum pci_liveupdate_binding */
static inline const char *plu_binding_name(__u32 binding)
{
	switch (binding) {
	case PCI_LIVEUPDATE_BINDING_DIRECT:
		return "direct";
	case PCI_LIVEUPDATE_BINDING_KPROBE:
		return "kprobe";
	}
	return NULL;
}

/* &enum pci_liveupdate_state */
static inline const char *plu_state_name(__u32 state)
{
	switch (state) {
	case PCI_LIVEUPDATE_STATE_IDLE:
		return "idle";
	case PCI_LIVEUPDATE_STATE_PRESERVED:
		return "preserved";
	case PCI_LIVEUPDATE_STATE_FROZEN:
		return "frozen";
	}
	return NULL;
}

/* &enum pci_liveupdate_incoming_state */
static inline const char *plu_incoming_state_name(__u32 state)
{
	switch (state) {
	case PCI_LIVEUPDATE_INCOMING_NONE:
		return "none";
	case PCI_LIVEUPDATE_INCOMING_ACTIVE:
		return "active";
	case PCI_LIVEUPDATE_INCOMING_REJECTED:
		return "rejected";
	case PCI_LIVEUPDATE_INCOMING_FINISHED:
		return "finished";
	}
	return NULL;
}

/* &enum pci_liveupdate_verdict */
static inline const char *plu_verdict_name(__u32 verdict)
{
	switch (verdict) {
	case PCI_LIVEUPDATE_VERDICT_OK:
		return "ok";
	case PCI_LIVEUPDATE_VERDICT_MISSING:
		return "missing";
	case PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH:
		return "identity-mismatch";
	case PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH:
		return "driver-mismatch";
	case PCI_LIVEUPDATE_VERDICT_PATH_MOVED:
		return "path-moved";
	case PCI_LIVEUPDATE_VERDICT_NOT_CREATED:
		return "not-created";
	}
	return NULL;
}

#endif /* _PCI_LIVEUPDATE_NAMES_H */
