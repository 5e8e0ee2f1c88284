/* libbpf's CO-RE matcher, on the C type model: resolves one relocation
 * of an eBPF object against one kernel's types as libbpf 1.x's
 * relo_core.c would (candidates by essential name and kind, the access
 * path walked by member name through anonymous members, field and type
 * compatibility, ambiguity between candidates) and computes the value
 * the loader would patch in. The kernel's types come through a lookup
 * callback, so the matcher needs neither the store nor libbpf. */
#ifndef KS_CORE_H
#define KS_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "ks_ctype.h"
#include "ks_ctype_parse.h"
#include "ks_prog.h"

struct ks_core_target {
	/* Every definition of @kind (KS_CT_STRUCT, _UNION, _ENUM or
	 * _TYPEDEF) named @name, complete: *n 0 when there is none.
	 * Returns 0 or a KS_E* code with its message (the store failed). */
	int (*lookup)(void *ctx, enum ks_ct_kind kind, const char *name,
		      struct ks_ctype *const **defs, size_t *n);
	void *ctx;
	struct ks_ct_abi abi;
};

enum ks_core_status {
	KS_CORE_OK,		/* a candidate matched: @value is patched in */
	KS_CORE_ABSENT,		/* nothing matched, and the relocation says so
				 * (an exists check or type match is 0) */
	KS_CORE_POISONED,	/* nothing matched: libbpf poisons the instruction,
				 * and the program fails to load if it is reached */
	KS_CORE_ERROR,		/* libbpf refuses the object for this kernel */
};

struct ks_core_result {
	enum ks_core_status status;
	uint64_t value;
	int value_known;	/* 0: TYPE_ID_TARGET, a BTF id no store records */
	uint64_t bit_offset;	/* field relocations: where the access lands */
	int is_bitfield;
	/* the accessed member's byte size and signedness, here and in the
	 * object, for reads that load but mean something else */
	uint64_t size, local_size;
	int is_signed, local_signed, has_size;
	size_t ncands;		/* candidates looked at */
	char reason[256];	/* why it did not match, or the error */
};

/* 0 with @res filled, or a KS_E* code when the lookup failed. */
int ks_core_resolve(const struct ks_relo *relo, const struct ks_core_target *target,
		    struct ks_core_result *res);

#endif
