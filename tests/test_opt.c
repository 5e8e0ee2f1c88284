/* Unit tests for common/ks_opt.c (the table-driven option parser).
 *
 * Each test declares a table the way a command does, parses an argv
 * written out in the test and checks what was stored, which arguments
 * are left and in what order, or the exact one-line error. The help
 * tests compare the whole generated text with one written by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_opt.h"

enum { FMT_TEXT, FMT_JSON };

static const struct ks_opt_choice formats[] = {
	{ "text", FMT_TEXT },
	{ "json", FMT_JSON },
	{ NULL, 0 },
};

/* What the table below fills in; reset before each test. */
static struct {
	int patch, layout, all, verbose, fmt, cb_calls;
	const char *since, *lineage, *cb_arg;
	unsigned int jobs;
} v;

static int cb_mode(const struct ks_opt *opt, const char *arg)
{
	(void)opt;
	v.cb_calls++;
	v.cb_arg = arg;
	if (arg && !strcmp(arg, "bad"))
		return ks_err_set(KS_EINVAL, "'bad' is no mode");
	return 0;
}

static const char *const usage[] = {
	"kstruct log NAME [--since R] [-p]\n            [--format text|json]",
	"kstruct log --all",
	NULL,
};

static const struct ks_opt opts[] = {
	KS_OPT_STRING(0, "since", "R", &v.since, "only releases from R on"),
	KS_OPT_FLAG('p', "patch", &v.patch, "add a unified diff"),
	KS_OPT_FLAG(0, "layout", &v.layout, "also layout-only changes"),
	KS_OPT_STRING(0, "lineage", "ARCH/FLAVOR", &v.lineage, "lineage to read\n(default: the store's)"),
	KS_OPT_FLAG(0, "all", &v.all, "every type"),
	KS_OPT_FLAG(0, "allx", &v.all, "shares the prefix of --all"),
	KS_OPT_COUNT('v', "verbose", &v.verbose, "more words"),
	KS_OPT_UINT('j', "jobs", "N", &v.jobs, 1, 256, "worker threads"),
	KS_OPT_ENUM(0, "format", "text|json", &v.fmt, formats, "output for people or scripts"),
	KS_OPT_CALLBACK(0, "mode", "M", NULL, cb_mode, "a mode"),
	KS_OPT_CALLBACK(0, "ping", NULL, NULL, cb_mode, "no value"),
	KS_OPT_END,
};

static const struct ks_opt_cmd cmd = {
	.prog = "kstruct",
	.name = "log",
	.usage = usage,
	.desc = "How NAME changed.\nRelease by release.\n",
	.opts = opts,
	.footer = "Exit status 2 on usage errors.\n",
};

static int reset(void **state)
{
	(void)state;
	memset(&v, 0, sizeof(v));
	ks_err_clear();
	return 0;
}

/* Parses the NULL-ended words after "log"; the arguments left are in
 * argv[1..*nargs] of the array handed back through @out. */
#define MAXW 16
static char *words[MAXW + 1];

static int parse_c(const struct ks_opt_cmd *c, int *nargs, ...)
{
	va_list ap;
	char *w;
	int n = 0;

	words[n++] = "log";
	va_start(ap, nargs);
	while ((w = va_arg(ap, char *)) && n < MAXW)
		words[n++] = w;
	va_end(ap);
	words[n] = NULL;
	return ks_opt_parse(c, n, words, nargs);
}
#define parse(nargs, ...) parse_c(&cmd, nargs, __VA_ARGS__, (char *)NULL)

static void assert_error(int err, const char *msg)
{
	assert_int_equal(err, KS_EINVAL);
	assert_string_equal(ks_err_msg(), msg);
}

/* ---- long options ---- */

static void test_opt_long_forms(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "--since", "6.1"), 0);
	assert_string_equal(v.since, "6.1");
	assert_int_equal(parse(&n, "--since=6.2"), 0);
	assert_string_equal(v.since, "6.2");
	assert_int_equal(parse(&n, "--since="), 0);
	assert_string_equal(v.since, "");
	/* the value is taken as it is, even when it looks like an option */
	assert_int_equal(parse(&n, "--since", "--patch"), 0);
	assert_string_equal(v.since, "--patch");
	assert_int_equal(v.patch, 0);
	assert_int_equal(n, 0);
	/* the last one given wins */
	assert_int_equal(parse(&n, "--since=a", "--since", "b"), 0);
	assert_string_equal(v.since, "b");
}

static void test_opt_long_prefix(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "--lin", "x86_64/rt", "--pa", "--form=json"), 0);
	assert_string_equal(v.lineage, "x86_64/rt");
	assert_int_equal(v.patch, 1);
	assert_int_equal(v.fmt, FMT_JSON);
	/* "all" prefixes "allx" too, but an exact name wins */
	assert_int_equal(parse(&n, "--all"), 0);
	assert_int_equal(v.all, 1);
}

static void test_opt_ambiguous_prefix(void **state)
{
	int n;

	(void)state;
	assert_error(parse(&n, "--l"), "log: option '--l' is ambiguous (--layout, --lineage) "
		     "(see 'kstruct log --help')");
	assert_null(v.lineage);
	assert_int_equal(v.layout, 0);
	assert_error(parse(&n, "--al=1"), "log: option '--al' is ambiguous (--all, --allx) "
		     "(see 'kstruct log --help')");
}

static void test_opt_unknown(void **state)
{
	int n;

	(void)state;
	assert_error(parse(&n, "NAME", "--bogus"),
		     "log: unknown option '--bogus' (see 'kstruct log --help')");
	assert_error(parse(&n, "--bogus=3"),
		     "log: unknown option '--bogus' (see 'kstruct log --help')");
	assert_error(parse(&n, "-x"), "log: unknown option '-x' (see 'kstruct log --help')");
	/* a letter that is unknown inside a bundle is named alone */
	assert_error(parse(&n, "-pq"), "log: unknown option '-q' (see 'kstruct log --help')");
	assert_error(parse(&n, "--=x"), "log: unknown option '--' (see 'kstruct log --help')");
	assert_error(parse(&n, "-p\xc3\xa9"),
		     "log: unknown option '-p\xc3\xa9' (see 'kstruct log --help')");
	/* a longer word is no prefix of a shorter name */
	assert_error(parse(&n, "--patches"),
		     "log: unknown option '--patches' (see 'kstruct log --help')");
}

static void test_opt_missing_value(void **state)
{
	int n;

	(void)state;
	assert_error(parse(&n, "NAME", "--since"),
		     "log: option '--since' needs a value (R) (see 'kstruct log --help')");
	assert_error(parse(&n, "--jo"),
		     "log: option '--jobs' needs a value (N) (see 'kstruct log --help')");
	assert_error(parse(&n, "-j"),
		     "log: option '-j' needs a value (N) (see 'kstruct log --help')");
	assert_error(parse(&n, "-pj"),
		     "log: option '-j' needs a value (N) (see 'kstruct log --help')");
}

static void test_opt_flag_takes_no_value(void **state)
{
	int n;

	(void)state;
	assert_error(parse(&n, "--all=1"),
		     "log: option '--all' takes no value (see 'kstruct log --help')");
	assert_int_equal(v.all, 0);
	assert_error(parse(&n, "--pat=yes"),
		     "log: option '--patch' takes no value (see 'kstruct log --help')");
	assert_error(parse(&n, "--help=1"),
		     "log: option '--help' takes no value (see 'kstruct log --help')");
}

/* ---- short options ---- */

static void test_opt_short_forms(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "-j4"), 0);
	assert_int_equal(v.jobs, 4);
	assert_int_equal(parse(&n, "-j", "8"), 0);
	assert_int_equal(v.jobs, 8);
	assert_int_equal(parse(&n, "-p"), 0);
	assert_int_equal(v.patch, 1);
	assert_int_equal(n, 0);
}

static void test_opt_short_bundles(void **state)
{
	int n;

	(void)state;
	/* flags bundle; the first letter with a value takes the rest */
	assert_int_equal(parse(&n, "-vpvj16"), 0);
	assert_int_equal(v.verbose, 2);
	assert_int_equal(v.patch, 1);
	assert_int_equal(v.jobs, 16);
	assert_int_equal(parse(&n, "-vj", "3", "NAME"), 0);
	assert_int_equal(v.verbose, 3);
	assert_int_equal(v.jobs, 3);
	assert_int_equal(n, 1);
	assert_string_equal(words[1], "NAME");
}

static void test_opt_counter(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "-v", "--verbose", "-vv", "--verb"), 0);
	assert_int_equal(v.verbose, 5);
}

/* ---- values ---- */

static void test_opt_uint(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "--jobs", "1"), 0);
	assert_int_equal(v.jobs, 1);
	assert_int_equal(parse(&n, "--jobs=256"), 0);
	assert_int_equal(v.jobs, 256);
	assert_error(parse(&n, "--jobs", "x"), "log: option '--jobs' takes a number from 1 to "
		     "256, not 'x' (see 'kstruct log --help')");
	assert_error(parse(&n, "-j0"), "log: option '-j' takes a number from 1 to 256, not '0' "
		     "(see 'kstruct log --help')");
	assert_int_equal(v.jobs, 256);
	assert_error(parse(&n, "--jobs=257"), "log: option '--jobs' takes a number from 1 to "
		     "256, not '257' (see 'kstruct log --help')");
	assert_int_equal(parse(&n, "--jobs=-1"), KS_EINVAL);
	assert_int_equal(parse(&n, "--jobs=+4"), KS_EINVAL);
	assert_int_equal(parse(&n, "--jobs= 4"), KS_EINVAL);
	assert_int_equal(parse(&n, "--jobs=4x"), KS_EINVAL);
	assert_int_equal(parse(&n, "--jobs="), KS_EINVAL);
	assert_int_equal(parse(&n, "--jobs=99999999999999999999"), KS_EINVAL);
	assert_int_equal(v.jobs, 256);
}

static void test_opt_uint_unbounded(void **state)
{
	unsigned int u = 7;
	const struct ks_opt o[] = {
		KS_OPT_UINT(0, "depth", "N", &u, 0, 0, "any number"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd c = { .prog = "kstruct", .name = "log", .opts = o };
	int n;

	(void)state;
	assert_int_equal(parse_c(&c, &n, "--depth=4294967295", (char *)NULL), 0);
	assert_true(u == 4294967295u);
	assert_int_equal(parse_c(&c, &n, "--depth=0", (char *)NULL), 0);
	assert_int_equal(u, 0);
	assert_int_equal(parse_c(&c, &n, "--depth=4294967296", (char *)NULL), KS_EINVAL);
	assert_string_equal(ks_err_msg(), "log: option '--depth' takes a number, not "
			    "'4294967296' (see 'kstruct log --help')");
}

static void test_opt_enum(void **state)
{
	int n;

	(void)state;
	v.fmt = -1;
	assert_int_equal(parse(&n, "--format", "text"), 0);
	assert_int_equal(v.fmt, FMT_TEXT);
	assert_int_equal(parse(&n, "--format=json"), 0);
	assert_int_equal(v.fmt, FMT_JSON);
	assert_error(parse(&n, "--format", "yaml"), "log: option '--format' takes text or json, "
		     "not 'yaml' (see 'kstruct log --help')");
	/* a choice is named in full */
	assert_int_equal(parse(&n, "--format=js"), KS_EINVAL);
	assert_int_equal(v.fmt, FMT_JSON);
}

static void test_opt_enum_three_choices(void **state)
{
	static const struct ks_opt_choice kinds[] = {
		{ "markdown", 0 }, { "md", 0 }, { "html", 1 }, { NULL, 0 },
	};
	int html = 5;
	const struct ks_opt o[] = {
		KS_OPT_ENUM(0, "format", "markdown|html", &html, kinds, "page format"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd c = { .prog = "kstruct", .name = "report", .opts = o };
	int n;

	(void)state;
	assert_int_equal(parse_c(&c, &n, "--format", "md", (char *)NULL), 0);
	assert_int_equal(html, 0);
	assert_int_equal(parse_c(&c, &n, "--format", "html", (char *)NULL), 0);
	assert_int_equal(html, 1);
	assert_int_equal(parse_c(&c, &n, "--format", "pdf", (char *)NULL), KS_EINVAL);
	assert_string_equal(ks_err_msg(), "report: option '--format' takes markdown, md or "
			    "html, not 'pdf' (see 'kstruct report --help')");
}

static void test_opt_callback(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "--mode", "fast", "--ping"), 0);
	assert_int_equal(v.cb_calls, 2);
	/* a callback without value is called with NULL */
	assert_null(v.cb_arg);
	assert_int_equal(parse(&n, "--mode=slow"), 0);
	assert_string_equal(v.cb_arg, "slow");
	assert_error(parse(&n, "--mode", "bad"), "log: option '--mode': 'bad' is no mode "
		     "(see 'kstruct log --help')");
	assert_error(parse(&n, "--ping=1"),
		     "log: option '--ping' takes no value (see 'kstruct log --help')");
}

/* ---- arguments ---- */

static void test_opt_interleaved(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "NAME", "--format", "json", "OTHER", "-p", "-", "LAST"), 0);
	assert_int_equal(v.fmt, FMT_JSON);
	assert_int_equal(v.patch, 1);
	assert_int_equal(n, 4);
	assert_string_equal(words[0], "log");
	assert_string_equal(words[1], "NAME");
	assert_string_equal(words[2], "OTHER");
	/* a lone "-" is an argument (stdin, by convention) */
	assert_string_equal(words[3], "-");
	assert_string_equal(words[4], "LAST");
}

static void test_opt_double_dash(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "-p", "--", "--all", "-j", "--", "x"), 0);
	assert_int_equal(v.patch, 1);
	assert_int_equal(v.all, 0);
	assert_int_equal(v.jobs, 0);
	assert_int_equal(n, 4);
	assert_string_equal(words[1], "--all");
	assert_string_equal(words[2], "-j");
	assert_string_equal(words[3], "--");
	assert_string_equal(words[4], "x");
}

static void test_opt_stop_at_arg(void **state)
{
	const char *store = NULL;
	int version = 0;
	const struct ks_opt o[] = {
		KS_OPT_STRING(0, "store", "DIR", &store, "the store"),
		KS_OPT_FLAG(0, "version", &version, "print the version"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd c = {
		.prog = "kstruct", .opts = o, .flags = KS_OPT_STOP_AT_ARG,
	};
	int n;

	(void)state;
	/* the command's own options are left for the command */
	assert_int_equal(parse_c(&c, &n, "--store", "S", "show", "--bogus", "--version",
				 (char *)NULL), 0);
	assert_string_equal(store, "S");
	assert_int_equal(version, 0);
	assert_int_equal(n, 3);
	assert_string_equal(words[1], "show");
	assert_string_equal(words[2], "--bogus");
	assert_string_equal(words[3], "--version");
	/* without a name, errors name no command */
	assert_int_equal(parse_c(&c, &n, "--bogus", "show", (char *)NULL), KS_EINVAL);
	assert_string_equal(ks_err_msg(), "unknown option '--bogus' (see 'kstruct --help')");
}

/* ---- help ---- */

static void test_opt_help_asked(void **state)
{
	int n;

	(void)state;
	assert_int_equal(parse(&n, "--help"), KS_OPT_HELP);
	assert_int_equal(parse(&n, "NAME", "-h"), KS_OPT_HELP);
	assert_int_equal(parse(&n, "--he"), KS_OPT_HELP);
	/* help stops the parse: what follows is not looked at */
	assert_int_equal(parse(&n, "-ph", "--bogus"), KS_OPT_HELP);
	assert_int_equal(v.patch, 1);
	/* but what came before is */
	assert_int_equal(parse(&n, "--bogus", "--help"), KS_EINVAL);
}

static void test_opt_help_text(void **state)
{
	struct ks_buf b = KS_BUF_INIT;
	const char *lines[] = {
		"  --since R               only releases from R on\n",
		"  -p, --patch             add a unified diff\n",
		"  --layout                also layout-only changes\n",
		("  --lineage ARCH/FLAVOR   lineage to read\n"
		 "                          (default: the store's)\n"),
		"  --all                   every type\n",
		"  -v, --verbose           more words\n",
		"  -j, --jobs N            worker threads\n",
		"  --format text|json      output for people or scripts\n",
		"  --mode M                a mode\n",
		"  --ping                  no value\n",
	};
	size_t i;

	(void)state;
	ks_opt_help(&cmd, &b);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (!strstr(b.p, lines[i]))
			fail_msg("help lacks the line '%s' in:\n%s", lines[i], b.p);
	assert_string_equal(b.p,
		"usage: kstruct log NAME [--since R] [-p]\n"
		"                   [--format text|json]\n"
		"       kstruct log --all\n"
		"\n"
		"How NAME changed.\n"
		"Release by release.\n"
		"\n"
		"  --since R               only releases from R on\n"
		"  -p, --patch             add a unified diff\n"
		"  --layout                also layout-only changes\n"
		"  --lineage ARCH/FLAVOR   lineage to read\n"
		"                          (default: the store's)\n"
		"  --all                   every type\n"
		"  --allx                  shares the prefix of --all\n"
		"  -v, --verbose           more words\n"
		"  -j, --jobs N            worker threads\n"
		"  --format text|json      output for people or scripts\n"
		"  --mode M                a mode\n"
		"  --ping                  no value\n"
		"\n"
		"Exit status 2 on usage errors.\n");
	ks_buf_free(&b);
}

static void test_opt_help_without_options(void **state)
{
	static const char *const u[] = { "kstruct init [DIR]", NULL };
	const struct ks_opt_cmd c = {
		.prog = "kstruct", .name = "init", .usage = u, .desc = "Creates a store.",
	};
	struct ks_buf b = KS_BUF_INIT;
	int n;

	(void)state;
	ks_opt_help(&c, &b);
	assert_string_equal(b.p, "usage: kstruct init [DIR]\n\nCreates a store.\n");
	ks_buf_free(&b);
	/* a command without options still refuses them, and knows --help */
	assert_int_equal(parse_c(&c, &n, "DIR", "--bogus", (char *)NULL), KS_EINVAL);
	assert_string_equal(ks_err_msg(), "init: unknown option '--bogus' (see 'kstruct init --help')");
	assert_int_equal(parse_c(&c, &n, "--help", (char *)NULL), KS_OPT_HELP);
	assert_int_equal(parse_c(&c, &n, "-h", (char *)NULL), KS_OPT_HELP);
}

static void test_opt_err_wording(void **state)
{
	const struct ks_opt_cmd top = { .prog = "kstruct" };

	(void)state;
	assert_int_equal(ks_opt_err(&cmd, "log takes one %s", "NAME"), KS_EINVAL);
	assert_string_equal(ks_err_msg(), "log: log takes one NAME (see 'kstruct log --help')");
	assert_int_equal(ks_opt_err(&top, "'%s' is not a kstruct command", "frob"), KS_EINVAL);
	assert_string_equal(ks_err_msg(), "'frob' is not a kstruct command (see 'kstruct --help')");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_opt_long_forms, reset),
		cmocka_unit_test_setup(test_opt_long_prefix, reset),
		cmocka_unit_test_setup(test_opt_ambiguous_prefix, reset),
		cmocka_unit_test_setup(test_opt_unknown, reset),
		cmocka_unit_test_setup(test_opt_missing_value, reset),
		cmocka_unit_test_setup(test_opt_flag_takes_no_value, reset),
		cmocka_unit_test_setup(test_opt_short_forms, reset),
		cmocka_unit_test_setup(test_opt_short_bundles, reset),
		cmocka_unit_test_setup(test_opt_counter, reset),
		cmocka_unit_test_setup(test_opt_uint, reset),
		cmocka_unit_test_setup(test_opt_uint_unbounded, reset),
		cmocka_unit_test_setup(test_opt_enum, reset),
		cmocka_unit_test_setup(test_opt_enum_three_choices, reset),
		cmocka_unit_test_setup(test_opt_callback, reset),
		cmocka_unit_test_setup(test_opt_interleaved, reset),
		cmocka_unit_test_setup(test_opt_double_dash, reset),
		cmocka_unit_test_setup(test_opt_stop_at_arg, reset),
		cmocka_unit_test_setup(test_opt_help_asked, reset),
		cmocka_unit_test_setup(test_opt_help_text, reset),
		cmocka_unit_test_setup(test_opt_help_without_options, reset),
		cmocka_unit_test_setup(test_opt_err_wording, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
