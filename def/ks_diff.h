/* The semantic difference of two definitions of one struct or union,
 * computed from their canonical text (parsed with ks_canon_parse). A
 * field is identified by its name; members of anonymous structs and
 * unions count as fields of the enclosing type. */
#ifndef KS_DIFF_H
#define KS_DIFF_H

#include <stddef.h>

#include "ks_canon_parse.h"

enum ks_change_kind {
	KS_FIELD_ADDED,
	KS_FIELD_REMOVED,
	KS_FIELD_TYPE_CHANGED,	/* declaration changed (old -> new decl) */
	KS_BITFIELD_CHANGED,	/* only the bitfield width changed */
	KS_FIELD_MOVED,		/* same declaration, other offset: layout */
	KS_SIZE_CHANGED,	/* the type's size: layout */
	KS_FIELD_RESIZED,	/* same declaration, its type's size changed: layout */
	KS_KIND_CHANGED,	/* struct became union or back (old/new decl: the kinds) */
};

struct ks_change {
	enum ks_change_kind kind;
	const char *field;	/* borrowed from the defs */
	const char *old_decl, *new_decl;	/* NULL where absent */
	unsigned long long old_value, new_value;	/* offsets in bits, or sizes in bytes */
};

struct ks_diff {
	struct ks_change *changes;
	size_t n;
	size_t ndecl;		/* changes that are not layout-only */
};

/* Changes from @old to @new, declaration changes in the new type's
 * member order, then removals in the old order, then layout changes.
 * The result borrows strings from both defs: free it first. */
struct ks_diff *ks_diff_defs(const struct ks_def *old, const struct ks_def *new);
void ks_diff_free(struct ks_diff *diff);

const char *ks_change_kind_name(enum ks_change_kind kind);
int ks_change_is_layout(enum ks_change_kind kind);

/* A member by name, or NULL. */
const struct ks_member *ks_def_member(const struct ks_def *def, const char *name);

#endif
