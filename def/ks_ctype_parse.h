/* Canonical text read back into the C type model (common/ks_ctype.h):
 * what `kstruct check` matches an eBPF object's relocations against.
 * The text gives every member's offset and size; a named type a member
 * uses ("struct file *", "u32") stays a reference by name. */
#ifndef KS_CTYPE_PARSE_H
#define KS_CTYPE_PARSE_H

#include <stddef.h>

#include "ks_ctype.h"

/* What the text does not say and the release's arch decides. */
struct ks_ct_abi {
	unsigned int ptr_size;	/* 8, or 4 on 32-bit arches */
	int char_signed;	/* plain char: signed on x86, unsigned on arm64 */
};

/* The ABI of an arch as `uname -m` spells it. */
void ks_ct_abi_for(struct ks_ct_abi *abi, const char *arch);

/* The canonical text of a struct, union, enum or typedef (an entry of
 * those folders) as a complete type. KS_EFORMAT when it is not. */
int ks_ctype_parse(struct ks_ct_arena *a, const char *text, size_t len,
		   const struct ks_ct_abi *abi, struct ks_ctype **out);

/* One declaration as canonical text writes it ("const char *argv[4]",
 * "void (*fn)(int)", "long unsigned int"); *name is the declared name
 * ("" for none). KS_EFORMAT when it does not parse. */
int ks_ctype_parse_decl(struct ks_ct_arena *a, const char *decl,
			const struct ks_ct_abi *abi, struct ks_ctype **type, const char **name);

/* A declarator alone over @base ("name[4]", "*p"): the rest of a member
 * whose type is an anonymous body written out above it. -1 when it
 * does not parse (no message). */
int ks_ctype_parse_declarator(struct ks_ct_arena *a, const struct ks_ct_abi *abi,
			      const char *text, struct ks_ctype *base,
			      struct ks_ctype **type, const char **name);

#endif
