/* The report page on one name, the shape of the DepSurf study's pages
 * (Status, then Differences), with more in it: every arch and flavor at
 * every shared kernel version, member offsets, sizes and the release each
 * member appeared in, layout changes. Every name from the store (release,
 * lineage, type, field, declaration) is escaped wherever it lands in HTML. */
#include "ks_report.h"

#include <stdlib.h>
#include <string.h>

#include "ks_defs.h"
#include "ks_matrix.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_escape.h"

/* A name inside the definition: an HTML page escapes it, a markdown code
 * fence shows it as it is. */
static void name_text(FILE *f, int html, const char *s)
{
	if (html)
		ks_escape_write_html(f, s);
	else
		fputs(s, f);
}

static void code(FILE *f, const char *s)
{
	fputs("<code>", f);
	ks_escape_write_html(f, s);
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
static void definition(FILE *f, int html, const struct ks_matrix_lineage *l, size_t at)
{
	const struct ks_def *d = ks_matrix_def(l, at);
	size_t k, w = 0;

	for (k = 0; k < d->n; k++)
		if (strlen(d->members[k].decl) > w)
			w = strlen(d->members[k].decl);
	fputs(html ? "<pre><code class=\"c\">" : "\n```c\n", f);
	fprintf(f, "%s ", d->kind);
	name_text(f, html, d->name);
	fputs(" {\n", f);
	for (k = 0; k < d->n; k++) {
		const struct ks_member *m = &d->members[k];
		int since = ks_defs_since(&l->d, (int)at, m);
		size_t pad = w - strlen(m->decl);

		fputs("    ", f);
		name_text(f, html, m->decl);
		/* an enumerator has a value, a parameter a place: no offsets */
		if (!strcmp(d->kind, "enum")) {
			fprintf(f, ",%*s /* since ", (int)pad, "");
		} else if (m->positional) {
			fprintf(f, ";%*s /* position %u; since ", (int)pad, "", m->index);
		} else {
			fprintf(f, ";%*s /* offset ", (int)pad, "");
			bits(f, m->offset_bits);
			if (m->bitfield_size)
				fprintf(f, ", %u bits", m->bitfield_size);
			else
				fprintf(f, ", size %llu", m->size_bits / 8);
			fputs("; since ", f);
		}
		name_text(f, html, l->rel[since]);
		fputs(" */\n", f);
	}
	if (d->size)
		fprintf(f, "};  /* size %llu%s%s */\n", d->size, d->note ? ", " : "",
			d->note ? d->note : "");
	else
		fprintf(f, "};%s%s%s\n", d->note ? "  /* " : "", d->note ? d->note : "",
			d->note ? " */" : "");
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
	case KS_VALUE_CHANGED: return "Value changed.";
	case KS_NOTE_CHANGED: return "Changed.";
	case KS_PARAM_MOVED: return "Parameter reordered.";
	case KS_FIELD_RENAMED: return "Renamed.";
	case KS_SYMBOLS_CHANGED: return "Symbols changed.";
	}
	return "Changed.";
}

void ks_report_write_changes(FILE *f, const struct ks_diff *d)
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

/* A group's bold label (a lineage in Differences) and its list. */
static void label_open(FILE *f, const char *label)
{
	fputs("<b>", f);
	ks_escape_write_html(f, label);
	fputs("</b>\n<ul>\n", f);
}

static void status_regular(FILE *f, int html, const struct ks_matrix_lineage *l)
{
	size_t k;

	fputs("<ul>\n", f);
	for (k = 0; k < l->nrel; k++) {
		fputs("<li>\n", f);
		if (!ks_matrix_def(l, k)) {
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

static int same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* "In LINEAGE RELEASE" and, for another distro's, its upstream base. */
static void row_head(FILE *f, const struct ks_matrix_lineage *l, const struct ks_matrix_row *r)
{
	fputs("In ", f);
	code(f, l->lineage);
	fputs(" ", f);
	code(f, l->rel[r->idx]);
	if (l->basis != KS_MATRIX_BUILD) {
		fputs(" (upstream ", f);
		code(f, l->upstream[r->idx]);
		fputs(")", f);
	}
}

static void status_row(FILE *f, int html, const struct ks_matrix_lineage *l,
		       const struct ks_matrix_row *r)
{
	const char *with = r->ref >= 0 ? l->against->rel[r->ref] : NULL;

	fputs("<li>\n", f);
	if (r->status != KS_MATRIX_DIFFERS) {
		row_head(f, l, r);
		if (r->status == KS_MATRIX_ABSENT) {
			fputs(": Absent ⚠️\n</li>\n", f);
		} else if (r->status == KS_MATRIX_SAME) {
			fputs(": Same as ", f);
			code(f, with);
			fputs(" ✅\n</li>\n", f);
		} else {
			fputs(": Present ✅", f);
			if (l->against) {
				fputs(" (nothing to compare with in ", f);
				code(f, l->against->lineage);
				fputs(")", f);
			}
			fputs("\n</li>\n", f);
		}
		return;
	}
	fputs("<details>\n<summary>", f);
	row_head(f, l, r);
	fputs(r->only_here ? ": present, absent in " : ": Differs from ", f);
	code(f, with);
	fputs(" ⚠️</summary>\n", f);
	if (r->diff)
		ks_report_write_changes(f, r->diff);
	definition(f, html, l, (size_t)r->idx);
	fputs("</details>\n</li>\n", f);
}

/* Other lineages of one group: 0 other arches of the regular distro, 1
 * its other flavors (of the same arch), 2 other distros, compared by
 * upstream version. */
static void status_group(FILE *f, int html, const struct ks_matrix *m, const char *label,
			 int want)
{
	const struct ks_matrix_lineage *reg = m->regular;
	size_t i, k;
	int any = 0;

	for (i = 1; i < m->n; i++) {
		const struct ks_matrix_lineage *l = &m->lin[i];
		int group = l->basis != KS_MATRIX_BUILD ? 2 : same(l->arch, reg->arch) ? 1 : 0;

		if (group != want)
			continue;
		if (!any)
			label_open(f, label);
		any = 1;
		if (group == 2) {
			fputs("<li>\n", f);
			code(f, l->lineage);
			if (l->against) {
				fputs(": compared with ", f);
				code(f, l->against->lineage);
				fputs(" at the same upstream version\n</li>\n", f);
			} else {
				fputs(": no upstream lineage of its arch to compare with\n</li>\n", f);
			}
		}
		for (k = 0; k < l->nrows; k++)
			status_row(f, html, l, &l->rows[k]);
	}
	if (any)
		fputs("</ul>\n", f);
}

/* Each pair of consecutive releases of @l where the name is in either. */
static void differences(FILE *f, const char *label, const struct ks_matrix_lineage *l)
{
	size_t k;
	int any = 0;

	for (k = 1; k < l->nrel; k++) {
		const struct ks_def *a = ks_matrix_def(l, k - 1), *b = ks_matrix_def(l, k);
		struct ks_diff *d;

		if (!a && !b)
			continue;
		if (!any)
			label_open(f, label);
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
			ks_report_write_changes(f, d);
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

/* The page's heading word for a kind. */
static const char *kind_title(const char *kind)
{
	static const char *const t[][2] = {
		{ "struct", "Struct" }, { "union", "Union" }, { "enum", "Enum" },
		{ "typedef", "Typedef" }, { "func", "Function" },
		{ "tracepoint", "Tracepoint" }, { "syscall", "System call" },
		{ "lsm", "LSM hook" }, { "kfunc", "Kfunc" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(kind, t[i][0]))
			return t[i][1];
	return kind;
}

void ks_report_write(FILE *f, const struct ks_matrix *m, enum ks_report_format fmt)
{
	int html = fmt == KS_REPORT_HTML;
	size_t i;

	if (html) {
		char *title = ks_escape_dup(KS_ESC_HTML, m->name);

		fprintf(f, html_head, m->kind, title);
		free(title);
		fprintf(f, "<h1>%s: <code>", kind_title(m->kind));
	} else {
		fprintf(f, "# %s: <code>", kind_title(m->kind));
	}
	ks_escape_write_html(f, m->name);
	if (m->variant > 1)
		fprintf(f, "~%u", m->variant);
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

