/* Reading canonical text back into members: what `show --format json`
 * and the history diff work from. The store holds only text, so this is
 * the one reader of it, for every kind (docs/format.md, "Canonical
 * text" and "The other kinds"). */
#ifndef KS_CANON_PARSE_H
#define KS_CANON_PARSE_H

#include <stddef.h>

struct ks_member {
	char *name;
	char *decl;		/* declaration without ';', e.g. "u32 flags:3" */
	unsigned long long offset_bits;	/* from the start of the outer type */
	unsigned long long size_bits;	/* bitfield width, or type size * 8 */
	unsigned int bitfield_size;	/* 0 unless a bitfield */
	unsigned int index;	/* place among the members, from 0 */
	/* A parameter or an argument (return is 0, the first parameter 1):
	 * it is found by position, not offset, so a new place is a change
	 * of meaning rather than of layout. */
	int positional;
};

struct ks_def {
	char *kind;		/* "struct", "enum", "func", ... */
	char *name;
	unsigned long long size;	/* bytes (0 where the kind has none) */
	/* a function's linkage, an enum's "signed"/"unsigned"; else NULL */
	char *note;
	/* a func's symbol forms as its header writes them ("symbols foo
	 * foo.isra.0", "no callable symbol"); NULL when not recorded */
	char *symbols;
	struct ks_member *members;	/* named members, flattened, in order */
	size_t n;
	/* ks_def_member()'s index, made by ks_canon_parse(): per slot the
	 * place + 1 of the first member of a name, 0 for free; @nslots a
	 * power of two, 0 when there is none (then a scan) */
	size_t *byname;
	size_t nslots;
};

/* KS_EFORMAT with the line number when @text is not canonical text of
 * any kind. */
int ks_canon_parse(struct ks_def **out, const char *text, size_t len);
/* The same, the message prefixed with where the text came from
 * ("NAME in RELEASE: ..."). */
int ks_canon_parse_named(struct ks_def **out, const char *text, size_t len,
			 const char *name, const char *release);
void ks_def_free(struct ks_def *def);
/* The first member of that name (in place order), or NULL. */
const struct ks_member *ks_def_member(const struct ks_def *def, const char *name);

/* The identifier a C declarator declares ("fn" in "void (*fn)(int)"),
 * or an empty string for an unnamed one. Caller frees. */
char *ks_decl_name(const char *decl);

#endif
