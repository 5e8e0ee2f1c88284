/* The option parser: argv against one command's table (ks_opt.h). */
#include "ks_opt.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"

/* Every table has it without declaring it, so that no command can give
 * -h or --help another meaning. */
static const struct ks_opt help_opt = KS_OPT_FLAG('h', "help", NULL, "show this help");

int ks_opt_verr(const struct ks_opt_cmd *cmd, const char *fmt, va_list ap)
{
	char msg[768];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return ks_err_set(KS_EINVAL, "%s%s%s (see '%s%s%s --help')", cmd->name ? cmd->name : "",
			  cmd->name ? ": " : "", msg, cmd->prog, cmd->name ? " " : "",
			  cmd->name ? cmd->name : "");
}

int ks_opt_err(const struct ks_opt_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ks_opt_verr(cmd, fmt, ap);
	va_end(ap);
	return err;
}

static int takes_value(const struct ks_opt *o)
{
	return o->arg != NULL;
}

/* "from 1 to 256", "of at least 1", or nothing: the range in words. */
static void range_words(const struct ks_opt *o, char *out, size_t n)
{
	unsigned int max = o->max ? o->max : UINT_MAX;

	if (max != UINT_MAX)
		snprintf(out, n, " from %u to %u", o->min, max);
	else if (o->min)
		snprintf(out, n, " of at least %u", o->min);
	else
		out[0] = '\0';
}

static int set_uint(const struct ks_opt_cmd *cmd, const struct ks_opt *o, const char *shown,
		    const char *arg)
{
	unsigned int max = o->max ? o->max : UINT_MAX;
	unsigned long v;
	char *end, range[64];

	errno = 0;
	/* strtoul would take " 4", "+4" and "-4" (as a huge number) */
	v = arg[0] >= '0' && arg[0] <= '9' ? strtoul(arg, &end, 10) : 0;
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || v > UINT_MAX || v < o->min ||
	    v > max) {
		range_words(o, range, sizeof(range));
		return ks_opt_err(cmd, "option '%s' takes a number%s, not '%s'", shown, range, arg);
	}
	*(unsigned int *)o->value = (unsigned int)v;
	return 0;
}

static int set_enum(const struct ks_opt_cmd *cmd, const struct ks_opt *o, const char *shown,
		    const char *arg)
{
	const struct ks_opt_choice *c;
	struct ks_buf names = KS_BUF_INIT;
	int err;

	for (c = o->choices; c->name; c++) {
		if (!strcmp(c->name, arg)) {
			*(int *)o->value = c->value;
			return 0;
		}
	}
	for (c = o->choices; c->name; c++)
		ks_buf_printf(&names, "%s%s", c == o->choices ? "" : c[1].name ? ", " : " or ",
			      c->name);
	err = ks_opt_err(cmd, "option '%s' takes %s, not '%s'", shown, names.p ? names.p : "",
			 arg);
	ks_buf_free(&names);
	return err;
}

static int run_callback(const struct ks_opt_cmd *cmd, const struct ks_opt *o, const char *shown,
			const char *arg)
{
	char why[512];
	int err;

	ks_err_clear();
	err = o->cb(o, arg);
	if (!err)
		return 0;
	/* the callback said what is wrong; we say where */
	snprintf(why, sizeof(why), "%s", ks_err_msg());
	return ks_opt_err(cmd, "option '%s': %s", shown, why);
}

/* Stores @arg (NULL for an option without value) as @o says. */
static int apply(const struct ks_opt_cmd *cmd, const struct ks_opt *o, const char *shown,
		 const char *arg)
{
	switch (o->kind) {
	case KS_OPT_KIND_FLAG:
		*(int *)o->value = 1;
		return 0;
	case KS_OPT_KIND_COUNT:
		(*(int *)o->value)++;
		return 0;
	case KS_OPT_KIND_STRING:
		*(const char **)o->value = arg;
		return 0;
	case KS_OPT_KIND_UINT:
		return set_uint(cmd, o, shown, arg);
	case KS_OPT_KIND_ENUM:
		return set_enum(cmd, o, shown, arg);
	case KS_OPT_KIND_CALLBACK:
		return run_callback(cmd, o, shown, arg);
	case KS_OPT_KIND_END:
		break;
	}
	return ks_opt_err(cmd, "option '%s' is not set up right", shown);
}

/* The table's options, then the implicit help: NULL after the last. */
static const struct ks_opt *nth_opt(const struct ks_opt_cmd *cmd, size_t i)
{
	size_t n = 0;

	while (cmd->opts && cmd->opts[n].kind != KS_OPT_KIND_END)
		n++;
	if (i < n)
		return &cmd->opts[i];
	return i == n ? &help_opt : NULL;
}

/* The option @name (not NUL-ended, @len bytes) names: exact, else the only one it prefixes. */
static int find_long(const struct ks_opt_cmd *cmd, const char *name, size_t len,
		     const struct ks_opt **out)
{
	const struct ks_opt *o, *hit = NULL;
	struct ks_buf all = KS_BUF_INIT;
	size_t i;
	int hits = 0, err;

	for (i = 0; (o = nth_opt(cmd, i)); i++) {
		if (!o->long_name || strncmp(o->long_name, name, len))
			continue;
		if (!o->long_name[len]) {
			*out = o;
			return 0;
		}
		hit = o;
		hits++;
	}
	if (hits == 1 && len) {
		*out = hit;
		return 0;
	}
	if (!hits || !len)
		return ks_opt_err(cmd, "unknown option '--%.*s'", (int)len, name);
	for (i = 0; (o = nth_opt(cmd, i)); i++)
		if (o->long_name && !strncmp(o->long_name, name, len))
			ks_buf_printf(&all, "%s--%s", all.len ? ", " : "", o->long_name);
	err = ks_opt_err(cmd, "option '--%.*s' is ambiguous (%s)", (int)len, name, all.p);
	ks_buf_free(&all);
	return err;
}

static int parse_long(const struct ks_opt_cmd *cmd, const char *body, int argc, char **argv,
		      int *i)
{
	const char *eq = strchr(body, '='), *val;
	size_t len = eq ? (size_t)(eq - body) : strlen(body);
	/* set on success only; gcc -O2 cannot see that errors are nonzero */
	const struct ks_opt *o = NULL;
	char shown[128];
	int err;

	if ((err = find_long(cmd, body, len, &o)))
		return err;
	snprintf(shown, sizeof(shown), "--%s", o->long_name);
	if (!takes_value(o)) {
		if (eq)
			return ks_opt_err(cmd, "option '%s' takes no value", shown);
		return o == &help_opt ? KS_OPT_HELP : apply(cmd, o, shown, NULL);
	}
	if (eq)
		val = eq + 1;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else
		return ks_opt_err(cmd, "option '%s' needs a value (%s)", shown, o->arg);
	return apply(cmd, o, shown, val);
}

static const struct ks_opt *find_short(const struct ks_opt_cmd *cmd, char c)
{
	const struct ks_opt *o;
	size_t i;

	for (i = 0; (o = nth_opt(cmd, i)); i++)
		if (o->short_name && o->short_name == c)
			return o;
	return NULL;
}

/* @p is after the '-': one or more letters, the last one perhaps with its value. */
static int parse_short(const struct ks_opt_cmd *cmd, const char *p, int argc, char **argv,
		       int *i)
{
	const struct ks_opt *o;
	char shown[3] = "-";
	int err;

	for (; *p; p++) {
		shown[1] = *p;
		/* half a UTF-8 character would be no name at all: quote the word */
		if ((unsigned char)*p >= 0x80)
			return ks_opt_err(cmd, "unknown option '%s'", argv[*i]);
		if (!(o = find_short(cmd, *p)))
			return ks_opt_err(cmd, "unknown option '%s'", shown);
		if (o == &help_opt)
			return KS_OPT_HELP;
		if (!takes_value(o)) {
			if ((err = apply(cmd, o, shown, NULL)))
				return err;
			continue;
		}
		if (p[1])
			return apply(cmd, o, shown, p + 1);
		if (*i + 1 < argc)
			return apply(cmd, o, shown, argv[++*i]);
		return ks_opt_err(cmd, "option '%s' needs a value (%s)", shown, o->arg);
	}
	return 0;
}

int ks_opt_parse(const struct ks_opt_cmd *cmd, int argc, char **argv, int *nargs)
{
	int i, n = 0, only_args = 0, err;

	/* argv[1 + n] is never ahead of argv[i]: the arguments move down in
	 * place, after every value that follows them has been read */
	*nargs = 0;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (only_args || a[0] != '-' || !a[1]) {
			argv[1 + n++] = a;
			if (cmd->flags & KS_OPT_STOP_AT_ARG)
				only_args = 1;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		err = a[1] == '-' ? parse_long(cmd, a + 2, argc, argv, &i)
				  : parse_short(cmd, a + 1, argc, argv, &i);
		if (err)
			return err;
	}
	*nargs = n;
	return 0;
}

/* "-x, --long ARG" as the help shows it. */
static void opt_label(const struct ks_opt *o, struct ks_buf *out)
{
	if (o->short_name)
		ks_buf_printf(out, "-%c", o->short_name);
	if (o->short_name && o->long_name)
		ks_buf_puts(out, ", ");
	if (o->long_name)
		ks_buf_printf(out, "--%s", o->long_name);
	if (o->arg)
		ks_buf_printf(out, " %s", o->arg);
}

/* Each line of @text (but the first) starts with @indent spaces. */
static void put_indented(struct ks_buf *out, const char *text, size_t indent)
{
	const char *nl;

	while ((nl = strchr(text, '\n')) && nl[1]) {
		ks_buf_add(out, text, (size_t)(nl - text) + 1);
		ks_buf_printf(out, "%*s", (int)indent, "");
		text = nl + 1;
	}
	ks_buf_puts(out, text);
	if (!text[0] || text[strlen(text) - 1] != '\n')
		ks_buf_putc(out, '\n');
}

void ks_opt_help(const struct ks_opt_cmd *cmd, struct ks_buf *out)
{
	struct ks_buf label = KS_BUF_INIT;
	const struct ks_opt *o;
	size_t i, w = 0, col;

	for (i = 0; cmd->usage && cmd->usage[i]; i++) {
		ks_buf_puts(out, i ? "       " : "usage: ");
		put_indented(out, cmd->usage[i], 7);
	}
	if (cmd->desc) {
		ks_buf_putc(out, '\n');
		put_indented(out, cmd->desc, 0);
	}
	for (i = 0; cmd->opts && cmd->opts[i].kind != KS_OPT_KIND_END; i++) {
		ks_buf_truncate(&label, 0);
		opt_label(&cmd->opts[i], &label);
		if (label.len > w)
			w = label.len;
	}
	col = 2 + w + 3;
	if (i)
		ks_buf_putc(out, '\n');
	for (i = 0; cmd->opts && (o = &cmd->opts[i])->kind != KS_OPT_KIND_END; i++) {
		ks_buf_truncate(&label, 0);
		opt_label(o, &label);
		if (!o->help) {
			ks_buf_printf(out, "  %s\n", label.p);
			continue;
		}
		ks_buf_printf(out, "  %-*s", (int)(col - 2), label.p);
		put_indented(out, o->help, col);
	}
	if (cmd->footer) {
		ks_buf_putc(out, '\n');
		put_indented(out, cmd->footer, 0);
	}
	ks_buf_free(&label);
}
