/* A snapshot's plan: every type's tree path and blob id, sorted by path.
 * It depends on the snapshot alone, so import's worker threads make
 * it while the single writer is busy, and the writer only looks the ids
 * up in the store. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ks_buf.h"
#include "ks_hash.h"
#include "ks_snapshot.h"
#include "ks_store_int.h"

/* Sorted through ks_prefix_key(): most comparisons are two integer
 * compares on a small array instead of a strcmp through a pointer (the
 * sort was a tenth of an import). */
struct sort_key {
	uint64_t hi, lo;
	const char *path;
	size_t i;
};

static int cmp_key(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return strcmp(x->path, y->path);
}

void ks_path_entries_sort(struct ks_path_entry *pe, size_t n)
{
	struct sort_key *k;
	struct ks_path_entry *tmp;
	size_t i;

	if (n < 2)
		return;
	k = ks_xcalloc(n, sizeof(*k));
	for (i = 0; i < n; i++) {
		ks_prefix_key(pe[i].path, &k[i].hi, &k[i].lo);
		k[i].path = pe[i].path;
		k[i].i = i;
	}
	qsort(k, n, sizeof(*k), cmp_key);
	tmp = ks_xcalloc(n, sizeof(*tmp));
	for (i = 0; i < n; i++)
		tmp[i] = pe[k[i].i];
	memcpy(pe, tmp, n * sizeof(*pe));
	free(tmp);
	free(k);
}

struct plan_part {
	const struct ks_snapshot *snap;
	struct ks_path_entry *entries;
	size_t first, last;
};

static void *plan_part(void *arg)
{
	const struct plan_part *pp = arg;
	struct ks_sha1 *c = ks_sha1_new();
	size_t i;

	for (i = pp->first; i < pp->last; i++) {
		const struct ks_snapshot_entry *t = &pp->snap->entries[i];
		struct ks_path_entry *e = &pp->entries[i];

		e->path = ks_store_type_path(t->kind, t->name, t->variant);
		e->data = t->text;
		e->len = t->len;
		ks_object_id_with(c, &e->blob, GIT_OBJECT_BLOB, t->text, t->len);
	}
	ks_sha1_free(c);
	return NULL;
}

struct ks_snapshot_plan *ks_snapshot_plan_new(const struct ks_snapshot *snap)
{
	struct ks_snapshot_plan *plan;
	struct plan_part half[2];
	pthread_t tid;
	int threaded;

	if (!snap->finished)
		return NULL;
	plan = ks_xcalloc(1, sizeof(*plan));
	plan->snap = snap;
	plan->n = snap->n;
	plan->entries = ks_xcalloc(snap->n + 1, sizeof(*plan->entries));
	/* paths and ids of a kernel's 65,000 types: on two threads, as
	 * one kernel's import otherwise runs on one here */
	half[0] = (struct plan_part){ snap, plan->entries, 0, snap->n / 2 };
	half[1] = (struct plan_part){ snap, plan->entries, snap->n / 2, snap->n };
	threaded = snap->n >= 4096 && !pthread_create(&tid, NULL, plan_part, &half[1]);
	plan_part(&half[0]);
	if (threaded)
		pthread_join(tid, NULL);
	else
		plan_part(&half[1]);
	ks_path_entries_sort(plan->entries, plan->n);
	return plan;
}

void ks_snapshot_plan_probe(struct ks_snapshot_plan *plan, const char *store_path)
{
	git_repository *repo = NULL;
	struct stat st;
	char *objdir;
	size_t i;

	if (!plan || plan->probed)
		return;
	if (stat(store_path, &st)) {
		for (i = 0; i < plan->n; i++)
			plan->entries[i].probe = KS_PROBE_ABSENT;
		plan->probed = ks_xstrdup(store_path);
		return;
	}
	if (git_repository_open_ext(&repo, store_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL))
		return;	/* the writer will say what is wrong with it */
	objdir = ks_xasprintf("%sobjects", git_repository_path(repo));
	git_repository_free(repo);
	if (!ks_pack_probe(objdir, &plan->entries[0].blob, sizeof(*plan->entries), plan->n,
			   &plan->entries[0].probe, sizeof(*plan->entries)))
		plan->probed = ks_xstrdup(store_path);
	free(objdir);
}

void ks_snapshot_plan_free(struct ks_snapshot_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	free(plan->probed);
	for (i = 0; i < plan->n; i++)
		free(plan->entries[i].path);
	free(plan->entries);
	free(plan);
}
