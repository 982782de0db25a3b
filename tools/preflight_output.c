// SPDX-License-Identifier: GPL-2.0
/*
 * The result of the preflight (preflight.c): its lines, added by each
 * check, printed as "ok:", "warn:" and "fail:" lines or as one JSON
 * document ("pci-liveupdate check --json").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "preflight_internal.h"

void pf_add(struct preflight *p, const char *check, enum pf_level level,
	    const char *fmt, ...)
{
	struct pf_item *it;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg && p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;

		it = realloc(p->items, cap * sizeof(*it));
		if (!it) {
			free(msg);
			msg = NULL;
		} else {
			p->items = it;
			p->cap = cap;
		}
	}
	if (!msg) {
		p->oom = true;
		return;
	}
	p->items[p->n++] = (struct pf_item){ check, level, msg };
}

unsigned int preflight_count(const struct preflight *p, enum pf_level level)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < p->n; i++)
		n += p->items[i].level == level;
	return n;
}

static const char *const level_names[] = {
	[PF_OK] = "ok", [PF_WARN] = "warn", [PF_FAIL] = "fail",
};

void preflight_print(const struct preflight *p, FILE *f, bool problems)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (!problems || p->items[i].level != PF_OK)
			fprintf(f, "%s: %s\n", level_names[p->items[i].level],
				p->items[i].msg);
	}
}

static void json_str_or_null(struct json *j, const char *key, const char *s)
{
	if (s)
		json_string(j, key, s);
	else
		json_null(j, key);
}

static void json_num_or_null(struct json *j, const char *key, long v)
{
	if (v >= 0)
		json_int(j, key, v);
	else
		json_null(j, key);
}

void preflight_json(const struct preflight *p, FILE *f)
{
	struct json j;
	size_t i;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_str_or_null(&j, "kernel", p->kernel);
	json_str_or_null(&j, "release", p->release[0] ? p->release : NULL);
	json_str_or_null(&j, "module", p->module);
	json_str_or_null(&j, "initrd", p->initrd);
	json_str_or_null(&j, "initrd_module", p->iko_name[0] ? p->iko_name : NULL);
	json_str_or_null(&j, "cmdline", p->cmdline);
	json_object_begin(&j, "wire_version");
	json_num_or_null(&j, "running", p->wire_running);
	json_num_or_null(&j, "target", p->wire_target);
	json_num_or_null(&j, "initramfs", p->wire_initrd);
	json_object_end(&j);
	json_num_or_null(&j, "marked", p->marked);
	json_array_begin(&j, "checks");
	for (i = 0; i < p->n; i++) {
		json_object_begin(&j, NULL);
		json_string(&j, "check", p->items[i].check);
		json_string(&j, "result", level_names[p->items[i].level]);
		json_string(&j, "message", p->items[i].msg);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_uint(&j, "failures", preflight_count(p, PF_FAIL));
	json_uint(&j, "warnings", preflight_count(p, PF_WARN));
	json_object_end(&j);
}

void preflight_free(struct preflight *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		free(p->items[i].msg);
	free(p->items);
	free(p->kernel);
	free(p->initrd);
	free(p->cmdline);
	free(p->module);
	free(p);
}
