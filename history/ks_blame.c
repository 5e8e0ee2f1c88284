#include "ks_blame.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_diff.h"
#include "ks_err.h"
#include "ks_steps.h"
#include "ks_suggest.h"

/* ---- blame NAME ---- */

/* The difference from release @i to the next release that defines the
 * type, made once per release for all members. */
static const struct ks_diff *step_diff(const struct ks_defs *d, struct ks_diff **cache, int i)
{
	int j;

	if (cache[i])
		return cache[i];
	for (j = i + 1; j < (int)d->h->n && !d->def[j]; j++)
		;
	if (j == (int)d->h->n || d->def[j] == d->def[i])
		return NULL;
	cache[i] = ks_diff_defs(d->def[i], d->def[j]);
	return cache[i];
}

/* The oldest release with a member of @m's name, or of the names it had
 * before renames: going back, a release without the name that renamed a
 * member into it continues the search under the old name. */
static void first_seen(const struct ks_defs *d, struct ks_diff **cache, int follow,
		       struct ks_blame_member *bm, int newest)
{
	const char *name = bm->m->name;
	int i;

	for (i = newest - 1; i >= 0 && name[0]; i--) {
		const char *from;

		if (!d->def[i])
			continue;
		if (ks_def_member(d->def[i], name)) {
			bm->first = i < bm->first ? i : bm->first;
			continue;
		}
		from = follow ? ks_diff_renamed_from(step_diff(d, cache, i), name) : NULL;
		if (from) {
			name = from;
			bm->first = i;
			bm->first_name = from;
		}
	}
	if (bm->first_name && !strcmp(bm->first_name, bm->m->name))
		bm->first_name = NULL;
}

int ks_blame_type(struct ks_store *s, const char *lineage, const char *name,
		  unsigned int flags, struct ks_blame **out)
{
	struct ks_blame *b = ks_xcalloc(1, sizeof(*b));
	struct ks_history *h = NULL;
	struct ks_diff **cache;
	size_t k;
	int err = ks_store_history_lazy(s, lineage, name, &h), i;

	if (!err)
		err = ks_blame__type_kept(s, &h, flags, b);
	if (err <= 0) {
		if (!err) {
			*out = b;
			return 0;
		}
		ks_history_free(h);
		free(b);
		return err;
	}
	/* the plain way, from the history read once */
	err = h ? ks_defs_complete(s, &b->d, h) : ks_defs_load(s, lineage, name, &b->d);
	if (err) {
		free(b);
		return err;
	}
	b->newest = ks_defs_newest(&b->d);
	b->cur = b->d.def[b->newest];
	b->n = b->cur->n;
	b->members = ks_xcalloc(b->n + 1, sizeof(*b->members));
	cache = ks_xcalloc(b->d.h->n + 1, sizeof(*cache));
	for (k = 0; k < b->n; k++) {
		struct ks_blame_member *bm = &b->members[k];
		const struct ks_member *m = &b->cur->members[k];

		bm->m = m;
		bm->since = ks_defs_since(&b->d, b->newest, m);
		bm->first = bm->since;
		/* the name may be older than its present declaration */
		first_seen(&b->d, cache, !(flags & KS_DIFF_NO_RENAMES), bm, b->newest);
	}
	for (i = 0; i < (int)b->d.h->n; i++)
		ks_diff_free(cache[i]);
	free(cache);
	*out = b;
	return 0;
}

void ks_blame_free(struct ks_blame *b)
{
	if (!b)
		return;
	free(b->members);
	ks_defs_free(&b->d);
	ks_blame__keep_free(&b->keep);
	free(b);
}

/* ---- blame NAME.FIELD ---- */

#define MAX_FIELDS 32
#define MAX_TYPES 16

/* Where a path lands in one release. */
struct hit {
	int present;
	const char *decl;
	const struct ks_member *m;	/* the field itself */
	unsigned long long offset;	/* bits from the start of the outer type */
	/* the definition at each step of the path, as far as it reached */
	const struct ks_def *level[MAX_FIELDS];
};

struct ks_blame_path {
	struct ks_store *store;
	const char *lineage;
	char *copy;			/* the path, cut at the dots */
	char *fields[MAX_FIELDS];
	size_t nf;
	struct ks_defs root;
	struct ks_defs cache[MAX_TYPES];	/* the types the path passes through */
	char *cache_names[MAX_TYPES];
	size_t ncache;
	struct ks_blame_keep keep;	/* a one-field path read from kept steps */
};

static void path_free(struct ks_blame_path *pc)
{
	size_t i;

	if (!pc)
		return;
	for (i = 0; i < pc->ncache; i++) {
		ks_defs_free(&pc->cache[i]);
		free(pc->cache_names[i]);
	}
	ks_defs_free(&pc->root);
	ks_blame__keep_free(&pc->keep);
	free(pc->copy);
	free(pc);
}

/* "struct sched_entity se" or "struct foo arr[4]" names an embedded
 * type that a path can follow; pointers and typedefs cannot be. */
static char *embedded_type(const struct ks_member *m)
{
	const char *d = m->decl, *sp;
	size_t kl, nl = strlen(m->name);

	if (!strncmp(d, "struct ", 7))
		kl = 7;
	else if (!strncmp(d, "union ", 6))
		kl = 6;
	else
		return NULL;
	sp = strchr(d + kl, ' ');
	if (!sp || sp[-1] == '{' || strncmp(sp + 1, m->name, nl) ||
	    (sp[1 + nl] && sp[1 + nl] != '['))
		return NULL;
	/* "union NAME": a struct of the same name must not be taken for it */
	return ks_xstrndup(d, (size_t)(sp - d));
}

static struct ks_defs *type_defs(struct ks_blame_path *pc, const char *name, int *err)
{
	struct ks_defs *d;
	size_t i;

	for (i = 0; i < pc->ncache; i++)
		if (!strcmp(pc->cache_names[i], name))
			return pc->cache[i].h ? &pc->cache[i] : NULL;
	if (pc->ncache == MAX_TYPES)
		return NULL;
	d = &pc->cache[pc->ncache];
	pc->cache_names[pc->ncache++] = ks_xstrdup(name);
	*err = ks_defs_load(pc->store, pc->lineage, name, d);
	if (*err == KS_ENOTFOUND)
		*err = 0;	/* a type the store does not have: the path stops */
	return *err || !d->h ? NULL : d;
}

/* Resolves the path, its fields named @names, from the root's
 * definition in release @i. */
static int resolve(struct ks_blame_path *pc, size_t i, const char *const *names,
		   const struct ks_member *const *at, struct hit *hit)
{
	/* with @at, the first field in each release comes from the kept
	 * steps, and the root's definitions are not loaded */
	const struct ks_def *def = at ? NULL : pc->root.def[i];
	unsigned long long base = 0;
	size_t k;
	int err = 0;

	memset(hit, 0, sizeof(*hit));
	for (k = 0; k < pc->nf && (def || (at && !k)); k++) {
		const struct ks_member *m = at && !k ? at[i] : ks_def_member(def, names[k]);
		char *tname;
		struct ks_defs *td;

		hit->level[k] = def;
		if (!m)
			return 0;
		if (k == pc->nf - 1) {
			hit->present = 1;
			hit->decl = m->decl;
			hit->m = m;
			/* a parameter is found by its place, not an offset */
			hit->offset = m->positional ? m->index : base + m->offset_bits;
			return 0;
		}
		tname = embedded_type(m);
		if (!tname)
			return 0;
		td = type_defs(pc, tname, &err);
		free(tname);
		if (err || !td)
			return err;
		base += m->offset_bits;
		def = td->def[i];
	}
	return err;
}

/* Why a path resolves in no release: walked in the newest release that
 * has the type, to name the step that fails and offer close names. */
static int explain_missing(struct ks_blame_path *pc, const char *name, const char *field)
{
	int newest = ks_defs_newest(&pc->root), err = 0;
	const struct ks_def *def = pc->root.def[newest];
	struct ks_suggest *sg;
	char *close, *where = ks_xstrdup(name);
	size_t k, i;

	for (k = 0; k < pc->nf; k++) {
		const struct ks_member *m = ks_def_member(def, pc->fields[k]);
		char *tname, *next;
		struct ks_defs *td;

		if (!m)
			break;
		tname = embedded_type(m);
		if (!tname) {
			err = ks_err_set(KS_ENOTFOUND, "cannot follow %s.%s: '%s' is not an "
					 "embedded struct or union", where, pc->fields[k], m->decl);
			free(where);
			return err;
		}
		td = type_defs(pc, tname, &err);
		if (err || !td || !td->def[newest]) {
			if (!err)
				err = ks_err_set(KS_ENOTFOUND, "cannot follow %s.%s: no "
						 "definition of %s in %s", where, pc->fields[k],
						 tname, pc->root.h->e[newest].release);
			free(tname);
			free(where);
			return err;
		}
		next = ks_xasprintf("%s.%s", where, pc->fields[k]);
		free(where);
		where = next;
		free(tname);
		def = td->def[newest];
	}
	sg = ks_suggest_new(k < pc->nf ? pc->fields[k] : "");
	for (i = 0; i < def->n; i++)
		if (def->members[i].name[0])
			ks_suggest_add(sg, def->members[i].name);
	close = ks_suggest_result(sg, 5);
	err = ks_err_set(KS_ENOTFOUND, "%s has no field %s in any release of %s%s%s%s",
			 name, field, pc->lineage, close ? "; did you mean " : "",
			 close ? close : "", close ? "?" : "");
	free(close);
	free(where);
	ks_suggest_free(sg);
	return err;
}

/* The events of the field from where it lands in each release. */
static void tell(struct ks_blame_story *st, const struct hit *hits, size_t n)
{
	size_t i;
	int seen = 0;

	st->last = -1;
	for (i = 0; i < n; i++) {
		const struct hit *h = &hits[i], *p = i ? &hits[i - 1] : NULL;
		struct ks_blame_event *e = &st->events[st->nevents];
		int happened = 1;

		e->release = i;
		e->decl = h->decl;
		e->offset = h->offset;
		e->positional = h->m ? h->m->positional : p && p->m && p->m->positional;
		if (h->present && !seen)
			e->what = KS_BLAME_ADDED;
		else if (h->present && p && !p->present)
			e->what = KS_BLAME_READDED;
		else if (!h->present && p && p->present)
			e->what = KS_BLAME_REMOVED, e->decl = p->decl, e->offset = p->offset;
		else if (h->present && strcmp(h->m->name, p->m->name))
			e->what = KS_BLAME_RENAMED, e->old_name = p->m->name, e->old_decl = p->decl;
		else if (h->present && strcmp(h->decl, p->decl))
			e->what = KS_BLAME_TYPE_CHANGED;
		else if (h->present && h->offset != p->offset)
			e->what = KS_BLAME_MOVED;
		else
			happened = 0;
		if (h->present)
			seen = 1, st->last = (int)i;
		st->nevents += happened;
	}
}

/* Every release, newest first: where the path ends under its present
 * names, or, going back past a release that renamed a field of it, under
 * the names it had before. */
static int resolve_all(struct ks_blame_path *pc, const struct ks_member *const *at,
		       struct hit *hits, size_t n, int follow)
{
	const char *names[MAX_FIELDS];
	size_t i, k;
	int err = 0;

	for (k = 0; k < pc->nf; k++)
		names[k] = pc->fields[k];
	for (i = n; i-- > 0 && !err;) {
		err = resolve(pc, i, names, at, &hits[i]);
		if (err || hits[i].present || !follow || i + 1 == n || !hits[i + 1].present)
			continue;
		/* the kept steps followed the first field's renames already */
		for (k = at ? 1 : 0; k < pc->nf && !err && !hits[i].present; k++) {
			const struct ks_def *o = hits[i].level[k], *nw = hits[i + 1].level[k];
			struct ks_diff *d;
			const char *from;

			if (!o || !nw)
				break;
			if (ks_def_member(o, names[k]))
				continue;
			d = ks_diff_defs(o, nw);
			from = ks_diff_renamed_from(d, names[k]);
			ks_diff_free(d);
			if (!from)
				break;
			names[k] = from;	/* borrowed from o, which the path keeps */
			err = resolve(pc, i, names, at, &hits[i]);
		}
	}
	return err;
}

/* The kept steps follow a rename of the first field where that field
 * is in the newer release; a walk of parsed definitions, where the whole
 * path is. They agree unless a rename was followed into a release where
 * the path does not resolve: then the answer is computed the plain way. */
static int kept_agrees(const struct hit *hits, const unsigned char *renamed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (renamed[i] && !hits[i].present)
			return 0;
	return 1;
}

/* Back to nothing kept: the plain way loads the root's definitions. */
static void unkeep(struct ks_blame_path *pc, struct hit **hits)
{
	free(*hits);
	*hits = NULL;
	ks_defs_free(&pc->root);
	ks_blame__keep_free(&pc->keep);
}

/* The same field in the same form in two consecutive releases: the same
 * declaration, or a rename that kept the type. */
static int same_form(const struct hit *a, const struct hit *b)
{
	char *ta, *tb;
	int same;

	if (!a->present || !b->present)
		return 0;
	if (!strcmp(a->decl, b->decl))
		return 1;
	if (!strcmp(a->m->name, b->m->name))
		return 0;
	ta = ks_member_type(a->m);
	tb = ks_member_type(b->m);
	same = !strcmp(ta, tb);
	free(ta);
	free(tb);
	return same;
}

int ks_blame_field(struct ks_store *s, const char *lineage, const char *path,
		   unsigned int flags, struct ks_blame_story **out)
{
	struct ks_blame_path *pc;
	struct ks_blame_story *st;
	struct hit *hits = NULL;
	const struct ks_member **at = NULL;
	struct ks_history *h = NULL;
	unsigned char *renamed = NULL;
	char *save = NULL, *tok;
	size_t n;
	int err, follow = !(flags & KS_DIFF_NO_RENAMES);

	if (path[0] == '.' || !strchr(path, '.') || path[strlen(path) - 1] == '.' ||
	    strstr(path, ".."))
		return ks_err_set(KS_EINVAL, "'%s' is not NAME.FIELD[.FIELD...]", path);
	pc = ks_xcalloc(1, sizeof(*pc));
	st = ks_xcalloc(1, sizeof(*st));
	pc->store = s;
	pc->lineage = lineage;
	pc->copy = ks_xstrdup(path);
	st->priv = pc;
	st->name = strtok_r(pc->copy, ".", &save);
	st->field = path + strlen(st->name) + 1;
	while ((tok = strtok_r(NULL, ".", &save)) && pc->nf < MAX_FIELDS)
		pc->fields[pc->nf++] = tok;
	/* the first field from the kept steps when there are; the rest, if
	 * any, from the definitions of the types it leads to */
	err = ks_store_history_lazy(s, lineage, st->name, &h);
	if (!err)
		err = ks_blame__field_kept(s, &h, pc->fields[0], follow, &pc->root, &pc->keep,
					   &at, &renamed);
	if (!err) {
		n = pc->root.h->n;
		hits = ks_xcalloc(n + 1, sizeof(*hits));
		err = resolve_all(pc, at, hits, n, follow);
		if (!err && !kept_agrees(hits, renamed, n))
			err = 1;
		if (err == 1)
			unkeep(pc, &hits);
	}
	free(at);
	free(renamed);
	if (err == 1) {
		n = 0;
		/* the plain way, from the history read once unless the kept
		 * answer was tried to the end */
		err = h ? ks_defs_complete(s, &pc->root, h) : ks_defs_load(s, lineage, st->name,
									   &pc->root);
		h = NULL;
		if (!err) {
			n = pc->root.h->n;
			hits = ks_xcalloc(n + 1, sizeof(*hits));
			err = resolve_all(pc, NULL, hits, n, follow);
		}
	}
	if (err)
		goto fail;
	st->h = pc->root.h;
	st->events = ks_xcalloc(n + 1, sizeof(*st->events));
	tell(st, hits, n);
	if (st->last < 0) {
		err = explain_missing(pc, st->name, st->field);
		goto fail;
	}
	st->decl = hits[st->last].decl;
	st->present = st->last == (int)n - 1;
	/* the current unbroken run with the newest declaration */
	st->introduced = st->last;
	while (st->introduced > 0 && same_form(&hits[st->introduced - 1], &hits[st->introduced]))
		st->introduced--;
	free(hits);
	*out = st;
	return 0;
fail:
	free(hits);
	ks_history_free(h);	/* NULL unless nothing took it */
	ks_blame_story_free(st);
	return err;
}

void ks_blame_story_free(struct ks_blame_story *st)
{
	if (!st)
		return;
	free(st->events);
	path_free(st->priv);
	free(st);
}

const char *ks_blame_event_name(enum ks_blame_event_kind what)
{
	static const char *const names[] = {
		"added", "readded", "removed", "type_changed", "moved", "renamed",
	};

	return names[what];
}
