/* The steps of `kstruct log`: every release of a lineage classified
 * against the previous release that defined the name (added, removed,
 * changed, unchanged, absent), with the difference of each change. */
#ifndef KS_LOG_H
#define KS_LOG_H

#include <stddef.h>

#include "ks_canon_parse.h"
#include "ks_diff.h"
#include "ks_store.h"

enum ks_log_status {
	KS_LOG_ABSENT,
	KS_LOG_ADDED,		/* first seen, or back after a gap */
	KS_LOG_REMOVED,		/* defined in the release before, not here */
	KS_LOG_CHANGED,
	KS_LOG_UNCHANGED,
	/* the release's import did not record the kind (an older kstruct):
	 * unknown, neither absent nor present */
	KS_LOG_NOT_RECORDED,
};

struct ks_log_step {
	enum ks_log_status st;
	struct ks_def *def;	/* parsed where needed: always when added */
	struct ks_diff *diff;	/* against the previous definition: changed, or back */
	int from;		/* index of the release compared with, or -1 */
	int identical;		/* back after a gap exactly as it was */
};

struct ks_log {
	struct ks_history *h;		/* owned */
	struct ks_log_step *steps;	/* one per release of h */
	size_t lo, hi;			/* the releases asked for: [lo, hi) */
	struct ks_steps *kept;		/* what the kept diffs borrow from */
};

/* NAME's history in @lineage and its steps. @since and @until (NULL for
 * none) must name releases of the lineage: KS_ENOTFOUND, with close
 * names, otherwise. They set the window (lo, hi), which is by position
 * in the lineage, so by its distro's version order; they do not narrow
 * the steps, printers do with ks_log_in_window(). @flags go to
 * ks_diff_defs_flags (KS_DIFF_NO_RENAMES), but for KS_LOG_TEXTS: without
 * it the texts are read only where the steps need them (a definition
 * parsed, a step not kept: ks_steps), so that a step's def may be NULL
 * where a kept diff made it unnecessary (never for an added one), and
 * ks_log_text() may give NULL. */
#define KS_LOG_TEXTS 0x100u
int ks_log_build(struct ks_store *s, const char *lineage, const char *name,
		 const char *since, const char *until, unsigned int flags, struct ks_log **out);
/* The steps of a history made elsewhere; @h belongs to the log from then
 * on, also on failure. */
int ks_log_compute(struct ks_history *h, unsigned int flags, struct ks_log **out);
void ks_log_free(struct ks_log *log);

/* "absent", "added", ... as `log --format json` spells them. */
const char *ks_log_status_name(enum ks_log_status st);
/* KS_ENOTFOUND (with suggestions) unless @release is one of @h's. */
int ks_log_check_release(const struct ks_history *h, const char *release);
/* Whether release @i of @log's history lies within its window. */
int ks_log_in_window(const struct ks_log *log, size_t i);
/* The text of release @i, which an unchanged release shares with the
 * last one that was loaded. */
const char *ks_log_text(const struct ks_history *h, size_t i, size_t *len);

#endif
