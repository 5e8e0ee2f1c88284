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
	case KS_FIELD_RENAMED: return "field_renamed";
	case KS_SYMBOLS_CHANGED: return "symbols_changed";
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
		case KS_FIELD_RENAMED: return "enumerator_renamed";
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
		case KS_FIELD_RENAMED: return "param_renamed";
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
/* Parameters are read by position (fentry's ctx[N]): one whose rank
 * among the parameters both definitions have changed was reordered, a
 * change of meaning; one only pushed along by an added or removed one
 * moved as a consequence, which is layout. */
static void moves(struct ks_diff *d, size_t *cap, const struct ks_def *old,
		  const struct ks_def *new)
{
	size_t i, rank = 0, *orank = ks_xcalloc(old->n + 1, sizeof(*orank)), r = 0;

	for (i = 0; i < old->n; i++)
		if (old->members[i].positional && old->members[i].name[0] &&
		    ks_def_member(new, old->members[i].name))
			orank[i] = r++;
	for (i = 0; i < new->n; i++) {
		const struct ks_member *nm = &new->members[i], *om;
		struct ks_change c = { 0 };

		if (!nm->positional || !nm->name[0])
			continue;
		om = ks_def_member(old, nm->name);
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
	free(orank);
}

static int ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$';
}

char *ks_member_type(const struct ks_member *m)
{
	size_t nl = strlen(m->name), dl = strlen(m->decl), i;

	for (i = dl >= nl ? dl - nl + 1 : 0; nl && i-- > 0;)
		if (!memcmp(m->decl + i, m->name, nl) && (!i || !ident(m->decl[i - 1])) &&
		    !ident(m->decl[i + nl]))
			return ks_xasprintf("%.*s%s", (int)i, m->decl, m->decl + i + nl);
	return ks_xstrdup(m->decl);
}

/* "volatile long int", "unsigned int", "u32", "bool": a plain integer,
 * which a rename may turn into another plain integer (state -> __state
 * went from long to unsigned int). */
static int integer_type(const char *t)
{
	static const char *const words[] = {
		"unsigned", "signed", "int", "long", "short", "char", "_Bool", "bool",
		"volatile", "const",
	};
	const char *p = t;
	int words_seen = 0;

	while (*p) {
		size_t n, i;
		int ok = 0;

		while (*p == ' ')
			p++;
		if (*p == ':')	/* a bitfield's width */
			break;
		for (n = 0; ident(p[n]); n++)
			;
		if (!n)
			return *p == '\0' && words_seen;
		/* an enum type reads as the integer it is */
		if (n == 4 && !memcmp(p, "enum", 4)) {
			for (p += 4; *p == ' '; p++)
				;
			while (ident(*p))
				p++;
			words_seen++;
			continue;
		}
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			ok |= strlen(words[i]) == n && !memcmp(words[i], p, n);
		/* u8 .. s64, __u32, ... */
		if (!ok) {
			const char *q = p;
			size_t k = n;

			if (k > 2 && q[0] == '_' && q[1] == '_')
				q += 2, k -= 2;
			ok = k >= 2 && (q[0] == 'u' || q[0] == 's') &&
			     ((k == 2 && q[1] == '8') ||
			      (k == 3 && (!memcmp(q + 1, "16", 2) || !memcmp(q + 1, "32", 2) ||
					  !memcmp(q + 1, "64", 2))));
		}
		if (!ok)
			return 0;
		words_seen++;
		p += n;
	}
	return words_seen;
}

/* "struct list_head *", "void (*)(int)": any pointer, which CO-RE
 * accepts in place of any other pointer. */
static int pointer_type(const char *t)
{
	size_t n = strlen(t);

	while (n && t[n - 1] == ' ')
		n--;
	return (n && t[n - 1] == '*') || strstr(t, "(*") != NULL;
}

/* Types CO-RE would relocate a read of one onto the other: the same
 * type, two integers or enums of any size, two pointers. */
static int compatible_types(const char *a, const char *b)
{
	return !strcmp(a, b) || (integer_type(a) && integer_type(b)) ||
	       (pointer_type(a) && pointer_type(b));
}

static const char *enum_value(const char *decl)
{
	const char *eq = strstr(decl, " = ");

	return eq ? eq + 3 : "";
}

/* Names that share a run of at least 3 characters making a third of the
 * longer one: state and __state, private_data and i_private_data,
 * eoi_write and eoi; not cpu and free. A struct redesigned from scratch
 * reuses offsets and types, but not names. */
static int names_similar(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best = 0;
	size_t *row, *prev;

	if (la < 3 || lb < 3)
		return 0;
	row = ks_xcalloc(2 * (lb + 1), sizeof(*row));
	prev = row + lb + 1;
	for (i = 0; i < la; i++) {
		size_t *t;

		for (j = 0; j < lb; j++) {
			row[j + 1] = a[i] == b[j] ? prev[j] + 1 : 0;
			if (row[j + 1] > best)
				best = row[j + 1];
		}
		t = row, row = prev, prev = t;
	}
	free(row < prev ? row : prev);
	return best >= 3 && 3 * best >= (la > lb ? la : lb);
}

static int rename_fits(const char *kind, const struct ks_member *o, const struct ks_member *n)
{
	char *to, *tn;
	int fits;

	if (!o || !n || is_kind(kind, "syscall", "typedef"))
		return 0;
	if (o->positional != n->positional)
		return 0;
	/* a parameter is its place; a field or an enumerator its name */
	if (!o->positional && !names_similar(o->name, n->name))
		return 0;
	if (is_kind(kind, "enum", NULL))
		return !strcmp(enum_value(o->decl), enum_value(n->decl));
	if (o->positional ? o->index != n->index
			  : o->offset_bits != n->offset_bits ||
			    !o->bitfield_size != !n->bitfield_size)
		return 0;
	to = ks_member_type(o);
	tn = ks_member_type(n);
	fits = compatible_types(to, tn);
	free(to);
	free(tn);
	return fits;
}

/* Pairs each removed field with the one added field that takes its
 * place, when neither has another candidate: one rename instead of a
 * removal and an addition. */
static void renames(struct ks_diff *d, const char *kind)
{
	size_t i, j, out = 0;

	for (i = 0; i < d->n; i++) {
		struct ks_change *r = &d->changes[i];
		size_t hit = 0, nhits = 0, back = 0;

		if (r->kind != KS_FIELD_REMOVED)
			continue;
		for (j = 0; j < d->n; j++)
			if (d->changes[j].kind == KS_FIELD_ADDED &&
			    rename_fits(kind, r->old_m, d->changes[j].new_m))
				hit = j, nhits++;
		if (nhits != 1)
			continue;
		for (j = 0; j < d->n; j++)
			back += d->changes[j].kind == KS_FIELD_REMOVED &&
				rename_fits(kind, d->changes[j].old_m, d->changes[hit].new_m);
		if (back != 1)
			continue;
		d->changes[hit].kind = KS_FIELD_RENAMED;
		d->changes[hit].old_field = r->field;
		d->changes[hit].old_decl = r->old_decl;
		d->changes[hit].old_value = r->old_value;
		d->changes[hit].old_m = r->old_m;
		r->field = NULL;	/* dropped below */
	}
	d->ndecl = 0;
	for (i = 0; i < d->n; i++) {
		if (d->changes[i].kind == KS_FIELD_REMOVED && !d->changes[i].field)
			continue;
		d->changes[out++] = d->changes[i];
		d->ndecl += !ks_change_is_layout(d->changes[i].kind);
	}
	d->n = out;
}

const char *ks_diff_renamed_from(const struct ks_diff *d, const char *field)
{
	size_t i;

	for (i = 0; d && i < d->n; i++)
		if (d->changes[i].kind == KS_FIELD_RENAMED && !strcmp(d->changes[i].field, field))
			return d->changes[i].old_field;
	return NULL;
}

/* A change of the definition as a whole (linkage, symbols), where both
 * sides say something: NULL is "not recorded", not a change. */
static void whole_change(struct ks_diff *d, size_t *cap, enum ks_change_kind kind,
			 const char *old, const char *new)
{
	struct ks_change c = { 0 };

	if (!old || !new || !strcmp(old, new))
		return;
	c.kind = kind;
	c.field = "";
	c.old_decl = old;
	c.new_decl = new;
	push(d, cap, c);
}

struct ks_diff *ks_diff_defs(const struct ks_def *old, const struct ks_def *new)
{
	return ks_diff_defs_flags(old, new, 0);
}

struct ks_diff *ks_diff_defs_flags(const struct ks_def *old, const struct ks_def *new,
				   unsigned int flags)
{
	struct ks_diff *d = ks_xcalloc(1, sizeof(*d));
	size_t cap = 0, i;

	d->kind = new->kind;
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
		c.new_m = nm;
		c.positional = nm->positional;
		om = ks_def_member(old, nm->name);
		if (!om) {
			c.kind = KS_FIELD_ADDED;
			push(d, &cap, c);
			continue;
		}
		c.old_m = om;
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

		if (!om->name[0] || ks_def_member(new, om->name))
			continue;
		c.kind = KS_FIELD_REMOVED;
		c.field = om->name;
		c.old_decl = om->decl;
		c.old_value = om->offset_bits;
		c.positional = om->positional;
		c.old_m = om;
		push(d, &cap, c);
	}
	if (!(flags & KS_DIFF_NO_RENAMES))
		renames(d, new->kind);
	moves(d, &cap, old, new);
	for (i = 0; i < new->n; i++) {
		const struct ks_member *nm = &new->members[i];
		const struct ks_member *om = nm->name[0] ? ks_def_member(old, nm->name) : NULL;
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
	whole_change(d, &cap, KS_NOTE_CHANGED, old->note, new->note);
	whole_change(d, &cap, KS_SYMBOLS_CHANGED, old->symbols, new->symbols);
	if (old->size != new->size) {
		struct ks_change c = { 0 };

		c.kind = KS_SIZE_CHANGED;
		c.field = "";
		c.old_value = old->size;
		c.new_value = new->size;
		push(d, &cap, c);
	}
	return d;
}

void ks_diff_free(struct ks_diff *d)
{
	if (!d)
		return;
	free(d->changes);
	free(d);
}
