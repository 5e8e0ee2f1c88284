/* What a snapshot tree from another store must be before a release tag
 * may point to it (docs/format.md, "The snapshot tree"): exactly the
 * shape kstruct writes, every name one kstruct would write there, sizes
 * within reason, counts as its meta says. The objects come through
 * callbacks, so the fuzz harness can describe a tree in memory. */
#ifndef KS_VALIDATE_H
#define KS_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

/* A blob larger than this is refused unread: the largest canonical text
 * of the corpus kernels is under 64 KiB. */
#define KS_MAX_TEXT (4u << 20)
#define KS_MAX_META (64u << 10)

struct ks_ventry {
	const char *name;
	int is_tree;		/* else a blob (any other mode is refused) */
	const char *id;		/* 40 hex digits */
};

struct ks_vsource {
	/* The entries of tree @id, in the tree's order, valid until the
	 * check returns: 0, or -1 when there is no such tree. */
	int (*tree)(void *ctx, const char *id, const struct ks_ventry **entries, size_t *n);
	/* A blob's size without reading it: 0, or -1 when there is none. */
	int (*blob_size)(void *ctx, const char *id, uint64_t *size);
	/* A blob's bytes: 0, or -1. */
	int (*blob)(void *ctx, const char *id, const char **data, size_t *len);
	void *ctx;
};

/* Trees already found good (a release shares most with the previous
 * one): tree id and the entries they hold, so a fetch of many releases
 * walks each tree once. NULL-safe free. */
struct ks_vcache;
struct ks_vcache *ks_vcache_new(void);
void ks_vcache_free(struct ks_vcache *c);

/* 0 when tree @tree_id is a snapshot of @release of @arch/@flavor;
 * otherwise 1 with the problem in @why (one line, no name from the
 * tree in it unescaped). -1 when a callback failed otherwise. */
int ks_validate_snapshot(const struct ks_vsource *src, struct ks_vcache *cache,
			 const char *tree_id, const char *release, const char *arch,
			 const char *flavor, char *why, size_t whysz);

#endif
