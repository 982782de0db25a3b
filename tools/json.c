// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer for the pci-liveupdate tool.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* Length of the valid UTF-8 sequence at @s (@n bytes left), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void put_escaped_char(FILE *f, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", f);
		break;
	case '\\':
		fputs("\\\\", f);
		break;
	case '\b':
		fputs("\\b", f);
		break;
	case '\f':
		fputs("\\f", f);
		break;
	case '\n':
		fputs("\\n", f);
		break;
	case '\r':
		fputs("\\r", f);
		break;
	case '\t':
		fputs("\\t", f);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", (unsigned int)c);
		else
			fputc(c, f);
	}
}

static void put_string(FILE *f, const char *s, size_t maxlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, maxlen), len;

	fputc('"', f);
	while (n > 0) {
		if (*p < 0x80) {
			put_escaped_char(f, *p);
			len = 1;
		} else {
			len = utf8_seq_len(p, n);
			if (len) {
				fwrite(p, 1, len, f);
			} else {
				fputs("\\ufffd", f);
				len = 1;
			}
		}
		p += len;
		n -= len;
	}
	fputc('"', f);
}

static void indent(struct json *j)
{
	unsigned int i;

	fputc('\n', j->out);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Separator, indentation and member name before a value. */
static void value_begin(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->empty[j->depth])
			fputc(',', j->out);
		j->empty[j->depth] = false;
		indent(j);
	}
	if (key && j->depth > 0) {
		put_string(j->out, key, SIZE_MAX);
		fputs(": ", j->out);
	}
}

static void value_end(struct json *j)
{
	if (j->depth == 0)
		fputc('\n', j->out);
}

static void container_begin(struct json *j, const char *key, char open)
{
	value_begin(j, key);
	fputc(open, j->out);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		abort();	/* a bug in this program, not bad input */
	j->depth++;
	j->empty[j->depth] = true;
}

static void container_end(struct json *j, char close)
{
	bool was_empty = j->empty[j->depth];

	j->depth--;
	if (!was_empty)
		indent(j);
	fputc(close, j->out);
	value_end(j);
}

void json_object_begin(struct json *j, const char *key)
{
	container_begin(j, key, '{');
}

void json_object_end(struct json *j)
{
	container_end(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	container_begin(j, key, '[');
}

void json_array_end(struct json *j)
{
	container_end(j, ']');
}

void json_string_n(struct json *j, const char *key, const char *s,
		   size_t maxlen)
{
	value_begin(j, key);
	put_string(j->out, s, maxlen);
	value_end(j);
}

void json_string(struct json *j, const char *key, const char *s)
{
	json_string_n(j, key, s, SIZE_MAX);
}

void json_hex(struct json *j, const char *key, uint64_t v, int digits)
{
	value_begin(j, key);
	fprintf(j->out, "\"0x%0*" PRIx64 "\"", digits, v);
	value_end(j);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	value_begin(j, key);
	fprintf(j->out, "%" PRIu64, v);
	value_end(j);
}

void json_int(struct json *j, const char *key, int64_t v)
{
	value_begin(j, key);
	fprintf(j->out, "%" PRId64, v);
	value_end(j);
}

void json_bool(struct json *j, const char *key, bool v)
{
	value_begin(j, key);
	fputs(v ? "true" : "false", j->out);
	value_end(j);
}

void json_null(struct json *j, const char *key)
{
	value_begin(j, key);
	fputs("null", j->out);
	value_end(j);
}
