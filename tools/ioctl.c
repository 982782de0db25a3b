// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/pci_liveupdate for the pci-liveupdate tool, and the
 * size-first ioctl call that the LUO ioctls use too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cli.h"

/* LIST retries when the set keeps growing between the calls. */
#define PLU_LIST_TRIES	16

int sized_ioctl(int fd, unsigned long req, void *arg, uint32_t size)
{
	int ret;

	memcpy(arg, &size, sizeof(size));
	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

int plu_open_dev(int flags)
{
	int fd = open(PLU_DEV_PATH, flags | O_CLOEXEC);

	if (fd < 0)
		plu_error(PLU_OP_OPEN_PLU, errno, "cannot open %s", PLU_DEV_PATH);
	else
		plu_output_sriov_fd(fd);
	return fd;
}

int plu_get_status(int fd, struct pci_liveupdate_status *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	err = SIZED_IOCTL(fd, PCI_LIVEUPDATE_IOCTL_STATUS, st);
	if (err)
		plu_error(PLU_OP_STATUS, -err, "STATUS on %s", PLU_DEV_PATH);
	return err;
}

int plu_status_luo_ready(const struct pci_liveupdate_status *st)
{
	if (st->uapi_version < 2)
		return -1;
	return !!(st->flags & PCI_LIVEUPDATE_STATUS_LUO_READY);
}

int plu_list(int fd, bool incoming, struct pci_liveupdate_device **devs,
	     uint32_t *count)
{
	unsigned long req = incoming ? PCI_LIVEUPDATE_IOCTL_LIST_INCOMING :
				       PCI_LIVEUPDATE_IOCTL_LIST_OUTGOING;
	struct pci_liveupdate_device *buf = NULL, *bigger;
	uint32_t room = 0;
	int tries, err;

	/* The first call (no buffer) only learns how many entries there are. */
	for (tries = 0; tries < PLU_LIST_TRIES; tries++) {
		struct pci_liveupdate_list l = {
			.count = room,
			.entry_size = sizeof(*buf),
			.devices = (uintptr_t)buf,
		};

		err = SIZED_IOCTL(fd, req, &l);
		if (err && err != -ENOSPC)
			break;
		if (!err && l.count <= room) {
			*devs = buf;
			*count = l.count;
			return 0;
		}
		/* Too small (or size query answered): make room for them all. */
		bigger = realloc(buf, ((size_t)l.count + 1) * sizeof(*buf));
		if (!bigger) {
			err = -ENOMEM;
			break;
		}
		buf = bigger;
		room = l.count;
		memset(buf, 0, (size_t)room * sizeof(*buf));
	}
	if (tries == PLU_LIST_TRIES)
		err = -EAGAIN;
	free(buf);
	return err;
}
