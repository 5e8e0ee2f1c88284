/* kstruct site: a static HTML site of the whole store, usable from
 * file:// (no server, no fetch): an index table of every struct and union
 * against the regular releases, one report page per name, one page per
 * pair of consecutive regular releases, and client-side search whose data
 * is a script file. The store is read once, tree by tree: each release's
 * blob ids say which texts changed, and each distinct text is read once.
 * Every page is rendered on each run and written only when its bytes
 * differ, so a run after one more import rewrites the pages that changed. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_err.h"

static const char *const site_usage[] = { "kstruct site OUTDIR", NULL };

static const struct ks_opt_cmd site_cmd = {
	.prog = KS_PROG,
	.name = "site",
	.usage = site_usage,
	.desc = "Writes a static HTML site of the whole store into OUTDIR, readable from\n"
		"file:// without a server: index.html (every struct and union against the\n"
		"regular releases: absent, added, changed, layout changed; search by struct\n"
		"or field name), one page per struct or union (the report) and one per pair\n"
		"of consecutive regular releases. Run again after an import: only pages whose\n"
		"content changed are rewritten, and it says how many.\n",
	.footer = "OUTDIR must be new, empty, or a site kstruct made.\n",
};

#define MANIFEST ".kstruct-site"
#define MANIFEST_HEAD "kstruct site 1\n"

/* One definition of one name in one release of one lineage. */
struct occ {
	char *key;		/* "s name" or "u name": pages per kind */
	unsigned short lin;
	unsigned int rel;
	char blob[41];
};

struct walk {
	struct occ *v;
	size_t n, cap;
	unsigned short lin;
	unsigned int rel;
};

static int collect(const char *kind, const char *name, unsigned int variant,
		   const char *blob, void *ctx)
{
	struct walk *w = ctx;
	struct occ *o;

	if (variant != 1)
		return 0;	/* pages show a name's first definition */
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1 << 16;
		w->v = ks_xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	o = &w->v[w->n++];
	o->key = ks_xasprintf("%c %s", kind[0], name);
	o->lin = w->lin;
	o->rel = w->rel;
	memcpy(o->blob, blob, 41);
	return 0;
}

static int cmp_occ(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->lin != y->lin)
		return x->lin < y->lin ? -1 : 1;
	return x->rel < y->rel ? -1 : x->rel > y->rel;
}

/* Distinct texts by blob id, read once (sorted ids, binary search). */
struct text_cache {
	struct cached { char blob[41]; char *text; size_t len; } *v;
	size_t n;
};

static int cmp_cached(const void *a, const void *b)
{
	return strcmp(((const struct cached *)a)->blob, ((const struct cached *)b)->blob);
}

static const struct cached *text_of(struct ks_store *s, struct text_cache *c,
				    const char *blob, int *err)
{
	struct cached key, *hit;

	memcpy(key.blob, blob, 41);
	hit = bsearch(&key, c->v, c->n, sizeof(*c->v), cmp_cached);
	if (hit && !hit->text)
		*err = ks_store_read_blob(s, blob, &hit->text, &hit->len);
	return hit;
}

struct site {
	struct ks_store *store;
	const char *out;
	char **lin;		/* the regular lineage first */
	size_t nlin;
	char ***rel;		/* per lineage, oldest first */
	size_t *nrel;
	struct text_cache texts;
	struct ks_buf index;	/* the table's rows */
	struct ks_buf search;	/* search.js entries */
	FILE **pair;		/* per consecutive regular pair: its page body */
	char **pair_buf;
	size_t *pair_len;
	size_t *pair_count;
	char **files;		/* written this run, for the manifest */
	size_t nfiles, cap;
	size_t written, unchanged;
};

static void note_file(struct site *st, const char *rel)
{
	if (st->nfiles == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 1024;
		st->files = ks_xrealloc(st->files, st->cap * sizeof(char *));
	}
	st->files[st->nfiles++] = ks_xstrdup(rel);
}

/* Writes @rel under OUTDIR unless it already holds exactly @buf. */
static int put_file(struct site *st, const char *rel, const char *buf, size_t len)
{
	char *path = ks_xasprintf("%s/%s", st->out, rel), *tmp;
	FILE *f = fopen(path, "rb");
	int same = 0, err = 0;

	note_file(st, rel);
	if (f) {
		struct stat sb;

		if (!fstat(fileno(f), &sb) && (size_t)sb.st_size == len) {
			char *old = ks_xmalloc(len + 1);

			same = fread(old, 1, len, f) == len && !memcmp(old, buf, len);
			free(old);
		}
		fclose(f);
	}
	if (same) {
		st->unchanged++;
		free(path);
		return 0;
	}
	tmp = ks_xasprintf("%s.tmp%ld", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) || rename(tmp, path)) {
		err = ks_err_set(KS_EIO, "cannot write %s: %s", path, strerror(errno));
		if (f)
			unlink(tmp);
	}
	st->written += !err;
	free(tmp);
	free(path);
	return err;
}

/* The history of one name in lineage @li from its occurrences. */
static int lineage_history(struct site *st, const char *name, size_t li,
			   const struct occ *o, size_t no, struct mx_lineage *l)
{
	struct ks_history *h;
	size_t i, k = 0;
	int err = 0;

	l->lineage = ks_xstrdup(st->lin[li]);
	l->nrel = st->nrel[li];
	l->rel = ks_xcalloc(l->nrel + 1, sizeof(char *));
	for (i = 0; i < l->nrel; i++)
		l->rel[i] = ks_xstrdup(st->rel[li][i]);
	if (!no)
		return 0;
	h = ks_xcalloc(1, sizeof(*h));
	h->lineage = ks_xstrdup(st->lin[li]);
	h->name = ks_xstrdup(name);
	h->variant = 1;
	h->n = l->nrel;
	h->e = ks_xcalloc(h->n + 1, sizeof(*h->e));
	for (i = 0; i < h->n; i++) {
		struct ks_hist_entry *e = &h->e[i];

		e->release = ks_xstrdup(st->rel[li][i]);
		if (k >= no || o[k].rel != i)
			continue;
		e->present = 1;
		memcpy(e->blob, o[k].blob, 41);
		k++;
		e->same_as_prev = i && h->e[i - 1].present && !strcmp(h->e[i - 1].blob, e->blob);
		if (!e->same_as_prev) {
			const struct cached *c = text_of(st->store, &st->texts, e->blob, &err);

			if (err || !c)
				break;
			e->text = ks_xmalloc(c->len + 1);
			memcpy(e->text, c->text, c->len + 1);
			e->len = c->len;
		}
	}
	if (err) {
		ks_history_free(h);
		return err;
	}
	return defs_parse(&l->d, h);
}

static void js_string(struct ks_buf *b, const char *s)
{
	ks_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			ks_buf_putc(b, '\\');
		if ((unsigned char)*s < ' ')
			ks_buf_printf(b, "\\u%04x", *s);
		else if (*s == '<')
			ks_buf_puts(b, "\\u003c");	/* never "</script>" */
		else
			ks_buf_putc(b, *s);
	}
	ks_buf_putc(b, '"');
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

/* The name's index row, search entry and pair-page entries. */
static void summarise(struct site *st, const struct matrix *m, const char *page)
{
	const struct mx_lineage *reg = m->regular;
	struct fields fields = { 0 };
	size_t k, i;

	ks_buf_printf(&st->index, "<tr data-name=\"%s\"><td><a href=\"%s\">%s</a>%s</td>",
		      m->name, page, m->name, m->kind[0] == 'u' ? " <i>union</i>" : "");
	for (k = 0; k < reg->nrel; k++) {
		const struct ks_def *a = k ? mx_def(reg, k - 1) : NULL, *b = mx_def(reg, k);
		struct ks_diff *d = NULL;
		int c;

		if (!b)
			c = a ? C_REMOVED : C_ABSENT;
		else if (!a)
			c = k ? C_ADDED : C_SAME;
		else if (!strcmp(reg->d.h->e[k - 1].blob, reg->d.h->e[k].blob))
			c = C_SAME;
		else {
			d = ks_diff_defs(a, b);
			c = d->ndecl ? C_CHANGED : d->n ? C_LAYOUT : C_SAME;
		}
		if (!k && b)
			c = C_SAME;	/* the first release: present */
		ks_buf_printf(&st->index, "<td class=\"%s\">%s</td>", cell_class[c], cell_sym[c]);
		if (k && c != C_ABSENT && c != C_SAME) {
			FILE *f = st->pair[k - 1];

			fprintf(f, "<li>\n<details>\n<summary><a href=\"../%s\">%s %s</a>: %s</summary>\n",
				page, m->kind, m->name, cell_class[c]);
			if (d)
				report_changes(f, d);
			fputs("</details>\n</li>\n", f);
			st->pair_count[k - 1]++;
		}
		ks_diff_free(d);
	}
	ks_buf_puts(&st->index, "</tr>\n");

	/* every field name any release had: a search finds removed ones too */
	ks_buf_printf(&st->search, "%s[", st->search.len > 20 ? ",\n" : "");
	js_string(&st->search, page);
	ks_buf_putc(&st->search, ',');
	js_string(&st->search, m->name);
	ks_buf_puts(&st->search, ",[");
	for (i = 0; i < m->n; i++) {
		const struct mx_lineage *l = &m->lin[i];

		for (k = 0; k < l->nrel; k++) {
			const struct ks_def *d = mx_def(l, k);
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
	ks_buf_puts(&st->search, "]]");
}

static int name_page(struct site *st, const struct occ *o, size_t no)
{
	struct matrix m = { 0 };
	const char *name = o[0].key + 2;
	char *page = ks_xasprintf("%c/%s.html", o[0].key[0], name);
	char *buf = NULL;
	size_t len = 0, li, a = 0, b, i;
	FILE *f;
	int err = 0;

	m.lin = ks_xcalloc(st->nlin + 1, sizeof(*m.lin));
	for (li = 0; li < st->nlin && !err; li++) {
		for (b = a; b < no && o[b].lin == li; b++)
			;
		err = lineage_history(st, name, li, o + a, b - a, &m.lin[m.n++]);
		a = b;
	}
	if (!err) {
		matrix_finish(&m);
		f = open_memstream(&buf, &len);
		report_write(f, &m, 1);
		fclose(f);
		err = put_file(st, page, buf, len);
		free(buf);
		summarise(st, &m, page);
	}
	for (i = 0; i < m.n; i++) {
		struct mx_lineage *l = &m.lin[i];

		for (b = 0; b < l->nrows; b++)
			ks_diff_free(l->rows[b].diff);
		free(l->rows);
		defs_free(&l->d);
		ks_strv_free(l->rel, l->nrel);
		free(l->lineage);
	}
	free(m.lin);
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

static int index_page(struct site *st)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t k, nreg = st->nrel[0];
	int err;

	ks_buf_printf(&b, page_head, "kstruct: kernel structs by release");
	ks_buf_puts(&b, "<h1>kstruct: kernel structs by release</h1>\n<p>Regular lineage <code>");
	ks_buf_printf(&b, "%s</code>; %zu other lineages in the struct pages. ", st->lin[0],
		      st->nlin - 1);
	ks_buf_puts(&b, "✓ present, + added, Δ changed, ↔ layout changed (moved or resized), "
		    "✗ removed, · absent; a release's name links to what changed in it.</p>\n<p><input id=\"search\" type=\"search\" "
		    "placeholder=\"struct or field name\" autofocus></p>\n<ul id=\"results\"></ul>\n"
		    "<table id=\"matrix\">\n<thead><tr><th>name</th>");
	for (k = 0; k < nreg; k++) {
		if (k)
			ks_buf_printf(&b, "<th class=\"release\"><a href=\"d/%s..%s.html\">%s</a></th>",
				      st->rel[0][k - 1], st->rel[0][k], st->rel[0][k]);
		else
			ks_buf_printf(&b, "<th class=\"release\">%s</th>", st->rel[0][k]);
	}
	ks_buf_puts(&b, "</tr></thead>\n<tbody>\n");
	ks_buf_add(&b, st->index.p, st->index.len);
	ks_buf_puts(&b, "</tbody>\n</table>\n<script src=\"search.js\"></script>\n");
	ks_buf_puts(&b, search_script);
	ks_buf_puts(&b, "</body>\n</html>\n");
	err = put_file(st, "index.html", b.p, b.len);
	ks_buf_free(&b);
	return err;
}

static int pair_pages(struct site *st)
{
	size_t k;
	int err = 0;

	for (k = 0; k + 1 < st->nrel[0] && !err; k++) {
		struct ks_buf b = KS_BUF_INIT;
		char *title = ks_xasprintf("Changes between %s and %s", st->rel[0][k],
					   st->rel[0][k + 1]);
		char *rel;

		fclose(st->pair[k]);
		st->pair[k] = NULL;
		ks_buf_printf(&b, page_head, title);
		ks_buf_printf(&b, "<h1>%s</h1>\n<p><a href=\"../index.html\">index</a> · %zu "
			      "structs and unions changed</p>\n<ul>\n", title, st->pair_count[k]);
		ks_buf_add(&b, st->pair_buf[k], st->pair_len[k]);
		ks_buf_puts(&b, "</ul>\n</body>\n</html>\n");
		rel = ks_xasprintf("d/%s..%s.html", st->rel[0][k], st->rel[0][k + 1]);
		err = put_file(st, rel, b.p, b.len);
		free(rel);
		free(title);
		ks_buf_free(&b);
	}
	return err;
}

/* OUTDIR is new, empty or ours; refuses anything else untouched. */
static int check_outdir(const char *out, char **old_manifest)
{
	char *mf = ks_xasprintf("%s/%s", out, MANIFEST);
	struct stat sb;
	FILE *f;
	int err = 0;

	*old_manifest = NULL;
	if (stat(out, &sb)) {
		if (mkdir(out, 0755))
			err = ks_err_set(KS_EIO, "cannot create %s: %s", out, strerror(errno));
	} else if (!S_ISDIR(sb.st_mode)) {
		err = ks_err_set(KS_EEXISTS, "%s exists and is not a folder", out);
	} else if ((f = fopen(mf, "r"))) {
		struct ks_buf b = KS_BUF_INIT;
		char chunk[4096];
		size_t n;

		while ((n = fread(chunk, 1, sizeof(chunk), f)))
			ks_buf_add(&b, chunk, n);
		fclose(f);
		if (b.len < strlen(MANIFEST_HEAD) || memcmp(b.p, MANIFEST_HEAD, strlen(MANIFEST_HEAD)))
			err = ks_err_set(KS_EEXISTS, "%s has a %s that kstruct did not write; "
					 "choose another folder", out, MANIFEST);
		else
			*old_manifest = ks_buf_detach(&b, NULL);
		ks_buf_free(&b);
	} else {
		DIR *d = opendir(out);
		struct dirent *e;

		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				err = 1;
		if (d)
			closedir(d);
		if (err)
			err = ks_err_set(KS_EEXISTS, "%s exists and is not a kstruct site (no %s); "
					 "choose a new or empty folder", out, MANIFEST);
	}
	free(mf);
	return err;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The manifest names what this run wrote; pages of names or pairs no
 * longer in the store go. */
static int finish_manifest(struct site *st, char *old)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i, removed = 0;
	char *line, *save = NULL;
	int err;

	qsort(st->files, st->nfiles, sizeof(char *), cmp_strp);
	for (line = old ? strtok_r(old + strlen(MANIFEST_HEAD), "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *path;

		if (strstr(line, "..") == line || line[0] == '/' || strstr(line, "/../") ||
		    bsearch(&line, st->files, st->nfiles, sizeof(char *), cmp_strp))
			continue;
		path = ks_xasprintf("%s/%s", st->out, line);
		removed += !unlink(path);
		free(path);
	}
	ks_buf_puts(&b, MANIFEST_HEAD);
	for (i = 0; i < st->nfiles; i++)
		ks_buf_printf(&b, "%s\n", st->files[i]);
	{
		/* not a page: written aside from the counts */
		size_t w = st->written, u = st->unchanged;

		err = put_file(st, MANIFEST, b.p, b.len);
		st->written = w;
		st->unchanged = u;
		free(st->files[--st->nfiles]);
	}
	ks_buf_free(&b);
	if (removed)
		printf("removed %zu pages of names no longer in the store\n", removed);
	return err;
}

static int build(struct site *st)
{
	struct walk w = { 0 };
	size_t li, k, i, j;
	int err = 0;

	err = ks_store_list_lineages(st->store, &st->lin, &st->nlin);
	if (err)
		return err;
	/* the regular lineage first */
	for (li = 0; li < st->nlin; li++)
		if (!strcmp(st->lin[li], ks_store_default_lineage(st->store)) && li) {
			char *t = st->lin[0];

			st->lin[0] = st->lin[li];
			st->lin[li] = t;
		}
	if (!st->nlin || strcmp(st->lin[0], ks_store_default_lineage(st->store)))
		return ks_err_set(KS_ENOTFOUND, "no release of the regular lineage %s in the "
				  "store (see 'kstruct config regular')",
				  ks_store_default_lineage(st->store));
	st->rel = ks_xcalloc(st->nlin, sizeof(*st->rel));
	st->nrel = ks_xcalloc(st->nlin, sizeof(*st->nrel));
	for (li = 0; li < st->nlin && !err; li++) {
		err = ks_store_lineage_releases(st->store, st->lin[li], &st->rel[li], &st->nrel[li]);
		for (k = 0; k < st->nrel[li] && !err; k++) {
			w.lin = (unsigned short)li;
			w.rel = (unsigned int)k;
			err = ks_store_foreach_blob(st->store, st->lin[li], st->rel[li][k], collect, &w);
		}
	}
	if (err)
		goto out;
	qsort(w.v, w.n, sizeof(*w.v), cmp_occ);
	/* distinct blob ids: the text cache's slots */
	st->texts.v = ks_xcalloc(w.n + 1, sizeof(*st->texts.v));
	for (i = 0; i < w.n; i++)
		memcpy(st->texts.v[i].blob, w.v[i].blob, 41);
	qsort(st->texts.v, w.n, sizeof(*st->texts.v), cmp_cached);
	for (i = 0, j = 0; i < w.n; i++)
		if (!j || strcmp(st->texts.v[j - 1].blob, st->texts.v[i].blob))
			st->texts.v[j++] = st->texts.v[i];
	st->texts.n = j;

	for (k = 0; k < 3; k++) {
		char *sub = ks_xasprintf("%s/%c", st->out, "sud"[k]);

		mkdir(sub, 0755);
		free(sub);
	}
	st->pair = ks_xcalloc(st->nrel[0] + 1, sizeof(FILE *));
	st->pair_buf = ks_xcalloc(st->nrel[0] + 1, sizeof(char *));
	st->pair_len = ks_xcalloc(st->nrel[0] + 1, sizeof(size_t));
	st->pair_count = ks_xcalloc(st->nrel[0] + 1, sizeof(size_t));
	for (k = 0; k + 1 < st->nrel[0]; k++)
		st->pair[k] = open_memstream(&st->pair_buf[k], &st->pair_len[k]);
	ks_buf_puts(&st->search, "window.KS_SEARCH=[\n");
	for (i = 0; i < w.n && !err; i = j) {
		for (j = i; j < w.n && !strcmp(w.v[j].key, w.v[i].key); j++)
			;
		err = name_page(st, w.v + i, j - i);
	}
	ks_buf_puts(&st->search, "];\n");
	if (!err)
		err = pair_pages(st);
	if (!err)
		err = put_file(st, "search.js", st->search.p, st->search.len);
	if (!err)
		err = index_page(st);
out:
	for (i = 0; i < w.n; i++)
		free(w.v[i].key);
	free(w.v);
	return err;
}

static void site_free(struct site *st)
{
	size_t i;

	for (i = 0; st->pair && i < st->nrel[0]; i++) {
		if (st->pair[i])
			fclose(st->pair[i]);
		free(st->pair_buf[i]);
	}
	free(st->pair);
	free(st->pair_buf);
	free(st->pair_len);
	free(st->pair_count);
	for (i = 0; st->rel && i < st->nlin; i++)
		ks_strv_free(st->rel[i], st->nrel[i]);
	ks_strv_free(st->lin, st->nlin);
	free(st->rel);
	free(st->nrel);
	for (i = 0; i < st->texts.n; i++)
		free(st->texts.v[i].text);
	free(st->texts.v);
	ks_buf_free(&st->index);
	ks_buf_free(&st->search);
	ks_strv_free(st->files, st->nfiles);
}

int do_site(int argc, char **argv)
{
	struct site st = { 0 };
	char *old = NULL;
	struct timespec t0, t1;
	int n, err;

	if ((err = parse_opts(&site_cmd, argc, argv, &n)) >= 0)
		return err;
	if (n != 1)
		return usage_err(&site_cmd, "name one OUTDIR");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = open_store(&st.store)))
		return err;
	st.out = argv[1];
	err = check_outdir(st.out, &old);
	if (!err)
		err = build(&st);
	if (!err)
		err = finish_manifest(&st, old);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err)
		printf("%s: %zu pages, %zu written, %zu unchanged (%.1f s)\n", st.out,
		       st.written + st.unchanged, st.written, st.unchanged,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(old);
	site_free(&st);
	ks_store_free(st.store);
	return err ? fail(err) : EXIT_OK;
}
