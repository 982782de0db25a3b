// SPDX-License-Identifier: GPL-2.0
/*
 * pci-liveupdate rebind: in the new kernel, move each device marked with
 * --rebind back to the driver it had before the update.
 *
 * The module binds such a device only if it finds it unbound; a driver
 * that claimed it first (built in, or loaded by udev) is left alone, as
 * driver binding is userspace's business.  This command does that part
 * through sysfs: driver_override, unbind, drivers_probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "cli.h"

/* Longest driver name read back from sysfs. */
#define DRV_NAME_MAX	NAME_MAX

/* One device to rebind: where it was, where it is, what it wants. */
struct target {
	char label[2 * BDF_STRLEN + 8];	/* "0000:01:00.0" or "... (now ...)" */
	char cur[BDF_STRLEN];		/* sysfs name in this boot */
	char want[PCI_LIVEUPDATE_DRIVER_LEN + 1];
};

static bool incoming_usable(const struct pci_liveupdate_status *st)
{
	switch (st->incoming_state) {
	case PCI_LIVEUPDATE_INCOMING_ACTIVE:
	case PCI_LIVEUPDATE_INCOMING_FINISHED:
		return true;
	case PCI_LIVEUPDATE_INCOMING_REJECTED:
		plu_msg("the device set from the previous kernel was rejected "
			"(%d: %s); nothing is rebound", st->incoming_error,
			strerror(-st->incoming_error));
		return false;
	default:
		plu_msg("this boot carries no device set from a previous kernel");
		return false;
	}
}

/* Read the incoming set; reports its own errors. */
static int read_incoming(struct pci_liveupdate_device **devs, uint32_t *n)
{
	struct pci_liveupdate_status st;
	int fd, err;

	fd = plu_open_dev(O_RDONLY);
	if (fd < 0)
		return -1;
	err = plu_get_status(fd, &st);
	if (!err && !incoming_usable(&st))
		err = -EINVAL;
	if (!err) {
		err = plu_list(fd, true, devs, n);
		if (err)
			plu_error(PLU_OP_LIST, -err, "list the incoming set");
	}
	close(fd);
	return err ? -1 : 0;
}

/* A name that is safe to put into a sysfs path. */
static bool sane_driver_name(const char *s)
{
	size_t i;

	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '/')
			return false;
	}
	return i > 0;
}

/*
 * Why a record cannot be rebound, or NULL.  Checked only when it is not
 * bound as recorded already.
 */
static const char *refusal(const struct pci_liveupdate_device *d)
{
	switch (d->verdict) {
	case PCI_LIVEUPDATE_VERDICT_DRIVER_MISMATCH:
	case PCI_LIVEUPDATE_VERDICT_PATH_MOVED:
		break;
	case PCI_LIVEUPDATE_VERDICT_MISSING:
		return "not found in this boot; nothing rebound";
	case PCI_LIVEUPDATE_VERDICT_IDENTITY_MISMATCH:
		return "another device is at that address now (identity "
		       "mismatch); refusing to bind a driver to it";
	default:
		return "unknown verdict; not touching it";
	}
	if (d->flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC)
		return "the recorded driver name was cut to 16 bytes, so the "
		       "driver to bind is not known; bind it yourself";
	if (!d->driver[0])
		return "no driver was bound before the update; leaving it as it is";
	return NULL;
}

static void target_init(struct target *t, const struct pci_liveupdate_device *d)
{
	struct bdf was = { d->segment, d->bus, d->devfn };
	struct bdf now = { d->segment, d->cur_bus, d->cur_devfn };
	char w[BDF_STRLEN];

	bdf_format(&was, w, sizeof(w));
	bdf_format(&now, t->cur, sizeof(t->cur));
	if (strcmp(w, t->cur))
		snprintf(t->label, sizeof(t->label), "%s (now %s)", w, t->cur);
	else
		snprintf(t->label, sizeof(t->label), "%s", w);
	snprintf(t->want, sizeof(t->want), "%.*s",
		 (int)strnlen(d->driver, sizeof(d->driver)), d->driver);
}

/*
 * After a failed move: put driver_override back to @old and, if the device
 * was left unbound, bind it to @had again.  Says where the device ended up.
 */
static void roll_back(const struct target *t, const char *old, const char *had)
{
	char now[DRV_NAME_MAX + 1] = "";
	int err;

	err = pci_sysfs_set_override(t->cur, old);
	if (err)
		plu_error(PLU_OP_SYSFS, -err, "%s: cannot restore driver_override",
			  t->label);
	err = pci_sysfs_driver(t->cur, now, sizeof(now));
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "%s: cannot read its driver in sysfs",
			  t->label);
		return;
	}
	if (now[0] || !had[0]) {
		plu_msg("%s: left %s%s", t->label, now[0] ? "bound to " : "unbound",
			now);
		return;
	}
	err = pci_sysfs_bind(t->cur, had);
	if (err)
		plu_error(PLU_OP_SYSFS, -err, "%s: left unbound; cannot bind %s again",
			  t->label, had);
	else
		plu_msg("%s: bound to %s again", t->label, had);
}

/*
 * Move the device from @had ("" if unbound) to the recorded driver:
 * driver_override, unbind, drivers_probe, then look where it is.
 */
static int move_driver(const struct target *t, const char *had)
{
	char old[DRV_NAME_MAX + 1], now[DRV_NAME_MAX + 1] = "";
	int err;

	err = pci_sysfs_get_override(t->cur, old, sizeof(old));
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "%s: cannot read driver_override",
			  t->label);
		return -1;
	}
	err = pci_sysfs_set_override(t->cur, t->want);
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "%s: cannot set driver_override to %s",
			  t->label, t->want);
		return -1;
	}
	if (had[0]) {
		err = pci_sysfs_unbind(t->cur);
		if (err) {
			plu_error(PLU_OP_SYSFS, -err, "%s: cannot unbind %s",
				  t->label, had);
			roll_back(t, old, had);
			return -1;
		}
	}
	err = pci_sysfs_probe(t->cur);
	if (!err)
		err = pci_sysfs_driver(t->cur, now, sizeof(now));
	if (!err && !strcmp(now, t->want)) {
		printf("%s: bound to %s (was %s)\n", t->label, t->want,
		       had[0] ? had : "unbound");
		return 0;
	}
	if (err)
		plu_error(PLU_OP_SYSFS, -err, "%s: probing %s", t->label, t->want);
	else
		plu_msg("%s: %s did not bind it (see dmesg)", t->label, t->want);
	roll_back(t, old, had);
	return -1;
}

/* Rebind one incoming record and print one line about it; 0 when fine. */
static int rebind_record(const struct pci_liveupdate_device *d)
{
	char had[DRV_NAME_MAX + 1];
	const char *why;
	struct target t;
	int err;

	target_init(&t, d);
	if (d->verdict == PCI_LIVEUPDATE_VERDICT_OK) {
		printf("%s: bound to %s as recorded; nothing to do\n", t.label,
		       t.want[0] ? t.want : "no driver");
		return 0;
	}
	why = refusal(d);
	if (!why && !sane_driver_name(t.want))
		why = "the recorded driver name is not a valid driver name";
	if (why) {
		plu_msg("%s: %s", t.label, why);
		return -1;
	}
	err = pci_sysfs_driver(t.cur, had, sizeof(had));
	if (err) {
		plu_error(PLU_OP_SYSFS, -err, "%s: cannot read its driver in sysfs",
			  t.label);
		return -1;
	}
	if (!strcmp(had, t.want)) {
		printf("%s: bound to %s as recorded; nothing to do\n", t.label,
		       t.want);
		return 0;
	}
	if (!pci_sysfs_driver_loaded(t.want)) {
		plu_msg("%s: driver %s is not loaded (no /sys/bus/pci/drivers/%s); "
			"load it and run this again", t.label, t.want, t.want);
		return -1;
	}
	return move_driver(&t, had);
}

/* Every record flagged REBIND. */
static int rebind_all(const struct pci_liveupdate_device *devs, uint32_t n)
{
	int ret = PLU_EXIT_OK, seen = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (!(devs[i].flags & PCI_LIVEUPDATE_DEV_REBIND))
			continue;
		seen++;
		if (rebind_record(&devs[i]))
			ret = PLU_EXIT_FAIL;
	}
	if (!seen)
		printf("no device of the incoming set was marked with --rebind\n");
	return ret;
}

static const struct pci_liveupdate_device *
find_record(const struct pci_liveupdate_device *devs, uint32_t n,
	    const struct bdf *b)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (devs[i].segment == b->segment && devs[i].bus == b->bus &&
		    devs[i].devfn == b->devfn)
			return &devs[i];
	}
	return NULL;
}

/* The records of the devices named, by their address before the update. */
static int rebind_named(const struct pci_liveupdate_device *devs, uint32_t n,
			const struct bdf *bdfs, int nb)
{
	const struct pci_liveupdate_device *d;
	char name[BDF_STRLEN];
	int i, ret = PLU_EXIT_OK;

	for (i = 0; i < nb; i++) {
		bdf_format(&bdfs[i], name, sizeof(name));
		d = find_record(devs, n, &bdfs[i]);
		if (!d)
			plu_msg("%s: not in the incoming set (give the address "
				"the device had before the update)", name);
		else if (!(d->flags & PCI_LIVEUPDATE_DEV_REBIND))
			plu_msg("%s: was not marked with --rebind before the "
				"update; not rebinding it", name);
		else if (!rebind_record(d))
			continue;
		ret = PLU_EXIT_FAIL;
	}
	return ret;
}

/* Parse every BDF operand up front; none is fine (all devices). */
static int parse_operands(const struct command *cmd, int argc, char **argv,
			  struct bdf **out, int *n)
{
	int i;

	*out = NULL;
	*n = argc - optind;
	if (*n <= 0)
		return PLU_EXIT_OK;
	*out = calloc((size_t)*n, sizeof(**out));
	if (!*out) {
		plu_error(PLU_OP_NONE, ENOMEM, "parsing arguments");
		return PLU_EXIT_FAIL;
	}
	for (i = 0; i < *n; i++) {
		if (cmd_parse_bdf(cmd, argv[optind + i], &(*out)[i])) {
			free(*out);
			*out = NULL;
			return PLU_EXIT_USAGE;
		}
	}
	return PLU_EXIT_OK;
}

int cmd_rebind(int argc, char **argv, const struct command *cmd)
{
	static const struct option opts[] = {
		PLU_OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct pci_liveupdate_device *devs = NULL;
	struct bdf *bdfs;
	uint32_t n = 0;
	int c, nb, ret;

	c = getopt_long(argc, argv, "h", opts, NULL);
	if (c != -1)
		return cmd_other_option(cmd, c);
	ret = parse_operands(cmd, argc, argv, &bdfs, &nb);
	if (ret)
		return ret;
	if (read_incoming(&devs, &n)) {
		free(bdfs);
		return PLU_EXIT_FAIL;
	}
	/* One line per device, in order, also when stdout is a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = bdfs ? rebind_named(devs, n, bdfs, nb) : rebind_all(devs, n);
	free(devs);
	free(bdfs);
	return ret;
}
