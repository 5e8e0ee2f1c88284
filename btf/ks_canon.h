/* Canonical text of struct and union definitions.
 *
 * The form is a stable interface, specified in docs/format.md: the same
 * BTF gives the same bytes on every machine, whatever libbpf prints.
 */
#ifndef KS_CANON_H
#define KS_CANON_H

#include <stddef.h>
#include <linux/types.h>

#include "ks_snapshot.h"

struct btf;

/* Adds every named struct/union defined at or after @start_id (1 for a
 * whole BTF, btf__type_cnt(base) for the split part of a module) to
 * @snap (common/ks_snapshot.h), which must be finished afterwards. */
int ks_canon_add_btf(struct ks_snapshot *snap, const struct btf *btf, __u32 start_id);

/* Adds every enum, typedef, func, tracepoint, syscall, lsm and kfunc
 * entry that the types at or after @start_id define, in the text of
 * docs/format.md "The other kinds", and marks every kind recorded. The
 * struct/union entries are ks_canon_add_btf()'s. KS_EFORMAT on BTF the
 * printer cannot write (ks_btf_check refuses such BTF first). */
int ks_canon_add_btf_kinds(struct ks_snapshot *snap, const struct btf *btf, __u32 start_id);
/* The same, writing each func's symbol forms from @symtab (or "no
 * callable symbol") into its header; NULL: symbols not recorded. */
struct ks_symtab;
int ks_canon_add_btf_kinds_syms(struct ks_snapshot *snap, const struct btf *btf,
				__u32 start_id, const struct ks_symtab *symtab);
/* One of two halves of ks_canon_add_btf_kinds_syms(), for two threads
 * (they only read @btf): KS_CANON_TYPES the enums, typedefs and
 * tracepoints, KS_CANON_FUNCS the funcs and the lsm, kfunc and syscall
 * entries made of them. Each marks every kind recorded on success: a
 * snapshot merged from both halves is complete, one alone is not. */
enum ks_canon_part { KS_CANON_TYPES = 1, KS_CANON_FUNCS = 2, KS_CANON_ALL = 3 };
int ks_canon_add_btf_kinds_part(struct ks_snapshot *snap, const struct btf *btf,
				__u32 start_id, const struct ks_symtab *symtab,
				enum ks_canon_part part);

/* Canonical text of one struct/union type (named or not). */
int ks_canon_render(char **text, size_t *len, const struct btf *btf, __u32 id);

#endif
