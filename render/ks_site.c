#include "ks_site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_defs.h"
#include "ks_matrix.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_escape.h"
#include "ks_hash.h"
#include "ks_kind.h"
#include "ks_report.h"
#include "ks_walk.h"

struct site {
	struct ks_walk *w;
	ks_site_put_fn put;
	void *ctx;
	/* the index tables' rows: structs and unions in index.html, each
	 * other kind in KIND.html */
	struct ks_buf index[KS_KIND_COUNT];
	size_t count[KS_KIND_COUNT];
	struct ks_buf search;	/* search.js entries */
	FILE **pair;		/* per consecutive regular pair: its page body */
	char **pair_buf;
	size_t *pair_len;
	size_t *pair_count;
};

/* Longest file-name part made from one name: two of them and ".html"
 * stay well within NAME_MAX (255) even after percent-encoding. */
#define PART_MAX 100

/* @name as a file-name part: KS_ESC_FILE, and when that is too long a
 * prefix of it, '~' (which KS_ESC_FILE never leaves) and a digest of the
 * whole name, so that distinct names keep distinct files. */
static char *file_part(const char *name)
{
	char *f = ks_escape_dup(KS_ESC_FILE, name), *out, hex[65];
	unsigned char sum[32];
	size_t cut = PART_MAX - 1 - 24;

	if (strlen(f) <= PART_MAX)
		return f;
	while (cut && (f[cut - 1] == '%' || (cut > 1 && f[cut - 2] == '%')))
		cut--;	/* not inside a %XX */
	ks_sha256(sum, name, strlen(name));
	ks_hex(hex, sum, 12);
	out = ks_xasprintf("%.*s~%s", (int)cut, f, hex);
	free(f);
	return out;
}

/* A name's page and a pair's page, as files: s/ and u/ for structs and
 * unions, the kind's name for the others; a further definition NAME~N
 * ('~' and digits: never a digest's 24 hex digits). */
static char *name_file(const char *kind, const char *name, unsigned int variant)
{
	char *f = file_part(name), *path, v[16] = "";

	if (variant > 1)
		snprintf(v, sizeof(v), "~%u", variant);
	if (!strcmp(kind, "struct") || !strcmp(kind, "union"))
		path = ks_xasprintf("%c/%s%s.html", kind[0], f, v);
	else
		path = ks_xasprintf("%s/%s%s.html", kind, f, v);
	free(f);
	return path;
}

/* Which index page lists a kind: structs and unions share index.html. */
static enum ks_kind index_of(const char *kind)
{
	enum ks_kind k = ks_kind_of(kind);

	return k == KS_KIND_COUNT || k == KS_KIND_UNION ? KS_KIND_STRUCT : k;
}

/* "name", "name~2", "func:name": what a search or a row shows. */
static char *shown_name(const char *kind, const char *name, unsigned int variant)
{
	char v[16] = "";

	if (variant > 1)
		snprintf(v, sizeof(v), "~%u", variant);
	if (index_of(kind) == KS_KIND_STRUCT)
		return ks_xasprintf("%s%s", name, v);
	return ks_xasprintf("%s:%s%s", kind, name, v);
}

static char *pair_file(const char *from, const char *to)
{
	char *a = file_part(from), *b = file_part(to);
	char *path = ks_xasprintf("d/%s..%s.html", a, b);

	free(a);
	free(b);
	return path;
}

static void add_url(struct ks_buf *b, const char *file)
{
	ks_escape_add(b, KS_ESC_URL, file, strlen(file));
}

/* Symbols every font has (the report pages keep the study's emoji). */
static const char *const cell_sym[] = { "·", "+", "✓", "Δ", "↔", "✗" };
static const char *const cell_class[] = { "absent", "added", "same", "changed",
					  "layout", "removed" };
enum { C_ABSENT, C_ADDED, C_SAME, C_CHANGED, C_LAYOUT, C_REMOVED };

/* Field names in order of first appearance (borrowed from the defs). */
struct fields {
	const char **v;
	size_t n;
};

static int has_field(const struct fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->v[i], name))
			return 1;
	return 0;
}

static void add_field(struct fields *f, const char *name)
{
	f->v = ks_xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
	f->v[f->n++] = name;
}

static void js_string(struct ks_buf *b, const char *s)
{
	ks_escape_add(b, KS_ESC_SCRIPT, s, strlen(s));
}

/* The cell of regular release @k in the name's index row. */
static int cell(const struct ks_matrix_lineage *reg, size_t k, struct ks_diff **d)
{
	const struct ks_def *a = k ? ks_matrix_def(reg, k - 1) : NULL, *b = ks_matrix_def(reg, k);

	*d = NULL;
	if (!b)
		return a ? C_REMOVED : C_ABSENT;
	if (!k)
		return C_SAME;	/* the first release: present */
	if (!a)
		return C_ADDED;
	if (!strcmp(reg->d.h->e[k - 1].blob, reg->d.h->e[k].blob))
		return C_SAME;
	*d = ks_diff_defs(a, b);
	return (*d)->ndecl ? C_CHANGED : (*d)->n ? C_LAYOUT : C_SAME;
}

/* The entry of the name in the page of regular pair @k - 1 .. @k. */
static void pair_entry(struct site *st, const struct ks_matrix *m, const char *page, size_t k,
		       int c, const struct ks_diff *d)
{
	struct ks_buf b = KS_BUF_INIT;
	FILE *f = st->pair[k - 1];

	ks_buf_puts(&b, "<li>\n<details>\n<summary><a href=\"../");
	add_url(&b, page);
	ks_buf_printf(&b, "\">%s ", m->kind);
	ks_escape_add_html(&b, m->name);
	if (m->variant > 1)
		ks_buf_printf(&b, "~%u", m->variant);
	ks_buf_printf(&b, "</a>: %s</summary>\n", cell_class[c]);
	fwrite(b.p, 1, b.len, f);
	ks_buf_free(&b);
	if (d)
		ks_report_write_changes(f, d);
	fputs("</details>\n</li>\n", f);
	st->pair_count[k - 1]++;
}

/* Every field name any release had: a search finds removed ones too. */
static void search_entry(struct site *st, const struct ks_matrix *m, const char *page)
{
	struct fields fields = { 0 };
	struct ks_buf url = KS_BUF_INIT;
	size_t i, k;

	char *shown = shown_name(m->kind, m->name, m->variant);
	/* a function's parameter names would make the search data huge and
	 * are rarely what one looks for */
	int members = index_of(m->kind) == KS_KIND_STRUCT || !strcmp(m->kind, "enum");

	add_url(&url, page);
	ks_buf_printf(&st->search, "%s[", st->search.len > 20 ? ",\n" : "");
	js_string(&st->search, url.p);
	ks_buf_putc(&st->search, ',');
	js_string(&st->search, shown);
	free(shown);
	ks_buf_puts(&st->search, ",[");
	for (i = 0; i < m->n && members; i++) {
		const struct ks_matrix_lineage *l = &m->lin[i];

		for (k = 0; k < l->nrel; k++) {
			const struct ks_def *d = ks_matrix_def(l, k);
			size_t f;

			if (!d || (k && l->d.def[k - 1] == d))
				continue;
			for (f = 0; f < d->n; f++)
				if (d->members[f].name[0] && !has_field(&fields, d->members[f].name))
					add_field(&fields, d->members[f].name);
		}
	}
	for (k = 0; k < fields.n; k++) {
		if (k)
			ks_buf_putc(&st->search, ',');
		js_string(&st->search, fields.v[k]);
	}
	free(fields.v);
	ks_buf_free(&url);
	ks_buf_puts(&st->search, "]]");
}

/* The name's index row, search entry and pair-page entries. */
static void summarise(struct site *st, const struct ks_matrix *m, const char *page)
{
	const struct ks_matrix_lineage *reg = m->regular;
	enum ks_kind ik = index_of(m->kind);
	struct ks_buf *ix = &st->index[ik];
	char v[16] = "";
	size_t k;

	if (m->variant > 1)
		snprintf(v, sizeof(v), "~%u", m->variant);
	st->count[ik]++;
	ks_buf_puts(ix, "<tr data-name=\"");
	ks_escape_add_html(ix, m->name);
	ks_buf_puts(ix, "\"><td><a href=\"");
	add_url(ix, page);
	ks_buf_puts(ix, "\">");
	ks_escape_add_html(ix, m->name);
	ks_buf_printf(ix, "%s</a>%s</td>", v, !strcmp(m->kind, "union") ? " <i>union</i>" : "");
	for (k = 0; k < reg->nrel; k++) {
		struct ks_diff *d;
		int c = cell(reg, k, &d);

		ks_buf_printf(ix, "<td class=\"%s\">%s</td>", cell_class[c], cell_sym[c]);
		if (k && c != C_ABSENT && c != C_SAME)
			pair_entry(st, m, page, k, c, d);
		ks_diff_free(d);
	}
	ks_buf_puts(ix, "</tr>\n");
	search_entry(st, m, page);
}

static void matrix_clear(struct ks_matrix *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		ks_matrix_lineage_free(&m->lin[i]);
	free(m->lin);
}

static int name_page(struct site *st, const struct ks_walk_name *nm)
{
	struct ks_walk *w = st->w;
	struct ks_matrix m = { 0 };
	char *page = name_file(nm->kind, nm->name, nm->variant), *buf = NULL;
	size_t len = 0, li, i;
	int err = 0;

	m.lin = ks_xcalloc(w->nlin + 1, sizeof(*m.lin));
	for (li = 0; li < w->nlin && !err; li++) {
		struct ks_matrix_lineage *l = &m.lin[m.n++];
		struct ks_history *h;

		l->lineage = ks_xstrdup(w->lin[li]);
		l->nrel = w->nrel[li];
		l->rel = ks_xcalloc(l->nrel + 1, sizeof(char *));
		for (i = 0; i < l->nrel; i++)
			l->rel[i] = ks_xstrdup(w->rel[li][i]);
		err = ks_walk_history(w, nm, li, &h);
		if (!err && h)
			err = ks_defs_parse(&l->d, h);
	}
	if (!err) {
		FILE *f;

		ks_matrix_finish(&m);
		f = open_memstream(&buf, &len);
		ks_report_write(f, &m, KS_REPORT_HTML);
		fclose(f);
		err = st->put(page, buf, len, st->ctx);
		free(buf);
		summarise(st, &m, page);
	}
	matrix_clear(&m);
	free(page);
	return err;
}

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>%s</title>\n<style>\n"
	"body{font-family:system-ui,sans-serif;margin:1em;line-height:1.4}\n"
	"code{font-family:ui-monospace,monospace}\n"
	"table{border-collapse:collapse}td,th{padding:.1em .5em;border-bottom:1px solid #eee}\n"
	"td:not(:first-child){text-align:center}th.release{writing-mode:vertical-rl;"
	"font-weight:normal;font-size:.85em}\n"
	"#search{font-size:1.1em;width:24em;padding:.3em}#results{columns:3}\n"
	"</style>\n</head>\n<body>\n";

/* The search builds its results with textContent and an href property:
 * the names in search.js never meet an HTML parser. */
static const char search_script[] =
	"<script>\n"
	"(function(){\n"
	"var box=document.getElementById('search'),out=document.getElementById('results');\n"
	"function add(href,text){var li=document.createElement('li'),a=document.createElement('a');"
	"a.href=href;a.textContent=text;li.appendChild(a);out.appendChild(li);}\n"
	"box.addEventListener('input',function(){\n"
	" var q=box.value.trim().toLowerCase(),n=0,i,j,e;out.textContent='';\n"
	" if(q.length<2)return;\n"
	" for(i=0;i<KS_SEARCH.length&&n<50;i++){e=KS_SEARCH[i];\n"
	"  if(e[1].toLowerCase().indexOf(q)>=0){add(e[0],e[1]);n++;}\n"
	"  for(j=0;j<e[2].length&&n<50;j++)if(e[2][j].toLowerCase().indexOf(q)>=0)"
	"{add(e[0],e[1]+'.'+e[2][j]);n++;}}\n"
	" if(!n){var li=document.createElement('li');li.textContent='no struct or field matches';"
	"out.appendChild(li);}\n"
	"});\n"
	"})();\n"
	"</script>\n";

/* The index page of kind @ik (index.html: structs and unions; else
 * KIND.html), with links to the others that have names. */
static char *index_file(enum ks_kind ik)
{
	return ik == KS_KIND_STRUCT ? ks_xstrdup("index.html")
				    : ks_xasprintf("%s.html", ks_kind_name(ik));
}

static void index_nav(struct site *st, struct ks_buf *b, enum ks_kind here)
{
	size_t k;
	int first = 1;

	ks_buf_puts(b, "<nav><p>");
	for (k = 0; k < KS_KIND_COUNT; k++) {
		char *file;
		const char *label = k == KS_KIND_STRUCT ? "structs and unions" : ks_kind_name(k);

		if (!st->count[k])
			continue;
		ks_buf_puts(b, first ? "" : " · ");
		first = 0;
		if (k == here) {
			ks_buf_printf(b, "<b>%s%s (%zu)</b>", label, k == KS_KIND_STRUCT ? "" : "s",
				      st->count[k]);
			continue;
		}
		file = index_file(k);
		ks_buf_puts(b, "<a href=\"");
		add_url(b, file);
		ks_buf_printf(b, "\">%s%s (%zu)</a>", label, k == KS_KIND_STRUCT ? "" : "s",
			      st->count[k]);
		free(file);
	}
	ks_buf_puts(b, "</p></nav>\n");
}

static int index_page(struct site *st, enum ks_kind ik)
{
	struct ks_walk *w = st->w;
	struct ks_buf b = KS_BUF_INIT;
	size_t k, nreg = w->nrel[0];
	const char *what = ik == KS_KIND_STRUCT ? "structs" : ks_kind_name(ik);
	char *title = ks_xasprintf("kstruct: kernel %s%s by release", what,
				   ik == KS_KIND_STRUCT ? "" : " definitions");
	char *file = index_file(ik);
	int err;

	ks_buf_printf(&b, page_head, title);
	ks_buf_printf(&b, "<h1>%s</h1>\n", title);
	index_nav(st, &b, ik);
	ks_buf_puts(&b, "<p>Regular lineage <code>");
	ks_escape_add_html(&b, w->lin[0]);
	ks_buf_printf(&b, "</code>; %zu other lineages in the pages. ", w->nlin - 1);
	ks_buf_puts(&b, "✓ present, + added, Δ changed, ↔ layout changed (moved or resized), "
		    "✗ removed, · absent; a release's name links to what changed in it.</p>\n<p><input id=\"search\" type=\"search\" "
		    "placeholder=\"type or member name (func:vfs_read)\" autofocus></p>\n<ul id=\"results\"></ul>\n"
		    "<table id=\"matrix\">\n<thead><tr><th>name</th>");
	for (k = 0; k < nreg; k++) {
		ks_buf_puts(&b, "<th class=\"release\">");
		if (k) {
			char *pf = pair_file(w->rel[0][k - 1], w->rel[0][k]);

			ks_buf_puts(&b, "<a href=\"");
			add_url(&b, pf);
			ks_buf_puts(&b, "\">");
			free(pf);
		}
		ks_escape_add_html(&b, w->rel[0][k]);
		ks_buf_puts(&b, k ? "</a></th>" : "</th>");
	}
	ks_buf_puts(&b, "</tr></thead>\n<tbody>\n");
	ks_buf_add(&b, st->index[ik].p, st->index[ik].len);
	ks_buf_puts(&b, "</tbody>\n</table>\n<script src=\"search.js\"></script>\n");
	ks_buf_puts(&b, search_script);
	ks_buf_puts(&b, "</body>\n</html>\n");
	err = st->put(file, b.p, b.len, st->ctx);
	ks_buf_free(&b);
	free(file);
	free(title);
	return err;
}

static int pair_pages(struct site *st)
{
	struct ks_walk *w = st->w;
	size_t k;
	int err = 0;

	for (k = 0; k + 1 < w->nrel[0] && !err; k++) {
		struct ks_buf b = KS_BUF_INIT;
		char *title = ks_xasprintf("Changes between %s and %s", w->rel[0][k],
					   w->rel[0][k + 1]);
		char *html = ks_escape_dup(KS_ESC_HTML, title);
		char *file = pair_file(w->rel[0][k], w->rel[0][k + 1]);

		fclose(st->pair[k]);
		st->pair[k] = NULL;
		ks_buf_printf(&b, page_head, html);
		ks_buf_printf(&b, "<h1>%s</h1>\n<p><a href=\"../index.html\">index</a> · %zu "
			      "definitions changed</p>\n<ul>\n", html, st->pair_count[k]);
		ks_buf_add(&b, st->pair_buf[k], st->pair_len[k]);
		ks_buf_puts(&b, "</ul>\n</body>\n</html>\n");
		err = st->put(file, b.p, b.len, st->ctx);
		free(file);
		free(html);
		free(title);
		ks_buf_free(&b);
	}
	return err;
}

static void site_free(struct site *st)
{
	size_t i;

	for (i = 0; st->pair && i < st->w->nrel[0]; i++) {
		if (st->pair[i])
			fclose(st->pair[i]);
		free(st->pair_buf[i]);
	}
	free(st->pair);
	free(st->pair_buf);
	free(st->pair_len);
	free(st->pair_count);
	for (i = 0; i < KS_KIND_COUNT; i++)
		ks_buf_free(&st->index[i]);
	ks_buf_free(&st->search);
	ks_walk_free(st->w);
}

int ks_site_render(struct ks_store *store, unsigned int kinds, ks_site_put_fn put, void *ctx)
{
	struct site st = { .put = put, .ctx = ctx };
	struct ks_walk_name nm;
	size_t k, pos = 0, npair;
	int err = ks_walk_new(&st.w, store, kinds);

	if (err)
		return err;
	npair = st.w->nrel[0];
	st.pair = ks_xcalloc(npair + 1, sizeof(FILE *));
	st.pair_buf = ks_xcalloc(npair + 1, sizeof(char *));
	st.pair_len = ks_xcalloc(npair + 1, sizeof(size_t));
	st.pair_count = ks_xcalloc(npair + 1, sizeof(size_t));
	for (k = 0; k + 1 < npair; k++)
		st.pair[k] = open_memstream(&st.pair_buf[k], &st.pair_len[k]);
	ks_buf_puts(&st.search, "window.KS_SEARCH=[\n");
	while (!err && ks_walk_next(st.w, &pos, &nm))
		err = name_page(&st, &nm);
	ks_buf_puts(&st.search, "];\n");
	if (!err)
		err = pair_pages(&st);
	if (!err)
		err = st.put("search.js", st.search.p, st.search.len, st.ctx);
	for (k = 0; k < KS_KIND_COUNT && !err; k++)
		if (k == KS_KIND_STRUCT || (k != KS_KIND_UNION && st.count[k]))
			err = index_page(&st, (enum ks_kind)k);
	site_free(&st);
	return err;
}
