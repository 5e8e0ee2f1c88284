#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_err.h"
#include "ks_kind.h"

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

static int open_located(struct ks_store **out)
{
	char *path = ks_store_locate(g_opts.store);
	int err = ks_store_open(out, path);

	free(path);
	return err ? fail(err) : 0;
}

/* Readers do not write, so they do not upgrade: a format-1 store is
 * named as such, and how to upgrade it. */
int open_store(struct ks_store **out)
{
	int err = open_located(out);

	if (err || ks_store_format(*out) >= KS_STORE_FORMAT_VERSION)
		return err;
	p_err("the store %s is in format %d; 'kstruct upgrade' upgrades it to format %d",
	      ks_store_path(*out), ks_store_format(*out), KS_STORE_FORMAT_VERSION);
	ks_store_free(*out);
	*out = NULL;
	return EXIT_USER;
}

int upgrade_store(struct ks_store *store)
{
	struct ks_upgrade_result r;
	int err;

	if (ks_store_format(store) >= KS_STORE_FORMAT_VERSION)
		return 0;
	if ((err = ks_store_upgrade(store, &r)))
		return fail(err);
	if (r.upgraded)
		fprintf(stderr, "kstruct: upgraded %s to format %d: %zu releases in %zu "
			"lineages\n", ks_store_path(store), KS_STORE_FORMAT_VERSION, r.releases,
			r.lineages);
	return 0;
}

int open_store_write(struct ks_store **out)
{
	int err = open_located(out);

	if (!err && (err = upgrade_store(*out))) {
		ks_store_free(*out);
		*out = NULL;
	}
	return err;
}

int open_store_lineage(struct ks_store **out, const char **lineage)
{
	static char *resolved;	/* lives as long as the command */
	int err = open_store(out);

	if (err || !*lineage)
		return err;
	free(resolved);
	if ((err = ks_store_resolve_lineage(*out, *lineage, &resolved))) {
		ks_store_free(*out);
		*out = NULL;
		return fail(err);
	}
	*lineage = resolved;
	return 0;
}

int parse_kind_list(const char *list, unsigned int *mask)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		enum ks_kind k;
		int err = ks_kind_parse(p, n, &k);

		if (err)
			return err;
		*mask |= 1u << k;
		p += n + (p[n] == ',');
	}
	if (!*mask)
		return ks_err_set(KS_EINVAL, "no kind named in '%s'", list);
	return 0;
}
