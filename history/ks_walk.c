#include "ks_walk.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_kind.h"

struct ks_walk_key {
	char *name;
	unsigned int kind;	/* enum ks_kind: sorts by the kind table */
	unsigned int variant;
	size_t first, n;	/* its slice of ks_walk.occ */
};

struct ks_walk_text {
	char blob[41];
	char *text;		/* NULL until read */
	size_t len;
};

/* While collecting: one definition with its name. */
struct seen {
	struct ks_walk_key k;
	struct ks_walk_occ o;
};

struct collect {
	struct seen *v;
	size_t n, cap;
	unsigned short lin;
	unsigned int rel;
	unsigned int kinds;
};

static int collect(const char *kind, const char *name, unsigned int variant,
		   const char *blob, void *ctx)
{
	struct collect *c = ctx;
	struct seen *s;
	enum ks_kind k;

	k = ks_kind_of(kind);
	if (k == KS_KIND_COUNT || !(c->kinds & (1u << k)))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1 << 16;
		c->v = ks_xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	s = &c->v[c->n++];
	s->k.name = ks_xstrdup(name);
	s->k.kind = k;
	s->k.variant = variant;
	s->o.lin = c->lin;
	s->o.rel = c->rel;
	memcpy(s->o.blob, blob, 41);
	return 0;
}

static int cmp_key(const struct ks_walk_key *x, const struct ks_walk_key *y)
{
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((c = strcmp(x->name, y->name)))
		return c;
	return x->variant < y->variant ? -1 : x->variant > y->variant;
}

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = cmp_key(&x->k, &y->k);

	if (c)
		return c;
	if (x->o.lin != y->o.lin)
		return x->o.lin < y->o.lin ? -1 : 1;
	return x->o.rel < y->o.rel ? -1 : x->o.rel > y->o.rel;
}

static int cmp_text(const void *a, const void *b)
{
	return strcmp(((const struct ks_walk_text *)a)->blob,
		      ((const struct ks_walk_text *)b)->blob);
}

/* Every lineage and its releases, the regular lineage first. */
static int list(struct ks_walk *w)
{
	const char *regular = ks_store_default_lineage(w->store);
	size_t li;
	int err = ks_store_list_lineages(w->store, &w->lin, &w->nlin);

	if (err)
		return err;
	for (li = 1; li < w->nlin; li++)
		if (!strcmp(w->lin[li], regular)) {
			char *t = w->lin[0];

			w->lin[0] = w->lin[li];
			w->lin[li] = t;
		}
	if (!w->nlin || strcmp(w->lin[0], regular))
		return ks_err_set(KS_ENOTFOUND, "no release of the regular lineage %s in the "
				  "store (see 'kstruct config regular')", regular);
	w->rel = ks_xcalloc(w->nlin, sizeof(*w->rel));
	w->nrel = ks_xcalloc(w->nlin, sizeof(*w->nrel));
	for (li = 0; li < w->nlin && !err; li++)
		err = ks_store_lineage_releases(w->store, w->lin[li], &w->rel[li], &w->nrel[li]);
	return err;
}

/* Sorted definitions become the names, their slices and the text slots. */
static void index_seen(struct ks_walk *w, struct seen *v, size_t n)
{
	size_t i, j;

	qsort(v, n, sizeof(*v), cmp_seen);
	w->occ = ks_xcalloc(n + 1, sizeof(*w->occ));
	w->keys = ks_xcalloc(n + 1, sizeof(*w->keys));
	w->cache = ks_xcalloc(n + 1, sizeof(*w->cache));
	for (i = 0; i < n; i++) {
		w->occ[i] = v[i].o;
		memcpy(w->cache[i].blob, v[i].o.blob, 41);
		if (w->nkeys && !cmp_key(&w->keys[w->nkeys - 1], &v[i].k)) {
			free(v[i].k.name);
			w->keys[w->nkeys - 1].n++;
			continue;
		}
		w->keys[w->nkeys] = v[i].k;
		w->keys[w->nkeys].first = i;
		w->keys[w->nkeys].n = 1;
		w->nkeys++;
	}
	qsort(w->cache, n, sizeof(*w->cache), cmp_text);
	for (i = 0, j = 0; i < n; i++)
		if (!j || strcmp(w->cache[j - 1].blob, w->cache[i].blob))
			w->cache[j++] = w->cache[i];
	w->texts = j;
}

int ks_walk_new(struct ks_walk **out, struct ks_store *store, unsigned int kinds)
{
	struct ks_walk *w = ks_xcalloc(1, sizeof(*w));
	struct collect c = { .kinds = kinds };
	size_t li, k, i;
	int err;

	*out = NULL;
	w->store = store;
	err = list(w);
	for (li = 0; li < w->nlin && !err; li++) {
		for (k = 0; k < w->nrel[li] && !err; k++) {
			c.lin = (unsigned short)li;
			c.rel = (unsigned int)k;
			err = ks_store_foreach_blob(store, w->lin[li], w->rel[li][k], kinds, collect,
						    &c);
		}
	}
	if (err) {
		for (i = 0; i < c.n; i++)
			free(c.v[i].k.name);
		free(c.v);
		ks_walk_free(w);
		return err;
	}
	index_seen(w, c.v, c.n);
	free(c.v);
	*out = w;
	return 0;
}

void ks_walk_free(struct ks_walk *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; w->rel && i < w->nlin; i++)
		ks_strv_free(w->rel[i], w->nrel[i]);
	ks_strv_free(w->lin, w->nlin);
	free(w->rel);
	free(w->nrel);
	for (i = 0; i < w->nkeys; i++)
		free(w->keys[i].name);
	free(w->keys);
	free(w->occ);
	for (i = 0; i < w->texts; i++)
		free(w->cache[i].text);
	free(w->cache);
	free(w);
}

int ks_walk_next(const struct ks_walk *w, size_t *pos, struct ks_walk_name *out)
{
	const struct ks_walk_key *k;

	if (*pos >= w->nkeys)
		return 0;
	k = &w->keys[(*pos)++];
	out->kind = ks_kind_name((enum ks_kind)k->kind);
	out->name = k->name;
	out->variant = k->variant;
	out->occ = w->occ + k->first;
	out->nocc = k->n;
	return 1;
}

int ks_walk_read_text(struct ks_walk *w, const char *blob, const char **text, size_t *len)
{
	struct ks_walk_text key, *hit;
	int err;

	memcpy(key.blob, blob, 41);
	key.blob[40] = '\0';
	hit = bsearch(&key, w->cache, w->texts, sizeof(*w->cache), cmp_text);
	if (!hit)
		return ks_err_set(KS_ENOTFOUND, "blob %.40s is not one the walk saw", blob);
	if (!hit->text) {
		if ((err = ks_store_read_blob(w->store, hit->blob, &hit->text, &hit->len)))
			return err;
		w->reads++;
	}
	*text = hit->text;
	*len = hit->len;
	return 0;
}

int ks_walk_history(struct ks_walk *w, const struct ks_walk_name *nm, size_t li,
		    struct ks_history **out)
{
	const struct ks_walk_occ *o = nm->occ;
	struct ks_history *h;
	size_t i, k = 0, no;
	int err = 0;

	*out = NULL;
	while (o < nm->occ + nm->nocc && o->lin < li)
		o++;
	for (no = 0; o + no < nm->occ + nm->nocc && o[no].lin == li; no++)
		;
	if (!no)
		return 0;
	h = ks_xcalloc(1, sizeof(*h));
	h->lineage = ks_xstrdup(w->lin[li]);
	h->name = ks_xstrdup(nm->name);
	h->variant = nm->variant;
	h->kind = nm->kind;
	h->n = w->nrel[li];
	h->e = ks_xcalloc(h->n + 1, sizeof(*h->e));
	for (i = 0; i < h->n && !err; i++) {
		struct ks_hist_entry *e = &h->e[i];
		const char *text;

		e->release = ks_xstrdup(w->rel[li][i]);
		/* the walk reads structs and unions, which every release records */
		e->recorded = 1;
		if (k >= no || o[k].rel != i)
			continue;
		e->present = 1;
		e->kind = nm->kind;
		memcpy(e->blob, o[k].blob, 41);
		k++;
		e->same_as_prev = i && h->e[i - 1].present && !strcmp(h->e[i - 1].blob, e->blob);
		if (e->same_as_prev || (err = ks_walk_read_text(w, e->blob, &text, &e->len)))
			continue;
		e->text = ks_xmalloc(e->len + 1);
		memcpy(e->text, text, e->len + 1);
	}
	if (err) {
		ks_history_free(h);
		return err;
	}
	*out = h;
	return 0;
}
