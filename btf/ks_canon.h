/* Canonical text of struct and union definitions.
 *
 * The form is a stable interface, specified in docs/format.md: the same
 * BTF gives the same bytes on every machine, whatever libbpf prints.
 */
#ifndef KS_CANON_H
#define KS_CANON_H

#include <stddef.h>
#include <linux/types.h>

struct btf;

struct ks_canon_type {
	const char *kind;	/* "struct" or "union" (static) */
	char *name;		/* the C name, as BTF spells it */
	unsigned int variant;	/* 1, or 2.. for further distinct bodies of one name */
	char *text;		/* canonical definition, '\n'-terminated */
	size_t len;
};

/* All named struct and union definitions of one snapshot, sorted by
 * (kind, name, variant); no two entries have the same text. */
struct ks_canon_set {
	struct ks_canon_type *types;
	size_t n;
	size_t cap;
	size_t nstructs;
	size_t nunions;
	int finished;
};

struct ks_canon_set *ks_canon_set_new(void);

/* Adds every named struct/union defined at or after @start_id (1 for a
 * whole BTF, btf__type_cnt(base) for the split part of a module). */
int ks_canon_set_add_btf(struct ks_canon_set *set, const struct btf *btf,
			 __u32 start_id);

/* Sorts, drops identical duplicates and numbers the remaining same-name
 * definitions. Must be called once, after the last add. */
void ks_canon_set_finish(struct ks_canon_set *set);

void ks_canon_set_free(struct ks_canon_set *set);

/* Moves every type of @src into @dst and frees @src; @dst is then
 * unfinished (finish it again). */
void ks_canon_set_merge(struct ks_canon_set *dst, struct ks_canon_set *src);

/* Canonical text of one struct/union type (named or not). */
int ks_canon_render(char **text, size_t *len, const struct btf *btf, __u32 id);

#endif
