#include <stdlib.h>
#include <string.h>

#include "ks_buf.h"
#include "ks_store_int.h"

/* git orders a tree's entries by name, a subtree's name as if it ended
 * in '/'; fsck rejects any other order. */
static int cmp_entry(const void *a, const void *b)
{
	const struct ks_tree_entry *x = a, *y = b;
	size_t xl = strlen(x->name), yl = strlen(y->name);
	size_t n = xl < yl ? xl : yl;
	int c = memcmp(x->name, y->name, n);
	unsigned char xc, yc;

	if (c)
		return c;
	xc = xl > n ? (unsigned char)x->name[n] : (x->is_tree ? '/' : 0);
	yc = yl > n ? (unsigned char)y->name[n] : (y->is_tree ? '/' : 0);
	return (xc > yc) - (xc < yc);
}

void ks_tree_serialize(struct ks_tree_entry *entries, size_t n, char **out,
		       size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i, need = 0;

	/* Callers come from sorted paths, nearly always in git's order
	 * already: checking is n - 1 comparisons, sorting n log n (a
	 * quarter of building a kernel's trees). */
	for (i = 1; i < n; i++)
		if (cmp_entry(&entries[i - 1], &entries[i]) > 0)
			break;
	if (i < n)
		qsort(entries, n, sizeof(*entries), cmp_entry);
	for (i = 0; i < n; i++)
		need += 7 + strlen(entries[i].name) + 1 + GIT_OID_RAWSZ;
	ks_buf_grow(&b, need);
	for (i = 0; i < n; i++) {
		ks_buf_puts(&b, entries[i].is_tree ? "40000 " : "100644 ");
		ks_buf_add(&b, entries[i].name, strlen(entries[i].name) + 1);
		ks_buf_add(&b, entries[i].id.id, GIT_OID_RAWSZ);
	}
	*out = ks_buf_detach(&b, len);
}
