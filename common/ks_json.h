/* A streaming JSON writer for `--format json`: one document per writer,
 * objects, arrays, strings, numbers, booleans and null.
 *
 * Misuse is a bug in kstruct, and writing on after it would hand scripts
 * a document that looks whole but is not. So the first misuse (ending a
 * container that is not the open one, ending more than was begun, a key
 * where none belongs or none where one does, a second top-level value,
 * nesting deeper than KS_JSON_MAX_DEPTH) makes the writer stop writing and
 * remember why; ks_json_finish() then returns the error with that message,
 * as it does for a document left with open containers.
 */
#ifndef KS_JSON_H
#define KS_JSON_H

#include <stddef.h>
#include <stdio.h>

#define KS_JSON_MAX_DEPTH 32

struct ks_json {
	FILE *f;
	int pretty;		/* newlines and indentation (default on) */
	int depth;		/* open containers */
	int done;		/* the top-level value is complete */
	int err;		/* 0 or the first error's KS_E* code */
	char msg[128];		/* its message */
	char open[KS_JSON_MAX_DEPTH + 1];	/* per depth: '}' or ']' to close */
	unsigned char first[KS_JSON_MAX_DEPTH + 1];	/* nothing in it yet */
};

void ks_json_init(struct ks_json *j, FILE *f);
/* @key names the value inside an object and is NULL elsewhere. */
void ks_json_begin_object(struct ks_json *j, const char *key);
void ks_json_end_object(struct ks_json *j);
void ks_json_begin_array(struct ks_json *j, const char *key);
void ks_json_end_array(struct ks_json *j);
/* A NULL @val is written as null. */
void ks_json_put_str(struct ks_json *j, const char *key, const char *val);
void ks_json_put_strn(struct ks_json *j, const char *key, const char *val, size_t n);
void ks_json_put_uint(struct ks_json *j, const char *key, unsigned long long v);
void ks_json_put_bool(struct ks_json *j, const char *key, int v);
void ks_json_put_null(struct ks_json *j, const char *key);
/* Ends the document with a newline: 0, or KS_EINVAL (misuse, or open
 * containers left) or KS_EIO (the stream failed) with ks_err_set(). */
int ks_json_finish(struct ks_json *j);

#endif
