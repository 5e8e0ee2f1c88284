/* The declaration printer of btf/ks_canon.c, shared with the printer of
 * the other kinds (btf/ks_canon_kinds.c): docs/format.md wants every
 * declaration, a struct member's, a parameter's or a typedef's, written
 * by the same rules, so both go through this one function. */
#ifndef KS_CANON_INT_H
#define KS_CANON_INT_H

#include <linux/types.h>

#include "ks_buf.h"

struct btf;

/* Where a declaration is written. */
struct ks_canon_decl {
	int indent;		/* of the line the declaration starts on */
	__u64 base_bits;	/* where an inline anonymous body is laid out */
	/* goes on the first line, the opening line of the first anonymous
	 * body written out; NULL once used (then such a line gets an offset
	 * comment of its own); "" for none */
	const char *comment;
};

/* Appends the C declaration of @name (unescaped; "" for none) as type
 * @id. @root is the type the text is for, for messages. KS_EFORMAT on
 * ids out of range and chains too deep. */
int ks_canon__put_decl(const struct btf *btf, __u32 root, __u32 id, const char *name,
		       struct ks_canon_decl *dc, struct ks_buf *out);

/* A name as canonical text writes it (escaped when not C-like). */
void ks_canon__put_name(struct ks_buf *out, const char *name);

#endif
