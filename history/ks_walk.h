/* The whole store in one pass, for pages about every name (kstruct site).
 *
 * ks_walk_new() lists every lineage (the regular one first) and its
 * releases, and reads each release's tree once to note, for every
 * definition of the kinds asked for, its blob id there: which texts
 * changed is known from ids alone. Texts are read later, on demand, each
 * distinct blob once however many releases and lineages share it.
 */
#ifndef KS_WALK_H
#define KS_WALK_H

#include <stddef.h>

#include "ks_store.h"

/* One definition of one name in one release of one lineage. */
struct ks_walk_occ {
	unsigned short lin;	/* index into ks_walk.lin */
	unsigned int rel;	/* index into ks_walk.rel[lin] */
	char blob[41];
};

struct ks_walk_key;
struct ks_walk_text;

/* Read-only for callers. */
struct ks_walk {
	struct ks_store *store;
	char **lin;		/* every lineage, the regular one first */
	size_t nlin;
	char ***rel;		/* per lineage, its releases oldest first */
	size_t *nrel;
	size_t texts;		/* distinct blobs seen */
	size_t reads;		/* blobs read so far (each at most once) */
	/* internal */
	struct ks_walk_key *keys;	/* the names, sorted */
	size_t nkeys;
	struct ks_walk_occ *occ;	/* theirs, by name, lineage, release */
	struct ks_walk_text *cache;	/* by blob id */
};

/* One name and its definitions, by lineage, then release. */
struct ks_walk_name {
	const char *kind;	/* "struct", "union", "enum", ... (static) */
	const char *name;
	unsigned int variant;	/* 1, or N of NAME~N: a further definition */
	const struct ks_walk_occ *occ;
	size_t nocc;
};

/* The definitions of the kinds in @kinds (bit 1u << enum ks_kind).
 * KS_ENOTFOUND when the regular lineage has no release. */
int ks_walk_new(struct ks_walk **out, struct ks_store *store, unsigned int kinds);
void ks_walk_free(struct ks_walk *w);

/* Names in order (by kind in table order, name, variant): start with
 * *@pos = 0; 1 and @out filled while there is one, then 0. */
int ks_walk_next(const struct ks_walk *w, size_t *pos, struct ks_walk_name *out);

/* The text of @blob (one of the walk's), read from the store the first
 * time only; @text stays valid until ks_walk_free(). */
int ks_walk_read_text(struct ks_walk *w, const char *blob, const char **text, size_t *len);

/* @nm's history in lineage @li in the shape ks_store_history() gives,
 * texts loaded where they differ from the previous release; NULL in @out
 * when no release of @li defines it. */
int ks_walk_history(struct ks_walk *w, const struct ks_walk_name *nm, size_t li,
		    struct ks_history **out);

#endif
