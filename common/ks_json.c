#include "ks_json.h"

#include <stdarg.h>
#include <string.h>

#include "ks_err.h"
#include "ks_escape.h"

void ks_json_init(struct ks_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = 1;
	j->pretty = 1;
}

/* Records the first misuse; from then on nothing more is written. */
__attribute__((format(printf, 2, 3)))
static void refuse(struct ks_json *j, const char *fmt, ...)
{
	va_list ap;

	if (j->err)
		return;
	j->err = KS_EINVAL;
	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof(j->msg), fmt, ap);
	va_end(ap);
}

static void newline(struct ks_json *j)
{
	int i;

	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Starts a value: the separator and the key. 0 when it may be written. */
static int start(struct ks_json *j, const char *key, const char *what)
{
	if (j->err)
		return -1;
	if (j->depth == 0) {
		if (j->done)
			refuse(j, "JSON writer: a second top-level value (%s)", what);
		else if (key)
			refuse(j, "JSON writer: key \"%.40s\" outside an object", key);
		return j->err ? -1 : 0;
	}
	if (j->open[j->depth] == '}' && !key)
		refuse(j, "JSON writer: %s without a key inside an object", what);
	else if (j->open[j->depth] == ']' && key)
		refuse(j, "JSON writer: key \"%.40s\" inside an array", key);
	if (j->err)
		return -1;
	if (!j->first[j->depth])
		fputc(',', j->f);
	newline(j);
	j->first[j->depth] = 0;
	if (key) {
		ks_escape_write(j->f, KS_ESC_JSON, key, strlen(key));
		fputs(j->pretty ? ": " : ":", j->f);
	}
	return 0;
}

/* A scalar, or the end of a container, completes the top-level value
 * when nothing is open any more. */
static void value_done(struct ks_json *j)
{
	if (j->depth == 0)
		j->done = 1;
}

static void begin(struct ks_json *j, const char *key, char open, char close)
{
	if (j->depth == KS_JSON_MAX_DEPTH && !j->err) {
		refuse(j, "JSON writer: nesting deeper than %d", KS_JSON_MAX_DEPTH);
		return;
	}
	if (start(j, key, close == '}' ? "an object" : "an array"))
		return;
	fputc(open, j->f);
	j->depth++;
	j->open[j->depth] = close;
	j->first[j->depth] = 1;
}

static void end(struct ks_json *j, char close)
{
	const char *what = close == '}' ? "an object" : "an array";

	if (j->err)
		return;
	if (j->depth == 0) {
		refuse(j, "JSON writer: end of %s that was not begun", what);
		return;
	}
	if (j->open[j->depth] != close) {
		refuse(j, "JSON writer: end of %s while %s is open", what,
		       close == '}' ? "an array" : "an object");
		return;
	}
	j->depth--;
	if (!j->first[j->depth + 1])
		newline(j);
	fputc(close, j->f);
	value_done(j);
}

void ks_json_begin_object(struct ks_json *j, const char *key) { begin(j, key, '{', '}'); }
void ks_json_end_object(struct ks_json *j) { end(j, '}'); }
void ks_json_begin_array(struct ks_json *j, const char *key) { begin(j, key, '[', ']'); }
void ks_json_end_array(struct ks_json *j) { end(j, ']'); }

void ks_json_put_strn(struct ks_json *j, const char *key, const char *val, size_t n)
{
	if (start(j, key, "a string"))
		return;
	if (val)
		ks_escape_write(j->f, KS_ESC_JSON, val, n);
	else
		fputs("null", j->f);
	value_done(j);
}

void ks_json_put_str(struct ks_json *j, const char *key, const char *val)
{
	ks_json_put_strn(j, key, val, val ? strlen(val) : 0);
}

void ks_json_put_uint(struct ks_json *j, const char *key, unsigned long long v)
{
	if (start(j, key, "a number"))
		return;
	fprintf(j->f, "%llu", v);
	value_done(j);
}

void ks_json_put_bool(struct ks_json *j, const char *key, int v)
{
	if (start(j, key, "a boolean"))
		return;
	fputs(v ? "true" : "false", j->f);
	value_done(j);
}

void ks_json_put_null(struct ks_json *j, const char *key)
{
	if (start(j, key, "null"))
		return;
	fputs("null", j->f);
	value_done(j);
}

int ks_json_finish(struct ks_json *j)
{
	if (!j->err && j->depth)
		refuse(j, "JSON writer: finished with %d container%s open", j->depth,
		       j->depth == 1 ? "" : "s");
	if (!j->err && !j->done)
		refuse(j, "JSON writer: finished with nothing written");
	if (j->err)
		return ks_err_set(j->err, "%s", j->msg);
	fputc('\n', j->f);
	if (ferror(j->f))
		return ks_err_set(KS_EIO, "cannot write the JSON output");
	return 0;
}
