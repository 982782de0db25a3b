// SPDX-License-Identifier: GPL-2.0
/*
 * Human and JSON output of pci-liveupdate status and device records.
 */
#include <inttypes.h>
#include <string.h>

#include "../include/pci_liveupdate_names.h"
#include "cli.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* The names sysfs and debugfs print too, one function per uAPI enum. */
static const char *(*const enum_names[])(__u32 v) = {
	[PLU_ENUM_BINDING] = plu_binding_name,
	[PLU_ENUM_STATE] = plu_state_name,
	[PLU_ENUM_INCOMING] = plu_incoming_state_name,
	[PLU_ENUM_VERDICT] = plu_verdict_name,
};

const char *plu_enum_name(enum plu_enum e, uint32_t v, struct plu_name *buf)
{
	const char *name = enum_names[e](v);

	if (name)
		return name;
	snprintf(buf->s, sizeof(buf->s), "unknown(%" PRIu32 ")", v);
	return buf->s;
}

static const struct {
	uint16_t flag;
	const char *name;
} flag_names[] = {
	{ PCI_LIVEUPDATE_DEV_MARKED, "marked" },
	{ PCI_LIVEUPDATE_DEV_AUTO, "auto" },
	{ PCI_LIVEUPDATE_DEV_BRIDGE, "bridge" },
	{ PCI_LIVEUPDATE_DEV_REBIND, "rebind" },
	{ PCI_LIVEUPDATE_DEV_DSN, "dsn" },
	{ PCI_LIVEUPDATE_DEV_DRIVER_TRUNC, "driver-truncated" },
	{ PCI_LIVEUPDATE_DEV_WITH_VFS, "with-vfs" },
};

/* "marked,rebind", or "-" when no flag is set. */
static const char *flags_str(uint16_t flags, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(flag_names); i++) {
		if (!(flags & flag_names[i].flag))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 used ? "," : "", flag_names[i].name);
		if (used >= len)
			break;
	}
	if (flags & ~PCI_LIVEUPDATE_DEV_FLAGS_ALL && used < len)
		snprintf(buf + used, len - used, "%s0x%x", used ? "," : "",
			 (unsigned int)(flags & ~PCI_LIVEUPDATE_DEV_FLAGS_ALL));
	return buf[0] ? buf : "-";
}

static char *dev_bdf(const struct pci_liveupdate_device *d, char *buf)
{
	struct bdf b = { d->segment, d->bus, d->devfn };

	return bdf_format(&b, buf, BDF_STRLEN);
}

/* Where an incoming device is in this boot; NULL when it is missing. */
static char *dev_cur_bdf(const struct pci_liveupdate_device *d, char *buf)
{
	struct bdf b = { d->segment, d->cur_bus, d->cur_devfn };

	if (d->verdict == PCI_LIVEUPDATE_VERDICT_MISSING)
		return NULL;
	return bdf_format(&b, buf, BDF_STRLEN);
}

static char *dev_path(const struct pci_liveupdate_device *d, char *buf)
{
	size_t depth = d->path_depth;

	if (depth > PCI_LIVEUPDATE_PATH_MAX)
		depth = PCI_LIVEUPDATE_PATH_MAX;
	return bdf_format_path(d->segment, d->root_bus, d->path, depth, buf,
			       BDF_PATH_STRLEN);
}

void print_status(FILE *f, const struct pci_liveupdate_status *st)
{
	struct plu_name n;

	fprintf(f, "uAPI version:      %" PRIu32 "\n", st->uapi_version);
	fprintf(f, "wire version:      %" PRIu32 "\n", st->wire_version);
	fprintf(f, "binding:           %s\n",
		plu_enum_name(PLU_ENUM_BINDING, st->binding, &n));
	fprintf(f, "LUO registration:  %s\n",
		plu_status_luo_ready(st) < 0 ? "unknown (uAPI version 1)" :
		plu_status_luo_ready(st) ? "ready" :
		"not ready: the file cannot be preserved (see dmesg)");
	fprintf(f, "outgoing state:    %s\n",
		plu_enum_name(PLU_ENUM_STATE, st->state, &n));
	fprintf(f, "marked devices:    %" PRIu32 "\n", st->marked);
	fprintf(f, "outgoing devices:  %" PRIu32 " (bridges included)\n",
		st->outgoing);
	fprintf(f, "removed devices:   %" PRIu32 "\n", st->removed);
	fprintf(f, "KHO bytes:         %" PRIu64 "\n", (uint64_t)st->kho_bytes);
	fprintf(f, "incoming state:    %s\n",
		plu_enum_name(PLU_ENUM_INCOMING, st->incoming_state, &n));
	fprintf(f, "incoming records:  %" PRIu32 "\n", st->incoming);
	if (st->incoming_error)
		fprintf(f, "incoming error:    %" PRId32 " (%s)\n",
			st->incoming_error, strerror(-st->incoming_error));
}

void print_incoming_summary(FILE *f, const struct pci_liveupdate_status *st)
{
	struct plu_name n;

	fprintf(f, "incoming state: %s, %" PRIu32 " record%s",
		plu_enum_name(PLU_ENUM_INCOMING, st->incoming_state, &n),
		st->incoming, st->incoming == 1 ? "" : "s");
	if (st->incoming_error)
		fprintf(f, ", error %" PRId32 " (%s)",
			st->incoming_error, strerror(-st->incoming_error));
	fputc('\n', f);
}

void json_status(struct json *j, const char *key,
		 const struct pci_liveupdate_status *st)
{
	struct plu_name n;

	json_object_begin(j, key);
	json_uint(j, "uapi_version", st->uapi_version);
	json_uint(j, "wire_version", st->wire_version);
	json_string(j, "binding", plu_enum_name(PLU_ENUM_BINDING, st->binding, &n));
	if (plu_status_luo_ready(st) < 0)
		json_null(j, "luo_ready");
	else
		json_bool(j, "luo_ready", plu_status_luo_ready(st));
	json_string(j, "state", plu_enum_name(PLU_ENUM_STATE, st->state, &n));
	json_string(j, "incoming_state",
		    plu_enum_name(PLU_ENUM_INCOMING, st->incoming_state, &n));
	json_int(j, "incoming_error", st->incoming_error);
	if (st->incoming_error)
		json_string(j, "incoming_error_text",
			    strerror(-st->incoming_error));
	else
		json_null(j, "incoming_error_text");
	json_uint(j, "marked", st->marked);
	json_uint(j, "outgoing", st->outgoing);
	json_uint(j, "incoming", st->incoming);
	json_uint(j, "removed", st->removed);
	json_uint(j, "kho_bytes", st->kho_bytes);
	json_object_end(j);
}

static const char *driver_str(const struct pci_liveupdate_device *d,
			      char *buf, size_t len)
{
	size_t i, n = strnlen(d->driver, sizeof(d->driver));

	if (!n)
		return "-";
	/* For a terminal: anything but printable ASCII becomes '?'. */
	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = d->driver[i] >= 0x20 && d->driver[i] < 0x7f ?
			 d->driver[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

void print_device_table(FILE *f, const struct pci_liveupdate_device *devs,
			uint32_t n, bool incoming)
{
	char bdf[BDF_STRLEN], cur[BDF_STRLEN], path[BDF_PATH_STRLEN];
	char drv[sizeof(devs->driver) + 1], fl[96];
	int path_w = 4, flags_w = 5;	/* "PATH", "FLAGS" */
	struct plu_name name;
	uint32_t i;

	for (i = 0; i < n; i++) {
		path_w = max_int(path_w, (int)strlen(dev_path(&devs[i], path)));
		flags_w = max_int(flags_w, (int)strlen(flags_str(devs[i].flags,
								 fl, sizeof(fl))));
	}
	if (!n) {
		fprintf(f, "the %s set is empty\n",
			incoming ? "incoming" : "outgoing");
		return;
	}
	if (!incoming)
		flags_w = 0;	/* last column: no padding */

	fprintf(f, "%-12s  %-9s  %-6s  %-16s  %-*s  %-*s%s\n", "BDF",
		"VEN:DEV", "CLASS", "DRIVER", path_w, "PATH", flags_w, "FLAGS",
		incoming ? "  VERDICT" : "");
	for (i = 0; i < n; i++) {
		const struct pci_liveupdate_device *d = &devs[i];

		fprintf(f, "%-12s  %04x:%04x  %06x  %-16s  %-*s  %-*s",
			dev_bdf(d, bdf), (unsigned int)d->vendor,
			(unsigned int)d->device,
			(unsigned int)(d->class_code & 0xffffff),
			driver_str(d, drv, sizeof(drv)), path_w, dev_path(d, path),
			flags_w, flags_str(d->flags, fl, sizeof(fl)));
		if (incoming) {
			fprintf(f, "  %s", plu_enum_name(PLU_ENUM_VERDICT,
							 d->verdict, &name));
			if (d->verdict == PCI_LIVEUPDATE_VERDICT_PATH_MOVED)
				fprintf(f, " (now %s)", dev_cur_bdf(d, cur));
		}
		fputc('\n', f);
	}
	for (i = 0; i < n; i++)
		print_sriov(f, &devs[i], incoming);
}

void print_device(FILE *f, const struct pci_liveupdate_device *d,
		  bool incoming)
{
	char bdf[BDF_STRLEN], cur[BDF_STRLEN], path[BDF_PATH_STRLEN], fl[96];
	char drv[sizeof(d->driver) + 1];
	struct plu_name name;

	fprintf(f, "  address:        %s\n", dev_bdf(d, bdf));
	fprintf(f, "  vendor:device:  %04x:%04x\n", (unsigned int)d->vendor,
		(unsigned int)d->device);
	fprintf(f, "  subsystem:      %04x:%04x\n",
		(unsigned int)d->subsystem_vendor,
		(unsigned int)d->subsystem_device);
	fprintf(f, "  class:          %06x (revision %02x)\n",
		(unsigned int)(d->class_code & 0xffffff), (unsigned int)d->revision);
	fprintf(f, "  driver:         %s%s\n",
		d->driver[0] ? driver_str(d, drv, sizeof(drv)) : "(none)",
		(d->flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC) ? " (truncated)" : "");
	fprintf(f, "  path:           %s\n", dev_path(d, path));
	fprintf(f, "  flags:          %s\n", flags_str(d->flags, fl, sizeof(fl)));
	if (d->flags & PCI_LIVEUPDATE_DEV_DSN)
		fprintf(f, "  serial number:  0x%016" PRIx64 "\n", (uint64_t)d->dsn);
	if (!incoming) {
		fprintf(f, "  marked below:   %u\n", (unsigned int)d->refs);
	} else {
		fprintf(f, "  verdict:        %s\n",
			plu_enum_name(PLU_ENUM_VERDICT, d->verdict, &name));
		if (dev_cur_bdf(d, cur))
			fprintf(f, "  now at:         %s\n", cur);
	}
	print_sriov(f, d, incoming);
}

void json_device(struct json *j, const char *key,
		 const struct pci_liveupdate_device *d, bool incoming)
{
	char bdf[BDF_STRLEN], path[BDF_PATH_STRLEN];
	struct plu_name name;

	json_object_begin(j, key);
	json_string(j, "bdf", dev_bdf(d, bdf));
	json_uint(j, "segment", d->segment);
	json_uint(j, "bus", d->bus);
	json_uint(j, "devfn", d->devfn);
	json_hex(j, "vendor", d->vendor, 4);
	json_hex(j, "device", d->device, 4);
	json_hex(j, "subsystem_vendor", d->subsystem_vendor, 4);
	json_hex(j, "subsystem_device", d->subsystem_device, 4);
	json_hex(j, "class", d->class_code & 0xffffff, 6);
	json_hex(j, "revision", d->revision, 2);
	json_string_n(j, "driver", d->driver, sizeof(d->driver));
	json_bool(j, "driver_truncated",
		  d->flags & PCI_LIVEUPDATE_DEV_DRIVER_TRUNC);
	json_string(j, "path", dev_path(d, path));
	json_bool(j, "auto", d->flags & PCI_LIVEUPDATE_DEV_AUTO);
	json_bool(j, "marked", d->flags & PCI_LIVEUPDATE_DEV_MARKED);
	json_bool(j, "bridge", d->flags & PCI_LIVEUPDATE_DEV_BRIDGE);
	if (d->flags & PCI_LIVEUPDATE_DEV_DSN)
		json_hex(j, "dsn", d->dsn, 16);
	else
		json_null(j, "dsn");
	json_bool(j, "rebind", d->flags & PCI_LIVEUPDATE_DEV_REBIND);
	json_bool(j, "with_vfs", d->flags & PCI_LIVEUPDATE_DEV_WITH_VFS);
	json_sriov(j, d, incoming);
	if (!incoming) {
		json_uint(j, "refs", d->refs);
	} else {
		json_string(j, "verdict",
			    plu_enum_name(PLU_ENUM_VERDICT, d->verdict, &name));
		if (dev_cur_bdf(d, bdf))
			json_string(j, "cur_bdf", bdf);
		else
			json_null(j, "cur_bdf");
	}
	json_object_end(j);
}

void json_devices(struct json *j, const char *key,
		  const struct pci_liveupdate_device *devs, uint32_t n,
		  bool incoming)
{
	uint32_t i;

	json_array_begin(j, key);
	for (i = 0; i < n; i++)
		json_device(j, NULL, &devs[i], incoming);
	json_array_end(j);
}
