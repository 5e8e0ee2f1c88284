/* `kstruct grep`: the names (of types, or of their members) that match a
 * glob, with the releases of each lineage where each match exists. */
#ifndef KS_GREP_H
#define KS_GREP_H

#include <stddef.h>

#include "ks_store.h"

struct ks_grep_opts {
	const char *pattern;	/* fnmatch(3) glob; a "KIND:" prefix sets kinds */
	unsigned int kinds;	/* bit 1u << enum ks_kind; 0: every kind */
	int member;		/* match member names, not type names */
	const char *lineage;	/* a full lineage, or NULL for every one */
};

struct ks_grep_lineage {
	char *lineage;
	char **releases;	/* oldest first */
	size_t n;
	/* releases whose snapshot recorded none of the kinds asked for */
	size_t not_recorded;
	unsigned char *recorded;	/* per release */
};

struct ks_grep_hit {
	const char *kind;	/* static */
	char *name;
	char *member;		/* with --member, else NULL */
	unsigned char **in;	/* per lineage: per release, present; or NULL */
};

struct ks_grep {
	struct ks_grep_lineage *lin;
	size_t nlin;
	struct ks_grep_hit *hits;	/* by kind (table order), name, member */
	size_t n;
};

/* Every match in every release of the lineages asked for. A pattern that
 * matches nothing is not an error: n is 0. KS_EINVAL for a bad KIND:
 * prefix, KS_ENOTFOUND for an unknown lineage. */
int ks_grep_run(struct ks_store *store, const struct ks_grep_opts *opts, struct ks_grep **out);
void ks_grep_free(struct ks_grep *g);

/* Runs of consecutive releases where @in is set, oldest first: calls @fn
 * with each run's first and last index (equal for one release). */
typedef void (*ks_grep_run_fn)(size_t first, size_t last, void *ctx);
void ks_grep_runs(const unsigned char *in, size_t n, ks_grep_run_fn fn, void *ctx);

#endif
