/* kstruct report: the page people read for one struct, in the shape of
 * the DepSurf study's pages (Status, then Differences), with more in it:
 * every arch and flavor at every shared kernel version, member offsets,
 * sizes and the release each member appeared in, layout changes. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"

static const char *const report_usage[] = { "kstruct report NAME [--format markdown|html]", NULL };

static const char report_desc[] =
	"The page on struct or union NAME: Status (every release of the regular\n"
	"lineage with its definition, folded, or Absent; every other arch and\n"
	"flavor at each kernel version it shares with the regular lineage), then\n"
	"Differences (each pair of consecutive releases of each lineage). Member\n"
	"offsets and sizes are in the definitions, and the release since which each\n"
	"member has had its declaration.\n";

static const struct ks_opt_choice report_formats[] = {
	{ "markdown", 0 },
	{ "md", 0 },
	{ "html", 1 },
	{ NULL, 0 },
};

void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

static void code(FILE *f, const char *s)
{
	fputs("<code>", f);
	html_escape(f, s);
	fputs("</code>", f);
}

/* A bit offset as pahole writes it: bytes, or bytes:bit within the byte. */
static void bits(FILE *f, unsigned long long b)
{
	if (b % 8)
		fprintf(f, "%llu:%llu", b / 8, b % 8);
	else
		fprintf(f, "%llu", b / 8);
}

/* The definition, folded away under @summary: members one per line with
 * offset, size and the release since which they have been so. */
static void definition(FILE *f, int html, const struct mx_lineage *l, size_t at)
{
	const struct ks_def *d = mx_def(l, at);
	size_t k, w = 0;

	for (k = 0; k < d->n; k++)
		if (strlen(d->members[k].decl) > w)
			w = strlen(d->members[k].decl);
	fputs(html ? "<pre><code class=\"c\">" : "\n```c\n", f);
	fprintf(f, "%s %s {\n", d->kind, d->name);
	for (k = 0; k < d->n; k++) {
		const struct ks_member *m = &d->members[k];
		int since = defs_since(&l->d, (int)at, m);
		size_t pad = w - strlen(m->decl);

		fputs("    ", f);
		if (html)
			html_escape(f, m->decl);
		else
			fputs(m->decl, f);
		fprintf(f, ";%*s /* offset ", (int)pad, "");
		bits(f, m->offset_bits);
		if (m->bitfield_size)
			fprintf(f, ", %u bits", m->bitfield_size);
		else
			fprintf(f, ", size %llu", m->size_bits / 8);
		fprintf(f, "; since %s */\n", l->rel[since]);
	}
	fprintf(f, "};  /* size %llu */\n", d->size);
	fputs(html ? "</code></pre>\n" : "```\n", f);
}

static const char *change_label(enum ks_change_kind k)
{
	switch (k) {
	case KS_FIELD_ADDED: return "Field added.";
	case KS_FIELD_REMOVED: return "Field removed.";
	case KS_FIELD_TYPE_CHANGED: return "Field type changed.";
	case KS_BITFIELD_CHANGED: return "Bitfield width changed.";
	case KS_FIELD_MOVED: return "Field moved (layout).";
	case KS_FIELD_RESIZED: return "Field resized (layout).";
	case KS_SIZE_CHANGED: return "Size changed (layout).";
	case KS_KIND_CHANGED: return "Kind changed.";
	}
	return "Changed.";
}

void report_changes(FILE *f, const struct ks_diff *d)
{
	size_t i;
	char buf[64];

	fputs("<ul>\n", f);
	for (i = 0; i < d->n; i++) {
		const struct ks_change *c = &d->changes[i];

		fprintf(f, "<li>\n<b>%s </b>\n", change_label(c->kind));
		switch (c->kind) {
		case KS_FIELD_ADDED:
			code(f, c->new_decl);
			break;
		case KS_FIELD_REMOVED:
			code(f, c->old_decl);
			break;
		case KS_SIZE_CHANGED:
			snprintf(buf, sizeof(buf), "%llu", c->old_value);
			code(f, buf);
			fputs(" ➡️ ", f);
			snprintf(buf, sizeof(buf), "%llu", c->new_value);
			code(f, buf);
			break;
		case KS_FIELD_MOVED:
			code(f, c->field);
			fputs(" offset ", f);
			bits(f, c->old_value);
			fputs(" ➡️ ", f);
			bits(f, c->new_value);
			break;
		default:
			code(f, c->old_decl);
			fputs(" ➡️ ", f);
			code(f, c->new_decl);
		}
		fputs("\n</li>\n", f);
	}
	fputs("</ul>\n", f);
}

static void status_regular(FILE *f, int html, const struct mx_lineage *l)
{
	size_t k;

	fputs("<ul>\n", f);
	for (k = 0; k < l->nrel; k++) {
		fputs("<li>\n", f);
		if (!mx_def(l, k)) {
			fputs("In ", f);
			code(f, l->rel[k]);
			fputs(": Absent ⚠️\n</li>\n", f);
			continue;
		}
		fputs("<details>\n<summary>In ", f);
		code(f, l->rel[k]);
		fputs(": ✅</summary>\n", f);
		definition(f, html, l, k);
		fputs("</details>\n</li>\n", f);
	}
	fputs("</ul>\n", f);
}

/* Other lineages of one group (arch or flavor) at their shared versions. */
static void status_group(FILE *f, int html, const struct matrix *m, const char *label,
			 int want)
{
	const char *reg = m->regular->lineage, *slash = strchr(reg, '/');
	size_t alen = (size_t)(slash - reg), i, k;
	int any = 0;

	for (i = 1; i < m->n; i++) {
		const struct mx_lineage *l = &m->lin[i];
		int same_arch = !strncmp(l->lineage, reg, alen) && l->lineage[alen] == '/';
		int same_flavor = !strcmp(strchr(l->lineage, '/'), slash);
		/* 0: other arch, same flavor; 1: other flavor, same arch; 2: both */
		int group = same_flavor ? 0 : same_arch ? 1 : 2;

		if (group != want)
			continue;
		if (!any)
			fprintf(f, "<b>%s</b>\n<ul>\n", label);
		any = 1;
		if (!l->nrows) {
			fputs("<li>\nIn ", f);
			code(f, l->lineage);
			fputs(": no release of a kernel version the regular lineage has\n</li>\n", f);
		}
		for (k = 0; k < l->nrows; k++) {
			const struct mx_row *r = &l->rows[k];

			fputs("<li>\n", f);
			if (r->status != MX_DIFFERS) {
				fputs("In ", f);
				code(f, l->lineage);
				fputs(" ", f);
				code(f, l->rel[r->idx]);
				if (r->status == MX_ABSENT) {
					fputs(": Absent ⚠️\n</li>\n", f);
					continue;
				}
				fputs(": Same as ", f);
				code(f, m->regular->rel[r->reg]);
				fputs(" ✅\n</li>\n", f);
				continue;
			}
			fputs("<details>\n<summary>In ", f);
			code(f, l->lineage);
			fputs(" ", f);
			code(f, l->rel[r->idx]);
			fputs(r->only_here ? ": present, absent in " : ": Differs from ", f);
			code(f, m->regular->rel[r->reg]);
			fputs(" ⚠️</summary>\n", f);
			if (r->diff)
				report_changes(f, r->diff);
			definition(f, html, l, (size_t)r->idx);
			fputs("</details>\n</li>\n", f);
		}
	}
	if (any)
		fputs("</ul>\n", f);
}

/* Each pair of consecutive releases of @l where the name is in either. */
static void differences(FILE *f, const char *label, const struct mx_lineage *l)
{
	size_t k;
	int any = 0;

	for (k = 1; k < l->nrel; k++) {
		const struct ks_def *a = mx_def(l, k - 1), *b = mx_def(l, k);
		struct ks_diff *d;

		if (!a && !b)
			continue;
		if (!any)
			fprintf(f, "<b>%s</b>\n<ul>\n", label);
		any = 1;
		fputs("<li>\n", f);
		if (!a || !b) {
			fputs(a ? "Removed between " : "Added between ", f);
			code(f, l->rel[k - 1]);
			fputs(" and ", f);
			code(f, l->rel[k]);
			fputs(" ⚠️\n</li>\n", f);
			continue;
		}
		d = strcmp(l->d.h->e[k - 1].blob, l->d.h->e[k].blob) ? ks_diff_defs(a, b) : NULL;
		if (!d || !d->n) {
			fputs("No changes between ", f);
			code(f, l->rel[k - 1]);
			fputs(" and ", f);
			code(f, l->rel[k]);
			fputs(" ✅\n</li>\n", f);
		} else {
			fputs("<details>\n<summary>Changed between ", f);
			code(f, l->rel[k - 1]);
			fputs(" and ", f);
			code(f, l->rel[k]);
			fputs(" ⚠️</summary>\n", f);
			report_changes(f, d);
			fputs("</details>\n</li>\n", f);
		}
		ks_diff_free(d);
	}
	if (any)
		fputs("</ul>\n", f);
}

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>%s %s</title>\n<style>\n"
	"body{font-family:system-ui,sans-serif;max-width:72em;margin:1em auto;padding:0 1em;"
	"line-height:1.4}\n"
	"code,pre{font-family:ui-monospace,monospace;font-size:.92em}\n"
	"pre{background:#f6f8fa;padding:.6em;overflow-x:auto}\n"
	"summary{cursor:pointer}\nli{margin:.15em 0}\n"
	"</style>\n</head>\n<body>\n";

void report_write(FILE *f, const struct matrix *m, int html)
{
	size_t i;

	if (html) {
		fprintf(f, html_head, m->kind, m->name);
		fprintf(f, "<h1>%s: <code>", m->kind[0] == 's' ? "Struct" : "Union");
	} else {
		fprintf(f, "# %s: <code>", m->kind[0] == 's' ? "Struct" : "Union");
	}
	html_escape(f, m->name);
	fputs(html ? "</code></h1>\n\n<h2>Status</h2>\n" : "</code>\n\n## Status\n", f);
	fputs("<b>Regular</b>\n", f);
	status_regular(f, html, m->regular);
	status_group(f, html, m, "Arch", 0);
	status_group(f, html, m, "Flavor", 1);
	status_group(f, html, m, "Other", 2);
	fputs(html ? "\n<h2>Differences</h2>\n" : "\n## Differences\n", f);
	differences(f, "Regular", m->regular);
	for (i = 1; i < m->n; i++)
		differences(f, m->lin[i].lineage, &m->lin[i]);
	if (html)
		fputs("</body>\n</html>\n", f);
}

int do_report(int argc, char **argv)
{
	struct ks_store *store = NULL;
	struct matrix *m = NULL;
	int n, err, html = 0;
	const struct ks_opt opts[] = {
		KS_OPT_ENUM(0, "format", "markdown|html", &html, report_formats,
			    "markdown (default; GitHub renders the folding) or a\n"
			    "standalone HTML page"),
		KS_OPT_END,
	};
	const struct ks_opt_cmd cmd = {
		.prog = KS_PROG,
		.name = "report",
		.usage = report_usage,
		.desc = report_desc,
		.opts = opts,
	};

	if ((err = parse_opts(&cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&cmd, n ? "name one struct or union" :
				 "which struct or union? (report NAME)");
	if ((err = open_store(&store)))
		return err;
	err = matrix_build(store, argv[1], &m);
	if (!err)
		report_write(stdout, m, html);
	matrix_free(m);
	ks_store_free(store);
	return err ? fail(err) : EXIT_OK;
}
