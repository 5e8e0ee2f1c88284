/* A snapshot's plan: every type's tree path and blob id, sorted by path.
 * It depends on the snapshot alone, so import's worker threads make
 * it while the single writer is busy, and the writer only looks the ids
 * up in the store. */
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_snapshot.h"
#include "ks_store_int.h"

static int cmp_path(const void *a, const void *b)
{
	return strcmp(((const struct ks_path_entry *)a)->path,
		      ((const struct ks_path_entry *)b)->path);
}

void ks_path_entries_sort(struct ks_path_entry *pe, size_t n)
{
	if (n)
		qsort(pe, n, sizeof(*pe), cmp_path);
}

struct ks_snapshot_plan *ks_snapshot_plan_new(const struct ks_snapshot *snap)
{
	struct ks_snapshot_plan *plan;
	size_t i;

	if (!snap->finished)
		return NULL;
	plan = ks_xcalloc(1, sizeof(*plan));
	plan->snap = snap;
	plan->n = snap->n;
	plan->entries = ks_xcalloc(snap->n + 1, sizeof(*plan->entries));
	for (i = 0; i < snap->n; i++) {
		const struct ks_snapshot_entry *t = &snap->entries[i];
		struct ks_path_entry *e = &plan->entries[i];

		e->path = ks_store_type_path(t->kind, t->name, t->variant);
		e->data = t->text;
		e->len = t->len;
		ks_object_id(&e->blob, GIT_OBJECT_BLOB, t->text, t->len);
	}
	ks_path_entries_sort(plan->entries, plan->n);
	return plan;
}

void ks_snapshot_plan_free(struct ks_snapshot_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->n; i++)
		free(plan->entries[i].path);
	free(plan->entries);
	free(plan);
}
