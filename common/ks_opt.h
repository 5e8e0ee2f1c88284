/* Table-driven command-line options, in the spirit of git's parse-options.
 *
 * A command declares its options as a table (KS_OPT_* entries ended by
 * KS_OPT_END), its usage lines and a description in a struct ks_opt_cmd;
 * ks_opt_parse() reads argv against it and ks_opt_help() writes --help
 * from the same table, so the two cannot drift apart.
 *
 * The rules every kstruct command follows through this parser:
 *  - --long, --long=VALUE and --long VALUE; a unique prefix of a long
 *    name is enough (--lin for --lineage), an exact name always wins.
 *  - -x, -xVALUE and -x VALUE; short flags bundle (-ph = -p -h).
 *  - Options and arguments mix in any order (log NAME --format json);
 *    "--" ends the options, a lone "-" is an argument.
 *  - -h and --help belong to every table implicitly and always mean help.
 *  - A short letter means one thing in every command: -h help,
 *    -p --patch, -j --jobs. A new letter is added only where typing it
 *    often helps, and is never given another meaning elsewhere.
 *  - An unknown option, an ambiguous prefix, a missing or malformed value
 *    and a value given to a flag are one error naming the option.
 */
#ifndef KS_OPT_H
#define KS_OPT_H

#include <stdarg.h>

#include "ks_buf.h"

enum ks_opt_kind {
	KS_OPT_KIND_END,
	KS_OPT_KIND_FLAG,	/* int: set to 1 */
	KS_OPT_KIND_COUNT,	/* int: incremented each time */
	KS_OPT_KIND_STRING,	/* const char *: the argument, as given */
	KS_OPT_KIND_UINT,	/* unsigned int: a decimal in [min, max] */
	KS_OPT_KIND_ENUM,	/* int: the value of the choice named */
	KS_OPT_KIND_CALLBACK,	/* cb(opt, arg) decides */
};

/* One name an enum option accepts, and what it stores. */
struct ks_opt_choice {
	const char *name;
	int value;
};

struct ks_opt {
	enum ks_opt_kind kind;
	char short_name;	/* 0: none */
	const char *long_name;	/* NULL: short only */
	const char *arg;	/* the value's name in help; NULL: takes no value */
	const char *help;	/* may span lines ('\n') */
	void *value;
	unsigned int min, max;	/* KS_OPT_KIND_UINT */
	const struct ks_opt_choice *choices;	/* KS_OPT_KIND_ENUM, ended by a NULL name */
	/* KS_OPT_KIND_CALLBACK: @arg is NULL for an option that takes none;
	 * returns 0, or KS_EINVAL after ks_err_set() saying what is wrong
	 * with the value (the parser adds which option it was). */
	int (*cb)(const struct ks_opt *opt, const char *arg);
};

#define KS_OPT_FLAG(s, l, v, h) \
	{ .kind = KS_OPT_KIND_FLAG, .short_name = (s), .long_name = (l), .help = (h), .value = (v) }
#define KS_OPT_COUNT(s, l, v, h) \
	{ .kind = KS_OPT_KIND_COUNT, .short_name = (s), .long_name = (l), .help = (h), .value = (v) }
#define KS_OPT_STRING(s, l, a, v, h) \
	{ .kind = KS_OPT_KIND_STRING, .short_name = (s), .long_name = (l), .arg = (a), \
	  .help = (h), .value = (v) }
#define KS_OPT_UINT(s, l, a, v, lo, hi, h) \
	{ .kind = KS_OPT_KIND_UINT, .short_name = (s), .long_name = (l), .arg = (a), \
	  .help = (h), .value = (v), .min = (lo), .max = (hi) }
#define KS_OPT_ENUM(s, l, a, v, c, h) \
	{ .kind = KS_OPT_KIND_ENUM, .short_name = (s), .long_name = (l), .arg = (a), \
	  .help = (h), .value = (v), .choices = (c) }
#define KS_OPT_CALLBACK(s, l, a, v, f, h) \
	{ .kind = KS_OPT_KIND_CALLBACK, .short_name = (s), .long_name = (l), .arg = (a), \
	  .help = (h), .value = (v), .cb = (f) }
#define KS_OPT_END { .kind = KS_OPT_KIND_END }

/* Stop at the first argument: the options before a subcommand's name. */
#define KS_OPT_STOP_AT_ARG 0x1

struct ks_opt_cmd {
	const char *prog;	/* "kstruct" */
	const char *name;	/* "log", or NULL for the program's own options */
	const char *const *usage;	/* lines after "usage: ", NULL-ended; '\n' continues one */
	const char *desc;	/* after the usage, before the options; may be NULL */
	const struct ks_opt *opts;	/* may be NULL: no options but --help */
	const char *footer;	/* after the options; may be NULL */
	unsigned int flags;	/* KS_OPT_STOP_AT_ARG */
};

/* ks_opt_parse() found --help or -h. */
#define KS_OPT_HELP 1

/* Parses argv[1..argc-1] (argv[0] names the command) against @cmd's
 * table, storing each option's value as it comes (the last one given
 * wins). The arguments that are not options move, in their order, to
 * argv[1..*nargs]. Returns 0; KS_OPT_HELP as soon as help is asked for;
 * or KS_EINVAL with a one-line message such as "log: unknown option
 * '--bogus' (see 'kstruct log --help')". */
int ks_opt_parse(const struct ks_opt_cmd *cmd, int argc, char **argv, int *nargs);

/* Records a usage error of @cmd worded as ks_opt_parse() words its own
 * and returns KS_EINVAL: for what the table cannot check (arguments). */
int ks_opt_err(const struct ks_opt_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ks_opt_verr(const struct ks_opt_cmd *cmd, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Appends @cmd's help to @out: the usage lines, the description, one
 * aligned line per option, then the footer. */
void ks_opt_help(const struct ks_opt_cmd *cmd, struct ks_buf *out);

#endif
