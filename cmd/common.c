#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_err.h"

/* An error is one line whatever it quotes (a file name, a release given
 * on the command line): control bytes are written \xNN. */
static void put_line(const char *fmt, va_list ap)
{
	char *msg = NULL;
	const unsigned char *p;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	fputs("kstruct: ", stderr);
	for (p = (const unsigned char *)msg; *p; p++) {
		if (*p < ' ' || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	free(msg);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_line(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_line(fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'kstruct %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int bad_option(const char *cmd, char **argv)
{
	const char *opt = argv[optind - 1];

	if (strncmp(opt, "--", 2) && optopt > ' ' && optopt < 127)
		return usage_err(cmd, "option '-%c' is unknown or needs a value", optopt);
	return usage_err(cmd, "option '%.*s' is unknown or needs a value",
			 (int)strcspn(opt, "="), opt);
}

int fail(int err)
{
	p_err("%s", ks_err_msg());
	return err == KS_EINVAL ? EXIT_USAGE : EXIT_USER;
}

int parse_format(const char *cmd, const char *arg, enum out_format *fmt)
{
	if (!strcmp(arg, "text"))
		*fmt = FMT_TEXT;
	else if (!strcmp(arg, "json"))
		*fmt = FMT_JSON;
	else
		return usage_err(cmd, "unknown format '%s' (text or json)", arg);
	return 0;
}

int open_store(struct ks_store **out)
{
	char *path = ks_store_locate(g_opts.store);
	int err = ks_store_open(out, path);

	free(path);
	return err ? fail(err) : 0;
}
