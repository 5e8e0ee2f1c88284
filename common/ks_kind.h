/* The kinds a snapshot holds, one table for every module: the name a
 * user types (`enum:NAME`), the top folder of the snapshot tree and the
 * meta count key are all this one word.
 */
#ifndef KS_KIND_H
#define KS_KIND_H

#include <stddef.h>

enum ks_kind {
	KS_KIND_STRUCT,
	KS_KIND_UNION,
	KS_KIND_ENUM,
	KS_KIND_TYPEDEF,
	KS_KIND_FUNC,
	KS_KIND_TRACEPOINT,
	KS_KIND_SYSCALL,
	KS_KIND_LSM,
	KS_KIND_KFUNC,
	KS_KIND_COUNT
};

/* Sets of kinds, bit 1u << kind: what imports recorded before the other
 * kinds existed, and every kind. */
#define KS_KINDS_LEGACY ((1u << KS_KIND_STRUCT) | (1u << KS_KIND_UNION))
#define KS_KINDS_ALL ((1u << KS_KIND_COUNT) - 1)

/* "struct", "union", "enum", ...: static. */
const char *ks_kind_name(enum ks_kind k);

/* The kind named @name (exactly; @len bytes, or all of it when @len is
 * (size_t)-1); 0, or KS_EINVAL with a message listing the kinds. */
int ks_kind_parse(const char *name, size_t len, enum ks_kind *out);

/* The kind named @name, or KS_KIND_COUNT when it is none; sets no error:
 * for names the table gave out (the store's, a snapshot's). */
enum ks_kind ks_kind_of(const char *name);

/* The table's own static string for @name, or NULL when it is no kind:
 * lets callers compare kinds by pointer. */
const char *ks_kind_canonical(const char *name);

/* Splits "KIND:NAME" (`enum:bpf_prog_type`): *@has_kind is 1 and *@kind
 * set when @spec starts with a kind and ':', and *@rest points after
 * the colon; else *@has_kind is 0 and *@rest is @spec. KS_EINVAL when a
 * prefix before ':' is no kind. */
int ks_kind_split(const char *spec, int *has_kind, enum ks_kind *kind, const char **rest);

#endif
