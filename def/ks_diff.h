/* The semantic difference of two definitions of one name, computed from
 * their canonical text (parsed with ks_canon_parse), for every kind. A
 * field (member, enumerator, parameter) is identified by its name;
 * members of anonymous structs and unions count as fields of the
 * enclosing type. */
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
	KS_VALUE_CHANGED,	/* an enumerator's value (old -> new decl) */
	KS_NOTE_CHANGED,	/* linkage, signedness (old/new decl: the notes) */
	KS_PARAM_MOVED,		/* a parameter reordered (values: positions) */
	/* a field removed and one added in its place (same offset and size
	 * class, or same position, or same enumerator value) with a
	 * compatible type: task_struct.state -> __state */
	KS_FIELD_RENAMED,
	/* a func's symbol forms (old/new decl: as written), where both
	 * releases recorded them: it became suffixed, lost its symbol, ... */
	KS_SYMBOLS_CHANGED,
};

struct ks_change {
	enum ks_change_kind kind;
	const char *field;	/* borrowed from the defs */
	const char *old_field;	/* the name before a rename, else NULL */
	/* the members compared, where they exist (borrowed) */
	const struct ks_member *old_m, *new_m;
	const char *old_decl, *new_decl;	/* NULL where absent */
	/* offsets in bits, sizes in bytes, or positions of positional members */
	unsigned long long old_value, new_value;
	int positional;		/* the field is found by position */
};

struct ks_diff {
	struct ks_change *changes;
	size_t n;
	size_t ndecl;		/* changes that are not layout-only */
	const char *kind;	/* the new definition's kind (borrowed) */
};

/* Changes from @old to @new, declaration changes in the new type's
 * member order, then removals in the old order, then layout changes.
 * The result borrows strings from both defs: free it first. A removed
 * and an added field that take each other's place are one rename. */
struct ks_diff *ks_diff_defs(const struct ks_def *old, const struct ks_def *new);

/* Raised whenever ks_diff_defs gives another answer for some pair of
 * definitions: the steps kept for long histories (history/ks_steps.c)
 * are its answers, and a file of another version is not read. */
#define KS_DIFF_VERSION 1

#define KS_DIFF_NO_RENAMES 1u	/* report renames as removed + added */
struct ks_diff *ks_diff_defs_flags(const struct ks_def *old, const struct ks_def *new,
				   unsigned int flags);
void ks_diff_free(struct ks_diff *diff);

/* @m's declaration without its name, to be freed: "char [16]" of
 * "char comm[16]". */
char *ks_member_type(const struct ks_member *m);
/* The name @field had in @d's old definition, when @d renamed it; else NULL. */
const char *ks_diff_renamed_from(const struct ks_diff *d, const char *field);

const char *ks_change_kind_name(enum ks_change_kind kind);
/* The name JSON gives a change of a definition of @kind ("struct",
 * "enum", "func", ...): "field_added" for a struct, "enumerator_added"
 * for an enum, "param_added" or "return_type_changed" for a function. */
const char *ks_change_name(const char *kind, const struct ks_change *c);
/* "field", "enumerator", "parameter", "entry" or "argument": what a
 * member of @kind is called. */
const char *ks_member_word(const char *kind);
int ks_change_is_layout(enum ks_change_kind kind);

#endif
