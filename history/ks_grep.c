#include "ks_grep.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_canon_parse.h"
#include "ks_err.h"
#include "ks_kind.h"
#include "ks_strmap.h"
#include "ks_snapshot.h"


/* The member names of one text that match. */
struct members {
	char **v;
	size_t n;
};

struct walk {
	struct ks_store *store;
	const struct ks_grep_opts *o;
	const char *pattern;
	const char *literal;	/* the pattern when it has no wildcard */
	unsigned int kinds;
	struct ks_grep *g;
	size_t hcap;
	struct ks_strmap hits;	/* kind:name.member -> index into hits */
	struct ks_strmap blobs;	/* blob id -> index into lists */
	struct members *lists;
	size_t nlists, lcap;
	size_t lin, rel;	/* where the walk is */
};

static int has_wildcard(const char *p)
{
	return strpbrk(p, "*?[\\") != NULL;
}

static void mark(struct walk *w, const char *kind, const char *name, const char *member)
{
	struct ks_grep *g = w->g;
	char *key = ks_xasprintf("%s:%s.%s", kind, name, member ? member : "");
	int found;
	struct ks_strmap_val *slot = ks_strmap_slot(&w->hits, key, &found);
	struct ks_grep_hit *h;

	free(key);
	if (!found) {
		if (g->n == w->hcap) {
			w->hcap = w->hcap ? 2 * w->hcap : 64;
			g->hits = ks_xrealloc(g->hits, w->hcap * sizeof(*g->hits));
		}
		h = &g->hits[g->n];
		memset(h, 0, sizeof(*h));
		h->kind = ks_kind_canonical(kind);
		h->name = ks_xstrdup(name);
		h->member = member ? ks_xstrdup(member) : NULL;
		h->in = ks_xcalloc(g->nlin + 1, sizeof(*h->in));
		slot->n = g->n++;
	}
	h = &g->hits[slot->n];
	if (!h->in[w->lin])
		h->in[w->lin] = ks_xcalloc(g->lin[w->lin].n + 1, 1);
	h->in[w->lin][w->rel] = 1;
}

/* The members of blob @hex whose names match, read once per blob. */
static int blob_members(struct walk *w, const char *name, const char *hex,
			const struct members **out)
{
	int found, err;
	struct ks_strmap_val *slot = ks_strmap_slot(&w->blobs, hex, &found);
	size_t i;
	struct members *ms;
	struct ks_def *def = NULL;
	char *text = NULL;
	size_t len;

	if (found) {
		*out = &w->lists[slot->n];
		return 0;
	}
	if (w->nlists == w->lcap) {
		w->lcap = w->lcap ? 2 * w->lcap : 256;
		w->lists = ks_xrealloc(w->lists, w->lcap * sizeof(*w->lists));
	}
	slot->n = w->nlists;
	ms = &w->lists[w->nlists++];
	memset(ms, 0, sizeof(*ms));
	*out = ms;
	if ((err = ks_store_read_blob(w->store, hex, &text, &len)))
		return err;
	/* most texts cannot contain a literal name: skip their parse */
	if (w->literal && !strstr(text, w->literal)) {
		free(text);
		return 0;
	}
	err = ks_canon_parse_named(&def, text, len, name, w->g->lin[w->lin].releases[w->rel]);
	free(text);
	if (err)
		return err;
	for (i = 0; i < def->n; i++) {
		const char *m = def->members[i].name;
		size_t k;
		int dup = 0;

		if (!m[0] || fnmatch(w->pattern, m, 0))
			continue;
		for (k = 0; k < ms->n && !dup; k++)
			dup = !strcmp(ms->v[k], m);
		if (dup)	/* the same name in two anonymous unions */
			continue;
		ms->v = ks_xrealloc(ms->v, (ms->n + 1) * sizeof(*ms->v));
		ms->v[ms->n++] = ks_xstrdup(m);
	}
	ks_def_free(def);
	return 0;
}

static int on_blob(const char *kind, const char *name, unsigned int variant,
		   const char *blob_hex, void *ctx)
{
	struct walk *w = ctx;
	enum ks_kind k;
	const struct members *ms;
	size_t i;
	int err;

	(void)variant;
	k = ks_kind_of(kind);
	if (k == KS_KIND_COUNT || !(w->kinds & (1u << k)))
		return 0;
	if (!w->o->member) {
		if (!fnmatch(w->pattern, name, 0))
			mark(w, kind, name, NULL);
		return 0;
	}
	if ((err = blob_members(w, name, blob_hex, &ms)))
		return err;
	for (i = 0; i < ms->n; i++)
		mark(w, kind, name, ms->v[i]);
	return 0;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct ks_grep_hit *x = a, *y = b;
	enum ks_kind kx = ks_kind_of(x->kind), ky = ks_kind_of(y->kind);
	int c;

	if (kx != ky)
		return kx < ky ? -1 : 1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	return strcmp(x->member ? x->member : "", y->member ? y->member : "");
}

static int walk_lineage(struct walk *w, const char *lineage)
{
	struct ks_release_list *rl = NULL;
	struct ks_grep_lineage *l = &w->g->lin[w->lin];
	size_t i;
	int err = ks_store_list_releases(w->store, lineage, &rl);

	if (err)
		return err;
	l->lineage = ks_xstrdup(lineage);
	l->releases = ks_xcalloc(rl->n + 1, sizeof(*l->releases));
	l->recorded = ks_xcalloc(rl->n + 1, 1);
	l->n = rl->n;
	for (i = 0; i < rl->n; i++)
		l->releases[i] = ks_xstrdup(rl->items[i].release);
	for (i = 0; i < rl->n && !err; i++) {
		l->recorded[i] = (rl->items[i].recorded & w->kinds) != 0;
		if (!l->recorded[i]) {
			l->not_recorded++;
			continue;
		}
		w->rel = i;
		err = ks_store_foreach_blob(w->store, lineage, rl->items[i].release, w->kinds,
					    on_blob, w);
	}
	ks_release_list_free(rl);
	return err;
}

int ks_grep_run(struct ks_store *store, const struct ks_grep_opts *o, struct ks_grep **out)
{
	struct walk w = { .store = store, .o = o };
	struct ks_grep *g = ks_xcalloc(1, sizeof(*g));
	char **lineages = NULL;
	size_t nl = 0, i;
	int has_kind, err;
	enum ks_kind k;

	w.g = g;
	if ((err = ks_kind_split(o->pattern, &has_kind, &k, &w.pattern)))
		goto out;
	w.kinds = has_kind ? 1u << k : o->kinds ? o->kinds : KS_KINDS_ALL;
	if (has_kind && o->kinds && !(o->kinds & (1u << k))) {
		err = ks_err_set(KS_EINVAL, "'%s' names a %s, but --kind asks for others",
				 o->pattern, ks_kind_name(k));
		goto out;
	}
	if (!w.pattern[0]) {
		err = ks_err_set(KS_EINVAL, "empty pattern");
		goto out;
	}
	w.literal = has_wildcard(w.pattern) ? NULL : w.pattern;
	if (o->lineage) {
		lineages = ks_xcalloc(1, sizeof(*lineages));
		lineages[0] = ks_xstrdup(o->lineage);
		nl = 1;
	} else if ((err = ks_store_list_lineages(store, &lineages, &nl))) {
		goto out;
	}
	g->lin = ks_xcalloc(nl + 1, sizeof(*g->lin));
	g->nlin = nl;
	for (i = 0; i < nl && !err; i++) {
		w.lin = i;
		err = walk_lineage(&w, lineages[i]);
	}
	if (!err)
		qsort(g->hits, g->n, sizeof(*g->hits), hit_cmp);
out:
	ks_strv_free(lineages, nl);
	ks_strmap_free(&w.hits, 0);
	ks_strmap_free(&w.blobs, 0);
	for (i = 0; i < w.nlists; i++) {
		size_t j;

		for (j = 0; j < w.lists[i].n; j++)
			free(w.lists[i].v[j]);
		free(w.lists[i].v);
	}
	free(w.lists);
	if (err) {
		ks_grep_free(g);
		return err;
	}
	*out = g;
	return 0;
}

void ks_grep_free(struct ks_grep *g)
{
	size_t i, j;

	if (!g)
		return;
	for (i = 0; i < g->n; i++) {
		for (j = 0; j < g->nlin; j++)
			free(g->hits[i].in[j]);
		free(g->hits[i].in);
		free(g->hits[i].name);
		free(g->hits[i].member);
	}
	free(g->hits);
	for (i = 0; i < g->nlin; i++) {
		for (j = 0; j < g->lin[i].n; j++)
			free(g->lin[i].releases[j]);
		free(g->lin[i].releases);
		free(g->lin[i].recorded);
		free(g->lin[i].lineage);
	}
	free(g->lin);
	free(g);
}

void ks_grep_runs(const unsigned char *in, size_t n, ks_grep_run_fn fn, void *ctx)
{
	size_t i = 0, start;

	while (in && i < n) {
		if (!in[i]) {
			i++;
			continue;
		}
		for (start = i; i < n && in[i]; i++)
			;
		fn(start, i - 1, ctx);
	}
}
