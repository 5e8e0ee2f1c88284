/* C types as BPF CO-RE relocation sees them: kinds, sizes, members with
 * bit offsets, enumerators. Both sides of a relocation are described
 * this way: the eBPF object's own types (btf/ reads them from its BTF)
 * and a stored release's (def/ reads them from canonical text), so the
 * matcher (check/) needs neither libbpf nor the store.
 *
 * A type may be a reference by name only (`complete` 0: "struct
 * task_struct" inside a member of a stored struct); the matcher asks
 * its release for the definition when it has to look inside. Every
 * type belongs to an arena and is freed with it.
 */
#ifndef KS_CTYPE_H
#define KS_CTYPE_H

#include <stddef.h>
#include <stdint.h>

enum ks_ct_kind {
	KS_CT_VOID,
	KS_CT_INT,
	KS_CT_FLOAT,
	KS_CT_PTR,
	KS_CT_ARRAY,
	KS_CT_STRUCT,
	KS_CT_UNION,
	KS_CT_ENUM,
	KS_CT_FUNC,		/* a prototype: ref the return type, members the parameters */
	KS_CT_TYPEDEF,		/* ref the target once complete */
	KS_CT_FWD,		/* a declared, never defined struct or union */
};

struct ks_ctype;

struct ks_ct_member {
	const char *name;	/* "" for an anonymous member */
	uint64_t bit_offset;	/* from the start of the enclosing named type */
	unsigned int bitfield;	/* width in bits, 0 unless a bitfield */
	struct ks_ctype *type;
};

struct ks_ct_enumerator {
	const char *name;
	int64_t value;		/* as unsigned when the enum is unsigned */
};

struct ks_ctype {
	enum ks_ct_kind kind;
	const char *name;	/* NULL when anonymous (or a pointer, array, ...) */
	uint64_t size;		/* bytes; 0 where unknown or none */
	int is_signed;		/* ints and enums */
	int is_bool;
	/* 1: the body is known (members, enumerators, the typedef's ref);
	 * 0: a reference by kind and name, to be looked up */
	int complete;
	struct ks_ctype *ref;	/* pointer target, array element, typedef target, return type */
	uint64_t nelems;	/* arrays */
	struct ks_ct_member *members;	/* struct, union: fields; func: parameters */
	size_t nmembers;
	struct ks_ct_enumerator *enums;
	size_t nenums;
	int is_enum64;
};

struct ks_ct_arena;

struct ks_ct_arena *ks_ct_arena_new(void);
void ks_ct_arena_free(struct ks_ct_arena *a);

/* Zeroed memory and copies of strings that live as long as @a. */
void *ks_ct_alloc(struct ks_ct_arena *a, size_t size);
const char *ks_ct_strdup(struct ks_ct_arena *a, const char *s);
const char *ks_ct_strndup(struct ks_ct_arena *a, const char *s, size_t n);
struct ks_ctype *ks_ct_new(struct ks_ct_arena *a, enum ks_ct_kind kind, const char *name);

/* "struct", "union", "enum", "typedef", "int", ... */
const char *ks_ct_kind_name(enum ks_ct_kind kind);

/* The length of @name without a "___flavor" suffix, as libbpf compares
 * names ("task_struct___old" -> 11). */
size_t ks_ct_essential_len(const char *name);

#endif
