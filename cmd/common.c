#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
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

int usage_err(const struct ks_opt_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_opt_verr(cmd, fmt, ap);
	va_end(ap);
	p_err("%s", ks_err_msg());
	return EXIT_USAGE;
}

const struct ks_opt_choice out_formats[] = {
	{ "text", FMT_TEXT },
	{ "json", FMT_JSON },
	{ NULL, 0 },
};

/* KS_OPT_ENUM stores an int */
_Static_assert(sizeof(enum out_format) == sizeof(int), "enum out_format is not int-sized");

int parse_opts(const struct ks_opt_cmd *cmd, int argc, char **argv, int *nargs)
{
	int err = ks_opt_parse(cmd, argc, argv, nargs);

	if (err == KS_OPT_HELP) {
		struct ks_buf b = KS_BUF_INIT;

		ks_opt_help(cmd, &b);
		fputs(b.p, stdout);
		ks_buf_free(&b);
		return EXIT_OK;
	}
	if (err) {
		p_err("%s", ks_err_msg());
		return EXIT_USAGE;
	}
	return -1;
}

int fail(int err)
{
	p_err("%s", ks_err_msg());
	return err == KS_EINVAL ? EXIT_USAGE : EXIT_USER;
}

int open_store(struct ks_store **out)
{
	char *path = ks_store_locate(g_opts.store);
	int err = ks_store_open(out, path);

	free(path);
	return err ? fail(err) : 0;
}
