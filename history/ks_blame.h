/* The attribution of `kstruct blame`: for NAME, the release since which
 * each member of the newest definition has had its declaration; for
 * NAME.FIELD[.FIELD...], the story of one field through the releases,
 * following embedded members into their types' own definitions. */
#ifndef KS_BLAME_H
#define KS_BLAME_H

#include <stddef.h>

#include "ks_defs.h"
#include "ks_diff.h"

struct ks_blame_member {
	const struct ks_member *m;	/* of the newest definition */
	int since;	/* release with its present declaration, unbroken since */
	int first;	/* release a member of its name first appeared (<= since) */
	const char *first_name;	/* its name there, when renamed since; else NULL */
};

/* The kept steps (ks_steps) an answer was read from, and its diffs,
 * which the answer's strings and members borrow from. */
struct ks_blame_keep {
	struct ks_steps *st;
	struct ks_diff **diffs;
	size_t ndiffs;
};
void ks_blame__keep_free(struct ks_blame_keep *k);

struct ks_blame {
	/* release names: d.h->e[i].release; d.def only where parsed (all
	 * releases, or, from kept steps, the newest alone) */
	struct ks_defs d;
	int newest;			/* the newest release that defines it */
	const struct ks_def *cur;	/* its definition there */
	struct ks_blame_member *members;	/* one per member of cur */
	size_t n;
	struct ks_blame_keep keep;	/* what first_name may borrow from */
};

/* KS_ENOTFOUND (with suggestions) when no release of @lineage defines NAME.
 * A member's first release follows renames back (ks_diff_defs), unless
 * @flags has KS_DIFF_NO_RENAMES. */
int ks_blame_type(struct ks_store *s, const char *lineage, const char *name,
		  unsigned int flags, struct ks_blame **out);
void ks_blame_free(struct ks_blame *b);
/* ks_blame_type's answer from the kept steps of a long history
 * (ks_blame_kept.c), for the history *@hp read without its texts: 0 with
 * @b filled, 1 when they cannot give it (a step not kept, a kind other
 * than struct and union), or an error. *@hp is set to NULL when @b took
 * the history (always on 0); otherwise it is still the caller's, for
 * the plain way (ks_defs_complete). */
int ks_blame__type_kept(struct ks_store *s, struct ks_history **hp, unsigned int flags,
			struct ks_blame *b);
/* Where member @field of the struct or union of the history *@hp (read
 * without its texts) is in each release (*at[i], NULL where it is not),
 * from the kept steps: @root gets the history (*@hp set to NULL, as for
 * ks_blame__type_kept) and the newest definition, @keep what the members
 * are. 0, 1 when the steps cannot tell (@root and @keep then empty), or
 * an error. Renames are followed back when @follow is set, where the
 * member is in the newer release; (*renamed)[i] marks the releases i
 * whose member was renamed from what release i - 1 has. */
int ks_blame__field_kept(struct ks_store *s, struct ks_history **hp, const char *field,
			 int follow, struct ks_defs *root,
			 struct ks_blame_keep *keep, const struct ks_member ***at,
			 unsigned char **renamed);

enum ks_blame_event_kind {
	KS_BLAME_ADDED,		/* first release that has the field */
	KS_BLAME_READDED,	/* back after releases without it */
	KS_BLAME_REMOVED,	/* gone (decl and offset: as last seen) */
	KS_BLAME_TYPE_CHANGED,	/* another declaration */
	KS_BLAME_MOVED,		/* same declaration, another offset or place */
	KS_BLAME_RENAMED,	/* another name in the same place (old_name) */
};

struct ks_blame_event {
	size_t release;			/* index into the story's history */
	enum ks_blame_event_kind what;
	const char *decl;
	const char *old_name, *old_decl;	/* a rename's: as before it */
	unsigned long long offset;	/* bits from the start of the outer type */
	int positional;	/* a parameter: offset is its place (return is 0) */
};

struct ks_blame_path;

struct ks_blame_story {
	const char *name;		/* the outer type, as the path names it */
	const char *field;		/* the path after NAME */
	const struct ks_history *h;	/* the outer type's: release names */
	const char *decl;		/* as last seen */
	int introduced;		/* start of the unbroken run with that declaration */
	int last;		/* last release that has the field */
	int present;		/* the newest release has it */
	struct ks_blame_event *events;	/* oldest first */
	size_t nevents;
	struct ks_blame_path *priv;	/* what the strings above borrow from */
};

/* @path is NAME.FIELD[.FIELD...]. A path that resolves in no release is
 * KS_ENOTFOUND with a message naming the step that fails and close
 * member names. Going back, the story follows a field through the
 * releases that renamed it (ks_diff_defs) unless @flags has
 * KS_DIFF_NO_RENAMES; a rename that kept the type keeps its form. */
int ks_blame_field(struct ks_store *s, const char *lineage, const char *path,
		   unsigned int flags, struct ks_blame_story **out);
void ks_blame_story_free(struct ks_blame_story *st);
/* "added", "readded", "removed", "type_changed", "moved", "renamed". */
const char *ks_blame_event_name(enum ks_blame_event_kind what);

#endif
