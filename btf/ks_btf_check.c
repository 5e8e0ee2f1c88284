#include <bpf/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_btf_check.h"
#include "ks_buf.h"
#include "ks_err.h"
#include "ks_input.h"

/* ---- BTF as the kernel accepts it ----
 *
 * libbpf 1.1 checks that the sections and every type record fit in the
 * bytes, not what the records say: a type id that does not exist, a name
 * offset past the strings, a loop of types, a member past the end of its
 * struct, a name no C compiler writes. The kernel's verifier
 * (kernel/bpf/btf.c) refuses all of these when it loads BTF, so no real
 * kernel has them; kstruct refuses them too, before they reach the
 * printer (ks_canon) or become a path in the store. */

/* KSYM_NAME_LEN - 1: the longest name the kernel's verifier accepts. */
#define KS_NAME_MAX 511

/* Writing out one struct visits each type of its declaration once per
 * use (anonymous types, pointers and prototypes are written in place).
 * The largest in real kernels (union security_list_options) takes about
 * 1,900; nesting that doubles at each level takes 2^levels. */
#define KS_RENDER_MAX 100000u

/* Types written out inside each other (anonymous structs, unions and
 * enums, pointers, arrays, qualifiers, prototypes): the kernel's verifier
 * resolves at most 32 levels (MAX_RESOLVE_DEPTH), and so deep the printer
 * (ks_canon, 2 levels of its own per type at most) and the reader
 * (ks_canon_parse) go. */
#define KS_NEST_MAX 32

static const char *kind_word(const struct btf_type *t)
{
	static const char *const words[] = {
		"void", "int", "pointer", "array", "struct", "union", "enum",
		"forward declaration", "typedef", "volatile", "const", "restrict",
		"function", "function prototype", "variable", "data section",
		"float", "declaration tag", "type tag", "enum",
	};

	if (!t)
		return "missing";
	return btf_kind(t) < sizeof(words) / sizeof(words[0]) ? words[btf_kind(t)] : "?";
}

/* A name as messages show it: quoted, on one line, cut when long. */
static void show_name(struct ks_buf *b, const char *s)
{
	size_t n = strlen(s), i;

	ks_buf_putc(b, '\'');
	for (i = 0; i < n && i < 48; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > ' ' && c < 0x7f && c != '\'' && c != '\\')
			ks_buf_putc(b, (char)c);
		else
			ks_buf_printf(b, "\\x%02x", c);
	}
	ks_buf_putc(b, '\'');
	if (n > 48)
		ks_buf_printf(b, "... (%zu bytes)", n);
}

/* "FILE: BTF type 14 (struct 'foo'): MESSAGE" */
static int bad_type(const struct ks_input *in, __u32 id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad_type(const struct ks_input *in, __u32 id, const char *fmt, ...)
{
	const struct btf_type *t = btf__type_by_id(in->btf, id);
	const char *name = t ? btf__str_by_offset(in->btf, t->name_off) : NULL;
	struct ks_buf b = KS_BUF_INIT;
	char msg[600];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ks_buf_printf(&b, "BTF type %u (%s", id, kind_word(t));
	if (name && name[0]) {
		ks_buf_putc(&b, ' ');
		show_name(&b, name);
	}
	ks_buf_printf(&b, "): %s", msg);
	err = ks_err_set(KS_EFORMAT, "%s: %s", in->path, b.p);
	ks_buf_free(&b);
	return err;
}

static int is_identifier(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == KS_NAME_MAX)	/* (stops early in a long name) */
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i && c >= '0' && c <= '9')))
			return 0;
	}
	return i > 0;
}

enum { NAME_OPTIONAL = 0, NAME_REQUIRED = 1, NAME_IDENT = 2 };

/* What part of a type a message is about ("member 3 "), put into words
 * only when there is a message: the checks run on every member. */
struct what {
	const char *label;	/* NULL: the type itself */
	int i;			/* -1: no number */
};
static const struct what self = { NULL, -1 };

static const char *what_str(const struct what *w, char buf[64])
{
	if (!w->label)
		return "";
	if (w->i < 0)
		snprintf(buf, 64, "%s ", w->label);
	else
		snprintf(buf, 64, "%s %d ", w->label, w->i);
	return buf;
}

/* Checks the name at string offset @off of type @id (@what: "" for the
 * type's own name, else "member 3 " and the like). */
static int check_name(const struct ks_input *in, __u32 id, const struct what *w,
		      __u32 off, int rules)
{
	const char *s = btf__str_by_offset(in->btf, off);
	struct ks_buf b = KS_BUF_INIT;
	char buf[64];
	const char *what;
	int err;

	if (s && s[0] && (rules & NAME_IDENT ? is_identifier(s) :
			  strnlen(s, KS_NAME_MAX + 1) <= KS_NAME_MAX))
		return 0;
	what = what_str(w, buf);

	if (!s)
		return bad_type(in, id, "%sname offset %u is past the string section",
				what, off);
	if (!s[0])
		return rules & NAME_REQUIRED ? bad_type(in, id, "%shas no name", what) : 0;
	/* (bounded: a hostile name may be megabytes long and used often) */
	if (rules & NAME_IDENT ? is_identifier(s) : strnlen(s, KS_NAME_MAX + 1) <= KS_NAME_MAX)
		return 0;
	if (what[0])	/* (the type's own name: bad_type shows it) */
		show_name(&b, s);
	err = bad_type(in, id, "%sname%s%s is %s %d bytes (the kernel's BTF verifier "
		       "refuses it)", what, what[0] ? " " : "", b.p ? b.p : "",
		       rules & NAME_IDENT ? "not a C identifier of at most" : "longer than",
		       KS_NAME_MAX);
	ks_buf_free(&b);
	return err;
}

static int check_ref(const struct ks_input *in, __u32 id, const struct what *w, __u32 to)
{
	__u32 n = btf__type_cnt(in->btf);
	const struct btf_type *t, *tt;
	char buf[64];

	if (to >= n)
		return bad_type(in, id, "%srefers to type %u, which does not exist (the "
				"BTF has %u types)", what_str(w, buf), to, n - 1);
	/* variables, data sections and declaration tags are no types of
	 * values: only data sections and tags refer to them */
	t = btf__type_by_id(in->btf, id);
	tt = to ? btf__type_by_id(in->btf, to) : NULL;
	if (tt && !btf_is_datasec(t) && !btf_is_decl_tag(t) &&
	    (btf_is_var(tt) || btf_is_datasec(tt) || btf_is_decl_tag(tt)))
		return bad_type(in, id, "%srefers to type %u, a %s (the kernel's BTF "
				"verifier refuses it)", what_str(w, buf), to, kind_word(tt));
	return 0;
}

/* Names and type references of type @id. */
static int check_type_fields(const struct ks_input *in, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(in->btf, id);
	struct what w = { NULL, -1 };
	int i, err = 0;

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT: {
		/* (old pahole writes an anonymous "int") */
		err = check_name(in, id, &self, t->name_off, NAME_OPTIONAL);
		if (!err && btf_is_int(t)) {
			__u32 enc = *(const __u32 *)(t + 1);

			if (BTF_INT_BITS(enc) > 128 || !BTF_INT_BITS(enc) ||
			    BTF_INT_OFFSET(enc) + BTF_INT_BITS(enc) > (__u64)t->size * 8)
				err = bad_type(in, id, "int of %u bits at bit %u does not "
					       "fit its %u bytes", BTF_INT_BITS(enc),
					       BTF_INT_OFFSET(enc), t->size);
		}
		return err;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);

		err = check_name(in, id, &self, t->name_off, NAME_IDENT);
		for (i = 0; !err && i < btf_vlen(t); i++, m++) {
			w.label = "member";
			w.i = i;
			err = check_name(in, id, &w, m->name_off, NAME_IDENT);
			if (!err)
				err = check_ref(in, id, &w, m->type);
		}
		return err;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		err = check_name(in, id, &self, t->name_off, NAME_IDENT);
		for (i = 0; !err && i < btf_vlen(t); i++) {
			w.label = "value";
			w.i = i;
			err = check_name(in, id, &w, btf_is_enum(t) ? btf_enum(t)[i].name_off
					 : btf_enum64(t)[i].name_off, NAME_REQUIRED | NAME_IDENT);
		}
		return err;
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FUNC:
		err = check_name(in, id, &self, t->name_off, NAME_REQUIRED | NAME_IDENT);
		if (!err)
			err = check_ref(in, id, &self, t->type);
		if (!err && btf_is_func(t) &&
		    !btf_is_func_proto(btf__type_by_id(in->btf, t->type)))
			err = bad_type(in, id, "type %u is not a function prototype", t->type);
		/* the linkage is the func's canonical comment (static, global,
		 * extern); the kernel's verifier refuses any other */
		if (!err && btf_is_func(t) && btf_vlen(t) > BTF_FUNC_EXTERN)
			err = bad_type(in, id, "linkage %u is none of static, global, extern",
				       btf_vlen(t));
		return err;
	case BTF_KIND_ARRAY:
		err = check_name(in, id, &self, t->name_off, NAME_OPTIONAL);
		if (!err)
			err = check_ref(in, id, &(struct what){ "element type", -1 }, btf_array(t)->type);
		if (!err)
			err = check_ref(in, id, &(struct what){ "index type", -1 }, btf_array(t)->index_type);
		return err;
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = btf_params(t);

		err = check_ref(in, id, &(struct what){ "return type", -1 }, t->type);
		for (i = 0; !err && i < btf_vlen(t); i++, p++) {
			w.label = "parameter";
			w.i = i;
			err = check_name(in, id, &w, p->name_off, NAME_IDENT);
			if (!err)
				err = check_ref(in, id, &w, p->type);
		}
		return err;
	}
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = btf_var_secinfos(t);

		err = check_name(in, id, &self, t->name_off, NAME_OPTIONAL);
		for (i = 0; !err && i < btf_vlen(t); i++, v++) {
			w.label = "variable";
			w.i = i;
			err = check_ref(in, id, &w, v->type);
		}
		return err;
	}
	default:
		/* pointers, qualifiers, variables, tags: a name (or none) and
		 * one type */
		err = check_name(in, id, &self, t->name_off, NAME_OPTIONAL);
		if (!err)
			err = check_ref(in, id, &self, t->type);
		return err;
	}
}

enum { BY_VALUE, WRITTEN_OUT };

/* The @k-th type that @t leads to: in BY_VALUE, the types it is made of
 * (a struct of its members, a typedef or qualifier of its type, an array
 * of its elements; not what a pointer points to); in WRITTEN_OUT, the
 * types that writing @t as C writes out in place (qualifiers, pointers,
 * arrays, prototypes and anonymous structs, unions and enums; a named
 * type is written as its name). 0 when there are fewer. */
static int next_type(const struct btf *btf, const struct btf_type *t, int graph,
		     __u32 k, __u32 *to)
{
	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
		if (graph == WRITTEN_OUT)
			return 0;
		/* fallthrough */
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		*to = t->type;
		return k == 0;
	case BTF_KIND_PTR:
	case BTF_KIND_FUNC:
		*to = t->type;
		return graph == WRITTEN_OUT && k == 0;
	case BTF_KIND_ARRAY:
		*to = btf_array(t)->type;
		return k == 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (graph == WRITTEN_OUT && btf__str_by_offset(btf, t->name_off)[0])
			return 0;
		if (k >= btf_vlen(t))
			return 0;
		*to = btf_members(t)[k].type;
		return 1;
	case BTF_KIND_FUNC_PROTO:
		if (graph == BY_VALUE || k > btf_vlen(t))
			return 0;
		*to = k ? btf_params(t)[k - 1].type : t->type;
		return 1;
	default:
		return 0;
	}
}

/* Depth-first through @graph from every type from @start on, without
 * recursion (a hostile chain may be a million types long). Returns a type
 * on a cycle, or 0. With @cost (WRITTEN_OUT), sets each type's cost of
 * being written out: itself, its enum values, and the cost of every type
 * it leads to, as often as it leads there; at most KS_RENDER_MAX + 1; and
 * @nest, the types on the longest chain it leads to, itself included; at
 * most KS_NEST_MAX + 1. */
static __u32 find_cycle(const struct btf *btf, __u32 start, int graph, __u32 *cost,
			unsigned char *nest)
{
	struct frame {
		__u32 id, k;
	} *stack;
	__u32 n = btf__type_cnt(btf), root, found = 0;
	unsigned char *state = ks_xcalloc(n, 1);	/* 1 on the path, 2 done */

	stack = ks_xmalloc(n * sizeof(*stack));
	for (root = start; root < n && !found; root++) {
		size_t sp = 0;

		if (state[root])
			continue;
		state[root] = 1;
		stack[sp].id = root;
		stack[sp++].k = 0;
		while (sp && !found) {
			struct frame *f = &stack[sp - 1];
			const struct btf_type *t = btf__type_by_id(btf, f->id);
			__u32 to, k;
			__u64 c;

			if (next_type(btf, t, graph, f->k++, &to)) {
				if (!to || to >= n || state[to] == 2)
					continue;
				if (state[to] == 1) {
					found = to;
					break;
				}
				state[to] = 1;
				stack[sp].id = to;
				stack[sp++].k = 0;
				continue;
			}
			state[f->id] = 2;
			if (cost) {
				unsigned int d = 0;

				c = 1;
				if (btf_is_any_enum(t) && !btf__str_by_offset(btf, t->name_off)[0])
					c += btf_vlen(t);
				for (k = 0; next_type(btf, t, graph, k, &to); k++)
					if (to && to < n) {
						c += cost[to];
						if (nest[to] > d)
							d = nest[to];
					}
				cost[f->id] = c > KS_RENDER_MAX ? KS_RENDER_MAX + 1 : (__u32)c;
				nest[f->id] = (unsigned char)(d > KS_NEST_MAX ? KS_NEST_MAX + 1
									 : d + 1);
			}
			sp--;
		}
	}
	free(state);
	free(stack);
	return found;
}

/* The members of struct or union @id lie inside it, and writing it out
 * takes a bounded effort and nesting (@cost, @nest: from find_cycle). */
static int check_members(const struct ks_input *in, __u32 id, const __u32 *cost,
			 const unsigned char *nest)
{
	const struct btf_type *t = btf__type_by_id(in->btf, id);
	const struct btf_member *m = btf_members(t);
	__u64 total = 1;
	unsigned int deepest = 0;
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++) {
		const struct btf_type *mt = btf__type_by_id(in->btf, m->type);
		__s64 size = btf__resolve_size(in->btf, m->type);
		__u64 off = btf_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
		__u32 bits = btf_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
		const char *name = btf__str_by_offset(in->btf, m->name_off);
		struct ks_buf b = KS_BUF_INIT;
		int err = 0;

		/* (as ks_canon reads them) an older encoding puts bitfields
		 * in the int type */
		if (!btf_kflag(t) && mt && btf_is_int(mt)) {
			__u32 enc = *(const __u32 *)(mt + 1);

			if (BTF_INT_BITS(enc) != mt->size * 8 || BTF_INT_OFFSET(enc)) {
				off += BTF_INT_OFFSET(enc);
				bits = BTF_INT_BITS(enc);
			}
		}
		if (size >= 0 && !(bits && (__u64)bits > (__u64)size * 8) &&
		    off + (bits ? bits : (__u64)size * 8) <= (__u64)t->size * 8)
			goto fits;	/* (the message below is made only when needed) */
		ks_buf_printf(&b, "member %d", i);
		if (name[0]) {
			ks_buf_putc(&b, ' ');
			show_name(&b, name);
		}
		if (size < 0)
			err = bad_type(in, id, "%s: the size of its type cannot be computed "
				       "(no type, an incomplete type, too deeply nested or "
				       "larger than 4 GiB)", b.p);
		else if (bits && (__u64)bits > (__u64)size * 8)
			err = bad_type(in, id, "%s: a bitfield of %u bits in a type of %llu "
				       "bits", b.p, bits, (unsigned long long)size * 8);
		else if (off + (bits ? bits : (__u64)size * 8) > (__u64)t->size * 8)
			err = bad_type(in, id, "%s: its bits %llu to %llu lie past the end of "
				       "the %s (%u bytes)", b.p, (unsigned long long)off,
				       (unsigned long long)(off + (bits ? bits : (__u64)size * 8)),
				       kind_word(t), t->size);
		ks_buf_free(&b);
		if (err)
			return err;
fits:
		total += cost[m->type];
		if (nest[m->type] > deepest)
			deepest = nest[m->type];
	}
	if (total > KS_RENDER_MAX)	/* named or not: ks_canon_render takes both */
		return bad_type(in, id, "writing it out would take more than %u type "
				"declarations (nested types used over and over): too large",
				KS_RENDER_MAX);
	if (deepest > KS_NEST_MAX)
		return bad_type(in, id, "its members write out types nested more than %d "
				"deep (anonymous structs, pointers, arrays, prototypes inside "
				"each other)", KS_NEST_MAX);
	return 0;
}

/* A typedef's or function's declaration (ks_canon_kinds writes one per
 * typedef and function) takes a bounded effort and nesting, as a
 * struct's members do: a prototype whose parameters point to prototypes
 * twice over, 60 levels deep, is a few hundred types and 2^60 lines. */
static int check_written(const struct ks_input *in, __u32 id, __u32 decl,
			 const __u32 *cost, const unsigned char *nest)
{
	if (cost[decl] > KS_RENDER_MAX)
		return bad_type(in, id, "writing it out would take more than %u type "
				"declarations (nested types used over and over): too large",
				KS_RENDER_MAX);
	if (nest[decl] > KS_NEST_MAX)
		return bad_type(in, id, "its declaration writes out types nested more than "
				"%d deep (anonymous structs, pointers, arrays, prototypes "
				"inside each other)", KS_NEST_MAX);
	return 0;
}

/* The checks of the kernel's verifier that matter to kstruct, on the
 * types the input itself defines (a module's base was checked when it
 * was read). */
int ks_btf_check(const struct ks_input *in)
{
	const struct btf *btf = in->btf;
	__u32 n = btf__type_cnt(btf), id, *cost;
	unsigned char *nest;
	int err = 0;

	for (id = in->start_id; id < n && !err; id++)
		err = check_type_fields(in, id);
	if (err)
		return err;
	cost = ks_xcalloc(n, sizeof(*cost));
	nest = ks_xcalloc(n, 1);
	/* From type 1 (a whole kernel), the walk that finds the costs is
	 * the cycle check: one walk of the graph instead of two. */
	if ((id = find_cycle(btf, in->start_id, BY_VALUE, NULL, NULL)) ||
	    (in->start_id > 1 && (id = find_cycle(btf, in->start_id, WRITTEN_OUT, NULL, NULL))) ||
	    (id = find_cycle(btf, 1, WRITTEN_OUT, cost, nest))) {
		free(cost);
		free(nest);
		return bad_type(in, id, "is part of a cycle of types (a type that "
				"contains itself, or is written out inside itself)");
	}
	for (id = in->start_id; id < n && !err; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (btf_is_composite(t))
			err = check_members(in, id, cost, nest);
		else if (btf_is_typedef(t))
			err = check_written(in, id, t->type, cost, nest);
		else if (btf_is_func(t))
			err = check_written(in, id, id, cost, nest);
	}
	free(cost);
	free(nest);
	return err;
}

/* The header fields libbpf 1.1 lets pass. */
int ks_btf_check_header(const struct ks_input *in, const unsigned char *data)
{
	int be = data[0] == 0xeb && data[1] == 0x9f;	/* big-endian magic */
	__u32 hdr_len = be ? (__u32)data[4] << 24 | (__u32)data[5] << 16 |
				     (__u32)data[6] << 8 | data[7]
			   : (__u32)data[7] << 24 | (__u32)data[6] << 16 |
				     (__u32)data[5] << 8 | data[4];

	if (data[2] != 1)
		return ks_err_set(KS_EFORMAT, "%s: BTF version %u (kstruct reads version 1)",
				  in->path, data[2]);
	if (data[3])
		return ks_err_set(KS_EFORMAT, "%s: BTF header flags 0x%02x (kstruct knows "
				  "of none)", in->path, data[3]);
	if (hdr_len < 24)
		return ks_err_set(KS_EFORMAT, "%s: BTF header length %u, shorter than the "
				  "24-byte header", in->path, hdr_len);
	return 0;
}

