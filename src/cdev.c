// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate: /dev/pci_liveupdate and its ioctls.
 *
 * The structures follow the LUO uAPI conventions: size first, read with
 * copy_struct_from_user() so older and newer callers both work.  Each
 * handler writes its own reply, with the caller's size
 * (plu_ucmd_respond()): MARK and UNMARK have none, LIST writes @count back
 * also when it fails with ENOSPC, and nothing is written back on any other
 * error.  Only MARK and UNMARK change anything and they need
 * CAP_SYS_ADMIN; the node itself is 0600.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cleanup.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "plu_internal.h"

/**
 * struct plu_ucmd - one ioctl call
 * @ubuf:      The caller's structure.
 * @user_size: Its size, as the caller gave it in its first field.
 * @cmd:       Our copy of it, sizeof() the structure we know.
 */
struct plu_ucmd {
	void __user *ubuf;
	u32 user_size;
	void *cmd;
};

/* Write @ucmd->cmd back to the caller: as much of it as both sides know. */
static int plu_ucmd_respond(struct plu_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuf, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

static int plu_ioctl_status(struct plu_ucmd *ucmd)
{
	struct pci_liveupdate_status *st = ucmd->cmd;

	st->flags = plu_fh_is_ready() ? PCI_LIVEUPDATE_STATUS_LUO_READY : 0;
	st->uapi_version = PCI_LIVEUPDATE_UAPI_VERSION;
	st->wire_version = PLU_WIRE_VERSION;
	st->binding = plu_luo_binding();

	scoped_guard(mutex, &plu_state.lock) {
		plu_outgoing_status(st);
		plu_incoming_status(st);
	}
	return plu_ucmd_respond(ucmd, sizeof(*st));
}

/* A change once done stays done: MARK and UNMARK write nothing back. */
static int plu_ioctl_mark(struct plu_ucmd *ucmd)
{
	struct pci_liveupdate_mark *m = ucmd->cmd;

	if (m->flags & ~(PCI_LIVEUPDATE_MARK_REBIND |
			 PCI_LIVEUPDATE_MARK_WITH_VFS |
			 PCI_LIVEUPDATE_MARK_VF_AUTOPROBE) || m->reserved)
		return -EINVAL;
	if ((m->flags & PCI_LIVEUPDATE_MARK_VF_AUTOPROBE) &&
	    !(m->flags & PCI_LIVEUPDATE_MARK_WITH_VFS))
		return -EINVAL;
	return plu_mark(m->segment, m->bus, m->devfn, m->flags);
}

static int plu_ioctl_unmark(struct plu_ucmd *ucmd)
{
	struct pci_liveupdate_mark *m = ucmd->cmd;

	if (m->flags || m->reserved)
		return -EINVAL;
	return plu_unmark(m->segment, m->bus, m->devfn);
}

/* Write the size of the set, @n, back to the caller; then return @ret. */
static int plu_list_count(struct plu_ucmd *ucmd, u32 n, int ret)
{
	struct pci_liveupdate_list *l = ucmd->cmd;

	l->count = n;
	return plu_ucmd_respond(ucmd, sizeof(*l)) ?: ret;
}

/*
 * Copy @n entries of @ksize bytes from @src to @dst, @entry_size bytes
 * apart (at least @ksize), each one's tail past @ksize zeroed: LIST and
 * SRIOV.
 */
static int plu_copy_entries(u8 __user *dst, const void *src, u32 n,
			    size_t ksize, size_t entry_size)
{
	const u8 *p = src;
	u32 i;

	for (i = 0; i < n; i++, dst += entry_size, p += ksize) {
		if (copy_to_user(dst, p, ksize))
			return -EFAULT;
		if (entry_size > ksize &&
		    clear_user(dst + ksize, entry_size - ksize))
			return -EFAULT;
	}
	return 0;
}

static int plu_list(struct plu_ucmd *ucmd,
		    u32 (*snapshot)(struct pci_liveupdate_device *, u32))
{
	struct pci_liveupdate_list *l = ucmd->cmd;
	struct pci_liveupdate_device *devs __free(kvfree) = NULL;
	u8 __user *dst = u64_to_user_ptr(l->devices);
	size_t entry_size = l->entry_size;
	u32 n;
	int ret;

	if (l->flags || entry_size < sizeof(*devs))
		return -EINVAL;

	n = snapshot(NULL, 0);
	if (!dst)
		return plu_list_count(ucmd, n, 0);
	/*
	 * One snapshot must fit, as the set can change between calls: leave
	 * some room and try again with the new size if it grew past that.
	 */
	for (;;) {
		u32 room;

		if (n > l->count)
			return plu_list_count(ucmd, n, -ENOSPC);
		room = min(l->count, n + 16);
		devs = kvcalloc(max(room, 1U), sizeof(*devs), GFP_KERNEL);
		if (!devs)
			return -ENOMEM;
		n = snapshot(devs, room);
		if (n <= room)
			break;
		kvfree(devs);
		devs = NULL;
	}

	ret = plu_copy_entries(dst, devs, n, sizeof(*devs), entry_size);
	if (ret)
		return ret;
	return plu_list_count(ucmd, n, 0);
}

static int plu_ioctl_list_outgoing(struct plu_ucmd *ucmd)
{
	return plu_list(ucmd, plu_outgoing_snapshot);
}

static int plu_ioctl_list_incoming(struct plu_ucmd *ucmd)
{
	return plu_list(ucmd, plu_incoming_snapshot);
}

static int plu_ioctl_query(struct plu_ucmd *ucmd)
{
	struct pci_liveupdate_query *q = ucmd->cmd;

	if (q->reserved)
		return -EINVAL;
	q->found = 0;
	memset(&q->outgoing, 0, sizeof(q->outgoing));
	memset(&q->incoming, 0, sizeof(q->incoming));

	if (plu_outgoing_query(q->segment, q->bus, q->devfn, &q->outgoing))
		q->found |= PCI_LIVEUPDATE_FOUND_OUTGOING;
	if (plu_incoming_query(q->segment, q->bus, q->devfn, &q->incoming))
		q->found |= PCI_LIVEUPDATE_FOUND_INCOMING;
	if (!q->found)
		return -ENOENT;
	return plu_ucmd_respond(ucmd, sizeof(*q));
}

/*
 * SRIOV: the configuration, and the VFs as LIST writes devices (@count
 * written back also on ENOSPC).  The outgoing set can change between
 * the count and the copy: as LIST, leave room and retry.
 */
static int plu_ioctl_sriov(struct plu_ucmd *ucmd)
{
	struct pci_liveupdate_sriov *q = ucmd->cmd;
	struct pci_liveupdate_vf *vfs __free(kvfree) = NULL;
	u8 __user *dst = u64_to_user_ptr(q->vfs);
	size_t entry_size = q->entry_size;
	bool in = q->flags & PCI_LIVEUPDATE_SRIOV_INCOMING;
	int (*get)(u32, u8, u8, struct pci_liveupdate_sriov *,
		   struct pci_liveupdate_vf *, u32) =
		in ? plu_incoming_sriov : plu_outgoing_sriov;
	int n, ret;

	if (q->flags & ~PCI_LIVEUPDATE_SRIOV_INCOMING || q->reserved ||
	    entry_size < sizeof(*vfs))
		return -EINVAL;
	n = get(q->segment, q->bus, q->devfn, q, NULL, 0);
	if (n < 0)
		return n;
	if (dst) {
		for (;;) {
			u32 room;

			if (n > q->count) {
				q->count = n;
				return plu_ucmd_respond(ucmd, sizeof(*q)) ?:
				       -ENOSPC;
			}
			room = min_t(u32, q->count, n + 16);
			vfs = kvcalloc(max(room, 1U), sizeof(*vfs), GFP_KERNEL);
			if (!vfs)
				return -ENOMEM;
			n = get(q->segment, q->bus, q->devfn, q, vfs, room);
			if (n < 0)
				return n;
			if (n <= room)
				break;
			kvfree(vfs);
			vfs = NULL;
		}
		ret = plu_copy_entries(dst, vfs, n, sizeof(*vfs), entry_size);
		if (ret)
			return ret;
	}
	q->count = n;
	return plu_ucmd_respond(ucmd, sizeof(*q));
}

/* Room for the largest structure an ioctl takes. */
union plu_ucmd_buffer {
	struct pci_liveupdate_status status;
	struct pci_liveupdate_mark mark;
	struct pci_liveupdate_list list;
	struct pci_liveupdate_query query;
	struct pci_liveupdate_sriov sriov;
};

/**
 * struct plu_ioctl_op - how to run one ioctl
 * @size:          sizeof() its structure, as this module knows it.
 * @min_size:      Smallest size a caller may give: the first version's.
 * @cap_sys_admin: The caller needs CAP_SYS_ADMIN (it changes the set).
 * @execute:       The handler, which writes its own reply.
 */
struct plu_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	bool cap_sys_admin;
	int (*execute)(struct plu_ucmd *ucmd);
};

/*
 * The compiler checks that the structure fits the buffer and starts with
 * its size, which the dispatcher reads before anything else.
 */
#define __PLU_IOCTL_OP(_ioctl, _fn, _struct, _last, _admin)		\
	[_IOC_NR(_ioctl)] = {						\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union plu_ucmd_buffer) < \
					  sizeof(_struct)) +		\
			BUILD_BUG_ON_ZERO(offsetof(_struct, size)),	\
		.min_size = offsetofend(_struct, _last),		\
		.cap_sys_admin = _admin,				\
		.execute = _fn,						\
	}
/* For anyone who has the node open. */
#define PLU_IOCTL_OP(_ioctl, _fn, _struct, _last)			\
	__PLU_IOCTL_OP(_ioctl, _fn, _struct, _last, false)
/* Changes the set: needs CAP_SYS_ADMIN as well. */
#define PLU_IOCTL_ADMIN_OP(_ioctl, _fn, _struct, _last)		\
	__PLU_IOCTL_OP(_ioctl, _fn, _struct, _last, true)

static const struct plu_ioctl_op plu_ioctl_ops[] = {
	PLU_IOCTL_OP(PCI_LIVEUPDATE_IOCTL_STATUS, plu_ioctl_status,
		     struct pci_liveupdate_status, kho_bytes),
	PLU_IOCTL_ADMIN_OP(PCI_LIVEUPDATE_IOCTL_MARK, plu_ioctl_mark,
			   struct pci_liveupdate_mark, reserved),
	PLU_IOCTL_ADMIN_OP(PCI_LIVEUPDATE_IOCTL_UNMARK, plu_ioctl_unmark,
			   struct pci_liveupdate_mark, reserved),
	PLU_IOCTL_OP(PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING,
		     plu_ioctl_list_outgoing, struct pci_liveupdate_list,
		     devices),
	PLU_IOCTL_OP(PCI_LIVEUPDATE_IOCTL_LIST_INCOMING,
		     plu_ioctl_list_incoming, struct pci_liveupdate_list,
		     devices),
	PLU_IOCTL_OP(PCI_LIVEUPDATE_IOCTL_QUERY, plu_ioctl_query,
		     struct pci_liveupdate_query, incoming),
	PLU_IOCTL_OP(PCI_LIVEUPDATE_IOCTL_SRIOV, plu_ioctl_sriov,
		     struct pci_liveupdate_sriov, vfs),
};

static long plu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct plu_ioctl_op *op;
	union plu_ucmd_buffer buf;
	struct plu_ucmd ucmd = {};
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	/* Every command is _IO(PCI_LIVEUPDATE_IOCTL_TYPE, nr). */
	if (nr >= ARRAY_SIZE(plu_ioctl_ops) ||
	    cmd != _IO(PCI_LIVEUPDATE_IOCTL_TYPE, nr))
		return -ENOTTY;
	op = &plu_ioctl_ops[nr];
	if (op->cap_sys_admin && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	ucmd.ubuf = (void __user *)arg;
	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuf);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(&buf, op->size, ucmd.ubuf, ucmd.user_size);
	if (ret)
		return ret;
	ucmd.cmd = &buf;
	return op->execute(&ucmd);
}

const struct file_operations plu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = plu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice plu_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pci_liveupdate",
	.fops = &plu_fops,
	.mode = 0600,
};

/**
 * plu_cdev_init() - create /dev/pci_liveupdate
 *
 * Return: 0 or a negative errno.
 */
int plu_cdev_init(void)
{
	plu_misc.groups = plu_dev_groups;
	return misc_register(&plu_misc);
}

/**
 * plu_cdev_exit() - remove /dev/pci_liveupdate
 */
void plu_cdev_exit(void)
{
	misc_deregister(&plu_misc);
}
