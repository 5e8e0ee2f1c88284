/* A name's parsed definition in every release of one lineage: what
 * blame, status, report and the site read. Releases whose text is the
 * previous one's share its parse. */
#ifndef KS_DEFS_H
#define KS_DEFS_H

#include "ks_canon_parse.h"
#include "ks_store.h"

struct ks_defs {
	struct ks_history *h;	/* owned; NULL when nothing is loaded */
	struct ks_def **def;	/* per release of h, NULL where absent */
	int *owned;		/* def[i] is freed with the set */
};

/* Loads and parses NAME's history in @lineage into @d (zeroed by the
 * caller). KS_ENOTFOUND (with suggestions) when no release defines it. */
int ks_defs_load(struct ks_store *s, const char *lineage, const char *name,
		 struct ks_defs *d);
/* The same from a history made elsewhere: @h belongs to @d from then on,
 * also on failure. */
int ks_defs_parse(struct ks_defs *d, struct ks_history *h);
/* The same from a history read without its texts
 * (ks_store_history_lazy): the texts are read, then parsed. @h belongs
 * to @d from then on, also on failure. */
int ks_defs_complete(struct ks_store *s, struct ks_defs *d, struct ks_history *h);
/* Frees what @d holds and leaves it empty; NULL-safe. */
void ks_defs_free(struct ks_defs *d);

/* The newest release that defines the name, or -1. */
int ks_defs_newest(const struct ks_defs *d);
/* The oldest release, going back from @at, since which member @m (of
 * release @at) has had its declaration without a break. */
int ks_defs_since(const struct ks_defs *d, int at, const struct ks_member *m);

#endif
