/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace interface for /dev/pci_liveupdate: choose the PCI devices that
 * are kept across a kexec-based Live Update and inspect what came through.
 */
#ifndef _UAPI_LINUX_PCI_LIVEUPDATE_H
#define _UAPI_LINUX_PCI_LIVEUPDATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: General ioctl format
 *
 * The interface follows the conventions of the Live Update Orchestrator
 * (include/uapi/linux/liveupdate.h).  Every ioctl takes a pointer to a
 * structure whose first __u32 is its size, filled in by the caller.  The
 * kernel reads min(size, its own size) bytes and checks that any bytes past
 * what it understands are zero, so old binaries keep working with newer
 * kernels and the other way round.  Common errnos:
 *
 *  - ENOTTY: the ioctl number is not supported.
 *  - E2BIG: the structure has non-zero bytes the kernel does not understand.
 *  - EINVAL: a field is not valid (a reserved field or flag is set, the size
 *    is smaller than the first version of the structure, the device is an
 *    SR-IOV virtual function, ...).
 *  - EFAULT: a user pointer could not be read or written.
 *  - EPERM: a mutating call without CAP_SYS_ADMIN.
 *  - ENODEV: no PCI device at that address.
 *  - ENOENT: the device is not tracked (UNMARK, QUERY), or has no SR-IOV
 *    configuration in that set (SRIOV).
 *  - EEXIST: the device is already marked (MARK).
 *  - EBUSY: the outgoing set is frozen for reboot.
 *  - ENAMETOOLONG: MARK with PCI_LIVEUPDATE_MARK_REBIND of a device whose
 *    driver's name is longer than PCI_LIVEUPDATE_DRIVER_WIRE_LEN bytes.
 *  - ENOSPC: a LIST buffer is too small; @count tells how many are needed.
 *  - ENOMEM: out of memory.
 */

/* The ioctl type byte; 0xBA is /dev/liveupdate, 0xBB is unclaimed. */
#define PCI_LIVEUPDATE_IOCTL_TYPE	0xBB

/*
 * Version of this interface, reported by STATUS.  2: STATUS has @flags
 * (PCI_LIVEUPDATE_STATUS_*); version 1 returned 0 there.  3: MARK takes
 * PCI_LIVEUPDATE_MARK_WITH_VFS, and the SRIOV ioctl exists.
 */
#define PCI_LIVEUPDATE_UAPI_VERSION	3

/* Longest devfn chain from a root bus to a device (bridges + the device). */
#define PCI_LIVEUPDATE_PATH_MAX		12
/* Bytes of the driver name kept across the update (not NUL terminated). */
#define PCI_LIVEUPDATE_DRIVER_WIRE_LEN	16
/* Size of the driver name field in struct pci_liveupdate_device. */
#define PCI_LIVEUPDATE_DRIVER_LEN	32

enum {
	PCI_LIVEUPDATE_CMD_STATUS = 0x00,
	PCI_LIVEUPDATE_CMD_MARK = 0x01,
	PCI_LIVEUPDATE_CMD_UNMARK = 0x02,
	PCI_LIVEUPDATE_CMD_LIST_OUTGOING = 0x03,
	PCI_LIVEUPDATE_CMD_LIST_INCOMING = 0x04,
	PCI_LIVEUPDATE_CMD_QUERY = 0x05,
	PCI_LIVEUPDATE_CMD_SRIOV = 0x06,
};

/**
 * enum pci_liveupdate_binding - how the module reaches the LUO API
 * @PCI_LIVEUPDATE_BINDING_DIRECT: the kernel exports the LUO symbols and the
 *	module links against them.
 * @PCI_LIVEUPDATE_BINDING_KPROBE: the symbols were resolved at load time
 *	through a kprobe lookup and are called through static calls.
 */
enum pci_liveupdate_binding {
	PCI_LIVEUPDATE_BINDING_DIRECT = 1,
	PCI_LIVEUPDATE_BINDING_KPROBE = 2,
};

/**
 * enum pci_liveupdate_state - state of the outgoing set
 * @PCI_LIVEUPDATE_STATE_IDLE: no /dev/pci_liveupdate file is preserved in a
 *	LUO session; marks live only in memory.
 * @PCI_LIVEUPDATE_STATE_PRESERVED: a file is preserved; the set is mirrored
 *	into KHO memory at every change.
 * @PCI_LIVEUPDATE_STATE_FROZEN: LUO froze the file for reboot; MARK and
 *	UNMARK fail with EBUSY until it is unfrozen.
 */
enum pci_liveupdate_state {
	PCI_LIVEUPDATE_STATE_IDLE = 0,
	PCI_LIVEUPDATE_STATE_PRESERVED = 1,
	PCI_LIVEUPDATE_STATE_FROZEN = 2,
};

/**
 * enum pci_liveupdate_incoming_state - state of the set from the last kernel
 * @PCI_LIVEUPDATE_INCOMING_NONE: this boot carries no pci-liveupdate data.
 * @PCI_LIVEUPDATE_INCOMING_ACTIVE: the set was received and validated.
 * @PCI_LIVEUPDATE_INCOMING_REJECTED: data came but failed validation; the
 *	error is in &pci_liveupdate_status.incoming_error, nothing is trusted.
 * @PCI_LIVEUPDATE_INCOMING_FINISHED: the LUO session finished; the KHO
 *	memory is freed, the decoded set stays readable.
 */
enum pci_liveupdate_incoming_state {
	PCI_LIVEUPDATE_INCOMING_NONE = 0,
	PCI_LIVEUPDATE_INCOMING_ACTIVE = 1,
	PCI_LIVEUPDATE_INCOMING_REJECTED = 2,
	PCI_LIVEUPDATE_INCOMING_FINISHED = 3,
};

/**
 * enum pci_liveupdate_verdict - incoming record checked against this boot
 * @PCI_LIVEUPDATE_VERDICT_OK: same device, same place, same driver.
 * @PCI_LIVEUPDATE_VERDICT_MISSING: no device at the address or the path.
 * @PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH: a device is there, but its ids,
 *	class, revision or serial number differ.
 * @PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH: the device is bound to another
 *	driver (or to none) than before the update.
 * @PCI_LIVEUPDATE_VERDICT_PATH_MOVED: the device was found by its topology
 *	path at another bus number; @cur_bus/@cur_devfn say where.
 * @PCI_LIVEUPDATE_VERDICT_NOT_CREATED: only for a VF (SRIOV): its PF has no
 *	VF of that index in this boot, i.e. it is not re-created yet.
 */
enum pci_liveupdate_verdict {
	PCI_LIVEUPDATE_VERDICT_OK = 0,
	PCI_LIVEUPDATE_VERDICT_MISSING = 1,
	PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH = 2,
	PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH = 3,
	PCI_LIVEUPDATE_VERDICT_PATH_MOVED = 4,
	PCI_LIVEUPDATE_VERDICT_NOT_CREATED = 5,
};

/* Device flags (struct pci_liveupdate_device.flags) */
#define PCI_LIVEUPDATE_DEV_MARKED	(1 << 0) /* marked by the user */
#define PCI_LIVEUPDATE_DEV_AUTO		(1 << 1) /* bridge above a marked device */
#define PCI_LIVEUPDATE_DEV_BRIDGE	(1 << 2) /* the device is a bridge */
#define PCI_LIVEUPDATE_DEV_DSN		(1 << 3) /* @dsn is valid */
#define PCI_LIVEUPDATE_DEV_REBIND	(1 << 4) /* rebind @driver after kexec */
#define PCI_LIVEUPDATE_DEV_DRIVER_TRUNC	(1 << 5) /* @driver was cut to 16 bytes */
#define PCI_LIVEUPDATE_DEV_WITH_VFS	(1 << 6) /* SR-IOV config kept (SRIOV) */
#define PCI_LIVEUPDATE_DEV_FLAGS_ALL	0x7f

/**
 * struct pci_liveupdate_device - one tracked device
 * @segment:          PCI segment (domain).
 * @bus:              Bus number.
 * @devfn:            Device and function, as PCI_DEVFN().
 * @flags:            PCI_LIVEUPDATE_DEV_* flags.
 * @vendor:           Vendor ID.
 * @device:           Device ID.
 * @subsystem_vendor: Subsystem vendor ID.
 * @subsystem_device: Subsystem ID.
 * @class_code:       24-bit class code (base, sub, prog-if).
 * @revision:         Revision ID.
 * @root_bus:         Number of the root bus the device hangs below.
 * @path_depth:       Entries used in @path.
 * @verdict:          LIST_INCOMING and QUERY (incoming): a
 *                    &enum pci_liveupdate_verdict.  Zero otherwise.
 * @cur_bus:          Incoming: bus number the device has in this boot
 *                    (differs from @bus only for PATH_MOVED).
 * @cur_devfn:        Incoming: devfn in this boot.
 * @refs:             Outgoing: number of marked devices below this bridge.
 * @path:             devfn of each hop from @root_bus down to the device;
 *                    the last entry is @devfn.
 * @dsn:              PCIe Device Serial Number, if PCI_LIVEUPDATE_DEV_DSN.
 * @driver:           Driver bound when marked ("" if none), NUL terminated.
 *                    Incoming names are at most 16 bytes long.
 */
struct pci_liveupdate_device {
	__u32		segment;
	__u8		bus;
	__u8		devfn;
	__u16		flags;
	__u16		vendor;
	__u16		device;
	__u16		subsystem_vendor;
	__u16		subsystem_device;
	__u32		class_code;
	__u8		revision;
	__u8		root_bus;
	__u8		path_depth;
	__u8		verdict;
	__u8		cur_bus;
	__u8		cur_devfn;
	__u16		refs;
	__u8		path[PCI_LIVEUPDATE_PATH_MAX];
	__aligned_u64	dsn;
	char		driver[PCI_LIVEUPDATE_DRIVER_LEN];
};

/**
 * struct pci_liveupdate_status - ioctl(PCI_LIVEUPDATE_IOCTL_STATUS)
 * @size:           Input; sizeof(struct pci_liveupdate_status).
 * @uapi_version:   Output; PCI_LIVEUPDATE_UAPI_VERSION.
 * @wire_version:   Output; version of the KHO image this module writes.
 * @binding:        Output; &enum pci_liveupdate_binding.
 * @state:          Output; &enum pci_liveupdate_state.
 * @incoming_state: Output; &enum pci_liveupdate_incoming_state.
 * @incoming_error: Output; negative errno why the incoming image was
 *                  rejected, 0 otherwise.
 * @marked:         Output; devices marked by the user.
 * @outgoing:       Output; devices in the outgoing set, bridges included.
 * @incoming:       Output; records in the incoming set.
 * @removed:        Output; marked devices (or their bridges) dropped from the
 *                  outgoing set because they were hot-removed.
 * @flags:          Output; PCI_LIVEUPDATE_STATUS_* (0 from uAPI version 1).
 * @kho_bytes:      Output; KHO memory holding the outgoing image (0 if idle).
 *
 * Always succeeds for a valid structure; no capability needed.
 */
struct pci_liveupdate_status {
	__u32		size;
	__u32		uapi_version;
	__u32		wire_version;
	__u32		binding;
	__u32		state;
	__u32		incoming_state;
	__s32		incoming_error;
	__u32		marked;
	__u32		outgoing;
	__u32		incoming;
	__u32		removed;
	__u32		flags;
	__aligned_u64	kho_bytes;
};

/*
 * STATUS flags (struct pci_liveupdate_status.flags).
 * PCI_LIVEUPDATE_STATUS_LUO_READY: the LUO file handler and the FLB are
 * both registered, so a /dev/pci_liveupdate file preserved in a LUO session
 * now carries the set.  Clear while the module is loading or unloading, and
 * for the whole load when the FLB could not be registered (the kernel log
 * says why): LUO then refuses to preserve the file (ENOENT).
 */
#define PCI_LIVEUPDATE_STATUS_LUO_READY	(1 << 0)

#define PCI_LIVEUPDATE_IOCTL_STATUS \
	_IO(PCI_LIVEUPDATE_IOCTL_TYPE, PCI_LIVEUPDATE_CMD_STATUS)

/* Mark flags (struct pci_liveupdate_mark.flags) */
#define PCI_LIVEUPDATE_MARK_REBIND	(1 << 0) /* rebind driver after kexec */
#define PCI_LIVEUPDATE_MARK_WITH_VFS	(1 << 1) /* keep the PF's SR-IOV config */
/*
 * With PCI_LIVEUPDATE_MARK_WITH_VFS: the PF's sriov_drivers_autoprobe is 1,
 * as the caller read it.  What is carried is the value at the reboot, which
 * the module reads from the PF's sysfs attribute at the LUO freeze; the
 * value given here is what LIST and PCI_LIVEUPDATE_IOCTL_SRIOV show until
 * then, and what is carried if the PF has no such attribute.
 */
#define PCI_LIVEUPDATE_MARK_VF_AUTOPROBE (1 << 2)

/**
 * struct pci_liveupdate_mark - ioctl(PCI_LIVEUPDATE_IOCTL_MARK / _UNMARK)
 * @size:    Input; sizeof(struct pci_liveupdate_mark).
 * @flags:   Input; PCI_LIVEUPDATE_MARK_* for MARK, 0 for UNMARK.
 * @segment: Input; PCI segment.
 * @bus:     Input; bus number.
 * @devfn:   Input; device and function.
 * @reserved: Input; must be 0.
 *
 * MARK adds the device, and every bridge above it (flagged
 * PCI_LIVEUPDATE_DEV_AUTO), to the outgoing set.  UNMARK removes it and the
 * bridges no other marked device needs.  Both need CAP_SYS_ADMIN.
 *
 * With PCI_LIVEUPDATE_MARK_WITH_VFS the device must be an SR-IOV PF; its
 * record is flagged PCI_LIVEUPDATE_DEV_WITH_VFS and its SR-IOV
 * configuration is carried too, as it stands at the reboot: the module
 * follows VFs being enabled, disabled, bound and unbound until then (see
 * PCI_LIVEUPDATE_IOCTL_SRIOV).  sriov_drivers_autoprobe is taken from
 * PCI_LIVEUPDATE_MARK_VF_AUTOPROBE, given at MARK, until the LUO freeze
 * reads the PF's own (the value at the reboot).
 *
 * Errors: EPERM, ENODEV (no such device), EINVAL (SR-IOV VF, bad flags,
 * PCI_LIVEUPDATE_MARK_WITH_VFS on a device that is not an SR-IOV PF,
 * PCI_LIVEUPDATE_MARK_VF_AUTOPROBE without it),
 * EEXIST (MARK of a marked device), ENOENT (UNMARK of a device not marked;
 * bridges tracked automatically go away with the devices below them),
 * EBUSY (frozen), E2BIG (path deeper than PCI_LIVEUPDATE_PATH_MAX),
 * ENAMETOOLONG (PCI_LIVEUPDATE_MARK_REBIND, but the bound driver's name is
 * longer than the PCI_LIVEUPDATE_DRIVER_WIRE_LEN bytes kept across the
 * update, so it could not be bound again by name), ENOSPC (set full),
 * ENOMEM.
 */
struct pci_liveupdate_mark {
	__u32		size;
	__u32		flags;
	__u32		segment;
	__u8		bus;
	__u8		devfn;
	__u16		reserved;
};

#define PCI_LIVEUPDATE_IOCTL_MARK \
	_IO(PCI_LIVEUPDATE_IOCTL_TYPE, PCI_LIVEUPDATE_CMD_MARK)
#define PCI_LIVEUPDATE_IOCTL_UNMARK \
	_IO(PCI_LIVEUPDATE_IOCTL_TYPE, PCI_LIVEUPDATE_CMD_UNMARK)

/**
 * struct pci_liveupdate_list - ioctl(PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING / _INCOMING)
 * @size:       Input; sizeof(struct pci_liveupdate_list).
 * @count:      Input; entries @devices has room for.  Output; entries in
 *              the set (always written back, also on ENOSPC).
 * @entry_size: Input; sizeof(struct pci_liveupdate_device) as the caller
 *              knows it (at least the size of version 1).  Each entry is
 *              written in min(entry_size, kernel size) bytes, the rest of a
 *              larger entry is zeroed.
 * @flags:      Input; must be 0.
 * @devices:    Input; user pointer to @count entries of @entry_size bytes,
 *              or 0 to only learn @count.
 *
 * Outgoing entries are sorted by segment, bus, devfn; incoming entries keep
 * the order of the image.  Errors: ENOSPC (array too small, nothing copied),
 * EINVAL, EFAULT.
 */
struct pci_liveupdate_list {
	__u32		size;
	__u32		count;
	__u32		entry_size;
	__u32		flags;
	__aligned_u64	devices;
};

#define PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING \
	_IO(PCI_LIVEUPDATE_IOCTL_TYPE, PCI_LIVEUPDATE_CMD_LIST_OUTGOING)
#define PCI_LIVEUPDATE_IOCTL_LIST_INCOMING \
	_IO(PCI_LIVEUPDATE_IOCTL_TYPE, PCI_LIVEUPDATE_CMD_LIST_INCOMING)

/* Query result flags (struct pci_liveupdate_query.found) */
#define PCI_LIVEUPDATE_FOUND_OUTGOING	(1 << 0)
#define PCI_LIVEUPDATE_FOUND_INCOMING	(1 << 1)

/**
 * struct pci_liveupdate_query - ioctl(PCI_LIVEUPDATE_IOCTL_QUERY)
 * @size:     Input; sizeof(struct pci_liveupdate_query).
 * @found:    Output; PCI_LIVEUPDATE_FOUND_* for the sets holding the device.
 * @segment:  Input; PCI segment.
 * @bus:      Input; bus number (as recorded, for the incoming set).
 * @devfn:    Input; device and function.
 * @reserved: Input; must be 0.
 * @outgoing: Output; the outgoing record, if FOUND_OUTGOING.
 * @incoming: Output; the incoming record and verdict, if FOUND_INCOMING.
 *
 * Errors: ENOENT (in neither set), EINVAL.
 */
struct pci_liveupdate_query {
	__u32		size;
	__u32		found;
	__u32		segment;
	__u8		bus;
	__u8		devfn;
	__u16		reserved;
	struct pci_liveupdate_device outgoing;
	struct pci_liveupdate_device incoming;
};

#define PCI_LIVEUPDATE_IOCTL_QUERY \
	_IO(PCI_LIVEUPDATE_IOCTL_TYPE, PCI_LIVEUPDATE_CMD_QUERY)

/* VF flags (struct pci_liveupdate_vf.flags) */
#define PCI_LIVEUPDATE_VF_DRIVER_TRUNC	 (1 << 0) /* @driver cut to 16 bytes */
#define PCI_LIVEUPDATE_VF_OVERRIDE_TRUNC (1 << 1) /* @driver_override cut */
#define PCI_LIVEUPDATE_VF_FLAGS_ALL	 0x3

/**
 * struct pci_liveupdate_vf - one VF of a PF marked with its VFs
 * @index:            VF index (0 is the first VF).
 * @flags:            PCI_LIVEUPDATE_VF_* flags.
 * @vendor:           Vendor ID.
 * @device:           Device ID.
 * @subsystem_vendor: Subsystem vendor ID.
 * @subsystem_device: Subsystem ID.
 * @bus:              Bus number the VF has (outgoing) or had (incoming).
 * @devfn:            Its device and function.
 * @verdict:          Incoming: a &enum pci_liveupdate_verdict:
 *                    PCI_LIVEUPDATE_VERDICT_NOT_CREATED while the PF has no
 *                    VF of this index, else OK, IDENTITY_MISMATCH (the VF
 *                    there has other ids) or DRIVER_MISMATCH (it is bound to
 *                    another driver than @driver, or to none).  Zero for
 *                    the outgoing set.
 * @cur_bus:          Incoming: bus number of the VF of this index in this
 *                    boot, if there is one.
 * @cur_devfn:        Incoming: its device and function.
 * @reserved:         Zero.
 * @driver:           Driver bound to the VF ("" if none), NUL terminated.
 *                    Incoming names are at most 16 bytes long.
 * @driver_override:  Its driver_override ("" if not set), likewise.
 */
struct pci_liveupdate_vf {
	__u16		index;
	__u16		flags;
	__u16		vendor;
	__u16		device;
	__u16		subsystem_vendor;
	__u16		subsystem_device;
	__u8		bus;
	__u8		devfn;
	__u8		verdict;
	__u8		cur_bus;
	__u8		cur_devfn;
	__u8		reserved[7];
	char		driver[PCI_LIVEUPDATE_DRIVER_LEN];
	char		driver_override[PCI_LIVEUPDATE_DRIVER_LEN];
};

/* SRIOV input flags (struct pci_liveupdate_sriov.flags) */
#define PCI_LIVEUPDATE_SRIOV_INCOMING	(1 << 0) /* the incoming set */
/* SR-IOV configuration flags (struct pci_liveupdate_sriov.sriov_flags) */
#define PCI_LIVEUPDATE_SRIOV_AUTOPROBE	(1 << 0) /* sriov_drivers_autoprobe */

/**
 * struct pci_liveupdate_sriov - ioctl(PCI_LIVEUPDATE_IOCTL_SRIOV)
 * @size:        Input; sizeof(struct pci_liveupdate_sriov).
 * @flags:       Input; PCI_LIVEUPDATE_SRIOV_INCOMING for the incoming set,
 *               0 for the outgoing one.
 * @segment:     Input; PCI segment of the PF.
 * @bus:         Input; its bus number (as recorded, for the incoming set).
 * @devfn:       Input; its device and function.
 * @reserved:    Input; must be 0.
 * @num_vfs:     Output; VFs enabled (sriov_numvfs): now for the outgoing
 *               set, at the reboot for the incoming one.
 * @total_vfs:   Output; sriov_totalvfs, likewise.
 * @sriov_flags: Output; PCI_LIVEUPDATE_SRIOV_AUTOPROBE: for the outgoing
 *               set as given at MARK (PCI_LIVEUPDATE_MARK_VF_AUTOPROBE)
 *               until a LUO freeze read it, for the incoming one at the
 *               reboot.
 * @count:       Input; entries @vfs has room for.  Output; VFs recorded
 *               (always written back, also on ENOSPC).
 * @entry_size:  Input; sizeof(struct pci_liveupdate_vf) as the caller knows
 *               it, used as &pci_liveupdate_list.entry_size is.
 * @vfs:         Input; user pointer to @count entries, or 0 to only learn
 *               the configuration and @count.
 *
 * The SR-IOV configuration of a PF marked with PCI_LIVEUPDATE_MARK_WITH_VFS
 * (flagged PCI_LIVEUPDATE_DEV_WITH_VFS in LIST and QUERY), and its VFs in
 * index order, each with a fresh verdict for the incoming set.  No
 * capability needed.  Errors: ENOENT (the PF is not in that set with its
 * VFs), ENOSPC (@vfs too small, nothing copied), EINVAL, EFAULT, ENOMEM.
 */
struct pci_liveupdate_sriov {
	__u32		size;
	__u32		flags;
	__u32		segment;
	__u8		bus;
	__u8		devfn;
	__u16		reserved;
	__u16		num_vfs;
	__u16		total_vfs;
	__u32		sriov_flags;
	__u32		count;
	__u32		entry_size;
	__aligned_u64	vfs;
};

#define PCI_LIVEUPDATE_IOCTL_SRIOV \
	_IO(PCI_LIVEUPDATE_IOCTL_TYPE, PCI_LIVEUPDATE_CMD_SRIOV)

#endif /* _UAPI_LINUX_PCI_LIVEUPDATE_H */
