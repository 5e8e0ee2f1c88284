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
	}
	return "?";
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

struct ks_diff *ks_diff_defs(const struct ks_def *old, const struct ks_def *new)
{
	struct ks_diff *d = ks_xcalloc(1, sizeof(*d));
	size_t cap = 0, i;

	for (i = 0; i < new->n; i++) {
		const struct ks_member *nm = &new->members[i];
		const struct ks_member *om;
		struct ks_change c = { 0 };

		if (!nm->name[0])
			continue;
		c.field = nm->name;
		c.new_decl = nm->decl;
		c.new_value = nm->offset_bits;
		om = ks_def_member(old, nm->name);
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
		push(d, &cap, c);
	}
	for (i = 0; i < new->n; i++) {
		const struct ks_member *nm = &new->members[i];
		const struct ks_member *om = nm->name[0] ? ks_def_member(old, nm->name) : NULL;
		struct ks_change c = { 0 };

		/* A move is the layout consequence of other changes; a field
		 * whose declaration changed is reported as that already. */
		if (!om || strcmp(om->decl, nm->decl))
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
