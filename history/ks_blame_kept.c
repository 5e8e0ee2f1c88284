/* blame NAME from the kept steps (ks_steps.h): the newest definition is
 * parsed, every older version is known only by its difference from the
 * next, and each member's answer follows from the steps that name it.
 * The same answers as ks_defs_since() and first_seen() over parsed
 * definitions (tests/e2e/steps.sh compares the two), in time that grows
 * with the changes, not with versions times members.
 *
 * Versions are the runs of releases with one blob: version j starts at
 * release head[j]; step j (1 <= j < nv) is the difference from version
 * j-1 to j. For a struct or union a member is found by name, so a step
 * bears on a member only through the changes that name it. */
#include "ks_blame.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"
#include "ks_steps.h"
#include "ks_strmap.h"

struct mention {
	size_t j;			/* the step */
	const struct ks_change *c;
};

struct mlist {
	struct mention *m;		/* by step, ascending */
	size_t n, cap;
};

struct kept {
	const struct ks_history *h;
	size_t *head;			/* per version: its first release */
	size_t *end;			/* and its last */
	unsigned char *gap;		/* releases without the type before it */
	size_t nv;
	size_t last_gap;		/* the newest version after a gap, or 0 */
	struct ks_strmap names;		/* member name -> struct mlist */
};

static void mention(struct kept *k, const char *name, size_t j, const struct ks_change *c)
{
	int found;
	struct ks_strmap_val *v = ks_strmap_slot(&k->names, name, &found);
	struct mlist *l = v->ptr;

	if (!l)
		l = v->ptr = ks_xcalloc(1, sizeof(*l));
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->m = ks_xrealloc(l->m, l->cap * sizeof(*l->m));
	}
	l->m[l->n].j = j;
	l->m[l->n++].c = c;
}

/* Whether the step names a member (it exists on one side at least). */
static int names_member(enum ks_change_kind kind)
{
	return kind == KS_FIELD_ADDED || kind == KS_FIELD_REMOVED ||
	       kind == KS_FIELD_TYPE_CHANGED || kind == KS_BITFIELD_CHANGED ||
	       kind == KS_FIELD_RENAMED;
}

/* The release since which @name has had its present declaration: back to
 * the newest step that added it, retyped it or renamed something into
 * it, or to the newest gap (a release without the type). */
static size_t since_of(const struct kept *k, const char *name)
{
	const struct ks_strmap_val *v = ks_strmap_find(&k->names, name);
	const struct mlist *l = v ? v->ptr : NULL;
	size_t j = k->last_gap, i;

	for (i = l ? l->n : 0; i-- > 0;) {
		const struct ks_change *c = l->m[i].c;

		if (l->m[i].j <= j)
			break;
		if (!strcmp(c->field, name) && c->kind != KS_FIELD_REMOVED) {
			j = l->m[i].j;
			break;
		}
	}
	return k->head[j];
}

/* The oldest release with a member of @bm's name, going back through the
 * renames that made it when @follow. */
static void first_of(const struct kept *k, int follow, struct ks_blame_member *bm)
{
	const char *name = bm->m->name;
	const struct ks_strmap_val *v = ks_strmap_find(&k->names, name);
	const struct mlist *l = v ? v->ptr : NULL;
	size_t bound = k->nv, i = l ? l->n : 0;	/* steps below bound are left */
	int present = 1;
	size_t first = k->head[k->nv - 1];

	for (;;) {
		size_t j;
		const char *from = NULL;
		int was = present;

		while (i > 0 && l->m[i - 1].j >= bound)
			i--;
		if (!i) {
			if (present)
				first = k->head[0];
			break;
		}
		j = l->m[i - 1].j;
		if (present)
			first = k->head[j];
		/* every change of step j that names it */
		for (; i > 0 && l->m[i - 1].j == j; i--) {
			const struct ks_change *c = l->m[i - 1].c;

			if (!strcmp(c->field, name)) {
				if (c->kind == KS_FIELD_ADDED)
					present = 0;
				else if (c->kind == KS_FIELD_RENAMED)
					present = 0, from = c->old_field;
				else
					present = 1;	/* removed, or changed: there before */
			} else {
				present = 1;	/* renamed away from it at j */
			}
		}
		if (present) {
			first = k->head[j - 1];
		} else if (follow && from && was) {
			name = from;
			present = 1;
			first = k->head[j - 1];
			bm->first_name = from;
			v = ks_strmap_find(&k->names, name);
			l = v ? v->ptr : NULL;
			i = l ? l->n : 0;
		}
		bound = j;
	}
	if ((int)first < bm->first)
		bm->first = (int)first;
	if (bm->first_name && !strcmp(bm->first_name, bm->m->name))
		bm->first_name = NULL;
}

static void kept_free(struct kept *k)
{
	size_t i;

	for (i = 0; i < k->names.cap; i++)
		if (k->names.keys && k->names.keys[i] && k->names.vals[i].ptr)
			free(((struct mlist *)k->names.vals[i].ptr)->m);
	ks_strmap_free(&k->names, 1);
	free(k->head);
	free(k->end);
	free(k->gap);
}

void ks_blame__keep_free(struct ks_blame_keep *k)
{
	size_t i;

	for (i = 0; i < k->ndiffs; i++)
		ks_diff_free(k->diffs[i]);
	free(k->diffs);
	ks_steps_close(k->st);
	memset(k, 0, sizeof(*k));
}

/* The versions of @k->h and their steps from @keep->st into
 * @keep->diffs; 1 when a step is not kept or the name is not a struct or
 * union everywhere. */
static int load_steps(struct kept *k, struct ks_blame_keep *keep)
{
	const struct ks_history *h = k->h;
	size_t i, prev_end = 0;

	k->head = ks_xcalloc(h->n + 1, sizeof(*k->head));
	k->end = ks_xcalloc(h->n + 1, sizeof(*k->end));
	k->gap = ks_xcalloc(h->n + 1, 1);
	keep->diffs = ks_xcalloc(h->n + 1, sizeof(*keep->diffs));
	for (i = 0; i < h->n; i++) {
		const struct ks_hist_entry *e = &h->e[i];

		if (!e->present)
			continue;
		if (strcmp(e->kind, "struct") && strcmp(e->kind, "union"))
			return 1;
		if (e->same_as_prev) {
			prev_end = k->end[k->nv - 1] = i;
			continue;
		}
		if (k->nv) {
			struct ks_diff *d = ks_steps_find(keep->st, h->e[prev_end].blob, e->blob);

			if (!d)
				return 1;
			keep->diffs[keep->ndiffs++] = d;
			if (prev_end + 1 < i)
				k->gap[k->nv] = 1, k->last_gap = k->nv;
		}
		k->head[k->nv] = k->end[k->nv] = i;
		k->nv++;
		prev_end = i;
	}
	return k->nv < 2;	/* nothing to follow: the plain way is as quick */
}

/* The versions and steps of the (lazy) history *@hp, and its newest
 * definition parsed into @root; 1 when the steps cannot answer. @root
 * takes the history (*@hp set to NULL) once the steps are all there; on
 * any non-zero return what was loaded here is freed. */
static int load(struct ks_store *s, struct ks_history **hp, struct kept *k,
		struct ks_defs *root, struct ks_blame_keep *keep, int *newest)
{
	size_t v;
	int err;

	memset(k, 0, sizeof(*k));
	memset(keep, 0, sizeof(*keep));
	if (!(keep->st = ks_steps_open(s)))
		return 1;
	k->h = *hp;
	if ((err = load_steps(k, keep)))
		goto fail;
	*newest = (int)k->end[k->nv - 1];
	v = k->head[k->nv - 1];
	root->h = *hp;
	*hp = NULL;
	root->def = ks_xcalloc(root->h->n + 1, sizeof(*root->def));
	root->owned = ks_xcalloc(root->h->n + 1, sizeof(int));
	if ((err = ks_history_load_text(s, root->h, v)) ||
	    (err = ks_canon_parse_named(&root->def[*newest], root->h->e[v].text,
					root->h->e[v].len, root->h->name,
					root->h->e[*newest].release)))
		goto fail;
	root->owned[*newest] = 1;
	return 0;
fail:
	kept_free(k);
	ks_blame__keep_free(keep);
	ks_defs_free(root);
	return err;
}

int ks_blame__type_kept(struct ks_store *s, struct ks_history **hp, unsigned int flags,
			struct ks_blame *b)
{
	struct kept k;
	size_t j, c, m;
	int err = load(s, hp, &k, &b->d, &b->keep, &b->newest);

	if (err)
		return err;
	for (j = 1; j < k.nv; j++) {
		const struct ks_diff *d = b->keep.diffs[j - 1];

		for (c = 0; c < d->n; c++) {
			const struct ks_change *ch = &d->changes[c];

			if (!names_member(ch->kind) || !ch->field)
				continue;
			mention(&k, ch->field, j, ch);
			if (ch->kind == KS_FIELD_RENAMED && ch->old_field)
				mention(&k, ch->old_field, j, ch);
		}
	}
	b->cur = b->d.def[b->newest];
	b->n = b->cur->n;
	b->members = ks_xcalloc(b->n + 1, sizeof(*b->members));
	for (m = 0; m < b->n; m++) {
		struct ks_blame_member *bm = &b->members[m];

		bm->m = &b->cur->members[m];
		if (!bm->m->name[0]) {
			/* an unnamed member has no identity to follow back */
			bm->since = bm->first = b->newest;
			continue;
		}
		bm->since = (int)since_of(&k, bm->m->name);
		bm->first = bm->since;
		first_of(&k, !(flags & KS_DIFF_NO_RENAMES), bm);
	}
	kept_free(&k);
	return 0;
}

int ks_blame__field_kept(struct ks_store *s, struct ks_history **hp, const char *field,
			 int follow, struct ks_defs *root,
			 struct ks_blame_keep *keep, const struct ks_member ***atp,
			 unsigned char **renamed)
{
	const struct ks_member *cur, **at;
	unsigned char *ren;
	const char *want = field;
	struct kept k;
	size_t v, i, c;
	int newest, err = load(s, hp, &k, root, keep, &newest);

	if (err)
		return err;
	at = ks_xcalloc(root->h->n + 1, sizeof(*at));
	ren = ks_xcalloc(root->h->n + 1, 1);
	cur = ks_def_member(root->def[newest], field);
	for (v = k.nv; v-- > 0;) {
		const struct ks_diff *d = v ? keep->diffs[v - 1] : NULL;
		const struct ks_member *older = cur;
		const char *older_name = want;

		for (i = k.head[v]; i <= k.end[v]; i++)
			if (root->h->e[i].present)
				at[i] = cur;
		/* version v - 1 from version v and the step between */
		for (c = 0; d && c < d->n; c++) {
			const struct ks_change *ch = &d->changes[c];

			if (ch->field && !strcmp(ch->field, want)) {
				if (ch->kind == KS_FIELD_ADDED) {
					older = NULL;
				} else if (ch->kind == KS_FIELD_RENAMED) {
					/* followed where the releases meet, as a
					 * walk release by release does */
					older = follow && cur && !k.gap[v] ? ch->old_m : NULL;
					if (older)
						older_name = ch->old_field, ren[k.head[v]] = 1;
				} else if (ch->kind == KS_FIELD_REMOVED ||
					   ch->kind == KS_FIELD_TYPE_CHANGED ||
					   ch->kind == KS_BITFIELD_CHANGED ||
					   ch->kind == KS_FIELD_MOVED || ch->kind == KS_FIELD_RESIZED) {
					if (!(older = ch->old_m))
						goto cannot;
				}
			} else if (ch->kind == KS_FIELD_RENAMED && ch->old_field &&
				   !strcmp(ch->old_field, want)) {
				if (!(older = ch->old_m))
					goto cannot;
			}
		}
		cur = older;
		want = older_name;
	}
	kept_free(&k);
	*atp = at;
	*renamed = ren;
	return 0;
cannot:
	free(at);
	free(ren);
	kept_free(&k);
	ks_blame__keep_free(keep);
	ks_defs_free(root);
	return 1;
}
