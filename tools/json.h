/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: pretty-printed, two-space indent, strings
 * escaped per RFC 8259 (invalid UTF-8 becomes U+FFFD).
 *
 * Every value call takes a @key: the member name inside an object, NULL
 * inside an array or at the top level.
 */
#ifndef PLU_TOOLS_JSON_H
#define PLU_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *out;
	unsigned int depth;
	bool empty[JSON_MAX_DEPTH];	/* nothing written yet at this level */
};

void json_init(struct json *j, FILE *out);

void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

void json_string(struct json *j, const char *key, const char *s);
/* A string of at most @maxlen bytes (stops at the first NUL). */
void json_string_n(struct json *j, const char *key, const char *s,
		   size_t maxlen);
/* A hex string "0x..." with at least @digits digits. */
void json_hex(struct json *j, const char *key, uint64_t v, int digits);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_int(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

#endif /* PLU_TOOLS_JSON_H */
