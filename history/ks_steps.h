/* The steps of long histories, kept: for the names whose blob changes
 * often in some lineage (task_struct in a store of every release a
 * distribution shipped), the difference of each version from the one
 * before, so that log and blame read the differences instead of parsing
 * and comparing every version (0.16 ms a version of task_struct, 200 ms
 * for 1,250 versions).
 *
 * A derived file beside the history index, keyed by the two blob ids: a
 * step is a pure function of the two texts (and of KS_DIFF_VERSION), so
 * it can never be stale, only missing, and a missing step is computed as
 * before. Written by `kstruct gc` after the history index; a file that
 * is damaged or of another version is ignored (and rewritten by the next
 * gc). */
#ifndef KS_STEPS_H
#define KS_STEPS_H

#include <stddef.h>

#include "ks_diff.h"
#include "ks_store.h"

/* Names with fewer versions than this in every lineage are left out:
 * their history costs a few ms to compute. */
#define KS_STEPS_MIN 16

struct ks_steps;
/* The store's steps, or NULL when there are none to read. */
struct ks_steps *ks_steps_open(struct ks_store *s);
void ks_steps_close(struct ks_steps *st);
/* The difference from blob @old to blob @new (40-digit hex ids) as
 * ks_diff_defs() gives it, or NULL when it is not kept. Its strings and
 * members are @st's (old_m and new_m are copies of the members, not
 * pointers into defs): free it with ks_diff_free before closing @st. */
struct ks_diff *ks_steps_find(const struct ks_steps *st, const char *old, const char *new);

/* Adds the steps of every path with at least KS_STEPS_MIN versions in
 * some lineage's (current) history index; *added how many were new. */
int ks_steps_update(struct ks_store *s, size_t *added);

#endif
