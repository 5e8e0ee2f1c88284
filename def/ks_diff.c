#include "ks_diff.h"

#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"

const char *ks_change_kind_name(enum ks_change_kind kind)
{
	switch (kind) {
	case KS_FIELD_ADDED: return "field_added";
	case KS_FIELD_REMOVED: return "field_removed";
	case KS_FIELD_TYPE_CHANGED: return "field_type_changed";
	case KS_BITFIELD_CHANGED: return "bitfield_changed";
	case KS_FIELD_MOVED: return "field_moved";
	case KS_SIZE_CHANGED: return "size_changed";
	case KS_FIELD_RESIZED: return "field_resized";
	case KS_KIND_CHANGED: return "kind_changed";
	case KS_VALUE_CHANGED: return "value_changed";
	case KS_NOTE_CHANGED: return "note_changed";
	case KS_PARAM_MOVED: return "param_moved";
	}
	return "?";
}

static int is_kind(const char *kind, const char *a, const char *b)
{
	return kind && (!strcmp(kind, a) || (b && !strcmp(kind, b)));
}

/* Kinds whose members are a function's return type and parameters. */
static int is_proto(const char *kind)
{
	return is_kind(kind, "func", "lsm") || is_kind(kind, "kfunc", NULL);
}

const char *ks_member_word(const char *kind)
{
	if (is_kind(kind, "enum", NULL))
		return "enumerator";
	if (is_proto(kind))
		return "parameter";
	if (is_kind(kind, "syscall", NULL))
		return "entry";
	if (is_kind(kind, "tracepoint", NULL))
		return "argument";
	return "field";
}

const char *ks_change_name(const char *kind, const struct ks_change *c)
{
	if (is_kind(kind, "enum", NULL)) {
		switch (c->kind) {
		case KS_FIELD_ADDED: return "enumerator_added";
		case KS_FIELD_REMOVED: return "enumerator_removed";
		case KS_NOTE_CHANGED: return "signedness_changed";
		default: break;
		}
	} else if (is_proto(kind) || (is_kind(kind, "tracepoint", NULL) && c->positional)) {
		int ret = c->field && !strcmp(c->field, "return");

		switch (c->kind) {
		case KS_FIELD_ADDED: return "param_added";
		case KS_FIELD_REMOVED: return "param_removed";
		case KS_FIELD_TYPE_CHANGED:
			return ret ? "return_type_changed" : "param_type_changed";
		case KS_FIELD_MOVED: return "param_shifted";
		case KS_NOTE_CHANGED: return "linkage_changed";
		default: break;
		}
	} else if (is_kind(kind, "syscall", NULL)) {
		switch (c->kind) {
		case KS_FIELD_ADDED: return "entry_added";
		case KS_FIELD_REMOVED: return "entry_removed";
		case KS_FIELD_TYPE_CHANGED: return "entry_changed";
		default: break;
		}
	}
	return ks_change_kind_name(c->kind);
}

int ks_change_is_layout(enum ks_change_kind kind)
{
	return kind == KS_FIELD_MOVED || kind == KS_SIZE_CHANGED || kind == KS_FIELD_RESIZED;
}

const struct ks_member *ks_def_member(const struct ks_def *def, const char *name)
{
	size_t i;

	for (i = 0; i < def->n; i++)
		if (def->members[i].name[0] && !strcmp(def->members[i].name, name))
			return &def->members[i];
	return NULL;
}

static void push(struct ks_diff *d, size_t *cap, struct ks_change c)
{
	if (d->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		d->changes = ks_xrealloc(d->changes, *cap * sizeof(c));
	}
	d->changes[d->n++] = c;
	if (!ks_change_is_layout(c.kind))
		d->ndecl++;
}

/* "unsigned int x:3" and "unsigned int x:5" differ only in width. */
static int same_but_width(const struct ks_member *a, const struct ks_member *b)
{
	const char *ca = strrchr(a->decl, ':'), *cb = strrchr(b->decl, ':');

	if (!a->bitfield_size || !b->bitfield_size || !ca || !cb)
		return 0;
	return ca - a->decl == cb - b->decl && !memcmp(a->decl, b->decl, (size_t)(ca - a->decl));
}

/* Members by name, for lookups in O(log n): task_struct has hundreds. */
struct name_index {
	const struct ks_member **m;
	size_t n;
};

/* By name, then by place: the first of duplicate names comes first. */
static int cmp_member_name(const void *a, const void *b)
{
	const struct ks_member *x = *(const struct ks_member *const *)a;
	const struct ks_member *y = *(const struct ks_member *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x > y) - (x < y);
}

static void index_build(struct name_index *ix, const struct ks_def *def)
{
	size_t i;

	ix->m = ks_xcalloc(def->n + 1, sizeof(*ix->m));
	ix->n = 0;
	for (i = 0; i < def->n; i++)
		if (def->members[i].name[0])
			ix->m[ix->n++] = &def->members[i];
	qsort(ix->m, ix->n, sizeof(*ix->m), cmp_member_name);
}

/* The first member of that name, as ks_def_member() finds it. */
static const struct ks_member *index_find(const struct name_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->m[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && !strcmp(ix->m[lo]->name, name) ? ix->m[lo] : NULL;
}

/* Parameters are read by position (fentry's ctx[N]): one whose rank
 * among the parameters both definitions have changed was reordered, a
 * change of meaning; one only pushed along by an added or removed one
 * moved as a consequence, which is layout. */
static void moves(struct ks_diff *d, size_t *cap, const struct ks_def *old,
		  const struct ks_def *new, const struct name_index *oix)
{
	size_t i, rank = 0, *orank = ks_xcalloc(old->n + 1, sizeof(*orank)), r = 0;
	struct name_index nix;

	index_build(&nix, new);
	for (i = 0; i < old->n; i++)
		if (old->members[i].positional && old->members[i].name[0] &&
		    index_find(&nix, old->members[i].name))
			orank[i] = r++;
	for (i = 0; i < new->n; i++) {
		const struct ks_member *nm = &new->members[i], *om;
		struct ks_change c = { 0 };

		if (!nm->positional || !nm->name[0])
			continue;
		om = index_find(oix, nm->name);
		if (!om || !om->positional)
			continue;
		c.field = nm->name;
		c.old_decl = om->decl;
		c.new_decl = nm->decl;
		c.old_value = om->index;
		c.new_value = nm->index;
		c.positional = 1;
		c.kind = orank[om - old->members] != rank ? KS_PARAM_MOVED : KS_FIELD_MOVED;
		if (c.kind == KS_PARAM_MOVED || om->index != nm->index)
			push(d, cap, c);
		rank++;
	}
	free(nix.m);
	free(orank);
}

struct ks_diff *ks_diff_defs(const struct ks_def *old, const struct ks_def *new)
{
	struct ks_diff *d = ks_xcalloc(1, sizeof(*d));
	struct name_index oix, nix;
	size_t cap = 0, i;

	d->kind = new->kind;
	index_build(&oix, old);
	index_build(&nix, new);
	if (old->kind && new->kind && strcmp(old->kind, new->kind)) {
		/* union foo became struct foo: members no longer overlap */
		struct ks_change c = { 0 };

		c.kind = KS_KIND_CHANGED;
		c.field = "";
		c.old_decl = old->kind;
		c.new_decl = new->kind;
		push(d, &cap, c);
	}

	for (i = 0; i < new->n; i++) {
		const struct ks_member *nm = &new->members[i];
		const struct ks_member *om;
		struct ks_change c = { 0 };

		if (!nm->name[0])
			continue;
		c.field = nm->name;
		c.new_decl = nm->decl;
		c.new_value = nm->offset_bits;
		om = index_find(&oix, nm->name);
		if (!om) {
			c.kind = KS_FIELD_ADDED;
			push(d, &cap, c);
			continue;
		}
		c.old_decl = om->decl;
		c.old_value = om->offset_bits;
		if (strcmp(om->decl, nm->decl)) {
			c.kind = same_but_width(om, nm) ? KS_BITFIELD_CHANGED
							: KS_FIELD_TYPE_CHANGED;
			if (is_kind(new->kind, "enum", NULL))
				c.kind = KS_VALUE_CHANGED;
			c.positional = nm->positional;
			push(d, &cap, c);
		}
	}
	for (i = 0; i < old->n; i++) {
		const struct ks_member *om = &old->members[i];
		struct ks_change c = { 0 };

		if (!om->name[0] || index_find(&nix, om->name))
			continue;
		c.kind = KS_FIELD_REMOVED;
		c.field = om->name;
		c.old_decl = om->decl;
		c.old_value = om->offset_bits;
		c.positional = om->positional;
		push(d, &cap, c);
	}
	moves(d, &cap, old, new, &oix);
	for (i = 0; i < new->n; i++) {
		const struct ks_member *nm = &new->members[i];
		const struct ks_member *om = nm->name[0] ? index_find(&oix, nm->name) : NULL;
		struct ks_change c = { 0 };

		/* A move is the layout consequence of other changes; a field
		 * whose declaration changed is reported as that already. */
		if (!om || strcmp(om->decl, nm->decl) || nm->positional)
			continue;
		c.field = nm->name;
		c.old_decl = om->decl;
		c.new_decl = nm->decl;
		if (om->offset_bits != nm->offset_bits) {
			c.kind = KS_FIELD_MOVED;
			c.old_value = om->offset_bits;
			c.new_value = nm->offset_bits;
			push(d, &cap, c);
		}
		/* "struct inode vfs_inode" whose struct inode shrank */
		if (om->size_bits != nm->size_bits) {
			c.kind = KS_FIELD_RESIZED;
			c.old_value = om->size_bits;
			c.new_value = nm->size_bits;
			push(d, &cap, c);
		}
	}
	if (old->note && new->note && strcmp(old->note, new->note)) {
		struct ks_change c = { 0 };

		c.kind = KS_NOTE_CHANGED;
		c.field = "";
		c.old_decl = old->note;
		c.new_decl = new->note;
		push(d, &cap, c);
	}
	if (old->size != new->size) {
		struct ks_change c = { 0 };

		c.kind = KS_SIZE_CHANGED;
		c.field = "";
		c.old_value = old->size;
		c.new_value = new->size;
		push(d, &cap, c);
	}
	free(oix.m);
	free(nix.m);
	return d;
}

void ks_diff_free(struct ks_diff *d)
{
	if (!d)
		return;
	free(d->changes);
	free(d);
}
