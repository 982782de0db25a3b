/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci-liveupdate: keep chosen PCI devices across a kexec-based Live Update.
 *
 * Internal interfaces between the module's files.
 */
#ifndef _PLU_INTERNAL_H
#define _PLU_INTERNAL_H

#include <linux/cleanup.h>
#include <linux/liveupdate.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/xarray.h>

#include "plu_wire.h"

/**
 * struct plu_vf - a VF of a PF marked with its VFs (sriov.c)
 * @present: The VF exists now.
 * @slot:    Index of its record in the KHO image, or PLU_NO_SLOT.
 * @info:    What is recorded of it.
 */
struct plu_vf {
	bool present;
	u32 slot;
	struct pci_liveupdate_vf info;
};

/**
 * struct plu_sriov - SR-IOV configuration of a PF marked with its VFs
 * @total_vfs:   sriov_totalvfs, as of the last bind or unbind of the PF.
 * @sriov_flags: PCI_LIVEUPDATE_SRIOV_* flags: autoprobe as given at MARK,
 *               then as read at the LUO freeze.
 * @num_vfs:     Highest index of a present VF plus one (sriov_numvfs).
 * @slot:        Index of the configuration record in the KHO image, or
 *               PLU_NO_SLOT.
 * @stale:       Changed while the set was frozen: the image is brought up
 *               to date at the unfreeze.
 * @pf:          The device this is the configuration of.
 * @node:        In the list of PFs marked with their VFs (sriov.c).
 * @autoprobe:   The PF's sriov_drivers_autoprobe attribute, or NULL.
 * @nr_vfs:      Entries of @vf: the TotalVFs of the PF's SR-IOV capability,
 *               for which KHO records were reserved at MARK.
 * @vf:          Each VF by index.
 */
struct plu_sriov {
	u16 total_vfs;
	u32 sriov_flags;
	u16 num_vfs;
	u32 slot;
	bool stale;
	struct plu_dev *pf;
	struct list_head node;
	struct device_attribute *autoprobe;
	u16 nr_vfs;
	struct plu_vf vf[] __counted_by(nr_vfs);
};

/**
 * struct plu_dev - a device in the outgoing set
 * @pdev:       The device; a reference is held while tracked.
 * @info:       Identity, path and driver captured at mark time, in uAPI
 *              form.
 * @marked:     Marked by the user (as opposed to only kept for a child).
 * @gone:       Removed while the set was frozen; @pdev is NULL, the record
 *              stays in the sealed image until the set is unfrozen.
 * @refs:       Marked devices below this bridge.
 * @slot:       Index of its record in the KHO image, or PLU_NO_SLOT.
 * @nr_bridges: Number of entries in @bridges.
 * @bridges:    Keys (plu_key()) of the bridges above the device, nearest
 *              first.
 * @sriov:      Its SR-IOV configuration, if marked with
 *              PCI_LIVEUPDATE_MARK_WITH_VFS, else NULL.
 */
struct plu_dev {
	struct pci_dev *pdev;
	struct pci_liveupdate_device info;
	bool marked;
	bool gone;
	u16 refs;
	u32 slot;
	u8 nr_bridges;
	unsigned long bridges[PLU_WIRE_PATH_MAX];
	struct plu_sriov *sriov;
};

/* Fault injection on the outgoing image at freeze time (debugfs). */
enum plu_fault {
	PLU_FAULT_NONE,
	PLU_FAULT_FLIP,
	PLU_FAULT_VERSION,
	PLU_FAULT_TRUNCATE,
	PLU_FAULT_BODY_HEADER,
	PLU_FAULT_BODY_PHYS,
	PLU_FAULT_BODY_OVERSIZE,
	PLU_FAULT_BODY_ORDER,
	PLU_FAULT_UNFROZEN,
};

/* LUO callbacks whose cost is recorded, for the benchmark. */
enum plu_timing {
	PLU_T_PRESERVE,
	PLU_T_UNPRESERVE,
	PLU_T_FREEZE,
	PLU_T_RETRIEVE,
	PLU_T_FINISH,
	PLU_T_NR,
};

struct plu_image;

/**
 * struct plu_state - module-wide state, protected by @lock
 * @lock:         Serializes everything below.
 * @devs:         Outgoing set: key (plu_key()) to &struct plu_dev.
 * @nr_marked:    Devices marked by the user.
 * @nr_tracked:   Entries in @devs.
 * @nr_removed:   Tracked devices dropped because they were hot-removed.
 * @nr_sriov_recs: KHO records reserved for SR-IOV configurations: one per
 *                PF marked with its VFs, plus one per VF it can have.
 * @img:          KHO image while a file is preserved, else NULL (flb.c).
 * @frozen:       Preserved files currently frozen by LUO.
 * @fault:        Pending fault injection.
 * @fault_phys:   Record block address for PLU_FAULT_BODY_PHYS.
 * @t_ns:         Duration of the last run of each LUO callback (debugfs).
 */
struct plu_state {
	struct mutex lock; /* see above */
	struct xarray devs;
	u32 nr_marked;
	u32 nr_tracked;
	u32 nr_removed;
	u32 nr_sriov_recs;
	struct plu_image *img;
	unsigned int frozen;
	enum plu_fault fault;
	u64 fault_phys;
	u64 t_ns[PLU_T_NR];
};

extern struct plu_state plu_state;
extern bool plu_fault_inject;
extern bool plu_fault_retrieve_nomem;
extern bool plu_fault_flb_register;

static inline unsigned long plu_key(u32 segment, u8 bus, u8 devfn)
{
	return ((unsigned long)segment << 16) | (bus << 8) | devfn;
}

/* pci_lock_rescan_remove() as a guard */
DEFINE_LOCK_GUARD_0(plu_pci_rescan, pci_lock_rescan_remove(),
		    pci_unlock_rescan_remove())

/* binding.c */
int plu_luo_bind(void);
enum pci_liveupdate_binding plu_luo_binding(void);
int plu_luo_register_file_handler(struct liveupdate_file_handler *fh);
void plu_luo_unregister_file_handler(struct liveupdate_file_handler *fh);
int plu_luo_register_flb(struct liveupdate_file_handler *fh,
			 struct liveupdate_flb *flb);
void plu_luo_unregister_flb(struct liveupdate_file_handler *fh,
			    struct liveupdate_flb *flb);
int plu_luo_flb_get_incoming(struct liveupdate_flb *flb, void **objp);
void plu_luo_flb_put_incoming(struct liveupdate_flb *flb);

/* tracking.c */
int plu_pci_path(struct pci_dev *pdev, u8 *root_bus, u8 *path, u8 *depth);
int plu_mark(u32 segment, u8 bus, u8 devfn, u32 flags);
int plu_unmark(u32 segment, u8 bus, u8 devfn);
void plu_outgoing_freeze(bool frozen);
u32 plu_outgoing_snapshot(struct pci_liveupdate_device *out, u32 max);
bool plu_outgoing_query(u32 segment, u8 bus, u8 devfn,
			struct pci_liveupdate_device *out);
void plu_outgoing_status(struct pci_liveupdate_status *st);
bool plu_outgoing_image_header(struct plu_wire_header *h);
int plu_tracking_init(void);
void plu_tracking_exit(void);

/* sriov.c */
struct plu_sriov *plu_sriov_alloc(struct pci_dev *pf, u32 flags);
void plu_sriov_attach(struct plu_dev *d, struct plu_sriov *s,
		      struct pci_dev **vfs);
void plu_sriov_refresh_vfs(struct pci_dev **vfs, u16 n);
void plu_sriov_release(struct plu_dev *d);
void plu_sriov_write_all(struct plu_dev *d);
void plu_sriov_forget_slots(struct plu_dev *d);
void plu_sriov_thawed(void);
void plu_sriov_freeze(void);
void plu_sriov_notify(struct pci_dev *vf, unsigned long action);
bool plu_sriov_pf_event(struct pci_dev *pf);
int plu_outgoing_sriov(u32 segment, u8 bus, u8 devfn,
		       struct pci_liveupdate_sriov *cfg,
		       struct pci_liveupdate_vf *out, u32 max);

/* flb.c */
extern struct liveupdate_flb plu_flb;
int plu_img_reserve(u32 nr);
void plu_img_write(struct plu_dev *d);
void plu_img_write_sriov(u32 *slotp, const struct plu_wire_sriov *sr);
void plu_img_drop(u32 *slotp);
void plu_img_remove(struct plu_dev *d);
bool plu_img_seal(bool sealed);
u64 plu_img_kho_bytes(void);
bool plu_img_header(struct plu_wire_header *h);

/* incoming.c */
struct plu_incoming;
struct plu_incoming *plu_incoming_retrieve(u64 hdr_phys);
void plu_incoming_finish(struct plu_incoming *in);
u32 plu_incoming_snapshot(struct pci_liveupdate_device *out, u32 max);
bool plu_incoming_query(u32 segment, u8 bus, u8 devfn,
			struct pci_liveupdate_device *out);
int plu_incoming_sriov(u32 segment, u8 bus, u8 devfn,
		       struct pci_liveupdate_sriov *cfg,
		       struct pci_liveupdate_vf *out, u32 max);
void plu_incoming_status(struct pci_liveupdate_status *st);
bool plu_incoming_may_finish(void);
void plu_incoming_retrieve_early(void);
void plu_incoming_exit(void);

/* luo_fh.c */
extern const struct file_operations plu_fops;
int plu_fh_register(void);
void plu_fh_unregister(void);
bool plu_fh_is_ready(void);

/* cdev.c */
int plu_cdev_init(void);
void plu_cdev_exit(void);

/* debugfs.c */
void plu_debugfs_init(void);
void plu_debugfs_exit(void);

/* sysfs.c */
extern const struct attribute_group *plu_dev_groups[];

#endif /* _PLU_INTERNAL_H */
