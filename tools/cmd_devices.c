// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate status, mark, unmark, query and list.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "cli.h"

static int no_operands(const struct command *cmd, int argc, char **argv)
{
	if (optind < argc)
		return cmd_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return PLU_EXIT_OK;
}

int cmd_status(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct pci_liveupdate_status st;
	bool json = false;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else
			return cmd_other_option(cmd, c);
	}
	ret = no_operands(cmd, argc, argv);
	if (ret)
		return ret;

	fd = plu_open_dev(O_RDONLY);
	if (fd < 0)
		return PLU_EXIT_FAIL;
	ret = plu_get_status(fd, &st);
	close(fd);
	if (ret)
		return PLU_EXIT_FAIL;

	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_status(&j, NULL, &st);
	} else {
		print_status(stdout, &st);
	}
	return PLU_EXIT_OK;
}

/* Parse every BDF operand up front, so that a typo changes nothing. */
static int parse_bdfs(const struct command *cmd, int argc, char **argv,
		      struct bdf **out, int *n)
{
	struct bdf *bdfs = NULL;
	int i;

	*n = argc - optind;
	if (*n <= 0)
		return cmd_usage(cmd, "no PCI device given");
	bdfs = calloc((size_t)*n, sizeof(*bdfs));
	if (!bdfs) {
		plu_error(PLU_OP_NONE, ENOMEM, "parsing arguments");
		return PLU_EXIT_FAIL;
	}
	for (i = 0; i < *n; i++) {
		if (cmd_parse_bdf(cmd, argv[optind + i], &bdfs[i])) {
			free(bdfs);
			return PLU_EXIT_USAGE;
		}
	}
	*out = bdfs;
	return PLU_EXIT_OK;
}

/*
 * MARK --rebind refused: the driver's name does not fit the bytes kept
 * across the update, and a cut name would never match it again.
 */
static void report_long_driver(const char *name)
{
	char drv[256] = "";

	if (!pci_sysfs_driver(name, drv, sizeof(drv)) && drv[0])
		plu_error(PLU_OP_MARK, ENAMETOOLONG,
			  "mark --rebind %s: driver name '%s' does not fit the "
			  "%d bytes kept across the update", name, drv,
			  PCI_LIVEUPDATE_DRIVER_WIRE_LEN);
	else
		plu_error(PLU_OP_MARK, ENAMETOOLONG,
			  "mark --rebind %s: the driver's name does not fit the "
			  "%d bytes kept across the update", name,
			  PCI_LIVEUPDATE_DRIVER_WIRE_LEN);
}

/* The uAPI version that brought PCI_LIVEUPDATE_MARK_WITH_VFS. */
#define PLU_UAPI_WITH_VFS	3

/* MARK or UNMARK one device and say what happened; 0 on success. */
static int mark_one(int fd, const struct bdf *b, bool mark, uint32_t flags)
{
	struct pci_liveupdate_mark m = {
		.flags = flags,
		.segment = b->segment,
		.bus = b->bus,
		.devfn = b->devfn,
	};
	char name[BDF_STRLEN];
	bool autoprobe;
	int err;

	bdf_format(b, name, sizeof(name));
	/* The kernel cannot read it: MARK takes it from here. */
	if ((flags & PCI_LIVEUPDATE_MARK_WITH_VFS) &&
	    !plu_read_autoprobe(name, &autoprobe) && autoprobe)
		m.flags |= PCI_LIVEUPDATE_MARK_VF_AUTOPROBE;
	err = SIZED_IOCTL(fd, mark ? PCI_LIVEUPDATE_IOCTL_MARK :
				     PCI_LIVEUPDATE_IOCTL_UNMARK, &m);
	if (mark && (flags & PCI_LIVEUPDATE_MARK_WITH_VFS) && err == -EINVAL) {
		plu_error(PLU_OP_MARK, EINVAL, "mark --with-vfs %s: not an "
			  "SR-IOV PF (see dmesg)", name);
		return -1;
	}
	if (!err) {
		printf("%s: %s%s%s\n", name, mark ? "marked" : "unmarked",
		       flags & PCI_LIVEUPDATE_MARK_REBIND ?
		       " (driver is rebound after kexec)" : "",
		       flags & PCI_LIVEUPDATE_MARK_WITH_VFS ?
		       " with its VFs (as they are at the reboot)" : "");
		return 0;
	}
	if (mark && err == -EEXIST) {
		printf("%s: already marked (flags unchanged)\n", name);
		return 0;
	}
	if (mark && err == -ENAMETOOLONG) {
		report_long_driver(name);
		return -1;
	}
	plu_error(mark ? PLU_OP_MARK : PLU_OP_UNMARK, -err, "%s %s",
		  mark ? "mark" : "unmark", name);
	return -1;
}

static int mark_devices(int argc, char **argv, const struct command *cmd,
			bool mark)
{
	static const struct option opts[] = {
		{ "rebind", no_argument, NULL, 'r' },
		{ "with-vfs", no_argument, NULL, 'v' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	uint32_t flags = 0;
	int c, fd, i, n, ret = PLU_EXIT_OK;
	struct bdf *bdfs = NULL;

	while ((c = getopt_long(argc, argv, mark ? "rvh" : "h",
				mark ? opts : opts + 2, NULL)) != -1) {
		if (c == 'r')
			flags |= PCI_LIVEUPDATE_MARK_REBIND;
		else if (c == 'v')
			flags |= PCI_LIVEUPDATE_MARK_WITH_VFS;
		else
			return cmd_other_option(cmd, c);
	}
	ret = parse_bdfs(cmd, argc, argv, &bdfs, &n);
	if (ret)
		return ret;

	fd = plu_open_dev(O_RDWR);
	if (fd < 0) {
		free(bdfs);
		return PLU_EXIT_FAIL;
	}
	/*
	 * A module older than the flag answers EINVAL for every device, which
	 * would read as "not an SR-IOV PF": say what it is, before any MARK.
	 */
	if (flags & PCI_LIVEUPDATE_MARK_WITH_VFS) {
		struct pci_liveupdate_status st;

		if (plu_get_status(fd, &st)) {
			ret = PLU_EXIT_FAIL;
			goto out;
		}
		if (st.uapi_version < PLU_UAPI_WITH_VFS) {
			plu_msg("mark --with-vfs: the loaded module (uAPI version "
				"%u) predates SR-IOV support (uAPI version %u): "
				"nothing marked; load this release's module",
				(unsigned int)st.uapi_version, PLU_UAPI_WITH_VFS);
			ret = PLU_EXIT_FAIL;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (mark_one(fd, &bdfs[i], mark, flags))
			ret = PLU_EXIT_FAIL;
	}
out:
	close(fd);
	free(bdfs);
	return ret;
}

int cmd_mark(int argc, char **argv, const struct command *cmd)
{
	return mark_devices(argc, argv, cmd, true);
}

int cmd_unmark(int argc, char **argv, const struct command *cmd)
{
	return mark_devices(argc, argv, cmd, false);
}

static void query_print(const struct pci_liveupdate_query *q, const char *name,
			bool json)
{
	bool out = q->found & PCI_LIVEUPDATE_FOUND_OUTGOING;
	bool in = q->found & PCI_LIVEUPDATE_FOUND_INCOMING;
	struct json j;

	if (!json) {
		printf("%s\n", name);
		printf("outgoing:%s\n", out ? "" : " not in the outgoing set");
		if (out)
			print_device(stdout, &q->outgoing, false);
		printf("incoming:%s\n", in ? "" : " not in the incoming set");
		if (in)
			print_device(stdout, &q->incoming, true);
		return;
	}
	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "bdf", name);
	if (out)
		json_device(&j, "outgoing", &q->outgoing, false);
	else
		json_null(&j, "outgoing");
	if (in)
		json_device(&j, "incoming", &q->incoming, true);
	else
		json_null(&j, "incoming");
	json_object_end(&j);
}

int cmd_query(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct pci_liveupdate_query q = { 0 };
	char name[BDF_STRLEN];
	bool json = false;
	struct bdf b;
	int c, fd, err;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else
			return cmd_other_option(cmd, c);
	}
	if (argc - optind != 1)
		return cmd_usage(cmd, "expected exactly one PCI device");
	if (cmd_parse_bdf(cmd, argv[optind], &b))
		return PLU_EXIT_USAGE;
	bdf_format(&b, name, sizeof(name));

	fd = plu_open_dev(O_RDONLY);
	if (fd < 0)
		return PLU_EXIT_FAIL;
	q.segment = b.segment;
	q.bus = b.bus;
	q.devfn = b.devfn;
	err = SIZED_IOCTL(fd, PCI_LIVEUPDATE_IOCTL_QUERY, &q);
	if (err) {
		plu_error(PLU_OP_QUERY, -err, "query %s", name);
		close(fd);
		return PLU_EXIT_FAIL;
	}
	/* The output asks for a PF's SR-IOV configuration on @fd. */
	query_print(&q, name, json);
	close(fd);
	return PLU_EXIT_OK;
}

static void list_print(int fd, const struct pci_liveupdate_device *devs,
		       uint32_t n, bool incoming, bool json)
{
	struct pci_liveupdate_status st;
	struct json j;

	if (json) {
		json_init(&j, stdout);
		json_devices(&j, NULL, devs, n, incoming);
		return;
	}
	if (incoming && !plu_get_status(fd, &st))
		print_incoming_summary(stdout, &st);
	print_device_table(stdout, devs, n, incoming);
}

int cmd_list(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		{ "incoming", no_argument, NULL, 'i' },
		{ "outgoing", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct pci_liveupdate_device *devs;
	bool json = false, in = false, out = false;
	uint32_t n;
	int c, fd, err;

	while ((c = getopt_long(argc, argv, "iojh", opts, NULL)) != -1) {
		if (c == 'i')
			in = true;
		else if (c == 'o')
			out = true;
		else if (c == 'j')
			json = true;
		else
			return cmd_other_option(cmd, c);
	}
	if (in && out)
		return cmd_usage(cmd, "--incoming and --outgoing exclude each other");
	err = no_operands(cmd, argc, argv);
	if (err)
		return err;

	fd = plu_open_dev(O_RDONLY);
	if (fd < 0)
		return PLU_EXIT_FAIL;
	err = plu_list(fd, in, &devs, &n);
	if (err) {
		plu_error(PLU_OP_LIST, -err, "list the %s set",
			  in ? "incoming" : "outgoing");
		close(fd);
		return PLU_EXIT_FAIL;
	}
	list_print(fd, devs, n, in, json);
	free(devs);
	close(fd);
	return PLU_EXIT_OK;
}
