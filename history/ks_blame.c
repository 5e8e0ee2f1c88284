#include "ks_blame.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_diff.h"
#include "ks_err.h"
#include "ks_suggest.h"

/* ---- blame NAME ---- */

int ks_blame_type(struct ks_store *s, const char *lineage, const char *name,
		  struct ks_blame **out)
{
	struct ks_blame *b = ks_xcalloc(1, sizeof(*b));
	size_t k;
	int err = ks_defs_load(s, lineage, name, &b->d), i;

	if (err) {
		free(b);
		return err;
	}
	b->newest = ks_defs_newest(&b->d);
	b->cur = b->d.def[b->newest];
	b->n = b->cur->n;
	b->members = ks_xcalloc(b->n + 1, sizeof(*b->members));
	for (k = 0; k < b->n; k++) {
		struct ks_blame_member *bm = &b->members[k];
		const struct ks_member *m = &b->cur->members[k];

		bm->m = m;
		bm->since = ks_defs_since(&b->d, b->newest, m);
		bm->first = bm->since;
		/* the name may be older than its present declaration */
		for (i = 0; i < bm->since && m->name[0]; i++)
			if (b->d.def[i] && ks_def_member(b->d.def[i], m->name)) {
				bm->first = i;
				break;
			}
	}
	*out = b;
	return 0;
}

void ks_blame_free(struct ks_blame *b)
{
	if (!b)
		return;
	free(b->members);
	ks_defs_free(&b->d);
	free(b);
}

/* ---- blame NAME.FIELD ---- */

#define MAX_FIELDS 32
#define MAX_TYPES 16

/* Where a path lands in one release. */
struct hit {
	int present;
	const char *decl;
	unsigned long long offset;	/* bits from the start of the outer type */
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
	return ks_xstrndup(d + kl, (size_t)(sp - d - kl));
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

/* Resolves the path from the root's definition in release @i. */
static int resolve(struct ks_blame_path *pc, size_t i, struct hit *hit)
{
	const struct ks_def *def = pc->root.def[i];
	unsigned long long base = 0;
	size_t k;
	int err = 0;

	memset(hit, 0, sizeof(*hit));
	for (k = 0; k < pc->nf && def; k++) {
		const struct ks_member *m = ks_def_member(def, pc->fields[k]);
		char *tname;
		struct ks_defs *td;

		if (!m)
			return 0;
		if (k == pc->nf - 1) {
			hit->present = 1;
			hit->decl = m->decl;
			hit->offset = base + m->offset_bits;
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
		if (h->present && !seen)
			e->what = KS_BLAME_ADDED;
		else if (h->present && p && !p->present)
			e->what = KS_BLAME_READDED;
		else if (!h->present && p && p->present)
			e->what = KS_BLAME_REMOVED, e->decl = p->decl, e->offset = p->offset;
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

int ks_blame_field(struct ks_store *s, const char *lineage, const char *path,
		   struct ks_blame_story **out)
{
	struct ks_blame_path *pc;
	struct ks_blame_story *st;
	struct hit *hits = NULL;
	char *save = NULL, *tok;
	size_t i, n;
	int err;

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
	err = ks_defs_load(s, lineage, st->name, &pc->root);
	if (err)
		goto fail;
	st->h = pc->root.h;
	n = st->h->n;
	hits = ks_xcalloc(n + 1, sizeof(*hits));
	for (i = 0; i < n && !err; i++)
		err = resolve(pc, i, &hits[i]);
	if (err)
		goto fail;
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
	while (st->introduced > 0 && hits[st->introduced - 1].present &&
	       !strcmp(hits[st->introduced - 1].decl, st->decl))
		st->introduced--;
	free(hits);
	*out = st;
	return 0;
fail:
	free(hits);
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
		"added", "readded", "removed", "type_changed", "moved",
	};

	return names[what];
}
