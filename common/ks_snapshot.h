/* A snapshot: the named definitions of one kernel (every kind of
 * common/ks_kind.h), as canonical text. It is what btf/ produces and store/ records, so that
 * neither needs the other's types: the store never sees BTF, and the
 * reader of BTF never sees git.
 */
#ifndef KS_SNAPSHOT_H
#define KS_SNAPSHOT_H

#include <stddef.h>

#include "ks_kind.h"

struct ks_snapshot_entry {
	const char *kind;	/* ks_kind_name() of its kind (static) */
	char *name;		/* the C name */
	unsigned int variant;	/* 1, or 2.. for further distinct bodies of one name */
	char *text;		/* canonical definition, '\n'-terminated */
	size_t len;
};

/* Once finished: sorted by (kind, name, text), no two entries with the
 * same text, same-name entries numbered 1, 2, ... in that order. */
struct ks_snapshot {
	struct ks_snapshot_entry *entries;
	size_t n;
	size_t cap;
	size_t nstructs;
	size_t nunions;
	size_t count[KS_KIND_COUNT];	/* entries per kind, once finished */
	/* Bit (1u << kind) for every kind the input was read for: a kind
	 * recorded with no entries is "none", one not recorded is "not
	 * recorded" (an older import). Struct and union are always set. */
	unsigned int recorded;
	int finished;
};

/* KS_KINDS_LEGACY, KS_KINDS_ALL: common/ks_kind.h */

struct ks_snapshot *ks_snapshot_new(void);
void ks_snapshot_free(struct ks_snapshot *snap);

/* Adds one definition; @kind is a kind's name (else KS_EINVAL),
 * @name is copied and @text (@len bytes) is taken over, also on error.
 * The snapshot is unfinished afterwards. */
int ks_snapshot_add(struct ks_snapshot *snap, const char *kind, const char *name,
		    char *text, size_t len);

/* Sorts, drops identical duplicates, numbers the remaining same-name
 * definitions and counts the kinds. Idempotent until the next add. */
void ks_snapshot_finish(struct ks_snapshot *snap);

/* Moves every entry of @src into @dst and frees @src. When both were
 * finished (or @dst was empty), @dst is finished, as if its entries had
 * been added to one snapshot and finished: two threads can each finish
 * their half. Otherwise @dst is unfinished (finish it again). */
void ks_snapshot_merge(struct ks_snapshot *dst, struct ks_snapshot *src);

#endif
