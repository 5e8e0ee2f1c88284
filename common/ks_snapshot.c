/* Ordering and deduplication of a snapshot. Everything here depends on
 * the canonical bytes alone, which is what makes a release's commit id a
 * function of its definitions, whatever order the inputs came in. */
#include "ks_snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_err.h"

struct ks_snapshot *ks_snapshot_new(void)
{
	struct ks_snapshot *snap = ks_xcalloc(1, sizeof(struct ks_snapshot));

	snap->recorded = KS_KINDS_LEGACY;
	return snap;
}

void ks_snapshot_free(struct ks_snapshot *snap)
{
	size_t i;

	if (!snap)
		return;
	for (i = 0; i < snap->n; i++) {
		free(snap->entries[i].name);
		free(snap->entries[i].text);
	}
	free(snap->entries);
	free(snap);
}

static void reserve(struct ks_snapshot *snap, size_t more)
{
	if (snap->n + more <= snap->cap)
		return;
	snap->cap = snap->cap ? snap->cap * 2 : 1024;
	if (snap->cap < snap->n + more)
		snap->cap = snap->n + more;
	snap->entries = ks_xrealloc(snap->entries, snap->cap * sizeof(*snap->entries));
}

int ks_snapshot_add(struct ks_snapshot *snap, const char *kind, const char *name,
		    char *text, size_t len)
{
	struct ks_snapshot_entry *e;
	const char *k;

	k = ks_kind_canonical(kind);
	if (!k) {
		free(text);
		return ks_err_set(KS_EINVAL, "%s: '%s' is not a kind", name, kind);
	}
	reserve(snap, 1);
	e = &snap->entries[snap->n++];
	e->kind = k;
	e->name = ks_xstrdup(name);
	e->variant = 1;
	e->text = text;
	e->len = len;
	snap->finished = 0;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct ks_snapshot_entry *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	if (!c)
		c = strcmp(x->name, y->name);
	if (!c) {
		size_t n = x->len < y->len ? x->len : y->len;

		c = memcmp(x->text, y->text, n);
		if (!c)
			c = (x->len > y->len) - (x->len < y->len);
	}
	return c;
}

/* The sort goes through keys (kind, the name's first 16 bytes as two
 * numbers) in front of cmp_entry: sorting the entries themselves with
 * two strcmp calls each was a twentieth of an import, and kernel names
 * share long prefixes (__x64_sys_, security_, bpf_prog_). */
struct entry_key {
	const char *kind;
	uint64_t hi, lo;
	const struct ks_snapshot_entry *e;
};

static int cmp_key(const void *a, const void *b)
{
	const struct entry_key *x = a, *y = b;
	size_t n;
	int c = x->kind == y->kind ? 0 : strcmp(x->kind, y->kind);

	if (c)
		return c;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	/* the first 16 bytes are equal: the names too if they ended there */
	if ((x->lo & 0xff) && (c = strcmp(x->e->name + 16, y->e->name + 16)))
		return c;
	n = x->e->len < y->e->len ? x->e->len : y->e->len;
	c = memcmp(x->e->text, y->e->text, n);
	return c ? c : (x->e->len > y->e->len) - (x->e->len < y->e->len);
}

static void sort_entries(struct ks_snapshot_entry *entries, size_t n)
{
	struct entry_key *k = ks_xcalloc(n, sizeof(*k));
	struct ks_snapshot_entry *sorted = ks_xcalloc(n, sizeof(*sorted));
	size_t i;

	for (i = 0; i < n; i++) {
		k[i].kind = entries[i].kind;
		ks_prefix_key(entries[i].name, &k[i].hi, &k[i].lo);
		k[i].e = &entries[i];
	}
	qsort(k, n, sizeof(*k), cmp_key);
	for (i = 0; i < n; i++)
		sorted[i] = *k[i].e;
	memcpy(entries, sorted, n * sizeof(*entries));
	free(sorted);
	free(k);
}

/* On sorted entries: drops identical duplicates, numbers the rest of
 * each name, counts the kinds. */
static void settle(struct ks_snapshot *snap)
{
	size_t i, out = 0;

	snap->finished = 1;
	for (i = 0; i < snap->n; i++) {
		struct ks_snapshot_entry *e = &snap->entries[i];
		struct ks_snapshot_entry *prev = out ? &snap->entries[out - 1] : NULL;

		if (prev && !cmp_entry(prev, e)) {
			free(e->name);
			free(e->text);
			continue;
		}
		e->variant = 1;
		if (prev && !strcmp(prev->kind, e->kind) && !strcmp(prev->name, e->name))
			e->variant = prev->variant + 1;
		snap->entries[out++] = *e;
	}
	snap->n = out;
	memset(snap->count, 0, sizeof(snap->count));
	for (i = 0; i < snap->n; i++) {
		enum ks_kind k;

		if (!ks_kind_parse(snap->entries[i].kind, (size_t)-1, &k))
			snap->count[k]++;
	}
	snap->nstructs = snap->count[KS_KIND_STRUCT];
	snap->nunions = snap->count[KS_KIND_UNION];
}

void ks_snapshot_finish(struct ks_snapshot *snap)
{
	if (snap->finished)
		return;
	if (snap->n)
		sort_entries(snap->entries, snap->n);
	settle(snap);
}

/* Both sorted: one merging pass instead of sorting the union again. */
static void merge_sorted(struct ks_snapshot *dst, struct ks_snapshot *src)
{
	size_t a = 0, b = 0, o = 0, cap = dst->n + src->n + 1;
	struct ks_snapshot_entry *m = ks_xcalloc(cap, sizeof(*m));

	while (a < dst->n && b < src->n)
		m[o++] = cmp_entry(&src->entries[b], &dst->entries[a]) < 0 ? src->entries[b++]
									   : dst->entries[a++];
	while (a < dst->n)
		m[o++] = dst->entries[a++];
	while (b < src->n)
		m[o++] = src->entries[b++];
	free(dst->entries);
	dst->entries = m;
	dst->n = o;
	dst->cap = cap;
	dst->recorded |= src->recorded;
	free(src->entries);
	free(src);
	settle(dst);
}

void ks_snapshot_merge(struct ks_snapshot *dst, struct ks_snapshot *src)
{
	if (src->finished && (dst->finished || !dst->n)) {
		merge_sorted(dst, src);
		return;
	}
	reserve(dst, src->n);
	if (src->n)
		memcpy(dst->entries + dst->n, src->entries, src->n * sizeof(*src->entries));
	dst->n += src->n;
	dst->recorded |= src->recorded;
	dst->finished = 0;
	free(src->entries);
	free(src);
}
